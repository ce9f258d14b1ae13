"""Helpers of the deployment and operations tests (test_deploy.py, test_ops.py):
free ports in the range these tests own, processes started and stopped by pid,
private nginx and Apache instances, roster configurations derived from the main
stack's (same MariaDB), and sanitizer reports of what they ran.

Python 3 standard library only.  Everything listens on loopback or on unix
sockets in a directory of its own; every wait is bounded.
"""

import contextlib
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile

import harness as H
from harness import pid_alive, port_open, tail, wait_for

PORTS = range(19000, 19200)  # the ports of test_deploy.py and test_ops.py
NGINX_SITE = os.path.join(H.ROOT, "deploy", "nginx", "roster.conf")
APACHE_MODULES = "/usr/lib/apache2/modules"
IS_ROOT = os.geteuid() == 0
WEB_USER = "www-data"  # the web server's user and group, as on Debian


def have_web_user():
    try:
        pwd.getpwnam(WEB_USER)
        grp.getgrnam(WEB_USER)
        return True
    except KeyError:
        return False


_taken = set()


def free_port(avoid=()):
    """A free loopback port in 19000-19199, never the same twice in one run."""
    return H.free_port(PORTS, avoid=avoid, taken=_taken)


def unix_open(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def read_pids(path):
    try:
        with open(path) as f:
            return [int(x) for x in f.read().split() if x.isdigit()]
    except OSError:
        return []


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def pids_matching(text):
    """Live processes whose command line contains `text` (a path unique to a test)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid() and text in cmdline(int(d)) and pid_alive(int(d)):
            out.append(int(d))
    return sorted(out)


def stop_pid(pid, sig=signal.SIGTERM, timeout=15):
    """Signals one pid, waits for it to go; SIGKILL after `timeout`.  True if it ended on `sig`."""
    if not pid_alive(pid):
        return True
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    if wait_for(lambda: not pid_alive(pid), timeout, 0.05):
        return True
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait_for(lambda: not pid_alive(pid), 5, 0.05)
    return False


def sanitizer_reports(directory):
    return H.sanitizer_reports(directory, recursive=True)


def main_conf():
    """key -> value of the main stack's roster.conf (its database above all)."""
    out = {}
    with open(H.STACK.conf) as f:
        for line in f:
            m = re.match(r"\s*([a-z_]+)\s*=\s*(.*?)\s*$", line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


@contextlib.contextmanager
def db_reachable_by(user):
    """The main stack's MariaDB socket lies in a 0700 temporary directory; let
    `user` (a web server's, running roster itself) traverse to it meanwhile.
    MariaDB still wants roster's password."""
    base = H.STACK.base
    mode = os.stat(base).st_mode & 0o7777
    os.chmod(base, mode | 0o011)
    try:
        yield
    finally:
        os.chmod(base, mode)


class Deploy:
    """One deployment under test: a directory of its own (traversable by the web
    server's user), the processes it started, and their logs."""

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="roster-%s-" % name)
        os.chmod(self.dir, 0o755)
        self.san = os.path.join(self.dir, "san")
        os.makedirs(self.san)
        os.chmod(self.san, 0o777 | 0o1000)
        self.stops = []  # (label, callable), run in reverse order
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("ROSTER_"):
                del self.env[k]
        self.env["ASAN_OPTIONS"] = "log_path=%s/asan:detect_leaks=1:abort_on_error=0" % self.san
        self.env["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/ubsan:halt_on_error=0" % self.san

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def on_stop(self, label, fn):
        self.stops.append((label, fn))

    # -- roster -----------------------------------------------------------
    def binary(self, copy=False):
        """The binary under test; with copy=True a copy in this directory (an
        unprivileged user may not reach the work tree)."""
        if not copy:
            return H.STACK.binary
        dst = self.path("bin", os.path.basename(H.STACK.binary))
        if not os.path.exists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.chmod(os.path.dirname(dst), 0o755)
            shutil.copy2(H.STACK.binary, dst)
            os.chmod(dst, 0o755)
        return dst

    def roster_conf(self, name="roster.conf", **keys):
        """A roster.conf on the main stack's database; `keys` add or replace keys
        (None drops one).  Mode 0644: a web server's user may run roster."""
        base = main_conf()
        conf = {}
        for k in ("db_host", "db_port", "db_socket", "db_name", "db_user", "db_password", "public_url",
                  "seal_key"):
            if k in base:
                conf[k] = base[k]
        conf["workers"] = "2"
        conf["listen"] = self.path("unused.sock")
        for k, v in keys.items():
            if v is None:
                conf.pop(k, None)
            else:
                conf[k] = str(v)
        p = self.path(name)
        with open(p, "w") as f:
            f.write("# written by tests/e2e (%s)\n" % self.name)
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
        os.chmod(p, 0o644)
        return p

    def popen(self, label, argv, log, stop_sig=signal.SIGTERM, timeout=15, env=None, **kw):
        """Starts a process in its own session, output to `log`; stopped by pid."""
        with open(log, "ab") as lf:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                                 start_new_session=True, env=env or self.env, cwd=self.dir, **kw)

        def stop():
            if p.poll() is None:
                p.send_signal(stop_sig)
                try:
                    p.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
                    raise AssertionError("%s (pid %d) did not stop within %ds of signal %d" % (
                        label, p.pid, timeout, stop_sig))
        self.on_stop(label, stop)
        return p

    def stop_pids_on_exit(self, label, pidfn, sig=signal.SIGTERM, timeout=15):
        def stop():
            slow = [pid for pid in pidfn() if not stop_pid(pid, sig, timeout)]
            assert not slow, "%s: pids %r needed SIGKILL" % (label, slow)
        self.on_stop(label, stop)

    # -- nginx ------------------------------------------------------------
    def nginx(self, port, fastcgi_pass):
        """nginx on 127.0.0.1:port with deploy/nginx/roster.conf, whose
        `fastcgi_pass unix:@SOCKET@;` lines become `fastcgi_pass FASTCGI_PASS;`
        (a unix:/path or a host:port): the README's sed line."""
        with open(NGINX_SITE) as f:
            site = f.read()
        assert "unix:@SOCKET@" in site, "deploy/nginx/roster.conf has no `unix:@SOCKET@`"
        site = site.replace("@LISTEN@", "127.0.0.1:%d" % port).replace("unix:@SOCKET@", fastcgi_pass)
        with open(self.path("nginx-site.conf"), "w") as f:
            f.write(site)
        user = "user %s %s;" % (WEB_USER, WEB_USER) if IS_ROOT and have_web_user() else ""
        mime = "include /etc/nginx/mime.types;" if os.path.exists("/etc/nginx/mime.types") else ""
        os.makedirs(self.path("nginx-tmp"), exist_ok=True)
        conf = self.path("nginx.conf")
        with open(conf, "w") as f:
            f.write("""%(user)s
worker_processes 2;
pid %(d)s/nginx.pid;
error_log %(d)s/nginx-error.log notice;
daemon on;
events { worker_connections 256; }
http {
    %(mime)s
    default_type application/octet-stream;
    access_log %(d)s/nginx-access.log;
    client_body_temp_path %(d)s/nginx-tmp/client_body;
    fastcgi_temp_path %(d)s/nginx-tmp/fastcgi;
    proxy_temp_path %(d)s/nginx-tmp/proxy;
    uwsgi_temp_path %(d)s/nginx-tmp/uwsgi;
    scgi_temp_path %(d)s/nginx-tmp/scgi;
    include %(d)s/nginx-site.conf;
}
""" % {"user": user, "d": self.dir, "mime": mime})
        cmd = ["nginx", "-p", self.dir + "/", "-c", conf, "-e", self.path("nginx-error.log")]
        r = subprocess.run(cmd + ["-t", "-q"], capture_output=True, timeout=30)
        assert r.returncode == 0, "nginx -t: %s" % r.stderr.decode(errors="replace")
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        assert r.returncode == 0, "nginx: %s" % r.stderr.decode(errors="replace")
        pidfile = self.path("nginx.pid")
        assert wait_for(lambda: read_pids(pidfile) and port_open(port), 10, 0.05), \
            "nginx did not come up on %d:\n%s" % (port, tail(self.path("nginx-error.log")))
        self.stop_pids_on_exit("nginx", lambda: read_pids(pidfile), signal.SIGQUIT, 10)
        return read_pids(pidfile)[0]

    # -- Apache -----------------------------------------------------------
    def apache(self, port, modules, body, server_name="127.0.0.1"):
        """A private Apache 2.4 (`apache2 -f CONF -k start`) on 127.0.0.1:port:
        its own ServerRoot, PidFile, ErrorLog and runtime dir in this directory,
        only `modules` loaded (names as in /usr/lib/apache2/modules/mod_NAME.so),
        `body` (virtual hosts, module settings) appended."""
        run = self.path("apache-run")
        os.makedirs(run, exist_ok=True)
        if IS_ROOT and have_web_user():
            os.chown(run, pwd.getpwnam(WEB_USER).pw_uid, grp.getgrnam(WEB_USER).gr_gid)
        builtin = set()
        r = subprocess.run(["apache2", "-l"], capture_output=True, timeout=30)
        for line in r.stdout.decode(errors="replace").splitlines():
            m = re.match(r"\s*mod_(\w+)\.c", line)
            if m:
                builtin.add(m.group(1))
        loads = []
        for m in ["mpm_event", "authz_core"] + list(modules):
            if m in builtin or any(("LoadModule %s_module" % m) in x for x in loads):
                continue
            so = os.path.join(APACHE_MODULES, "mod_%s.so" % m)
            assert os.path.exists(so), "Apache module %s missing (package apache2?)" % so
            loads.append("LoadModule %s_module %s" % (m, so))
        user = ("User %s\nGroup %s\n" % (WEB_USER, WEB_USER)) if IS_ROOT and have_web_user() else ""
        if "mime" in modules:
            user += "TypesConfig %s\n" % ("/etc/mime.types" if os.path.exists("/etc/mime.types") else "/dev/null")
        conf = self.path("httpd.conf")
        with open(conf, "w") as f:
            f.write("""# written by tests/e2e (%(name)s): a private Apache, like Debian's apache2.conf
ServerRoot "%(d)s"
ServerName %(sn)s
Listen 127.0.0.1:%(port)d
PidFile "%(d)s/httpd.pid"
ErrorLog "%(d)s/apache-error.log"
LogLevel warn
DefaultRuntimeDir "%(run)s"
%(loads)s
%(user)s
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 4
MaxSpareThreads 32
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<FilesMatch "^\\.ht">
    Require all denied
</FilesMatch>
%(body)s
""" % {"name": self.name, "d": self.dir, "sn": server_name, "port": port, "run": run,
                "loads": "\n".join(loads), "user": user, "body": body})
        r = subprocess.run(["apache2", "-f", conf, "-t"], capture_output=True, timeout=30, env=self.env)
        assert r.returncode == 0, "apache2 -t: %s" % (r.stdout + r.stderr).decode(errors="replace")
        r = subprocess.run(["apache2", "-f", conf, "-k", "start"], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30, env=self.env)
        assert r.returncode == 0, "apache2 -k start: exit %d %s\n%s" % (
            r.returncode, (r.stdout + r.stderr).decode(errors="replace"), tail(self.path("apache-error.log")))
        pidfile = self.path("httpd.pid")
        assert wait_for(lambda: read_pids(pidfile) and port_open(port), 15, 0.05), \
            "Apache did not come up on %d:\n%s" % (port, tail(self.path("apache-error.log")))
        self.stop_pids_on_exit("apache2", lambda: read_pids(pidfile), signal.SIGTERM, 15)
        return read_pids(pidfile)[0]

    # -- teardown ---------------------------------------------------------
    def close(self, keep=False):
        """Stops everything (last started first), then fails on what is left
        running from this directory or on sanitizer reports."""
        errors = []
        for label, fn in reversed(self.stops):
            try:
                fn()
            except AssertionError as e:
                errors.append(str(e))
            except OSError as e:
                errors.append("%s: %s" % (label, e))
        self.stops = []
        wait_for(lambda: not pids_matching(self.dir), 10, 0.1)
        left = pids_matching(self.dir)
        if left:
            errors.append("processes of %s still running: %r" % (
                self.dir, [(p, cmdline(p)) for p in left]))
            for p in left:
                stop_pid(p, signal.SIGKILL, 5)
        files, text = sanitizer_reports(self.san)
        if files:
            errors.append("sanitizer reports:\n" + text)
        if not keep and not errors:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif errors:
            errors.append("(kept %s)" % self.dir)
        assert not errors, "\n".join(errors)


@contextlib.contextmanager
def deployment(name):
    d = Deploy(name)
    failed = False
    try:
        yield d
    except BaseException:
        failed = True
        raise
    finally:
        try:
            d.close(keep=failed or H.STACK.keep)
        except AssertionError as e:
            if not failed:
                raise
            print("     (also, while stopping %s: %s)" % (name, str(e).replace("\n", "\n     ")), flush=True)
