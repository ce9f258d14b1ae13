"""The worker pool: "It is served by a pool of FastCGI workers" (shared/API.md);
a worker killed with SIGKILL is replaced and the pool keeps answering."""

import os
import signal

import harness as H
from harness import http, new_site, ok, pid_alive, wait_for, worker_pids


def get_ok(s):
    try:
        return http("GET", s.team, token=s.owner.token).status == 200
    except OSError:
        return False


def test_sigkill_worker_pool_answers_again():
    """Pool: SIGKILL one worker; within seconds 20 sequential requests all answer 200, the master is unchanged,
    and the pool is back to its size."""
    s = new_site(key=False)
    master = H.STACK.master_pid()
    assert pid_alive(master), "master %d is not running" % master
    before = worker_pids(master)
    assert before, "no worker processes under master %d" % master
    ok(http("GET", s.team, token=s.owner.token))
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: not pid_alive(victim), 5), "worker %d survived SIGKILL" % victim
    # the killed worker's in-flight connection may fail: retry the first for up to 3 s
    assert wait_for(lambda: get_ok(s), 3, 0.1), "no 200 within 3 s of killing worker %d" % victim
    for i in range(20):
        ok(http("GET", s.team, token=s.owner.token), "request %d after the kill" % i)
    assert H.STACK.master_pid() == master and pid_alive(master), "the master changed or died"
    after = wait_for(lambda: (lambda p: p if len(p) >= len(before) else None)(worker_pids(master)), 10)
    assert after and len(after) >= len(before), "pool size %r after the kill, %d before" % (after, len(before))
    assert victim not in after


def test_sigkill_every_worker():
    """Pool: even with every worker killed at once the master respawns them and requests answer 200."""
    s = new_site(key=False)
    master = H.STACK.master_pid()
    before = worker_pids(master)
    assert before, "no workers"
    for p in before:
        os.kill(p, signal.SIGKILL)
    assert wait_for(lambda: get_ok(s), 10, 0.1), "no 200 within 10 s of killing every worker"
    for i in range(10):
        ok(http("GET", s.team, token=s.owner.token), "request %d after killing all" % i)
    assert H.STACK.master_pid() == master and pid_alive(master)
    after = wait_for(lambda: (lambda p: p if len(p) >= len(before) else None)(worker_pids(master)), 10)
    assert after and not (set(after) & set(before)), "workers %r after, %r before" % (after, before)
