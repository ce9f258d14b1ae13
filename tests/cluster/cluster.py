"""The scale-out stack of the cluster test, on loopback: a 3-node MariaDB Galera cluster
(deploy/galera/galera.sh), several roster hosts (`roster serve` with `listen =
127.0.0.1:PORT`, FastCGI over TCP, each with its own db_hosts preference) and one
nginx rendering deploy/nginx/roster-upstream.conf: the pool (every host behind one
upstream) and, for the tests that must pick a host, one server per host.

Python 3 standard library only.  Every process is started with its pid recorded and
stopped by that pid; every wait is bounded.  Ports: GALERA_PORT_BASE (default 19400)
+ 1..3 (nodes), +20..42 (gcomm/IST/SST), +50 (nginx pool), +51.. (nginx per host),
+61.. (roster hosts), +70 (SMTP sink).
"""

import http.client as httplib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GALERA_SH = os.path.join(ROOT, "deploy", "galera", "galera.sh")
UPSTREAM_CONF = os.path.join(ROOT, "deploy", "nginx", "roster-upstream.conf")
SMTP_SINK = os.path.join(ROOT, "tests", "e2e", "smtp_sink.py")

# The helpers shared with the end-to-end suite.
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from testlib import (json_body, pid_alive, port_open, request, sanitizer_reports, tail,  # noqa: E402
                     wait_gone, worker_pids as children)

T0 = time.monotonic()


def log(msg):
    print("[%6.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


class Fail(Exception):
    pass


# ---------------------------------------------------------------------------
# HTTP


class Resp:
    def __init__(self, status, headers, body, raw, secs, rid=None):
        self.status, self.headers, self.body, self.raw, self.secs = status, headers, body, raw, secs
        self.rid = rid

    def __repr__(self):
        # An answer without X-Request-Id is nginx's own, not roster's.
        return "%s %s [sent X-Request-Id %s, got %s]" % (self.status, self.raw[:400].decode(errors="replace"),
                                                          self.rid, self.headers.get("x-request-id", "none"))


def http(port, method, path, body=None, token=None, headers=None, timeout=30.0):
    """One request on a new connection (testlib.request), with an X-Request-Id
    of our own so that its answer can be found in roster's log.  Returns a
    Resp; status 0 (and the error in .raw) when the connection failed or timed
    out."""
    hdrs = dict(headers or {})
    rid = hdrs.setdefault("X-Request-Id", "ct-" + os.urandom(8).hex())
    t = time.monotonic()
    try:
        _, status, rh, raw = request(port, method, path, body=body, token=token, headers=hdrs, timeout=timeout)
    except (OSError, httplib.HTTPException) as e:
        return Resp(0, {}, None, ("%s: %s" % (type(e).__name__, e)).encode(), time.monotonic() - t, rid)
    return Resp(status, rh, json_body(rh, raw), raw, time.monotonic() - t, rid)


# ---------------------------------------------------------------------------
# Galera


class Galera:
    def __init__(self, root, base):
        self.root = root
        self.base = base
        self.env = dict(os.environ, GALERA_PORT_BASE=str(base))
        self.started = False

    def sh(self, *args, timeout=180, check=True):
        p = subprocess.run(["bash", GALERA_SH, self.root] + [str(a) for a in args],
                           env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
        if check and p.returncode != 0:
            raise Fail("galera.sh %s: exit %s\n%s%s" % (" ".join(map(str, args)), p.returncode, out, err))
        return p.returncode, out, err

    def port(self, n):
        return self.base + n

    def up(self, seed):
        self.started = True
        self.sh("up", seed, timeout=240)

    def sql(self, n, q, timeout=60):
        rc, out, err = self.sh("sql", n, q, timeout=timeout, check=False)
        if rc != 0:
            raise Fail("SQL on n%d failed (%s): %s\n%s" % (n, rc, q[:200], err))
        # split("\n"), not splitlines(): batch mode escapes \n and \t in values,
        # not \r (the outbox's mail bodies hold CRLF).
        return [line.split("\t") for line in out.split("\n") if line != ""]

    def status(self, n):
        rc, out, _ = self.sh("status", n, timeout=20, check=False)
        return out.strip() if rc == 0 else ""

    def kill9(self, n):
        self.sh("kill9", n)

    def start(self, n):
        self.sh("start", n, timeout=90)

    def wait(self, n, secs):
        self.sh("wait", n, secs, timeout=secs + 30)

    def wait_size(self, n, size, secs):
        self.sh("wait-size", n, size, secs, timeout=secs + 30)

    def down(self):
        if self.started:
            self.sh("down", timeout=90, check=False)
            self.started = False

    def err_log(self, n):
        return os.path.join(self.root, "n%d" % n, "err.log")


# ---------------------------------------------------------------------------
# roster hosts


class Host:
    """One roster host: `roster serve` listening on 127.0.0.1:port over TCP."""

    def __init__(self, name, root, binary, port, conf_lines, env):
        self.name, self.root, self.binary, self.port = name, root, binary, port
        self.conf = os.path.join(root, "host%s.conf" % name)
        self.pidfile = os.path.join(root, "host%s.pid" % name)
        self.logpath = os.path.join(root, "host%s.log" % name)
        self.env = env
        self.proc = None
        self.master = None
        with open(self.conf, "w") as f:
            f.write("# written by tests/cluster\n")
            f.write("listen = 127.0.0.1:%d\n" % port)
            f.write("pidfile = %s\n" % self.pidfile)
            for line in conf_lines:
                f.write(line + "\n")
        os.chmod(self.conf, 0o600)

    def cli(self, *args, extra_env=None, timeout=60):
        env = dict(self.env)
        env.update(extra_env or {})
        p = subprocess.run([self.binary] + [str(a) for a in args] + ["--config", self.conf],
                           env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        out = p.stdout.decode(errors="replace")
        if p.returncode != 0:
            raise Fail("roster %s: exit %s\n%s\n%s" % (" ".join(map(str, args)), p.returncode, out,
                                                       p.stderr.decode(errors="replace")))
        try:
            return json.loads(out)
        except ValueError:
            raise Fail("roster %s: stdout is not JSON: %r" % (" ".join(map(str, args)), out))

    def start(self, timeout=20):
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        logf = open(self.logpath, "ab")
        # Own session: a Ctrl-C of the test does not reach the pool.
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.conf], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        logf.close()
        self.master = self.proc.pid
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise Fail("roster host %s exited at start (%s):\n%s" % (self.name, self.proc.returncode,
                                                                       tail(self.logpath)))
            if port_open(self.port) and os.path.exists(self.pidfile):
                return
            time.sleep(0.1)
        raise Fail("roster host %s did not listen on %d within %ss:\n%s" % (self.name, self.port, timeout,
                                                                          tail(self.logpath)))

    def pids(self):
        if self.master is None or not pid_alive(self.master):
            return []
        return [self.master] + children(self.master)

    def kill9(self):
        """SIGKILL the master, its workers and its mailer at once.  They are
        SIGSTOPped first, master first: no worker sees its master die and
        starts an exit of its own (under ASan, LeakSanitizer's exit-time scan
        then reports the SIGKILL as "Unable to get registers")."""
        if self.master is None or not pid_alive(self.master):
            return []
        os.kill(self.master, signal.SIGSTOP)
        pids = self.pids()
        for p in pids:
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        pids = self.pids()
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if not wait_gone(pids, 10):
            raise Fail("roster host %s: pids %s survived SIGKILL" % (self.name, pids))
        self.master = None
        return pids

    def stop(self, timeout=15):
        pids = self.pids()
        if not pids:
            return
        try:
            os.kill(self.master, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        if not wait_gone(pids, 5):
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            wait_gone(pids, 5)
        self.master = None


# ---------------------------------------------------------------------------
# nginx


class Nginx:
    def __init__(self, root, sites):
        """sites: list of (listen_port, upstream_name, [host_ports])."""
        self.dir = os.path.join(root, "nginx")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.pidfile = os.path.join(self.dir, "nginx.pid")
        self.error_log = os.path.join(self.dir, "error.log")
        self.access_log = os.path.join(self.dir, "access.log")
        with open(UPSTREAM_CONF) as f:
            template = f.read()
        includes = []
        for port, name, hosts in sites:
            servers = " ".join("server 127.0.0.1:%d max_fails=1 fail_timeout=5s;" % h for h in hosts)
            text = (template.replace("@LISTEN@", "127.0.0.1:%d" % port)
                    .replace("@UPSTREAM@", name).replace("@SERVERS@", servers))
            path = os.path.join(self.dir, "site-%s.conf" % name)
            with open(path, "w") as f:
                f.write(text)
            includes.append("    include %s;" % path)
        user = "user root root;" if os.geteuid() == 0 else ""
        t = os.path.join(self.dir, "tmp")
        with open(self.conf, "w") as f:
            f.write("""# written by tests/cluster
%(user)s
worker_processes 2;
pid %(pid)s;
error_log %(err)s notice;
daemon on;
events { worker_connections 1024; }
http {
    default_type application/octet-stream;
    log_format roster '$remote_addr [$time_local] "$request" $status rt=$request_time '
                      'ua=$upstream_addr us=$upstream_status ut=$upstream_response_time';
    access_log %(acc)s roster;
    client_body_temp_path %(t)s/client_body;
    fastcgi_temp_path %(t)s/fastcgi;
    proxy_temp_path %(t)s/proxy;
    uwsgi_temp_path %(t)s/uwsgi;
    scgi_temp_path %(t)s/scgi;
%(inc)s
}
""" % {"user": user, "pid": self.pidfile, "err": self.error_log, "acc": self.access_log, "t": t,
                "inc": "\n".join(includes)})
        self.master = None

    def cmd(self, *args):
        return ["nginx", "-p", self.dir + "/", "-c", self.conf, "-e", self.error_log] + list(args)

    def start(self):
        p = subprocess.run(self.cmd("-t", "-q"), capture_output=True, timeout=30)
        if p.returncode != 0:
            raise Fail("nginx rejects %s:\n%s" % (self.conf, p.stderr.decode(errors="replace")))
        p = subprocess.run(self.cmd(), capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise Fail("nginx did not start:\n%s" % p.stderr.decode(errors="replace"))
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                with open(self.pidfile) as f:
                    self.master = int(f.read().split()[0])
                return
            except (OSError, ValueError, IndexError):
                time.sleep(0.05)
        raise Fail("nginx wrote no pid file")

    def stop(self):
        if self.master is None or not pid_alive(self.master):
            return
        pids = [self.master] + children(self.master)
        os.kill(self.master, signal.SIGQUIT)
        if not wait_gone(pids, 10):
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            wait_gone(pids, 5)
        self.master = None


# ---------------------------------------------------------------------------
# SMTP sink (tests/e2e/smtp_sink.py)


class Sink:
    def __init__(self, root, port):
        self.dir = os.path.join(root, "mail")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port
        self.pidfile = os.path.join(root, "sink.pid")
        self.log = os.path.join(root, "sink.log")
        self.proc = None

    def start(self):
        logf = open(self.log, "ab")
        # Debian's python3 has python3-aiosmtpd (deploy/local/deps.sh).
        py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        self.proc = subprocess.Popen([py, SMTP_SINK, "--port", str(self.port), "--dir", self.dir,
                                      "--pidfile", self.pidfile], stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        logf.close()
        end = time.monotonic() + 15
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise Fail("smtp sink exited (%s):\n%s" % (self.proc.returncode, tail(self.log)))
            if port_open(self.port):
                return
            time.sleep(0.1)
        raise Fail("smtp sink did not listen on %d" % self.port)

    def messages(self):
        """[(Message-ID, file mtime)] of every message received."""
        out = []
        for name in sorted(os.listdir(self.dir)):
            if not name.endswith(".eml"):
                continue
            path = os.path.join(self.dir, name)
            with open(path, "rb") as f:
                m = re.search(rb"(?im)^message-id:[ \t]*<?([^>\r\n]+)>?", f.read())
            mid = m.group(1).decode(errors="replace") if m else None
            out.append((mid, name))
        return out

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)
