#!/usr/bin/env python3
"""roster's Debian package in a fresh Debian 12 root, as an admin installs it.

    python3 tests/package/run.py --deb build/roster_VERSION_ARCH.deb [--keep]

Needs root (chroot, mounts) and Debian's mirror (the host's apt sources).  The
steps run in order, each printed `ok` or `FAIL`; a step that fails stops the
ones that depend on it.  The last line is `N passed, N failed`.

  lintian        no error on the package
  root           a Debian 12 root from debootstrap (minbase), made once and
                 kept in build/debian12/base (a fresh copy per run in
                 build/debian12/root); /proc, /dev and a tmpfs /run mounted,
                 and unmounted on every way out, a crashed run's included
  deps           deploy/local/deps.sh run (what `make run` installs) inside:
                 no test, bench or cluster tool comes with it, and MariaDB and
                 nginx, which apt enables, are not enabled at boot afterwards
                 (systemctl is-enabled, /etc/rc?.d)
  install        apt-get install ./roster.deb: the `roster` system user,
                 /etc/roster/roster.conf a conffile (root:roster 0640), the
                 units enabled and not started, /run/roster, the man pages,
                 `roster --version`
  serve          MariaDB in the root (the package's own: what an admin gets);
                 check-config refuses the empty database (run roster migrate),
                 `roster migrate` as the database's root, check-config passes
                 as the `roster` user with the packaged configuration
                 untouched (its socket authentication needs no password);
                 `roster serve` (no --config: the packaged default) behind
                 nginx from the packaged example; a team list and health
                 through nginx from the host
  remove         apt-get remove keeps the configuration and masks the units;
                 dpkg --purge leaves nothing of roster's in /etc, the units'
                 state or /run

Every process started in the root is stopped by its pid, and any left in it
(found through /proc/PID/root) is killed by pid before the mounts go.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT_DIR = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(ROOT_DIR, "build", "debian12")
BASE = os.path.join(CACHE, "base")
ROOT = os.path.join(CACHE, "root")
LOGS = os.path.join(CACHE, "logs")
SUITE = "bookworm"

# What `make run` must not bring (deploy/local/deps.sh's other tasks).  Not
# galera-4, rsync and socat: mariadb-server depends on them.
NOT_FOR_RUN = ["chromium", "clang", "libclang-rt-14-dev", "clang-format", "libcmocka-dev", "apache2",
               "libapache2-mod-fcgid", "spawn-fcgi", "wrk", "gnuplot-nox", "mariadb-backup",
               "lintian", "debootstrap", "memcached", "python3-aiosmtpd"]
# Services apt enables that deps.sh must have disabled.
BOOT_SERVICES = ["mariadb", "nginx"]


class Fail(Exception):
    pass


def log_path(name):
    os.makedirs(LOGS, exist_ok=True)
    return os.path.join(LOGS, name + ".log")


def run(args, check=True, timeout=900, log=None, env=None, input=None):
    """A host command; (rc, output).  Output also goes to LOGS/log.log."""
    p = subprocess.run(args, stdin=subprocess.DEVNULL if input is None else None, input=input,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, env=env)
    out = p.stdout.decode(errors="replace")
    if log:
        with open(log_path(log), "a") as f:
            f.write("$ %s\n%s\nexit %d\n" % (" ".join(args), out, p.returncode))
    if check and p.returncode != 0:
        raise Fail("%s: exit %d\n%s" % (" ".join(args), p.returncode, out[-3000:]))
    return p.returncode, out


# Inside the root: a clean environment, as a login would have it.
CHROOT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root",
              "DEBIAN_FRONTEND": "noninteractive"}


def inroot(args, check=True, timeout=900, log="root", env=None, as_roster=False):
    """A command in the root, as root or (as_roster) as the `roster` user with its service's groups."""
    pre = ["chroot", ROOT]
    if as_roster:
        pre += ["setpriv", "--reuid=roster", "--regid=roster", "--groups=roster,www-data", "--"]
    e = dict(CHROOT_ENV)
    e.update(env or {})
    return run(pre + list(args), check=check, timeout=timeout, log=log, env=e)


def path(p):
    return os.path.join(ROOT, p.lstrip("/"))


# ---------------------------------------------------------------- mounts and processes

MOUNTS = [("proc", "proc", ["-t", "proc", "proc"]), ("dev", "dev", ["--bind", "/dev"]),
          ("run", "run", ["-t", "tmpfs", "-o", "mode=0755,size=64m", "tmpfs"])]


def mounts_under(top):
    """Mount points at or below top, deepest first."""
    top = os.path.realpath(top)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if mp == top or mp.startswith(top + "/"):
                found.append(mp)
    return sorted(found, key=len, reverse=True)


def procs_in(top):
    """Pids of processes whose root directory is top or below it."""
    top = os.path.realpath(top)
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            r = os.readlink("/proc/%s/root" % d)
        except OSError:
            continue
        if r == top or r.startswith(top + "/"):
            pids.append(int(d))
    return pids


def kill_all_in(top):
    """SIGTERM, then SIGKILL, every process left in the root, by pid."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        pids = procs_in(top)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + wait
        while time.monotonic() < end and procs_in(top):
            time.sleep(0.2)


def teardown(top):
    """Nothing of ours left running or mounted under top."""
    kill_all_in(top)
    for mp in mounts_under(top):
        if subprocess.run(["umount", mp], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", mp], capture_output=True)
    left = mounts_under(top)
    if left:
        raise Fail("still mounted: %s" % ", ".join(left))


def mount_all():
    for _, where, how in MOUNTS:
        run(["mount"] + how + [path(where)], log="mounts")


# ---------------------------------------------------------------- the steps


def host_apt_sources():
    """The host's apt sources (the mirrors this machine reaches), as files to copy into the root."""
    files = [p for p in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.sources")) +
             sorted(glob.glob("/etc/apt/sources.list.d/*.list")) if os.path.isfile(p)]
    return files


def host_mirror():
    """The first Debian mirror of the host's apt sources (deb822 or one-line), or None."""
    for f in host_apt_sources():
        with open(f) as fh:
            for line in fh:
                line = line.strip()
                if line.startswith("URIs:") and "security" not in line:
                    return line.split()[1]
                if line.startswith("deb ") and "security" not in line:
                    parts = [w for w in line.split() if not w.startswith("[")]
                    if len(parts) > 1 and not parts[1].startswith("["):
                        return parts[1]
    return None


def step_lintian(deb):
    rc, out = run(["lintian", "--fail-on", "error", "--allow-root", deb], check=False, log="lintian")
    if rc != 0:
        raise Fail("lintian reports errors:\n%s" % out)
    return out.strip().replace("\n", "; ")


def step_root():
    """A fresh copy of the cached base; the base is made by debootstrap the first time."""
    t = time.monotonic()
    made = False
    if not os.path.exists(os.path.join(BASE, ".complete")):
        teardown(CACHE)
        shutil.rmtree(BASE, ignore_errors=True)
        tmp = BASE + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        args = ["debootstrap", "--variant=minbase", SUITE, tmp]
        mirror = host_mirror()
        if mirror:
            args.append(mirror)
        run(args, log="debootstrap", timeout=1800)
        os.rename(tmp, BASE)
        open(os.path.join(BASE, ".complete"), "w").close()
        made = True
    shutil.rmtree(ROOT, ignore_errors=True)
    run(["cp", "-a", BASE, ROOT], log="root")
    # Name resolution and the host's mirrors, as on the machine that made it.
    shutil.copy("/etc/resolv.conf", path("/etc/resolv.conf"))
    if os.path.exists("/etc/apt/sources.list.d/debian.sources"):
        os.makedirs(path("/etc/apt/sources.list.d"), exist_ok=True)
        shutil.copy("/etc/apt/sources.list.d/debian.sources", path("/etc/apt/sources.list.d/debian.sources"))
        if os.path.exists(path("/etc/apt/sources.list")):
            os.unlink(path("/etc/apt/sources.list"))
    mount_all()
    inroot(["apt-get", "-q", "update"], log="apt")
    return "%s in %.0f s" % ("debootstrap + copy" if made else "copy of the cached base", time.monotonic() - t)


def installed(pkg):
    rc, out = inroot(["dpkg-query", "-W", "-f=${Status}", pkg], check=False, log="dpkg-query")
    return rc == 0 and out.strip() == "install ok installed"


def boot_enabled(svc):
    """(systemctl's answer, the /etc/rc?.d start links) for a service in the root."""
    rc, st = inroot(["systemctl", "is-enabled", svc], check=False, log="systemctl")
    links = [p for p in glob.glob(path("/etc/rc[2-5].d/S*")) if os.path.basename(p)[3:] == svc]
    return st.strip().splitlines()[-1] if st.strip() else "", links


def step_deps():
    """deploy/local/deps.sh run, in the root with systemd installed (as on a server)."""
    t = time.monotonic()
    inroot(["apt-get", "-q", "-y", "--no-install-recommends", "install", "systemd"], log="apt")
    dst = path("/opt/roster-deps/deploy")
    shutil.rmtree(os.path.dirname(dst), ignore_errors=True)
    os.makedirs(os.path.join(dst, "local"))
    shutil.copy(os.path.join(ROOT_DIR, "deploy", "lib.sh"), os.path.join(dst, "lib.sh"))
    shutil.copy(os.path.join(ROOT_DIR, "deploy", "local", "deps.sh"), os.path.join(dst, "local", "deps.sh"))
    inroot(["bash", "/opt/roster-deps/deploy/local/deps.sh", "run"], log="deps", timeout=1800)
    brought = [p for p in NOT_FOR_RUN if installed(p)]
    if brought:
        raise Fail("deps.sh run installed test tools: %s" % brought)
    for p in ("mariadb-server", "nginx-light", "build-essential", "libfcgi-dev"):
        if not installed(p):
            raise Fail("deps.sh run did not install %s" % p)
    for svc in BOOT_SERVICES:
        st, links = boot_enabled(svc)
        if st in ("enabled", "enabled-runtime") or links:
            raise Fail("%s is enabled at boot after deps.sh: systemctl says %r, links %s" % (svc, st, links))
    if os.path.exists(path("/usr/sbin/policy-rc.d")):
        raise Fail("deps.sh left /usr/sbin/policy-rc.d behind")
    if procs_in(ROOT):
        raise Fail("deps.sh's install left processes running: %s" % procs_in(ROOT))
    return "%.0f s; %s not enabled at boot" % (time.monotonic() - t, ", ".join(BOOT_SERVICES))


def step_install(deb):
    shutil.copy(deb, path("/tmp/roster.deb"))
    inroot(["apt-get", "-q", "-y", "--no-install-recommends", "install", "/tmp/roster.deb"], log="apt")
    rc, out = inroot(["roster", "--version"])
    want = "roster %s" % deb_version(deb)
    if out.strip() != want:
        raise Fail("roster --version: %r, want %r" % (out, want))
    rc, out = inroot(["getent", "passwd", "roster"])
    if "/usr/sbin/nologin" not in out and "/bin/false" not in out:
        raise Fail("the roster user can log in: %r" % out)
    st = os.stat(path("/etc/roster/roster.conf"))
    gid = int(inroot(["getent", "group", "roster"])[1].split(":")[2])
    if (st.st_mode & 0o777, st.st_uid, st.st_gid) != (0o640, 0, gid):
        raise Fail("/etc/roster/roster.conf: mode %o owner %d:%d" % (st.st_mode & 0o777, st.st_uid, st.st_gid))
    rc, out = inroot(["dpkg-query", "-W", "-f=${Conffiles}", "roster"])
    if "/etc/roster/roster.conf" not in out:
        raise Fail("roster.conf is not a conffile: %r" % out)
    for unit in ("roster.service", "roster.socket"):
        st, _ = boot_enabled(unit)
        if st != "enabled":
            raise Fail("%s is %r after install, not enabled" % (unit, st))
    if procs_in(ROOT) or os.path.exists(path("/run/roster/roster.sock")):
        raise Fail("the package started something: %s" % procs_in(ROOT))
    if not os.path.isdir(path("/run/roster")):
        raise Fail("no /run/roster (tmpfiles.d)")
    for man in ("/usr/share/man/man8/roster.8.gz", "/usr/share/man/man5/roster.conf.5.gz"):
        if not os.path.exists(path(man)):
            raise Fail("missing %s" % man)
    return "%s; units enabled, not started" % want


def deb_version(deb):
    return run(["dpkg-deb", "-f", deb, "Version"])[1].strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(cond, secs, what):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    raise Fail("%s: not within %d s" % (what, secs))


class Servers:
    """MariaDB, roster and nginx in the root, each stopped by its pid."""

    def __init__(self):
        self.pids = []

    def start_db(self):
        inroot(["install", "-d", "-o", "mysql", "-g", "mysql", "/run/mysqld"])
        f = open(log_path("mariadbd"), "ab")
        p = subprocess.Popen(["chroot", ROOT, "/usr/sbin/mariadbd", "--user=mysql", "--skip-networking",
                              "--socket=/run/mysqld/mysqld.sock", "--pid-file=/run/mysqld/mysqld.pid"],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT, env=CHROOT_ENV)
        self.pids.append(p.pid)
        wait(lambda: inroot(["mariadb-admin", "ping"], check=False, log="ping")[0] == 0, 60, "mariadbd")

    def start_roster(self):
        f = open(log_path("roster-serve"), "ab")
        p = subprocess.Popen(["chroot", ROOT, "setpriv", "--reuid=roster", "--regid=roster",
                              "--groups=roster,www-data", "--", "/usr/bin/roster", "serve"],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT, env=CHROOT_ENV)
        self.pids.append(p.pid)
        self.roster = p
        wait(lambda: os.path.exists(path("/run/roster/roster.sock")) or p.poll() is not None, 20, "roster serve")
        if p.poll() is not None:
            raise Fail("roster serve exited %s:\n%s" % (p.returncode, open(log_path("roster-serve")).read()[-2000:]))

    def start_nginx(self, port):
        with open(path("/usr/share/doc/roster/examples/nginx-roster.conf")) as f:
            site = f.read().replace("@LISTEN@", "127.0.0.1:%d" % port).replace("@SOCKET@", "/run/roster/roster.sock")
        for p in glob.glob(path("/etc/nginx/sites-enabled/*")):
            os.unlink(p)
        with open(path("/etc/nginx/sites-enabled/roster"), "w") as f:
            f.write(site)
        inroot(["nginx", "-t"], log="nginx")
        inroot(["nginx"], log="nginx")
        wait(lambda: os.path.exists(path("/run/nginx.pid")), 10, "nginx pid file")
        with open(path("/run/nginx.pid")) as f:
            self.pids.append(int(f.read().split()[0]))

    def stop(self):
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            end = time.monotonic() + 30
            while time.monotonic() < end:
                try:
                    os.kill(pid, 0)
                    if open("/proc/%d/stat" % pid).read().split(") ")[-1].startswith("Z"):
                        os.waitpid(pid, os.WNOHANG)
                except (ProcessLookupError, ChildProcessError, FileNotFoundError):
                    break
                time.sleep(0.2)
        self.pids = []


def http_get(port, p, token=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, p))
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def step_serve(servers):
    servers.start_db()
    inroot(["mariadb", "-e", "CREATE DATABASE roster CHARACTER SET utf8mb4;"
            " CREATE USER roster@localhost IDENTIFIED VIA unix_socket;"
            " GRANT SELECT, INSERT, UPDATE, DELETE ON roster.* TO roster@localhost;"], log="sql")
    rc, out = inroot(["roster", "check-config"], check=False, as_roster=True)
    if rc != 1 or "run `roster migrate`" not in out:
        raise Fail("check-config on an empty database: exit %d\n%s" % (rc, out))
    rc, out = inroot(["roster", "migrate"], env={"ROSTER_DB_USER": "root"})
    if json.loads(out.strip().splitlines()[-1]).get("applied", 0) < 1:
        raise Fail("roster migrate: %r" % out)
    rc, out = inroot(["roster", "check-config"], check=False, as_roster=True)
    if rc != 0 or "everything is ready to serve" not in out:
        raise Fail("check-config after migrate: exit %d\n%s" % (rc, out))
    port = free_port()
    servers.start_roster()
    servers.start_nginx(port)
    rc, out = inroot(["roster", "website", "create", "--domain", "pkg.example", "--owner-email",
                      "owner@pkg.example", "--name", "Package test"], as_roster=True)
    site = json.loads(out)["websiteId"]
    rc, out = inroot(["roster", "token", "create", "--email", "owner@pkg.example"], as_roster=True)
    token = json.loads(out)["key"]
    st, body = http_get(port, "/api/v1/health")
    if st != 200 or body["data"][0]["version"] != deb_version(ARGS.deb):
        raise Fail("health through nginx: %s %r" % (st, body))
    st, body = http_get(port, "/api/v1/admin/websites/%s/team" % site, token)
    if st != 200 or [m["email"] for m in body["data"]] != ["owner@pkg.example"]:
        raise Fail("team list through nginx: %s %r" % (st, body))
    servers.stop()
    return "team list through nginx on 127.0.0.1:%d" % port


def step_remove():
    inroot(["apt-get", "-q", "-y", "remove", "roster"], log="apt")
    if os.path.exists(path("/usr/bin/roster")) or os.path.exists(path("/lib/systemd/system/roster.service")):
        raise Fail("apt-get remove left the binary or a unit")
    if not os.path.exists(path("/etc/roster/roster.conf")):
        raise Fail("apt-get remove deleted the configuration (a conffile stays until purge)")
    rc, out = inroot(["dpkg-query", "-W", "-f=${Status}", "roster"], check=False)
    if out.strip() != "deinstall ok config-files":
        raise Fail("after remove: %r" % out)
    inroot(["dpkg", "--purge", "roster"], log="apt")
    left = [p for p in ["/etc/roster", "/run/roster"] if os.path.exists(path(p))]
    left += [p for p in glob.glob(path("/etc/systemd/system/**/roster*"), recursive=True)]
    left += [p for p in glob.glob(path("/var/lib/systemd/deb-systemd-*/**/roster*"), recursive=True)]
    if left:
        raise Fail("after purge: %s" % left)
    rc, out = inroot(["dpkg-query", "-W", "-f=${Status}", "roster"], check=False)
    if rc == 0 and "installed" in out and "not-installed" not in out:
        raise Fail("dpkg still knows roster after purge: %r" % out)
    return "remove kept roster.conf; purge left nothing in /etc, /run or the units' state"


ARGS = None


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--deb", required=True)
    ap.add_argument("--keep", action="store_true", help="keep build/debian12/root after the run")
    ARGS = ap.parse_args()
    ARGS.deb = os.path.abspath(ARGS.deb)
    if os.geteuid() != 0:
        print("FAIL package test: needs root (chroot and mounts); CI runs as root")
        print("0 passed, 1 failed")
        return 1

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)

    shutil.rmtree(LOGS, ignore_errors=True)
    passed, failed = 0, []
    servers = Servers()
    t0 = time.monotonic()
    steps = [("lintian", lambda: step_lintian(ARGS.deb)), ("root", step_root), ("deps", step_deps),
             ("install", lambda: step_install(ARGS.deb)), ("serve", lambda: step_serve(servers)),
             ("remove", step_remove)]
    try:
        teardown(CACHE)  # what a crashed run left
        for name, fn in steps:
            t = time.monotonic()
            if [f for f in failed if f != "lintian"]:
                failed.append(name)
                print("FAIL package.%s (not run: an earlier step failed)" % name, flush=True)
                continue
            try:
                what = fn()
            except (Fail, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
                failed.append(name)
                print("FAIL package.%s (%.1fs)\n     %s" % (name, time.monotonic() - t,
                                                          str(e).replace("\n", "\n     ")), flush=True)
                continue
            passed += 1
            print("ok   package.%s (%.1fs) %s" % (name, time.monotonic() - t, what or ""), flush=True)
    except KeyboardInterrupt:
        failed.append("interrupted")
        print("interrupted", flush=True)
    finally:
        servers.stop()
        try:
            teardown(CACHE)
        except Fail as e:
            failed.append("teardown")
            print("FAIL package.teardown\n     %s" % e, flush=True)
        if not ARGS.keep:
            shutil.rmtree(ROOT, ignore_errors=True)
    print("logs in %s" % LOGS)
    print("time %.1fs" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
