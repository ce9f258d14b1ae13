"""Deployments: every recipe of the README's "Deployment" section, run for real.

Each test starts the real web server (a private nginx or Apache instance on
127.0.0.1:19000-19199) and roster the way the recipe says (its own pool on a
unix socket or on TCP, mod_fcgid spawning it, spawn-fcgi, systemd socket
activation), on the main stack's MariaDB, then asks the Team API for a team
through that web server: 200 with the owner, an invitation (a request body),
the client's X-Request-Id, and 401 without a credential.  Everything it started
is stopped by pid at the end (deploylib.Deploy.close), which also fails the test
on sanitizer reports or leftover processes."""

import os
import re
import shutil
import signal
import subprocess

import harness as H
from harness import err, http, new_email, new_site, ok, pid_alive, port_open, tail, uniq, wait_for
from deploylib import (IS_ROOT, WEB_USER, db_reachable_by, deployment, free_port, have_web_user,
                       pids_matching, read_pids, unix_open)

DEPLOY = os.path.join(H.ROOT, "deploy")


def web_group_or_none():
    return WEB_USER if IS_ROOT and have_web_user() else None


def check_team_api(port, site, what, log=None):
    """The Team API through the web server on `port`: list (the owner first),
    invite (a JSON body), the request id passed through, 401 without a token."""
    rid = "deploy-" + uniq("r").replace("@", "")
    r = http("GET", site.team + "?limit=10", token=site.owner.token,
             headers={"X-Request-Id": rid}, port=port)
    data = ok(r, "%s: GET team" % what)
    assert data and data[0].get("email") == site.owner.email and data[0].get("role") == "owner", \
        "%s: team list %r does not start with the owner %s" % (what, data, site.owner.email)
    assert r.headers.get("x-request-id") == rid, \
        "%s: X-Request-Id %r, sent %r" % (what, r.headers.get("x-request-id"), rid)
    assert r.headers.get("x-ratelimit-limit"), "%s: no X-RateLimit-Limit: %r" % (what, r.headers)
    email = new_email("deploy")
    d = ok(http("POST", site.team, {"email": email, "role": "member"}, token=site.owner.token, port=port),
           "%s: invite" % what)
    assert d[0].get("email") == email and d[0].get("role") == "member", "%s: invite answered %r" % (what, d)
    inv = ok(http("GET", site.team + "/invitations", token=site.owner.token, port=port),
             "%s: list invitations" % what)
    assert email in [x.get("email") for x in inv], "%s: %s not among the invitations %r" % (what, email, inv)
    err(http("GET", site.team, port=port), 401, "%s: no credential" % what)
    if log is not None:
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        assert "id=%s " % rid in text, "%s: request %s not in roster's log %s:\n%s" % (what, rid, log, tail(log))


def start_pool(d, listen, log_name="roster.log", **keys):
    """`roster serve --config F` (its own master and workers) on `listen`."""
    conf = d.roster_conf(listen=listen, pidfile=d.path("roster.pid"), listen_group=web_group_or_none(), **keys)
    log = d.path(log_name)
    p = d.popen("roster serve", [d.binary(), "serve", "--config", conf], log)
    if listen.startswith("/"):
        up = lambda: p.poll() is not None or (os.path.exists(d.path("roster.pid")) and unix_open(listen))
    else:
        up = lambda: p.poll() is not None or (os.path.exists(d.path("roster.pid"))
                                              and port_open(int(listen.rsplit(":", 1)[1])))
    assert wait_for(up, 20, 0.05) and p.poll() is None, \
        "roster serve did not come up on %s (exit %s):\n%s" % (listen, p.poll(), tail(log))
    return p, log


# ---------------------------------------------------------------------------
# nginx


def test_deploy_nginx_unix_socket():
    """Deploy, nginx + unix socket: deploy/nginx/roster.conf with @LISTEN@/@SOCKET@ replaced, roster serve on
    its own socket (mode 0660, group www-data): the Team API answers through nginx."""
    s = new_site(key=False)
    with deployment("nginx-unix") as d:
        sock = d.path("roster.sock")
        p, log = start_pool(d, sock)
        st = os.stat(sock)
        assert st.st_mode & 0o777 == 0o660, "socket mode %o, expected 0660" % (st.st_mode & 0o777)
        port = free_port()
        d.nginx(port, "unix:" + sock)
        check_team_api(port, s, "nginx unix socket", log)


def test_deploy_nginx_tcp():
    """Deploy, nginx + TCP: roster `listen = 127.0.0.1:PORT`, the nginx site with `fastcgi_pass 127.0.0.1:PORT`:
    the Team API answers through nginx; roster listens on loopback only."""
    s = new_site(key=False)
    with deployment("nginx-tcp") as d:
        fport = free_port()
        p, log = start_pool(d, "127.0.0.1:%d" % fport)
        # Bound to loopback, not to every interface.
        out = subprocess.run(["ss", "-Hltn", "sport = :%d" % fport], capture_output=True, timeout=10)
        if out.returncode == 0:
            lines = [x for x in out.stdout.decode().splitlines() if x.strip()]
            assert lines and all("127.0.0.1:%d" % fport in x for x in lines), \
                "roster's TCP socket is not on 127.0.0.1 only: %r" % lines
        port = free_port()
        d.nginx(port, "127.0.0.1:%d" % fport)
        check_team_api(port, s, "nginx TCP", log)
    # An empty host (every interface) is refused at start.
    with deployment("tcp-any") as d:
        conf = d.roster_conf(listen=":%d" % free_port())
        r = subprocess.run([d.binary(), "serve", "--config", conf], capture_output=True, timeout=30,
                           env=d.env, stdin=subprocess.DEVNULL)
        assert r.returncode != 0, "roster serve with listen = :PORT started (exit 0)"


# ---------------------------------------------------------------------------
# Apache


def test_deploy_apache_proxy_fcgi():
    """Deploy, Apache 2.4 + mod_proxy_fcgi: deploy/apache/roster-proxy-fcgi.conf in a private Apache (mpm_event,
    proxy, proxy_fcgi, headers only) in front of roster serve's unix socket: the Team API answers, the
    Authorization header reaches roster (CGIPassAuth), REQUEST_URI carries the path and the query."""
    s = new_site(key=False)
    with deployment("apache-proxy") as d:
        sock = d.path("roster.sock")
        p, log = start_pool(d, sock)
        port = free_port()
        with open(os.path.join(DEPLOY, "apache", "roster-proxy-fcgi.conf")) as f:
            site = f.read().replace("@LISTEN@", "127.0.0.1:%d" % port).replace("@SOCKET@", sock)
        d.apache(port, ["proxy", "proxy_fcgi", "headers"], site)
        check_team_api(port, s, "Apache mod_proxy_fcgi", log)
        # Percent-encoding and the query string arrive as the client sent them.
        r = http("GET", "%s/websites/%%%02x%s/team?limit=1" % (H.API, ord(s.id[0]), s.id[1:]),
                 token=s.owner.token, port=port)
        data = ok(r, "Apache: encoded path, ?limit=1")
        assert len(data) == 1 and data[0]["email"] == s.owner.email, data


def test_deploy_apache_mod_fcgid_htaccess():
    """Deploy, shared hosting: Apache + mod_fcgid configured by deploy/apache/fcgid/.htaccess, spawning roster
    through the deploy/apache/fcgid/roster.fcgi wrapper (no master of roster's; mod_fcgid manages the
    processes, as www-data), the hoster's part from deploy/apache/fcgid/hoster.conf: the Team API answers."""
    if not (IS_ROOT and have_web_user()):
        raise AssertionError("needs root and the www-data user (Apache's children run as www-data)")
    s = new_site(key=False)
    src = os.path.join(DEPLOY, "apache", "fcgid")
    with deployment("apache-fcgid") as d, db_reachable_by(WEB_USER):
        docroot = d.path("htdocs")
        os.makedirs(docroot)
        os.chmod(docroot, 0o755)
        shutil.copy(os.path.join(src, ".htaccess"), docroot)
        conf = d.roster_conf(workers=None, max_requests=0)
        with open(os.path.join(src, "roster.fcgi")) as f:
            wrapper = f.read()
        assert re.search(r"^ROSTER=", wrapper, re.M) and re.search(r"^CONFIG=", wrapper, re.M), \
            "roster.fcgi lost its ROSTER=/CONFIG= lines"
        wrapper = re.sub(r"^ROSTER=.*$", "ROSTER=" + d.binary(copy=True), wrapper, flags=re.M)
        wrapper = re.sub(r"^CONFIG=.*$", "CONFIG=" + conf, wrapper, flags=re.M)
        with open(os.path.join(docroot, "roster.fcgi"), "w") as f:
            f.write(wrapper)
        os.chmod(os.path.join(docroot, "roster.fcgi"), 0o755)
        port = free_port()
        with open(os.path.join(src, "hoster.conf")) as f:
            vhost = f.read().replace("@LISTEN@", "127.0.0.1:%d" % port).replace("@DOCROOT@", docroot)
        # Server-wide mod_fcgid state in this directory; the sanitizer options for
        # the roster processes (mod_fcgid gives them no other environment).
        body = """FcgidIPCDir "%(run)s/fcgid"
FcgidProcessTableFile "%(run)s/fcgid_shm"
FcgidInitialEnv ASAN_OPTIONS "%(asan)s"
FcgidInitialEnv UBSAN_OPTIONS "%(ubsan)s"
%(vhost)s""" % {"run": d.path("apache-run"), "asan": d.env["ASAN_OPTIONS"], "ubsan": d.env["UBSAN_OPTIONS"],
                "vhost": vhost}
        d.apache(port, ["mime", "rewrite", "fcgid"], body)
        check_team_api(port, s, "Apache mod_fcgid", log=None)
        err_log = d.path("apache-error.log")
        procs = pids_matching(conf)
        assert procs, "no roster process of %s under mod_fcgid:\n%s" % (conf, tail(err_log))
        for pid in procs:
            with open("/proc/%d/status" % pid) as f:
                uid = int(re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1))
            assert uid != 0, "roster under mod_fcgid runs as root (pid %d)" % pid
            # fd 0 was mod_fcgid's listening socket: one worker, no master and pool.
            assert not H.worker_pids(pid), "roster %d under mod_fcgid forked %r" % (pid, H.worker_pids(pid))
        # roster's log lines go to Apache's error log (mod_fcgid's stderr).
        assert wait_for(lambda: "status=200" in open(err_log, errors="replace").read(), 5), \
            "roster's request lines are not in Apache's error log:\n%s" % tail(err_log)
        # No master, so no memory shared between the processes: rate_store = local
        # (the default) counts in the database instead, and says so at start.
        assert "rate_store = local without roster's master" in open(err_log, errors="replace").read(), \
            "no word in Apache's error log that local rate limits count in the database:\n%s" % tail(err_log)
        # The wrapper and .htaccess are served as nothing but roster: /.htaccess is
        # denied, /roster.fcgi is roster itself (a 404 in the envelope).
        assert http("GET", "/.htaccess", port=port).status == 403
        err(http("GET", "/roster.fcgi", port=port), 404, "GET /roster.fcgi")
        # Apache stops the roster processes it started (SIGTERM) when it stops:
        # deploylib's close() fails on any left behind.


# ---------------------------------------------------------------------------
# spawn-fcgi


def spawn_env(d, conf, sock, **extra):
    env = dict(d.env)
    env.update({"ROSTER": d.binary(copy=True), "CONFIG": conf, "SOCKET": sock,
                "PIDFILE": d.path("spawn-fcgi.pid"), "RUN_USER": WEB_USER, "RUN_GROUP": WEB_USER,
                "SOCKET_GROUP": WEB_USER})
    env.update(extra)
    return env


def test_deploy_spawn_fcgi_fork():
    """Deploy, spawn-fcgi: deploy/spawn-fcgi/roster.sh start (spawn-fcgi -F 3: three single-worker roster
    processes on one socket, as www-data), nginx in front: the Team API answers; roster.sh stop ends them."""
    if not (IS_ROOT and have_web_user()):
        raise AssertionError("needs root and the www-data user")
    s = new_site(key=False)
    script = os.path.join(DEPLOY, "spawn-fcgi", "roster.sh")
    with deployment("spawn-fcgi") as d, db_reachable_by(WEB_USER):
        sock = d.path("roster.sock")
        conf = d.roster_conf(log="syslog", max_requests=0, workers=None)
        env = spawn_env(d, conf, sock, CHILDREN="3")
        r = subprocess.run(["sh", script, "start"], env=env, capture_output=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 0, "roster.sh start: exit %d\n%s" % (r.returncode, (r.stdout + r.stderr).decode())
        pidfile = d.path("spawn-fcgi.pid")
        pids = read_pids(pidfile)
        d.stop_pids_on_exit("spawn-fcgi children", lambda: [p for p in pids if pid_alive(p)])
        assert len(pids) == 3 and all(pid_alive(p) for p in pids), "spawn-fcgi children %r" % pids
        st = os.stat(sock)
        assert st.st_mode & 0o777 == 0o660, "socket mode %o" % (st.st_mode & 0o777)
        port = free_port()
        d.nginx(port, "unix:" + sock)
        check_team_api(port, s, "spawn-fcgi -F 3")
        assert all(pid_alive(p) for p in pids), "a spawn-fcgi child died"
        kids = {p: H.worker_pids(p) for p in pids}
        assert not any(kids.values()), "each spawn-fcgi child should be one worker, not a pool: %r" % kids
        r = subprocess.run(["sh", script, "stop"], env=env, capture_output=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 0, "roster.sh stop: %s" % (r.stdout + r.stderr).decode()
        assert wait_for(lambda: not any(pid_alive(p) for p in pids), 10, 0.05), \
            "spawn-fcgi children still alive 10 s after roster.sh stop: %r" % [p for p in pids if pid_alive(p)]


def test_deploy_spawn_fcgi_supervised_pool():
    """Deploy, spawn-fcgi -n (for a supervisor): deploy/spawn-fcgi/roster.sh run execs roster with ROSTER_POOL=1
    on the inherited socket: roster's own master and workers (same pid as spawn-fcgi), logs on stderr, nginx
    in front: the Team API answers; SIGTERM stops the pool."""
    if not (IS_ROOT and have_web_user()):
        raise AssertionError("needs root and the www-data user")
    s = new_site(key=False)
    script = os.path.join(DEPLOY, "spawn-fcgi", "roster.sh")
    with deployment("spawn-fcgi-n") as d, db_reachable_by(WEB_USER):
        sock = d.path("roster.sock")
        conf = d.roster_conf(workers=3)
        env = spawn_env(d, conf, sock)
        log = d.path("roster.log")
        p = d.popen("roster.sh run", ["sh", script, "run"], log, env=env)
        assert wait_for(lambda: p.poll() is not None or len(H.worker_pids(p.pid)) >= 3, 20, 0.05), \
            "no pool of 3 workers under pid %d (exit %s):\n%s" % (p.pid, p.poll(), tail(log))
        assert "serving on an inherited socket with 3 workers" in open(log, errors="replace").read(), tail(log)
        port = free_port()
        d.nginx(port, "unix:" + sock)
        check_team_api(port, s, "spawn-fcgi -n + ROSTER_POOL=1", log)


# ---------------------------------------------------------------------------
# systemd


def systemd_units(tmp, binary):
    """deploy/systemd/*.{service,socket} with ExecStart's /usr/local/bin/roster
    pointing at the binary under test."""
    out = []
    for name in ("roster.service", "roster.socket"):
        with open(os.path.join(DEPLOY, "systemd", name)) as f:
            text = f.read()
        if name.endswith(".service"):
            assert "ExecStart=/usr/local/bin/roster serve --config /etc/roster/roster.conf" in text, \
                "roster.service's ExecStart changed"
            text = text.replace("/usr/local/bin/roster", binary)
        p = os.path.join(tmp, name)
        with open(p, "w") as f:
            f.write(text)
        out.append(p)
    return out


def unit_value(path, key):
    with open(path) as f:
        return [m.group(1).strip() for m in re.finditer(r"^%s=(.*)$" % re.escape(key), f.read(), re.M)]


def test_deploy_systemd_units_verify():
    """Deploy, systemd: deploy/systemd/roster.service and roster.socket pass `systemd-analyze verify`; the service
    is Type=simple, reloads with SIGHUP, restarts on failure, runs as `roster`; the socket is
    /run/roster/roster.sock, 0660, group www-data, Accept=no."""
    with deployment("systemd-verify") as d:
        svc, sock = systemd_units(d.dir, d.binary())
        assert unit_value(svc, "Type") == ["simple"]
        assert unit_value(svc, "ExecReload") == ["/bin/kill -HUP $MAINPID"]
        assert unit_value(svc, "Restart") == ["on-failure"]
        assert unit_value(svc, "User") == ["roster"]
        assert unit_value(sock, "ListenStream") == ["/run/roster/roster.sock"]
        assert unit_value(sock, "SocketMode") == ["0660"] and unit_value(sock, "SocketGroup") == ["www-data"]
        assert unit_value(sock, "Accept") == ["no"]
        if shutil.which("systemd-analyze") is None:
            raise AssertionError("systemd-analyze missing (package systemd)")
        r = subprocess.run(["systemd-analyze", "verify", svc, sock], capture_output=True, timeout=60,
                           cwd=d.dir, stdin=subprocess.DEVNULL)
        out = (r.stdout + r.stderr).decode(errors="replace")
        assert r.returncode == 0 and not out.strip(), "systemd-analyze verify: exit %d\n%s" % (r.returncode, out)


def test_deploy_systemd_socket_activation():
    """Deploy, systemd socket activation: `systemd-socket-activate -l SOCK --fdname=roster roster serve` (what
    roster.socket + roster.service do: LISTEN_FDS/LISTEN_PID, fd 3) with nginx in front: the first connection
    starts roster, which serves the inherited socket with its pool; the Team API answers; SIGTERM stops it and
    the socket file stays (it is systemd's)."""
    if shutil.which("systemd-socket-activate") is None:
        raise AssertionError("systemd-socket-activate missing (package systemd)")
    s = new_site(key=False)
    with deployment("systemd-socket") as d:
        sock = d.path("roster.sock")
        # `listen` is ignored with an inherited socket: it points nowhere on purpose.
        conf = d.roster_conf(listen=d.path("never.sock"), pidfile=d.path("roster.pid"), workers=3)
        log = d.path("roster.log")
        p = d.popen("systemd-socket-activate",
                    ["systemd-socket-activate", "-l", sock, "--fdname=roster", d.binary(), "serve",
                     "--config", conf], log)
        assert wait_for(lambda: p.poll() is not None or os.path.exists(sock), 10, 0.05) and p.poll() is None, \
            "systemd-socket-activate did not listen on %s:\n%s" % (sock, tail(log))
        # What roster.socket's SocketGroup=www-data and SocketMode=0660 do.
        if web_group_or_none():
            shutil.chown(sock, group=WEB_USER)
        os.chmod(sock, 0o660)
        port = free_port()
        d.nginx(port, "unix:" + sock)
        check_team_api(port, s, "systemd socket activation", log)
        text = open(log, errors="replace").read()
        assert "serving on a systemd socket with 3 workers" in text, tail(log)
        assert not os.path.exists(d.path("never.sock")), "roster opened its own socket too"
        assert len(H.worker_pids(p.pid)) >= 3, "no pool under the activated pid %d" % p.pid
        # The master is the activated process itself (LISTEN_PID matched).
        assert read_pids(d.path("roster.pid")) == [p.pid], \
            "roster.pid %r, the activated pid %d" % (read_pids(d.path("roster.pid")), p.pid)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0, "roster exit %s after SIGTERM" % p.returncode
        assert os.path.exists(sock), "roster removed the socket systemd owns"
