#!/usr/bin/env bash
# Installs the Debian 12 packages a task of roster's needs, if any is missing:
#
#   deploy/local/deps.sh [run] [test] [bench] [cluster]    (default: run)
#
# `run` is what building and running the local stack needs (`make run`): the
# compiler, the libraries, MariaDB and nginx.  `test`, `bench` and `cluster`
# add the tools of `make test`, `make bench` and `make test-cluster`, so that a
# server that only runs roster gets no browser, second web server or load tool.
# A no-op (one dpkg-query) when everything is there.  Needs root (or sudo)
# only when it has to install.
#
# The packaged services of what it installs (MariaDB, nginx, Apache,
# memcached) are never used: the local stack and the tests run private
# instances.  They are kept from starting while installing (policy-rc.d), and
# those this run installed are disabled again afterwards, so none of them
# starts at the next boot (a LAMP server that already had nginx or MariaDB
# enabled keeps them as they were); the script checks that, with
# `systemctl is-enabled` where systemd is installed and the /etc/rc?.d links
# where it is not, and fails if one is still enabled.

set -euo pipefail

# What each task needs; tests/lint/check_deps.py checks these lists.
RUN_PACKAGES=(
	build-essential pkg-config
	libfcgi-dev default-libmysqlclient-dev libjansson-dev libsodium-dev
	libcurl4-openssl-dev libmemcached-dev
	mariadb-server mariadb-client nginx-light
	curl python3     # stack.sh's health check; the tests and the docs' checks
	tzdata           # the IANA time zones a website's timezone is checked against
)
TEST_PACKAGES=(
	libcmocka-dev    # make unit
	memcached        # the optional rate-limit store (rate_store = memcached)
	python3-aiosmtpd # the SMTP receiver of the delivery tests
	chromium         # the join page's browser test (driven by playwright-core)
	clang libclang-rt-14-dev # clang's sanitizer runtimes: make asan, make fuzz
	clang-format     # make check-format (run by make test), make format
	apache2 libapache2-mod-fcgid spawn-fcgi systemd # tests/e2e/test_deploy.py: Apache (mod_proxy_fcgi, mod_fcgid), spawn-fcgi, systemd-socket-activate
	dpkg-dev lintian debootstrap # make deb, its lint, tests/package: a fresh Debian 12 root
	groff-base       # tests/e2e/test_cli.py renders the man pages
)
BENCH_PACKAGES=(
	wrk gnuplot-nox  # make bench: the load generator and the chart
)
CLUSTER_PACKAGES=(
	galera-4 mariadb-backup rsync socat iproute2 # make test-cluster: a Galera cluster (deploy/galera)
)

# Services of these packages that must not start when installed, nor at boot.
SERVICES=(mariadb mysql nginx apache2 apache-htcacheclean memcached)

tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(run)
PACKAGES=()
for t in "${tasks[@]}"; do
	case $t in
	run) PACKAGES+=("${RUN_PACKAGES[@]}") ;;
	test) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
	bench) PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
	cluster) PACKAGES+=("${CLUSTER_PACKAGES[@]}") ;;
	*) printf 'deps.sh: unknown task %s (run, test, bench, cluster)\n' "$t" >&2; exit 2 ;;
	esac
done
# Node.js drives the browser test and the DatoCMS client test; the machine
# image usually has it, Debian's packages otherwise.
case " ${tasks[*]} " in
*" test "*)
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		PACKAGES+=(nodejs npm)
	fi
	;;
esac

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
PROG=deps.sh
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$SCRIPT_DIR/../lib.sh"

command -v dpkg-query >/dev/null ||
	die "not a Debian system; install by hand: ${PACKAGES[*]}"

# One dpkg-query for all packages; unknown ones print nothing (and make it fail).
declare -A installed=()
while read -r name want ok state; do
	if [ "$want $ok $state" = "install ok installed" ]; then
		installed[$name]=1
	fi
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "${installed[$p]:-}" ] || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

SUDO=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null ||
		die "missing packages and not root: apt-get install ${missing[*]}"
	SUDO=(sudo)
fi

say "installing: ${missing[*]}"

# enabled SERVICE: it starts at boot: systemd says so where systemd is
# installed (its answer covers SysV scripts too), or a start link exists in
# a multi-user runlevel's /etc/rc?.d.
enabled() {
	local st
	if command -v systemctl >/dev/null; then
		st=$(systemctl is-enabled "$1" 2>/dev/null) || true
		case $st in enabled | enabled-runtime) return 0 ;; esac
	fi
	compgen -G "/etc/rc[2-5].d/S[0-9][0-9]$1" >/dev/null
}

# Which services started at boot before, so that only what this install
# enabled is disabled again below.
enabled_before=" "
for svc in "${SERVICES[@]}"; do
	if enabled "$svc"; then
		enabled_before="$enabled_before$svc "
	fi
done

# Keep the packaged services from starting: invoke-rc.d (and deb-systemd-invoke)
# ask /usr/sbin/policy-rc.d; exit 101 means "forbidden". Only if there is no
# policy already (containers often have one), and removed again afterwards.
POLICY=/usr/sbin/policy-rc.d
POLICY_MARK='# roster deps.sh: temporary'
cleanup() {
	if [ -f "$POLICY" ] && grep -qF "$POLICY_MARK" "$POLICY" 2>/dev/null; then
		"${SUDO[@]}" rm -f "$POLICY"
	fi
	[ -z "${LOG:-}" ] || rm -f "$LOG"
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
	# shellcheck disable=SC2016 # $1 is for the policy script
	printf '#!/bin/sh\n%s\ncase "$1" in %s) exit 101 ;; esac\nexit 0\n' \
		"$POLICY_MARK" "$(IFS='|'; echo "${SERVICES[*]}")" |
		"${SUDO[@]}" tee "$POLICY" >/dev/null
	"${SUDO[@]}" chmod 755 "$POLICY"
fi

# Which system instances ran before, so that only what this install started is
# stopped below.
running_before=
for pidfile in /run/mysqld/mysqld.pid /run/nginx.pid /run/apache2/apache2.pid; do
	if [ -s "$pidfile" ]; then
		running_before="$running_before $pidfile"
	fi
done

LOG=$(mktemp)
apt_get() {
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"$@" >>"$LOG" 2>&1
}
if ! apt_get update; then
	tail -n 30 "$LOG" >&2
	die "apt-get update failed"
fi
if ! apt_get install --no-install-recommends "${missing[@]}"; then
	tail -n 30 "$LOG" >&2
	die "apt-get install failed: ${missing[*]}"
fi

# Belt and braces: a system without policy-rc.d support, or one whose own policy
# allowed the start. Stop only instances that were not running before.
for pidfile in /run/mysqld/mysqld.pid /run/nginx.pid /run/apache2/apache2.pid; do
	case " $running_before " in *" $pidfile "*) continue ;; esac
	[ -s "$pidfile" ] || continue
	read -r pid <"$pidfile" || continue
	case $pidfile in
	*mysqld*) unit=mariadb ;;
	*apache2*) unit=apache2 ;;
	*) unit=nginx ;;
	esac
	say "stopping the packaged $unit service started by the install (not used)"
	if [ -d /run/systemd/system ]; then
		"${SUDO[@]}" systemctl stop "$unit" || true
	else
		"${SUDO[@]}" kill -TERM "$pid" 2>/dev/null || true
	fi
done

# Enabled by this install: disabled again, for systemd and for SysV init.
for svc in "${SERVICES[@]}"; do
	case $enabled_before in *" $svc "*) continue ;; esac
	enabled "$svc" || continue
	say "disabling the packaged $svc service at boot (roster's scripts run their own)"
	if command -v systemctl >/dev/null; then
		"${SUDO[@]}" systemctl disable "$svc" >>"$LOG" 2>&1 || true
	fi
	if [ -x "/etc/init.d/$svc" ] && command -v update-rc.d >/dev/null; then
		"${SUDO[@]}" update-rc.d "$svc" disable >>"$LOG" 2>&1 || true
	fi
	if enabled "$svc"; then
		tail -n 20 "$LOG" >&2
		die "$svc is still enabled at boot after disabling it"
	fi
done

say "done"
