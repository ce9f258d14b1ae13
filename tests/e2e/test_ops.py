"""Operations: rate limits, idempotent writes, the audit trail, /metrics, and
SIGHUP (reload) / SIGUSR2 (binary upgrade) under load.

Idempotency and the audit run on the main stack.  The rest runs on a second
stack ("ops"; its own MariaDB, pool and nginx from deploy/local/stack.sh on
127.0.0.1:19000-19199) with ROSTER_RATE_LIMIT=40, ROSTER_RATE_WINDOW=60 and a
ROSTER_METRICS_TOKEN, so that a small rate limit and the signals never disturb
the main suite.  The ops stack runs a copy of the binary in its own directory,
which the upgrade test replaces.  It is started by the first test that needs
it and stopped by teardown_module() (run.py calls it)."""

import contextlib
import http.client as httplib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import harness as H
from harness import (HEX24, err, http, new_email, new_site, ok, parse_iso, pid_alive, uniq, wait_for,
                     worker_pids)
from deploylib import free_port
import fcgi_client

RATE_LIMIT = 40
RATE_WINDOW = 60
WORKERS = 4

O = None  # the OpsEnv, once started


class OpsEnv:
    def __init__(self):
        main = H.STACK
        self.port = free_port()
        self.stack = H.Stack(main.binary, port=self.port, keep=main.keep)
        # A copy of the binary at a path of its own: the upgrade test installs a
        # "new" binary over it and sends SIGUSR2.
        bindir = os.path.join(self.stack.base, "bin")
        os.makedirs(bindir)
        self.source = main.binary
        self.binary = os.path.join(bindir, os.path.basename(main.binary))
        shutil.copy2(main.binary, self.binary)
        self.stack.binary = self.binary
        self.metrics_token = "mt_" + secrets.token_hex(16)
        self.rate_limit = RATE_LIMIT
        self.stack.env.update({
            "ROSTER_WORKERS": str(WORKERS),
            "ROSTER_RATE_LIMIT": str(RATE_LIMIT),
            "ROSTER_RATE_WINDOW": str(RATE_WINDOW),
            "ROSTER_METRICS_TOKEN": self.metrics_token,
        })

    def start(self):
        print("     ops stack: port %d, state %s" % (self.port, self.stack.state), flush=True)
        self.stack.up()
        with open(self.stack.conf) as f:
            conf = f.read()
        assert re.search(r"^rate_limit\s*=\s*%d\s*$" % RATE_LIMIT, conf, re.M) and \
            re.search(r"^metrics_token\s*=\s*%s\s*$" % self.metrics_token, conf, re.M), \
            "stack.sh up did not write ROSTER_RATE_LIMIT/ROSTER_METRICS_TOKEN into %s:\n%s" % (self.stack.conf, conf)
        master = self.stack.master_pid()
        assert wait_for(lambda: len(worker_pids(master)) == WORKERS, 15), \
            "ops stack: %d workers, expected %d" % (len(worker_pids(master)), WORKERS)

    @property
    def sock(self):
        return os.path.join(self.stack.state, "roster.sock")

    def log(self):
        with open(os.path.join(self.stack.state, "roster.log"), errors="replace") as f:
            return f.read()

    def set_rate_limit(self, limit):
        """Rewrites rate_limit in roster.conf and reloads (SIGHUP); returns when
        every worker is a new one and answers with the new limit."""
        self.configure(rate_limit=limit)

    def configure(self, **keys):
        """Sets keys in roster.conf (a value of None removes the key, back to its
        default) and reloads (SIGHUP); returns when every worker is a new one and
        answers with the rate limit configured.  Nothing to change: no reload."""
        with open(self.stack.conf) as f:
            conf = f.read()
        new = conf
        for k, v in keys.items():
            line = "" if v is None else "%s = %s\n" % (k, v)
            new, n = re.subn(r"^%s\s*=.*\n?" % re.escape(k), line.replace("\\", "\\\\"), new, flags=re.M)
            if n == 0:
                new = new.rstrip("\n") + "\n" + line
        if new == conf:
            return
        with open(self.stack.conf + ".tmp", "w") as f:
            f.write(new)
        os.chmod(self.stack.conf + ".tmp", 0o600)
        os.replace(self.stack.conf + ".tmp", self.stack.conf)
        self.reload_and_wait()
        if "rate_limit" in keys:
            self.rate_limit = keys["rate_limit"]
        s = new_site(key=False)
        for i in range(2 * WORKERS):
            r = http("GET", s.team, token=s.owner.token, port=self.port)
            ok(r, "after the reload")
            assert r.headers.get("x-ratelimit-limit") == str(self.rate_limit), \
                "X-RateLimit-Limit %r after a reload to %d" % (r.headers.get("x-ratelimit-limit"), self.rate_limit)

    def reload_and_wait(self, sig=signal.SIGHUP, timeout=30):
        master = self.stack.master_pid()
        old = set(worker_pids(master))
        os.kill(master, sig)
        replaced = wait_for(lambda: (lambda now: len(now) == WORKERS and not (set(now) & old))(
            worker_pids(master)), timeout, 0.05)
        assert replaced, "workers %r %d s after signal %d, before %r\n%s" % (
            worker_pids(master), timeout, sig, sorted(old), self.stack.log_tail())
        return master, old


def ops_env():
    global O
    if O is None:
        O = OpsEnv()
        try:
            O.start()
        except BaseException:
            env, O = O, None
            env.stack.down()
            env.stack.cleanup()
            raise
    return O


@contextlib.contextmanager
def on_ops_stack():
    """The harness helpers (http, cli, sql, new_site…) act on the ops stack inside."""
    env = ops_env()
    with H.on_stack(env.stack):
        yield env


def teardown_module():
    """Stops the ops stack; fails on its sanitizer reports."""
    global O
    if O is None:
        return
    env, O = O, None
    res = env.stack.down()
    files, text = H.sanitizer_reports(env.stack.state)
    if env.stack.keep:
        print("ops stack state kept in %s" % env.stack.base, flush=True)
    elif not files:
        env.stack.cleanup()
    assert not files, "sanitizer reports of the ops stack (kept in %s):\n%s" % (env.stack.base, text)
    if res is not None and res[0] != 0:
        print("warning: ops stack down: exit %s\n%s" % res, flush=True)


# ---------------------------------------------------------------------------
# Helpers


def parallel(n, fn, timeout=180):
    """Runs fn(i) in n threads; returns their results (exceptions as values)."""
    out = [None] * n

    def one(i):
        try:
            out[i] = fn(i)
        except Exception as e:  # reported by the caller
            out[i] = e
    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "client threads still running after %d s" % timeout
    return out


def metrics(port):
    """GET /metrics through nginx (loopback): {(name, labels): value}."""
    r = http("GET", "/metrics", port=port)
    assert r.status == 200, "GET /metrics: %r" % r
    ct = r.headers.get("content-type", "")
    assert ct.startswith("text/plain") and "version=0.0.4" in ct, "/metrics Content-Type %r" % ct
    return parse_metrics(r.raw.decode())


def parse_metrics(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$", line)
        assert m, "not a Prometheus sample line: %r" % line
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def req_count(ms, route, status):
    return ms.get(("roster_http_requests_total", '{route="%s",status="%s"}' % (route, status)), 0.0)


def rid(what):
    return re.sub(r"[^A-Za-z0-9_.-]", "", "%s-%s" % (what, uniq("r")))[:60]


def wait_window(min_left=6):
    """Waits, if needed, until the fixed rate window (RATE_WINDOW s, aligned on
    the epoch) has at least min_left seconds to run."""
    left = RATE_WINDOW - time.time() % RATE_WINDOW
    if left < min_left:
        time.sleep(left + 0.3)


def worker_of(log, request_id):
    m = re.search(r"roster\[(\d+)\] worker info: request id=%s " % re.escape(request_id), log)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------
# Rate limits


def burst(env, s, what, per_thread=16, n=4):
    """n parallel clients x per_thread requests of site s's owner, within one window: exactly RATE_LIMIT
    answer 200, the rest 429, and the 200s show X-RateLimit-Remaining RATE_LIMIT-1 ... 0 once each.
    Returns the responses and them by status."""
    wait_window()

    def client(i):
        out = []
        for j in range(per_thread):
            out.append(http("GET", s.team, token=s.owner.token, port=env.port,
                            headers={"X-Request-Id": rid("burst%d-%d" % (i, j))}))
        return out
    res = parallel(n, client)
    bad = [r for r in res if not isinstance(r, list)]
    assert not bad, "%s: client errors: %r" % (what, bad[:3])
    rs = [r for batch in res for r in batch]
    by = {}
    for r in rs:
        by.setdefault(r.status, []).append(r)
    assert sorted(by) == [200, 429] and len(by[200]) == RATE_LIMIT and len(by[429]) == n * per_thread - RATE_LIMIT, \
        "%s: statuses %r, expected %d x 200 and %d x 429" % (
            what, {k: len(v) for k, v in by.items()}, RATE_LIMIT, n * per_thread - RATE_LIMIT)
    remaining = sorted(int(r.headers.get("x-ratelimit-remaining", "-1")) for r in by[200])
    assert remaining == list(range(RATE_LIMIT)), \
        "%s: X-RateLimit-Remaining of the 200s: %r, expected 0..%d once each" % (what, remaining, RATE_LIMIT - 1)
    return rs, by


def rate_rows(s):
    """The rate_windows rows (window_start, hits) of site s's owner's token."""
    return H.sql("SELECT window_start, hits FROM %s.rate_windows WHERE rkey = 'c:%s'" % (H.db(), s.owner.token_id))


def test_ops_rate_limit_exact_under_parallel_burst():
    """Rate limit, with the default store (local: the master's shared memory): 64 requests of one credential
    from 4 parallel clients over every worker, limit 40 per 60 s: exactly 40 answer 200 and 24 answer 429
    (envelope, Retry-After >= 1, X-RateLimit-Reset >= 1); the 200s show X-RateLimit-Remaining 39 ... 0 once
    each; roster_rate_limited_total grows by 24; nothing was counted in the database; another credential still
    has its whole budget."""
    with on_ops_stack() as env:
        env.configure(rate_limit=RATE_LIMIT, rate_store=None)
        with open(env.stack.conf) as f:
            assert not re.search(r"^rate_store", f.read(), re.M), "rate_store set in %s" % env.stack.conf
        s = new_site(key=False)
        before = metrics(env.port)
        rs, by = burst(env, s, "default store")
        assert rate_rows(s) == [], "the default store counted in the database: %r" % rate_rows(s)
        for r in rs:
            assert r.headers.get("x-ratelimit-limit") == str(RATE_LIMIT), "X-RateLimit-Limit: %r" % r.headers
            reset = int(r.headers.get("x-ratelimit-reset", "0"))
            assert 1 <= reset <= RATE_WINDOW, "X-RateLimit-Reset %r" % reset
        for r in by[429]:
            err(r, 429, "past the limit")
            assert r.headers.get("x-ratelimit-remaining") == "0", "Remaining on a 429: %r" % r.headers
            assert int(r.headers.get("retry-after", "0")) >= 1, "Retry-After on a 429: %r" % r.headers
            assert r.headers.get("retry-after") == r.headers.get("x-ratelimit-reset"), r.headers
        # Every worker took part: the log names the worker of each request id.
        master = env.stack.master_pid()
        workers = set(worker_pids(master))
        ids = [r.headers["x-request-id"] for r in rs]
        seen = wait_for(lambda: (lambda log: (lambda w: w if None not in w else None)(
            [worker_of(log, i) for i in ids]))(env.log()), 5, 0.1)
        assert seen, "not every request of the burst is in roster.log"
        assert set(seen) == workers, "the burst reached workers %r of %r" % (sorted(set(seen)), sorted(workers))
        after = wait_for(lambda: (lambda m: m if m[("roster_rate_limited_total", "")] - before[(
            "roster_rate_limited_total", "")] >= len(by[429]) else None)(metrics(env.port)), 5, 0.1)
        got = (after or metrics(env.port))[("roster_rate_limited_total", "")] - before[("roster_rate_limited_total", "")]
        assert got == len(by[429]), "roster_rate_limited_total grew by %r, %d requests got 429" % (got, len(by[429]))
        # The limit holds across dialects: once /cma exists, the same credential
        # gets 429 there too, in DatoCMS's shape (its client reads X-RateLimit-Reset).
        r = http("GET", "/cma/site-invitations", token=s.owner.token, port=env.port,
                 headers={"X-Site-Id": s.id})
        is_team_404 = r.status == 404 and isinstance(r.body, dict) and r.body.get("status") == "error"
        if not is_team_404:
            assert r.status == 429, "/cma past the limit: %r" % r
            assert r.headers.get("content-type", "").startswith("application/json"), r.headers
            e = r.body["data"][0] if isinstance(r.body, dict) and isinstance(r.body.get("data"), list) else {}
            assert e.get("type") == "api_error" and e.get("id") and \
                e.get("attributes", {}).get("code") == "RATE_LIMIT_EXCEEDED", \
                "/cma 429 body: %r" % r  # DatoCMS's code for a rate limit
            assert int(r.headers.get("x-ratelimit-reset", "0")) >= 1 and r.headers.get("retry-after"), r.headers
        # The limit is per credential: another token of the same owner is untouched.
        tok2, _ = H.make_token(s.owner.email)
        r = http("GET", s.team, token=tok2, port=env.port)
        ok(r, "another credential")
        assert r.headers.get("x-ratelimit-remaining") == str(RATE_LIMIT - 1), r.headers


def test_ops_rate_limit_local_counts_survive_a_reload():
    """Rate limit, local store: the counts live in the master, so a SIGHUP that replaces every worker does
    not give a credential its budget back: 5 requests, a reload, the next one has 34 of 40 left."""
    with on_ops_stack() as env:
        env.configure(rate_limit=RATE_LIMIT, rate_store=None)
        s = new_site(key=False)
        wait_window(min_left=20)
        for i in range(5):
            r = http("GET", s.team, token=s.owner.token, port=env.port)
            ok(r, "request %d" % (i + 1))
            assert r.headers.get("x-ratelimit-remaining") == str(RATE_LIMIT - 1 - i), r.headers
        env.reload_and_wait()
        r = http("GET", s.team, token=s.owner.token, port=env.port)
        ok(r, "after the reload")
        assert r.headers.get("x-ratelimit-remaining") == str(RATE_LIMIT - 6), \
            "X-RateLimit-Remaining after a reload: %r, expected %d" % (
                r.headers.get("x-ratelimit-remaining"), RATE_LIMIT - 6)


def test_ops_rate_limit_local_counts_survive_an_upgrade():
    """Rate limit, local store: a SIGUSR2 upgrade hands the counter table to the new master (a memfd left open
    across exec), so it does not give a credential its budget back either: 5 requests, an upgrade, the next one
    has 34 of 40 left."""
    with on_ops_stack() as env:
        env.configure(rate_limit=RATE_LIMIT, rate_store=None)
        s = new_site(key=False)
        wait_window(min_left=20)
        for i in range(5):
            r = http("GET", s.team, token=s.owner.token, port=env.port)
            ok(r, "request %d" % (i + 1))
            assert r.headers.get("x-ratelimit-remaining") == str(RATE_LIMIT - 1 - i), r.headers
        log0 = len(env.log())
        env.reload_and_wait(signal.SIGUSR2)
        assert "upgrade: re-executing" in env.log()[log0:], "no upgrade in the log"
        assert "does not fit" not in env.log()[log0:], env.log()[log0:]
        r = http("GET", s.team, token=s.owner.token, port=env.port)
        ok(r, "after the upgrade")
        assert r.headers.get("x-ratelimit-remaining") == str(RATE_LIMIT - 6), \
            "X-RateLimit-Remaining after an upgrade: %r, expected %d" % (
                r.headers.get("x-ratelimit-remaining"), RATE_LIMIT - 6)


@contextlib.contextmanager
def private_memcached():
    """A memcached of the test's own on a free loopback port; yields "127.0.0.1:PORT"."""
    exe = shutil.which("memcached")
    assert exe, "memcached is not installed (deploy/local/deps.sh installs it)"
    port = free_port()
    argv = [exe, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "16"]
    if os.geteuid() == 0:
        argv += ["-u", "nobody"]  # memcached refuses to run as root
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def up():
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                return True
            return p.poll() is not None
        assert wait_for(up, 10, 0.05) and p.poll() is None, \
            "memcached did not start (exit %s): %s" % (p.poll(), p.stderr.read().decode(errors="replace"))
        yield "127.0.0.1:%d" % port
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        p.stderr.close()


def test_ops_rate_limit_exact_database_and_memcached_stores():
    """Rate limit, the stores shared between hosts, each switched to by SIGHUP: rate_store = database counts
    the same parallel burst exactly (40 x 200, 24 x 429) in rate_windows (one row, 64 hits), and so does
    rate_store = memcached (nothing in rate_windows); then back to the default (local)."""
    with on_ops_stack() as env, private_memcached() as mc:
        try:
            env.configure(rate_limit=RATE_LIMIT, rate_store="database")
            s = new_site(key=False)
            burst(env, s, "rate_store = database")
            rows = rate_rows(s)
            assert len(rows) == 1 and rows[0][1] == "64", "rate_windows rows of the burst: %r" % rows
            env.configure(rate_store="memcached", memcached=mc)
            s = new_site(key=False)
            burst(env, s, "rate_store = memcached")
            assert rate_rows(s) == [], "rate_store = memcached counted in the database: %r" % rate_rows(s)
            assert "memcached increment failed" not in env.log(), env.stack.log_tail()
        finally:
            env.configure(rate_store=None, memcached=None)


# ---------------------------------------------------------------------------
# Idempotency-Key


def invite_req(site, email, key, token=None, port=None):
    return http("POST", site.team, {"email": email, "role": "member"}, token=token or site.owner.token,
                headers={"Idempotency-Key": key}, port=port)


def pending_invitations(site, email):
    return int(H.sql_value("SELECT COUNT(*) FROM %s.invitations WHERE website_id = '%s' AND email = '%s'"
                           % (H.db(), site.id, email)))


def test_ops_idempotent_invite_retried_five_times():
    """Idempotency-Key: an invite sent 5 times with one key makes one invitation (SQL) and one audit row; the 5
    answers are the same 200 body, the retries marked `Idempotent-Replayed: true`; the same key with another
    body is 422 and creates nothing; another credential's use of the key is independent."""
    s = new_site(key=False)
    email, other = new_email("idem"), new_email("idem2")
    key = "idem-" + uniq("k")
    rs = [invite_req(s, email, key) for _ in range(5)]
    for i, r in enumerate(rs):
        ok(r, "attempt %d" % (i + 1))
    assert len({r.raw for r in rs}) == 1, "the 5 answers differ:\n%s" % "\n".join(repr(r) for r in rs)
    assert "idempotent-replayed" not in rs[0].headers, "the first answer says replayed: %r" % rs[0].headers
    for r in rs[1:]:
        assert r.headers.get("idempotent-replayed") == "true", "a retry without Idempotent-Replayed: %r" % r.headers
    inv = rs[0].body["data"][0]["invitationId"]
    assert pending_invitations(s, email) == 1, "%d invitations of %s" % (pending_invitations(s, email), email)
    n = int(H.sql_value("SELECT COUNT(*) FROM %s.audit_log WHERE website_id = '%s' AND action = 'invite.create'"
                        % (H.db(), s.id)))
    assert n == 1, "%d invite.create audit rows for one idempotent invite" % n
    # Same key, another body: 422, and nothing happens.
    err(invite_req(s, other, key), 422, "same key, another body")
    assert pending_invitations(s, other) == 0, "the 422 created an invitation"
    # Same key, same body, another method or path is another request too.
    err(http("DELETE", s.team, {"email": email, "role": "member"}, token=s.owner.token,
             headers={"Idempotency-Key": key}), 422, "same key, another method")
    # Another credential (a second token of the same owner): the key is its own.
    tok2, _ = H.make_token(s.owner.email)
    r = invite_req(s, other, key, token=tok2)
    d = ok(r, "same key, another credential")[0]
    assert "idempotent-replayed" not in r.headers and d["invitationId"] != inv and d["email"] == other, r
    assert pending_invitations(s, other) == 1
    # ... and not a replay of the first credential's answer: the same body runs and
    # finds the pending invitation (409).
    tok3, _ = H.make_token(s.owner.email)
    err(invite_req(s, email, key, token=tok3), 409, "same key and body, a third credential")
    assert pending_invitations(s, email) == 1
    # Another website's owner with the same key.
    s2 = new_site(key=False)
    ok(invite_req(s2, email, key), "same key, another owner")
    assert pending_invitations(s2, email) == 1


def test_ops_idempotent_invite_concurrent_retries():
    """Idempotency-Key: 5 copies of one invite sent at the same moment with one key: one invitation, 5 identical
    200 bodies."""
    s = new_site(key=False)
    email = new_email("idemc")
    key = "idemc-" + uniq("k")
    barrier = threading.Barrier(5)

    def one(i):
        conn = httplib.HTTPConnection("127.0.0.1", H.STACK.port, timeout=H.HTTP_TIMEOUT)
        try:
            conn.connect()
            barrier.wait(timeout=30)
            conn.request("POST", s.team, body=json.dumps({"email": email, "role": "member"}), headers={
                "Content-Type": "application/json", "Authorization": "Bearer " + s.owner.token,
                "Idempotency-Key": key})
            r = conn.getresponse()
            return r.status, r.read(), r.getheader("Idempotent-Replayed")
        finally:
            conn.close()
    res = parallel(5, one, 60)
    bad = [r for r in res if not isinstance(r, tuple)]
    assert not bad, "client errors: %r" % bad
    assert [r[0] for r in res] == [200] * 5, "statuses %r: %r" % ([r[0] for r in res], res)
    assert len({r[1] for r in res}) == 1, "bodies differ: %r" % [r[1] for r in res]
    assert sum(1 for r in res if r[2] is None) == 1, "Idempotent-Replayed on %r" % [r[2] for r in res]
    assert pending_invitations(s, email) == 1, "%d invitations" % pending_invitations(s, email)


# ---------------------------------------------------------------------------
# Audit


def audit_lines(site_id, *extra, flag="--website"):
    rc, out, errout = H.cli_raw("audit", flag, site_id, *extra)
    assert rc == 0, "roster audit: exit %s\n%s%s" % (rc, out, errout)
    rows = []
    for line in out.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise AssertionError("roster audit printed a line that is not JSON: %r" % line)
    return rows


def test_ops_audit_one_row_per_write_with_request_id():
    """Audit: every write (invite, resend, revoke, accept, role change, removal, API key create/revoke) is one row of
    `roster audit --website ID` carrying the X-Request-Id it was sent with, its action, target, user and
    credential; token create/revoke (no website) are one audit_log row each; reads, failed writes and idempotent
    replays write none; --since filters."""
    s = new_site(key=False)
    member = H.add_member(s, "member", token=False)
    owner = s.owner
    want = {}  # request id -> (action, target or None, credential id)

    def write(action, method, path, body=None, token=owner.token, status=200, target=None, cred=None):
        i = rid(action.replace(".", "-"))
        r = http(method, path, body, token=token, headers={"X-Request-Id": i})
        if status == 200:
            data = ok(r, action)
            want[i] = (action, target, owner.token_id if cred is None else cred)
        else:
            err(r, status, action)
            data = None
        assert r.headers.get("x-request-id") == i, "X-Request-Id %r, sent %r" % (r.headers.get("x-request-id"), i)
        return data

    e1, e2 = new_email("aud1"), new_email("aud2")
    inv1 = write("invite.create", "POST", s.team, {"email": e1, "role": "member"})[0]["invitationId"]
    want[list(want)[-1]] = ("invite.create", inv1, owner.token_id)
    write("invite.resend", "POST", "%s/invitations/%s/resend" % (s.team, inv1), target=inv1)
    write("invite.revoke", "DELETE", "%s/invitations/%s" % (s.team, inv1), target=inv1)
    d2 = write("invite.create", "POST", s.team, {"email": e2, "role": "viewer"})[0]
    want[list(want)[-1]] = ("invite.create", d2["invitationId"], owner.token_id)
    tok = re.search(r"[?&]token=([A-Za-z0-9_-]+)", d2["inviteUrl"]).group(1)
    i = rid("invite-accept")
    ok(http("POST", "/api/v1/invitations/accept", {"token": tok, "name": "Audited"},
            headers={"X-Request-Id": i}), "accept")
    want[i] = ("invite.accept", None, None)
    write("member.role", "PATCH", "%s/%s" % (s.team, member.id), {"role": "viewer"}, target=member.id)
    write("member.remove", "DELETE", s.team, {"userId": member.id}, target=member.id)
    k = write("apikey.create", "POST", "%s/websites/%s/api-keys" % (H.API, s.id), {"name": "audited"})[0]
    want[list(want)[-1]] = ("apikey.create", k["id"], owner.token_id)
    write("apikey.revoke", "DELETE", "%s/websites/%s/api-keys/%s" % (H.API, s.id, k["id"]), target=k["id"])
    # Not audited: a read, a failed write, an idempotent replay.
    write("read", "GET", s.team)
    del want[list(want)[-1]]
    write("invite.fail", "POST", s.team, {"email": "not-an-address"}, status=400)
    key = "aud-" + uniq("k")
    r1 = http("POST", s.team, {"email": new_email("aud3")}, token=owner.token,
              headers={"Idempotency-Key": key, "X-Request-Id": rid("idem1")})
    ok(r1, "idempotent invite")
    want[r1.headers["x-request-id"]] = ("invite.create", r1.body["data"][0]["invitationId"], owner.token_id)
    ok(http("POST", s.team, {"email": json.loads(r1.sent)["email"]}, token=owner.token,
            headers={"Idempotency-Key": key, "X-Request-Id": rid("idem2")}), "idempotent replay")

    rows = audit_lines(s.id)
    for row in rows:
        assert set(row) == {"id", "at", "websiteId", "userId", "credentialId", "action", "target", "requestId"}, row
        assert HEX24.match(row["id"]) and row["websiteId"] == s.id, row
        parse_iso(row["at"])
    by_rid = {}
    for row in rows:
        if row["requestId"] is not None:
            by_rid.setdefault(row["requestId"], []).append(row)
    assert set(by_rid) == set(want), "audit rows by request id:\n  extra %r\n  missing %r\n%s" % (
        sorted(set(by_rid) - set(want)), sorted(set(want) - set(by_rid)), "\n".join(map(json.dumps, rows)))
    for i, (action, target, cred) in want.items():
        got = by_rid[i]
        assert len(got) == 1, "%d audit rows for request %s: %r" % (len(got), i, got)
        row = got[0]
        assert row["action"] == action, "request %s: action %r, expected %r" % (i, row["action"], action)
        if target is not None:
            # member.role's target also names the new role: "USERID viewer".
            assert row["target"] == target or (action == "member.role" and row["target"] == target + " viewer"), \
                "request %s (%s): target %r, expected %r" % (i, action, row["target"], target)
        assert row["credentialId"] == cred, "request %s (%s): credentialId %r, expected %r" % (
            i, action, row["credentialId"], cred)
        if cred is not None:
            assert row["userId"] == owner.id, "request %s (%s): userId %r" % (i, action, row["userId"])
    # The CLI's own writes carry no request id: website.create and member.add.
    cli_rows = sorted(r["action"] for r in rows if r["requestId"] is None)
    assert cli_rows == ["member.add", "website.create"], "audit rows without a request id: %r" % cli_rows
    ats = [parse_iso(r["at"]) for r in rows]
    assert ats == sorted(ats), "roster audit is not oldest first"
    # --since: only the rows from that time on (whole seconds: the CLI drops the
    # fraction of an ISO time).
    cut = rows[len(rows) // 2]["at"][:19] + "Z"
    later = audit_lines(s.id, "--since", cut)
    t_cut = parse_iso(cut[:19] + ".000Z")
    assert later and all(parse_iso(r["at"]) >= t_cut for r in later), later
    assert {r["id"] for r in later} == {r["id"] for r in rows if parse_iso(r["at"]) >= t_cut}
    # Access tokens belong to a user, not a website: their rows have no website id
    # (so `roster audit --website` cannot show them); one row each, with the request id.
    t = write("token.create", "POST", "%s/access-tokens" % H.API, {"name": "audited", "websiteIds": [s.id]})[0]
    ti = list(want)[-1]
    write("token.revoke", "DELETE", "%s/access-tokens/%s" % (H.API, t["id"]), target=t["id"])
    tr = list(want)[-1]
    for i, action in ((ti, "token.create"), (tr, "token.revoke")):
        got = H.sql("SELECT action, IFNULL(target, ''), IFNULL(credential_id, ''), IFNULL(user_id, '') "
                    "FROM %s.audit_log WHERE request_id = '%s'" % (H.db(), i))
        assert got == [[action, t["id"], owner.token_id, owner.id]], "audit_log rows of %s: %r" % (i, got)
    # `roster audit --user`: the owner's rows, those without a website (the token's) included, and
    # those of the website as the owner's acts (not the CLI's, nor the accept's, which have no user).
    mine = audit_lines(owner.id, flag="--user")
    assert all(r["userId"] == owner.id for r in mine), mine
    got = {r["requestId"]: r for r in mine}
    for i, action in ((ti, "token.create"), (tr, "token.revoke")):
        assert i in got and got[i]["action"] == action and got[i]["websiteId"] is None, \
            "roster audit --user: %s missing or wrong in %r" % (action, mine)
    assert {r["id"] for r in mine if r["websiteId"] == s.id} == \
        {r["id"] for r in rows if r["userId"] == owner.id}, "roster audit --user vs --website"
    for args in ((), ("--website", s.id, "--user", owner.id), ("--user", "nobody")):
        rc, out, errout = H.cli_raw("audit", *args)
        assert rc != 0, "roster audit %r: exit 0\n%s" % (args, out)


# ---------------------------------------------------------------------------
# /metrics


def test_ops_metrics_count_what_was_sent():
    """/metrics (loopback, through nginx): after 7 team lists (200) and 3 of a website that does not exist (404),
    roster_http_requests_total{route="team.list"} grew by exactly 7 and 3; the duration histogram by at least
    10; roster_workers is the pool size."""
    with on_ops_stack() as env:
        env.set_rate_limit(RATE_LIMIT)
        s = new_site(key=False)
        missing = "%s/websites/%s/team" % (H.API, H.random_id())
        before = metrics(env.port)
        for _ in range(7):
            ok(http("GET", s.team, token=s.owner.token, port=env.port))
        for _ in range(3):
            err(http("GET", missing, token=s.owner.token, port=env.port), 404)
        want = (req_count(before, "team.list", 200) + 7, req_count(before, "team.list", 404) + 3)
        # A worker counts a request right after answering it: allow it a moment.
        after = wait_for(lambda: (lambda m: m if (req_count(m, "team.list", 200), req_count(m, "team.list", 404))
                                  == want else None)(metrics(env.port)), 3, 0.05)
        after = after or metrics(env.port)
        got = (req_count(after, "team.list", 200), req_count(after, "team.list", 404))
        assert got == want, "team.list 200/404 counters %r, expected %r (before %r)" % (
            got, want, (req_count(before, "team.list", 200), req_count(before, "team.list", 404)))
        hc = ("roster_http_request_duration_seconds_count", "")
        assert after[hc] - before[hc] >= 10, "histogram count grew by %r" % (after[hc] - before[hc])
        buckets = sorted((float(k[1].split('"')[1]) if "+Inf" not in k[1] else float("inf"), v)
                         for k, v in after.items() if k[0] == "roster_http_request_duration_seconds_bucket")
        assert buckets and buckets[-1][1] == after[hc], "+Inf bucket %r != count %r" % (buckets[-1:], after[hc])
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "buckets not cumulative: %r" % buckets
        assert after[("roster_workers", "")] == WORKERS, "roster_workers %r" % after.get(("roster_workers", ""))
        for name in ("roster_db_errors_total", "roster_db_reconnects_total", "roster_tx_retries_total",
                     "roster_rate_limited_total", "roster_worker_starts_total", "roster_worker_restarts_total",
                     "roster_worker_deadline_kills_total"):
            assert (name, "") in after, "/metrics lacks %s" % name


def test_ops_metrics_refused_off_loopback():
    """/metrics spoken to over FastCGI with REMOTE_ADDR 203.0.113.7: 403 in the envelope, also with a wrong token or
    an X-Forwarded-For of 127.0.0.1; with `Authorization: Bearer <metrics_token>` 200; REMOTE_ADDR ::1 200."""
    with on_ops_stack() as env:
        far = {"REMOTE_ADDR": "203.0.113.7"}
        for what, headers in (("no token", {}), ("wrong token", {"Authorization": "Bearer nope"}),
                              ("a site token", {"Authorization": "Bearer dft_x"}),
                              ("X-Forwarded-For", {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"})):
            r = fcgi_client.request(env.sock, "GET", "/metrics", params=far, headers=headers)
            assert r.status == 403, "%s: %r" % (what, r)
            b = r.json()
            assert r.headers.get("content-type", "").startswith("application/json") and \
                b.get("status") == "error" and b["error"]["code"] == 403, "%s: %r" % (what, r)
            assert b"roster_http_requests_total" not in r.body
        r = fcgi_client.request(env.sock, "GET", "/metrics", params=far,
                                headers={"Authorization": "Bearer " + env.metrics_token})
        assert r.status == 200 and b"roster_http_requests_total" in r.body, "with the metrics token: %r" % r
        assert r.headers.get("content-type", "").startswith("text/plain")
        for addr in ("::1", "127.0.0.1"):
            r = fcgi_client.request(env.sock, "GET", "/metrics", params={"REMOTE_ADDR": addr})
            assert r.status == 200, "REMOTE_ADDR %s: %r" % (addr, r)


# ---------------------------------------------------------------------------
# SIGHUP and SIGUSR2 under load


def load(env, site, signal_fn, threads=4, per_thread=750, at=600):
    """threads x per_thread GETs of the team list; calls signal_fn() once `at`
    requests are done.  Returns (answers by status, errors, requests done at the signal)."""
    done = [0]
    lock = threading.Lock()
    fired = threading.Event()
    at_signal = [None]

    def client(i):
        statuses, errors = {}, []
        for _ in range(per_thread):
            try:
                st = http("GET", site.team, token=site.owner.token, port=env.port).status
                statuses[st] = statuses.get(st, 0) + 1
            except (OSError, httplib.HTTPException) as e:
                errors.append(repr(e))
            with lock:
                done[0] += 1
        return statuses, errors

    def trigger():
        if not wait_for(lambda: done[0] >= at, 120, 0.005):
            return
        at_signal[0] = done[0]
        signal_fn()
        fired.set()

    t = threading.Thread(target=trigger, daemon=True)
    t.start()
    res = parallel(threads, client, 300)
    t.join(30)
    statuses, errors = {}, []
    for r in res:
        if isinstance(r, Exception):
            errors.append(repr(r))
            continue
        for k, v in r[0].items():
            statuses[k] = statuses.get(k, 0) + v
        errors += r[1]
    assert fired.is_set(), "the signal was never sent (%d requests done)" % done[0]
    return statuses, errors, at_signal[0]


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        rest = st[st.rfind(")") + 2:].split()
        return rest[0], int(rest[11]) + int(rest[12])
    except (OSError, ValueError, IndexError):
        return None, 0


def spinning(pids, interval=0.5):
    """Those of pids that burn CPU while they should be idle or gone."""
    before = {p: cpu_ticks(p)[1] for p in pids}
    time.sleep(interval)
    return [p for p in pids if cpu_ticks(p)[1] - before[p] >= interval * 50]  # >= half a CPU (USER_HZ 100)


def replaced_or_cleanup(env, master, old, what, timeout=15):
    """Waits until the pool is WORKERS new workers; on failure SIGKILLs the old
    ones still there (so the next test has a sane pool) and fails, naming the
    old workers that spin."""
    now = wait_for(lambda: (lambda w: w if len(w) == WORKERS and not (set(w) & old) else None)(
        worker_pids(master)), timeout, 0.05)
    if now:
        return now
    left = [p for p in worker_pids(master) if p in old]
    spin = spinning(left)
    states = [cpu_ticks(p)[0] for p in spin]
    where = {}
    for p in left:
        try:
            with open("/proc/%d/wchan" % p) as f:
                where[p] = "%s %s" % (cpu_ticks(p)[0], f.read().strip() or "-")
        except OSError:
            pass
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    raise AssertionError("%s: workers %r %d s later; old workers still there (state, wait channel): %r, "
                         "of which spinning: %r" % (what, worker_pids(master), timeout, where, spin))


def test_ops_sighup_reload_under_load():
    """SIGHUP under load: 4 clients x 750 team lists while the master re-reads roster.conf and replaces every
    worker: 3000 x 200, no error; the master pid is unchanged, the workers are new."""
    with on_ops_stack() as env:
        # Also proves the reload: the new rate limit shows in the headers.
        env.set_rate_limit(1000000)
        s = new_site(key=False)
        master = env.stack.master_pid()
        old = set(worker_pids(master))
        statuses, errors, at = load(env, s, lambda: os.kill(master, signal.SIGHUP))
        try:
            assert not errors and statuses == {200: 3000}, \
                "under SIGHUP (sent after %s requests): %r, errors %r\nnginx: %s" % (
                    at, statuses, errors[:5], env.stack.log_tail("nginx-error.log", 5))
        finally:
            replaced_or_cleanup(env, master, old, "after the reload")
        assert env.stack.master_pid() == master and pid_alive(master), "the master changed"
        assert "reloading: replacing" in env.log(), "no reload in the log"


def test_ops_sigusr2_upgrade_under_load():
    """SIGUSR2 under load: a new binary installed over the old path (rename), then `kill -USR2 <master>` during
    4 clients x 750 team lists: 3000 x 200, no error; the master keeps its pid and runs the new file."""
    with on_ops_stack() as env:
        env.set_rate_limit(1000000)
        s = new_site(key=False)
        master = env.stack.master_pid()
        old = set(worker_pids(master))
        old_ino = os.stat("/proc/%d/exe" % master).st_ino
        # "Install it over the old path": a new file renamed over the old name
        # (what install(1) or a package manager does); the running file is untouched.
        tmp = env.binary + ".new"
        shutil.copy2(env.source, tmp)
        os.replace(tmp, env.binary)
        new_ino = os.stat(env.binary).st_ino
        assert new_ino != old_ino
        statuses, errors, at = load(env, s, lambda: os.kill(master, signal.SIGUSR2))
        try:
            assert not errors and statuses == {200: 3000}, \
                "under SIGUSR2 (sent after %s requests): %r, errors %r\nnginx: %s" % (
                    at, statuses, errors[:5], env.stack.log_tail("nginx-error.log", 5))
        finally:
            replaced_or_cleanup(env, master, old, "after the upgrade")
        assert env.stack.master_pid() == master and pid_alive(master), "the master changed"
        assert wait_for(lambda: os.stat("/proc/%d/exe" % master).st_ino == new_ino, 10, 0.05), \
            "the master still runs the old binary"
        assert "upgrade: re-executing" in env.log(), "no upgrade in the log"
        # The upgraded pool answers, and stops cleanly later (teardown_module).
        ok(http("GET", s.team, token=s.owner.token, port=env.port), "after the upgrade")


def test_ops_sighup_while_a_connection_waits_for_its_request():
    """SIGHUP while a worker holds an accepted connection whose request has not arrived yet (libfcgi waits up to
    2 s for the first byte of a unix-socket connection): the request sent then is answered (200), and the worker
    exits afterwards; it neither drops the connection nor spins."""
    with on_ops_stack() as env:
        s = new_site(key=False)
        master = env.stack.master_pid()
        old = set(worker_pids(master))
        assert len(old) == WORKERS, "pool %r" % sorted(old)
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(5)
        try:
            conn.connect(env.sock)
            time.sleep(0.3)  # a worker has accepted it and waits for the first record
            os.kill(master, signal.SIGHUP)
            time.sleep(0.3)
            params = fcgi_client.cgi_params("GET", s.team, headers={"Authorization": "Bearer " + s.owner.token})
            try:
                conn.sendall(fcgi_client.record(fcgi_client.FCGI_BEGIN_REQUEST,
                                                struct.pack("!HB5x", fcgi_client.FCGI_RESPONDER, 0)) +
                             fcgi_client.record(fcgi_client.FCGI_PARAMS, fcgi_client.encode_params(params)) +
                             fcgi_client.record(fcgi_client.FCGI_PARAMS, b"") +
                             fcgi_client.record(fcgi_client.FCGI_STDIN, b""))
                head = conn.recv(4096)
            except OSError as e:
                head = repr(e).encode()
        finally:
            conn.close()
        problems = []
        if b"Status: 200" not in head:
            problems.append("the connection accepted before SIGHUP was not served: %r" % head[:200])
        try:
            replaced_or_cleanup(env, master, old, "after SIGHUP with a waiting connection", timeout=10)
        except AssertionError as e:
            problems.append(str(e))
        assert not problems, "\n".join(problems)
