# gnuplot script of `make bench`: throughput and p99 latency against
# concurrency, one line per scenario.
#
#   gnuplot -e "datafile='build/bench/plot.dat'; outfile='build/bench/bench.png'" bench.gp
#
# datafile: one block per scenario, blocks separated by two blank lines; the
# first line of a block is the scenario's name (quoted), then lines of
# "concurrency requests_per_s p50_ms p99_ms".

if (!exists("datafile")) datafile = 'build/bench/plot.dat'
if (!exists("outfile")) outfile = 'build/bench/bench.png'
if (!exists("subtitle")) subtitle = ''

stats datafile using 1 nooutput
nblocks = STATS_blocks

set terminal pngcairo size 1500,650 font 'sans,10' noenhanced
set output outfile
set multiplot layout 1,2 title 'roster: nginx -> FastCGI pool -> MariaDB  '.subtitle

set logscale x 2
set xlabel 'concurrent connections (wrk -c)'
set xtics (1, 8, 32, 128)
set xrange [0.8:160]
set grid
set style data linespoints
set pointsize 1.2
# nine distinguishable lines: colour and dash
array col[9] = ['#7b1fa2', '#2e7d32', '#1565c0', '#42a5f5', '#ef6c00', '#ffb300', '#c62828', '#6d4c41', '#000000']
do for [i=1:6] { set linetype i lc rgb col[i] lw 2 pt i dt 1 }
do for [i=7:9] { set linetype i lc rgb col[i] lw 2 pt i dt 2 }
set linetype cycle 9

set title 'throughput'
set ylabel 'requests/s (log scale)'
set logscale y
set format y '%g'
set key outside right top vertical
plot for [i=0:nblocks-1] datafile index i using 1:2 title columnheader(1)

set title 'p99 latency'
set ylabel 'p99 (ms, log scale)'
plot for [i=0:nblocks-1] datafile index i using 1:4 title columnheader(1)

unset multiplot
