#!/usr/bin/env python3
"""Each task installs what it needs and no more (deploy/local/deps.sh).

    python3 tests/lint/check_deps.py [--deps deploy/local/deps.sh] [--makefile Makefile]

Reads the package lists of deps.sh (RUN_PACKAGES, TEST_PACKAGES, BENCH_PACKAGES,
CLUSTER_PACKAGES) and SERVICES, and the Makefile's calls of it, and checks:

  - `make run` (deps.sh run) brings no test, bench or cluster tool: no browser,
    no second web server, no load generator, no Galera, no fuzzing compiler;
  - every task's target calls deps.sh with `run` and its own task only;
  - every package of the lists that ships a service roster's scripts replace
    with a private instance has that service in SERVICES, so the install keeps
    it from starting and disables it at boot.

The chroot test (tests/package/run.py) runs `deps.sh run` in a fresh Debian 12
root and checks the same from the outside.  Exits 1 naming each problem.
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Tools no server that only runs roster should get from `make run`.
NOT_FOR_RUN = {"chromium", "clang", "libclang-rt-14-dev", "clang-format", "libcmocka-dev", "apache2",
               "libapache2-mod-fcgid", "spawn-fcgi", "wrk", "gnuplot-nox", "gnuplot", "galera-4",
               "mariadb-backup", "lintian", "debootstrap", "python3-aiosmtpd", "nodejs", "npm", "socat"}
# Packages whose service apt enables, and the services' names.
SERVICE_OF = {"mariadb-server": ["mariadb"], "nginx-light": ["nginx"], "nginx": ["nginx"],
              "apache2": ["apache2", "apache-htcacheclean"], "memcached": ["memcached"]}
# `make run` installs through `make deps`.
TARGETS = {"deps": "run", "test": "run test", "bench": "run bench", "test-cluster": "run cluster"}


def arrays(text):
    """NAME=( ... ) blocks of a bash script: {name: [words]}, comments dropped."""
    out = {}
    for m in re.finditer(r"^([A-Z_]+)=\(\n?(.*?)\n?\)$", text, re.S | re.M):
        words = []
        for line in m.group(2).splitlines():
            words += line.split("#", 1)[0].split()
        out[m.group(1)] = words
    return out


def target_calls(makefile):
    """{target: the arguments of its deps.sh call} for the Makefile's rules."""
    calls, target = {}, None
    for line in makefile.splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+):", line)
        if m:
            target = m.group(1)
            continue
        m = re.search(r"deploy/local/deps\.sh\s*([a-z ]*)$", line)
        if m and target:
            calls[target] = m.group(1).strip()
    return calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deps", default=os.path.join(ROOT, "deploy", "local", "deps.sh"))
    ap.add_argument("--makefile", default=os.path.join(ROOT, "Makefile"))
    a = ap.parse_args()
    with open(a.deps) as f:
        lists = arrays(f.read())
    with open(a.makefile) as f:
        mk = f.read()
    calls = target_calls(mk)
    problems = []
    for name in ("RUN_PACKAGES", "TEST_PACKAGES", "BENCH_PACKAGES", "CLUSTER_PACKAGES", "SERVICES"):
        if name not in lists:
            problems.append("%s: no %s=( ... ) list" % (a.deps, name))
    run = set(lists.get("RUN_PACKAGES", []))
    for p in sorted(run & NOT_FOR_RUN):
        problems.append("RUN_PACKAGES has %s: `make run` must not install test, bench or cluster tools" % p)
    for p in ("mariadb-server", "nginx-light", "build-essential"):
        if p not in run:
            problems.append("RUN_PACKAGES lacks %s, which running roster needs" % p)
    every = set()
    for name in ("RUN_PACKAGES", "TEST_PACKAGES", "BENCH_PACKAGES", "CLUSTER_PACKAGES"):
        every |= set(lists.get(name, []))
    services = set(lists.get("SERVICES", []))
    for p in sorted(every):
        for svc in SERVICE_OF.get(p, []):
            if svc not in services:
                problems.append("%s ships the %s service, which SERVICES does not name" % (p, svc))
    for target, want in TARGETS.items():
        if calls.get(target) != want:
            problems.append("make %s calls deps.sh with %r, not %r" % (target, calls.get(target), want))
    if not re.search(r"^run: deps$", mk, re.M):
        problems.append("make run does not install through make deps")
    for p in problems:
        print(p)
    if problems:
        print("check_deps: %d problem(s)" % len(problems))
        return 1
    print("check_deps: run %d packages; test, bench and cluster tools apart; %d services kept off at boot"
          % (len(run), len(services)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
