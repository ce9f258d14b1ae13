"""Fault drills (issue 6), on a stack of their own.

Under a steady, bounded load of mixed reads and writes (4 Python threads against
nginx: team lists, invitations with unique emails plus a few repeated ones, and
accepts of earlier invitations):

- SIGKILL a random worker every second for 10 s: the pool keeps answering, at
  most one 502 per kill (only the killed worker's in-flight request), never a
  500, and every invitation that got 200 is in the database afterwards;
- restart MariaDB: 503 in the envelope during the outage, roster recovers by
  itself within ~1 s of the database's return, every 200 write is there and no
  write is half done;
- SET GLOBAL read_only=1: writes fail cleanly with 503, reads go on, writes
  succeed again once it is writable.

Beside them, one race the SIGKILL drill's invariant check found: accepting an
email's invitation while the owner invites that email again must not leave a
member holding a pending invitation (test_invite_racing_accept_of_the_same_email).

Then, with request_timeout = 3 s (the same stack brought up again):

- a worker held by one request (a row lock held by another session) is
  SIGKILLed by the master after request_timeout: "exceeded ... killed" in the
  log, roster_worker_deadline_kills_total on /metrics, the pool answers;
- speaking FastCGI to roster's socket directly (fcgi_stream.py): a peer that
  sends part of the body and stalls, or part of the params and stalls, does
  not hold a worker past request_timeout;
- a peer that disconnects mid-request (FastCGI and HTTP) leaves no busy worker,
  and a FastCGI request abandoned before its params or stdin were closed is not
  executed;
- slowloris through nginx: N+2 clients sending their bodies one byte a second
  hold no worker (nginx buffers bodies), and a normal request answers at once.

After each load drill the database invariants are checked with SQL.  The stack
(its own MariaDB, pool and nginx, on a port in 19200-19399) is started by the
first test that needs it and stopped by teardown_module(), which fails the run on
AddressSanitizer/UBSan reports in its state directory, like run.py does for the
main stack.
"""

import json
import os
import pwd
import random
import re
import signal
import socket
import subprocess
import threading
import time

import harness as H
from harness import HEX24, free_port, pid_alive, wait_for, worker_pids
import fcgi_stream as F

PORTS = range(19200, 19400)
WORKERS = 4
DEADLINE = 3          # request_timeout of the deadline drills, seconds
RECOVERY_MAX = 1.5    # seconds from the database's return to the first write 200
# x86-64 syscall numbers an idle worker waits in: epoll_pwait() on the
# listen socket (roster's wait, the only place it takes signals; ppoll()
# where epoll is unavailable), or accept().
SYS_ACCEPT = 43
SYS_PPOLL = 271
SYS_EPOLL_PWAIT = 281
IDLE_SYSCALLS = (SYS_ACCEPT, SYS_PPOLL, SYS_EPOLL_PWAIT)

E = None  # the FaultEnv, once started


# ---------------------------------------------------------------------------
# The stack


class Site:
    def __repr__(self):
        return "Site(%s, seats=%s)" % (self.id, self.seats)


class FaultEnv:
    def __init__(self):
        main = H.STACK
        self.port = free_port(PORTS)
        self.stack = H.Stack(main.binary, port=self.port, keep=main.keep)
        self.stack.env.update({
            "ROSTER_WORKERS": str(WORKERS),
            # The load is one credential at a few hundred requests a second:
            # keep the rate limiter running but out of the way.  Its store is
            # the default, local: the drills SIGKILL workers in the middle of
            # counting in the shared table.
            "ROSTER_RATE_LIMIT": "100000000",
        })
        self.timeout = None  # request_timeout the stack runs with (None: default 30)
        self.sites = []
        self.owner_token = None

    @property
    def state(self):
        return self.stack.state

    @property
    def sock(self):
        return os.path.join(self.stack.state, "roster.sock")

    def up(self, timeout):
        if timeout is None:
            self.stack.env.pop("ROSTER_REQUEST_TIMEOUT", None)
        else:
            self.stack.env["ROSTER_REQUEST_TIMEOUT"] = str(timeout)
        for attempt in range(5):
            try:
                self.stack.up()
                break
            except H.StackError as ex:
                # Another run (the suite can run twice at once on one box) took
                # the port between the check and nginx's bind: take another.
                if "already in use" not in str(ex) or attempt == 4:
                    raise
                self.port = self.stack.port = free_port(PORTS)
                self.stack.is_up = False
        self.timeout = timeout
        with open(self.stack.conf) as f:
            conf = f.read()
        if timeout is not None:
            assert re.search(r"^request_timeout\s*=\s*%d\s*$" % timeout, conf, re.M), \
                "stack.sh up did not write ROSTER_REQUEST_TIMEOUT into %s:\n%s" % (self.stack.conf, conf)
        assert re.search(r"^workers\s*=\s*%d\s*$" % WORKERS, conf, re.M), conf

    def ensure(self, timeout=None):
        """The stack runs, with request_timeout `timeout` (None: the default)."""
        if not self.stack.is_up:
            print("     fault stack: port %d, state %s" % (self.port, self.state), flush=True)
            self.up(timeout)
            self.fixtures()
        elif self.timeout != timeout:
            self.up(timeout)  # keeps the database, restarts roster and nginx
        assert wait_for(lambda: len(self.workers()) == WORKERS, 10), \
            "fault stack: %d workers, want %d" % (len(self.workers()), WORKERS)

    def fixtures(self):
        tag = H.uniq("f")
        owner = "owner-%s@faults.example.com" % tag
        self.stack.cli("user", "create", "--email", owner, "--name", "Fault Owner")
        self.owner_token = self.stack.cli("token", "create", "--email", owner)["key"]
        self.owner_email = owner
        for seats in (None, None, 12):
            s = Site()
            s.seats = seats
            s.domain = "%s.faults.example.com" % H.uniq("site")
            args = ["website", "create", "--domain", s.domain, "--owner-email", owner, "--name", s.domain]
            if seats is not None:
                args += ["--seats", str(seats)]
            s.id = self.stack.cli(*args)["websiteId"]
            assert HEX24.match(str(s.id)), s.id
            s.team = "%s/websites/%s/team" % (H.API, s.id)
            self.sites.append(s)

    def http(self, method, path, body=None, token=None, headers=None, raw_body=None):
        return H.http(method, path, body=body, token=token, headers=headers, raw_body=raw_body, port=self.port)

    def sql(self, q):
        return self.stack.sql(q)

    def master(self):
        return self.stack.master_pid()

    def workers(self):
        try:
            return worker_pids(self.master())
        except (OSError, ValueError):
            return []

    def log(self, name="roster.log"):
        try:
            with open(os.path.join(self.state, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def metric(self, name):
        r = self.http("GET", "/metrics")
        assert r.status == 200, "GET /metrics from loopback: %r" % r
        text = r.raw.decode(errors="replace")
        m = re.search(r"^%s(?:\{\})? (\d+(?:\.\d+)?)$" % re.escape(name), text, re.M)
        assert m, "/metrics has no %s:\n%s" % (name, text[-3000:])
        return float(m.group(1))

    def stop(self):
        return self.stack.down()


def env(timeout=None):
    global E
    if E is None:
        E = FaultEnv()
    E.ensure(timeout)
    return E


def teardown_module():
    """Stops the fault stack; fails on its sanitizer reports."""
    global E
    if E is None:
        return
    e, E = E, None
    res = e.stop()
    reports, text = H.sanitizer_reports(e.state)
    if e.stack.keep:
        print("fault stack state kept in %s" % e.stack.base, flush=True)
    else:
        e.stack.cleanup()
    assert not reports, "sanitizer reports of the fault stack:\n%s" % text
    if res is not None and res[0] != 0:
        print("warning: fault stack down: exit %s\n%s" % res, flush=True)


# ---------------------------------------------------------------------------
# Worker state from /proc


def syscall_of(pid):
    """The syscall number the process is blocked in, None if running or gone."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            first = f.read().split()[0]
    except (OSError, IndexError):
        return None
    try:
        return int(first)
    except ValueError:
        return None  # "running"


def busy_workers(e):
    """Workers not waiting for a connection: {pid: syscall}."""
    return {p: syscall_of(p) for p in e.workers() if syscall_of(p) not in IDLE_SYSCALLS}


def all_idle(e, timeout):
    """Waits until every worker blocks in accept(); returns the busy ones left ({} when all idle)."""
    ok = wait_for(lambda: len(e.workers()) == WORKERS and not busy_workers(e), timeout, 0.05)
    return {} if ok else (busy_workers(e) or {"workers": e.workers()})


# ---------------------------------------------------------------------------
# The load


class Rec:
    __slots__ = ("kind", "site", "t0", "t1", "status", "body", "headers", "raw", "exc", "email", "dup",
                 "token", "inv_id", "user_id")

    def __init__(self, kind, site, t0):
        self.kind, self.site, self.t0 = kind, site, t0
        self.t1 = self.status = self.body = self.headers = self.raw = self.exc = None
        self.email = self.token = self.inv_id = self.user_id = None
        self.dup = False

    def __repr__(self):
        raw = (self.raw or b"").decode(errors="replace")[:300]
        return "%s%s %s t=%.2f-%.2f -> %s %s%s" % (
            self.kind, " (repeat)" if self.dup else "", self.email or (self.site.id if self.site else ""),
            self.t0, self.t1 if self.t1 is not None else -1, self.status, raw,
            (" exc=%s" % self.exc) if self.exc else "")


class Load:
    """`threads` threads, each looping: 45 % GET team list, 45 % POST invite
    (one in 20 repeats an email invited before on that site), 10 % accept a
    token of an earlier 200 invitation.  Bounded by `duration` seconds and
    `max_requests`; a short pause between requests keeps the rate steady."""

    def __init__(self, e, duration, threads=4, max_requests=6000, pause=0.008):
        self.e, self.duration, self.nthreads = e, duration, threads
        self.max_requests, self.pause = max_requests, pause
        self.recs = []
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.invited = {s.id: [] for s in e.sites}   # emails with a 200 invite, per site
        # (site, invitation id, token, email) not accepted yet.  A repeated
        # invitation and the accept of the same email never overlap (each takes
        # the email out of the other's pool): that race is a test of its own
        # (test_invite_racing_accept_of_the_same_email).
        self.tokens = []
        self.n = 0
        self.tag = H.uniq("ld")
        self.t_start = None

    def now(self):
        return time.monotonic() - self.t_start

    def _next_n(self):
        with self.lock:
            if self.n >= self.max_requests:
                return None
            self.n += 1
            return self.n

    def _one(self, rnd):
        n = self._next_n()
        if n is None:
            return False
        e = self.e
        # The seat-limited site (full after a few invitations) gets one request in ten.
        site = e.sites[-1] if rnd.random() < 0.1 else rnd.choice(e.sites[:-1])
        x = rnd.random()
        if x < 0.10:
            with self.lock:
                tok = self.tokens.pop(rnd.randrange(len(self.tokens))) if self.tokens else None
                if tok is not None and tok[3] in self.invited[tok[0].id]:
                    self.invited[tok[0].id].remove(tok[3])
            if tok is not None:
                rec = Rec("accept", tok[0], self.now())
                rec.inv_id, rec.token = tok[1], tok[2]
                self._send(rec, "POST", "/api/v1/invitations/accept", {"token": rec.token}, None)
                return True
            x = 0.5
        if x < 0.55:
            rec = Rec("list", site, self.now())
            self._send(rec, "GET", site.team, None, e.owner_token)
            return True
        rec = Rec("invite", site, self.now())
        with self.lock:
            prev = self.invited[site.id]
            if prev and rnd.random() < 0.05:
                rec.email, rec.dup = rnd.choice(prev), True
                self.tokens = [t for t in self.tokens if not (t[0] is site and t[3] == rec.email)]
        if rec.email is None:
            rec.email = "%s-%d@faults.example.com" % (self.tag, n)
        self._send(rec, "POST", site.team, {"email": rec.email, "role": rnd.choice(("viewer", "member"))},
                   e.owner_token)
        return True

    def _send(self, rec, method, path, body, token):
        try:
            r = self.e.http(method, path, body=body, token=token)
            rec.status, rec.body, rec.headers, rec.raw = r.status, r.body, r.headers, r.raw
        except Exception as ex:  # noqa: BLE001 -- every failure is recorded and judged later
            rec.exc = "%s: %s" % (type(ex).__name__, ex)
        rec.t1 = self.now()
        if rec.status == 200 and isinstance(rec.body, dict):
            d = (rec.body.get("data") or [{}])[0] if isinstance(rec.body.get("data"), list) else {}
            if rec.kind == "invite" and isinstance(d, dict):
                rec.inv_id = d.get("invitationId")
                url = d.get("inviteUrl") or ""
                m = re.search(r"[?&]token=([A-Za-z0-9_-]+)", url)
                with self.lock:
                    if not rec.dup:
                        self.invited[rec.site.id].append(rec.email)
                    if m and rec.inv_id and not rec.dup:
                        self.tokens.append((rec.site, rec.inv_id, m.group(1), rec.email))
            elif rec.kind == "accept" and isinstance(d, dict):
                rec.user_id = d.get("userId")
        with self.lock:
            self.recs.append(rec)

    def _run(self, seed):
        rnd = random.Random(seed)
        end = self.duration
        while not self.stop_ev.is_set() and self.now() < end:
            if not self._one(rnd):
                break
            if self.pause:
                time.sleep(self.pause)

    def start(self):
        self.t_start = time.monotonic()
        self.threads = [threading.Thread(target=self._run, args=(random.random(),), daemon=True)
                        for _ in range(self.nthreads)]
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join(timeout=self.duration + 2 * H.HTTP_TIMEOUT + 5)
        self.stop_ev.set()
        alive = [t for t in self.threads if t.is_alive()]
        assert not alive, "%d load threads still running" % len(alive)
        self.recs.sort(key=lambda r: r.t0)
        return self.recs


def judge(rec):
    """Classifies one response: '200', '409', '403', '503', '502', or 'bad: why'.
    Drill-specific rules (when a 503 or a 502 may happen) come on top."""
    if rec.exc is not None:
        return "bad: no response (%s)" % rec.exc
    st, b, h = rec.status, rec.body, rec.headers or {}
    ct = h.get("content-type", "")
    if "application/json" not in ct:
        return "bad: %s with Content-Type %r" % (st, ct)
    if not isinstance(b, dict):
        return "bad: %s with a body that is not a JSON object" % st
    if st == 200:
        if b.get("status") != "success" or not isinstance(b.get("data"), list):
            return "bad: 200 without a success envelope"
        if not h.get("x-request-id"):
            return "bad: 200 without X-Request-Id"
        if rec.kind == "invite":
            if not HEX24.match(str(rec.inv_id or "")):
                return "bad: invite 200 without an invitationId"
            if rec.dup:
                return "bad: a second invitation of %s on one site got 200" % rec.email
        if rec.kind == "accept" and not HEX24.match(str(rec.user_id or "")):
            return "bad: accept 200 without a userId"
        return "200"
    e = b.get("error")
    if b.get("status") != "error" or not isinstance(e, dict) or e.get("code") != st:
        return "bad: %s without the error envelope (code = status)" % st
    if st == 502:
        # nginx's own (deploy/nginx/roster.conf error_page): roster never says 502.
        return "502"
    if not h.get("x-request-id"):
        return "bad: %s without X-Request-Id (not roster's answer)" % st
    if st == 503:
        return "503"
    if st == 409 and rec.kind == "invite" and rec.dup:
        return "409"
    if st == 403 and rec.kind == "invite" and rec.site.seats is not None and "seat" in str(e.get("message")):
        return "403"
    return "bad: unexpected %s" % st


def tally(recs):
    out = {}
    for r in recs:
        k = "%s %s" % (r.kind, r.status if r.exc is None else "exc")
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items()))


def longest_gap_200(recs, t_from, t_to):
    """The longest time in [t_from, t_to] without a 200 answer arriving."""
    ts = sorted(r.t1 for r in recs if r.status == 200 and r.exc is None and t_from <= r.t1 <= t_to)
    pts = [t_from] + ts + [t_to]
    return max(b - a for a, b in zip(pts, pts[1:]))


def diagnose(e, bad):
    """When a request got no answer: what nginx and roster logged about it
    (nginx access lines with 499/5xx or a slow answer, nginx errors, roster's
    warnings and errors), so that a failure explains itself after the state
    directory is gone."""
    if not any("no response" in why for why, _ in bad):
        return ""
    acc = [l for l in e.log("nginx-access.log").splitlines()
           if re.search(r'" (499|5\d\d) ', l) or re.search(r"rt=(\d{2,}|[5-9])\.", l)]
    err = e.log("nginx-error.log").splitlines()
    ros = [l for l in e.log().splitlines() if " warn: " in l or " error: " in l]
    return "\n--- nginx access (499/5xx/slow) ---\n%s\n--- nginx-error.log ---\n%s\n--- roster warn/error ---\n%s" % (
        "\n".join(acc[-25:]), "\n".join(err[-15:]), "\n".join(ros[-25:]))


def fmt_bad(bad, n=8):
    return "\n  ".join("%s: %r" % (why, r) for why, r in bad[:n]) + (
        "\n  ... %d more" % (len(bad) - n) if len(bad) > n else "")


# ---------------------------------------------------------------------------
# Invariants


def check_invariants(e, recs, what):
    """Every 200 write is in the database, no write is half done, and the
    schema's invariants hold.  Returns a list of problems."""
    probs = []
    inv = {r.inv_id: r for r in recs if r.kind == "invite" and r.status == 200 and r.inv_id}
    ids = sorted(inv)
    found = {}
    for i in range(0, len(ids), 400):
        chunk = ids[i:i + 400]
        for row in e.sql("SELECT id, website_id, email, status FROM invitations WHERE id IN (%s)"
                         % ",".join("'%s'" % x for x in chunk)):
            found[row[0]] = row
    missing = [inv[x] for x in ids if x not in found]
    if missing:
        probs.append("%d of %d invitations that got 200 are not in the database: %r"
                     % (len(missing), len(ids), missing[:5]))
    wrong = [(inv[x], found[x]) for x in ids if x in found and
             (found[x][1] != inv[x].site.id or found[x][2] != inv[x].email)]
    if wrong:
        probs.append("%d invitations differ from what got 200: %r" % (len(wrong), wrong[:5]))
    acc = {r.inv_id: r for r in recs if r.kind == "accept" and r.status == 200}
    got = {}
    aids = sorted(acc)
    for i in range(0, len(aids), 400):
        for row in e.sql("SELECT i.id, i.status, IFNULL(i.accepted_by, ''), IFNULL(m.user_id, ''), "
                         "IFNULL(u.email, '') FROM invitations i LEFT JOIN members m ON m.website_id = i.website_id "
                         "AND m.user_id = i.accepted_by LEFT JOIN users u ON u.id = m.user_id WHERE i.id IN (%s)"
                         % ",".join("'%s'" % x for x in aids[i:i + 400])):
            got[row[0]] = row
    for x in aids:
        row, r = got.get(x), acc[x]
        want_email = inv[x].email if x in inv else row[4] if row else None
        if row is None or row[1] != "accepted" or row[2] != r.user_id or row[3] != r.user_id or \
                row[4].lower() != (want_email or "").lower():
            probs.append("accept 200 without its accepted invitation, membership and user: %r -> %r" % (r, row))
    q = {
        "memberships without their user":
            "SELECT m.website_id, m.user_id FROM members m LEFT JOIN users u ON u.id = m.user_id "
            "WHERE u.id IS NULL",
        "invitations without an outbox row":
            "SELECT i.id FROM invitations i WHERE NOT EXISTS "
            "(SELECT 1 FROM outbox o WHERE o.invitation_id = i.id)",
        "outbox rows without their invitation":
            "SELECT o.id FROM outbox o LEFT JOIN invitations i ON i.id = o.invitation_id WHERE i.id IS NULL",
        "accepted invitations without the membership":
            "SELECT i.id FROM invitations i LEFT JOIN members m ON m.website_id = i.website_id "
            "AND m.user_id = i.accepted_by WHERE i.status = 'accepted' AND m.user_id IS NULL",
        "(website, email) pairs with more than one pending invitation":
            "SELECT website_id, email, COUNT(*) FROM invitations WHERE status = 'pending' "
            "GROUP BY website_id, email HAVING COUNT(*) > 1",
        "websites over their seat limit":
            "SELECT w.id, w.seat_limit, (SELECT COUNT(*) FROM members m WHERE m.website_id = w.id) + "
            "(SELECT COUNT(*) FROM invitations i WHERE i.website_id = w.id AND i.status = 'pending' "
            "AND i.expires_at > UNIX_TIMESTAMP() * 1000) AS used FROM websites w "
            "WHERE w.seat_limit IS NOT NULL HAVING used > w.seat_limit",
        "websites without exactly one owner":
            "SELECT w.id, (SELECT COUNT(*) FROM members m WHERE m.website_id = w.id AND m.role = 'owner') "
            "AS owners FROM websites w HAVING owners <> 1",
        "memberships of a pending invitation's email (invited and member at once)":
            "SELECT i.id FROM invitations i JOIN users u ON u.email = i.email JOIN members m "
            "ON m.website_id = i.website_id AND m.user_id = u.id WHERE i.status = 'pending'",
    }
    for name, sql in q.items():
        rows = e.sql(sql)
        if rows:
            probs.append("%s: %d, e.g. %r" % (name, len(rows), rows[:5]))
    return ["%s: %s" % (what, p) for p in probs]


def report(what, load, extra):
    recs = load.recs
    dur = max((r.t1 or 0) for r in recs) if recs else 0
    print("     %s: %d requests in %.1f s (%.0f/s): %s; %s" % (
        what, len(recs), dur, len(recs) / dur if dur else 0, tally(recs), extra), flush=True)


def signal_lines(text, since):
    return [l for l in text[since:].splitlines() if "exited on signal" in l]


# ---------------------------------------------------------------------------
# The load drills (request_timeout as configured by default)


def test_sigkill_random_worker_every_second_under_load():
    """Faults: SIGKILL a random worker every second for 10 s under load: the pool keeps answering (no gap over
    1.5 s without a 200), at most one 502 per kill, never a 500 or a 503, every 200 invitation is stored, and the
    database invariants hold."""
    e = env()
    master = e.master()
    log0 = len(e.log())
    load = Load(e, duration=12.5)
    load.start()
    kills, busy_at_kill = [], 0
    rnd = random.Random()
    time.sleep(1.0)
    for i in range(10):
        t_next = 1.0 + (i + 1) * 1.0
        pids = e.workers()
        assert pids, "no workers under master %d at kill %d" % (master, i)
        victim = rnd.choice(pids)
        sc = syscall_of(victim)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            continue
        kills.append((round(load.now(), 2), victim, sc))
        busy_at_kill += sc not in IDLE_SYSCALLS
        time.sleep(max(0.0, t_next - load.now()))
    recs = load.join()
    t_last_kill = kills[-1][0] if kills else 0
    n502 = sum(1 for r in recs if r.status == 502)
    bad = []
    for r in recs:
        j = judge(r)
        if j.startswith("bad"):
            bad.append((j, r))
        elif j == "503":
            bad.append(("503 with the database up", r))
    # Up to the end of the load (a hung request's late t1 would count the idle tail).
    gap = longest_gap_200(recs, 0.5, min(load.duration, max(r.t1 for r in recs)))
    report("SIGKILL drill", load, "%d kills (%d busy in a syscall other than the wait or accept), %d x 502, "
           "longest gap without a 200: %.2f s" % (len(kills), busy_at_kill, n502, gap))
    assert len(kills) >= 9, "only %d kills: %r" % (len(kills), kills)
    assert not bad, "%d bad responses during the SIGKILL drill:\n  %s%s" % (len(bad), fmt_bad(bad), diagnose(e, bad))
    assert n502 <= len(kills), "%d x 502 for %d kills: %r" % (
        n502, len(kills), [r for r in recs if r.status == 502][:12])
    assert gap <= 1.5, "the pool stopped answering for %.2f s (kills at %r)" % (gap, kills)
    assert sum(1 for r in recs if r.t0 > t_last_kill and r.status == 200) > 0, "no 200 after the last kill"
    assert e.master() == master and pid_alive(master), "the master changed or died"
    assert wait_for(lambda: len(e.workers()) == WORKERS, 10), \
        "pool has %d workers 10 s after the drill, want %d" % (len(e.workers()), WORKERS)
    sig = signal_lines(e.log(), log0)
    assert len(sig) >= len(kills), "the master logged %d worker deaths for %d kills:\n%s" % (
        len(sig), len(kills), "\n".join(sig))
    for i in range(20):
        H.ok(e.http("GET", e.sites[0].team, token=e.owner_token), "request %d after the drill" % i)
    probs = check_invariants(e, recs, "after the SIGKILL drill")
    assert not probs, "\n".join(probs)


def test_mariadb_restart_under_load():
    """Faults: restart MariaDB under load: 503 in the envelope during the outage (reads and writes), never a 500
    or a 502, the first write 200 within 1.5 s of the database's return and no 503 after that, every 200
    write stored and none half done."""
    e = env()
    master = e.master()
    log0 = len(e.log())
    load = Load(e, duration=60)  # stopped below, ~3.5 s after the database is back
    load.start()
    stopped = False
    try:
        time.sleep(1.5)
        t_stop0 = load.now()
        e.stack.stack("db-stop", e.state, timeout=60)
        stopped = True
        t_stop1 = load.now()
        time.sleep(2.0)
        t_start0 = load.now()
        e.stack.stack("db-start", e.state, timeout=120)
        stopped = False
        t_back = load.now()
        time.sleep(3.5)
    finally:
        load.stop_ev.set()
        if stopped:
            e.stack.stack("db-start", e.state, timeout=120, check=False)
    recs = load.join()
    bad, out503 = [], []
    for r in recs:
        j = judge(r)
        if j.startswith("bad"):
            bad.append((j, r))
        elif j == "502":
            bad.append(("502 (a worker died?)", r))
        elif j == "503":
            if r.t1 < t_stop0 or r.t0 > t_back + RECOVERY_MAX:
                bad.append(("503 while the database was up", r))
        elif r.t0 >= t_stop1 and r.t1 <= t_start0:
            bad.append(("%s while the database was stopped" % j, r))
    outage = [r for r in recs if r.t0 >= t_stop1 and r.t1 <= t_start0]
    w503 = [r for r in outage if r.kind == "invite" and r.status == 503]
    r503 = [r for r in outage if r.kind == "list" and r.status == 503]
    first_write = next((r for r in sorted(recs, key=lambda r: r.t1)
                        if r.kind == "invite" and r.status == 200 and r.t1 >= t_back), None)
    rec_write = first_write.t1 - t_back if first_write else None
    last503 = max((r.t1 for r in recs if r.status == 503), default=None)
    first_any = next((r for r in sorted(recs, key=lambda r: r.t1) if r.status == 200 and r.t1 >= t_back), None)
    report("MariaDB restart drill", load,
           "db-stop took %.2f s, outage %.2f-%.2f s, db-start took %.2f s; first 200 %.3f s and first write 200 "
           "%s after db-start returned; last 503 answered %s s after it" % (
               t_stop1 - t_stop0, t_stop0, t_back, t_back - t_start0,
               (first_any.t1 - t_back) if first_any else -1,
               ("%.3f s" % rec_write) if rec_write is not None else "never",
               ("%.3f" % (last503 - t_back)) if last503 is not None else "-"))
    assert not bad, "%d bad responses around the MariaDB restart:\n  %s%s" % (len(bad), fmt_bad(bad),
                                                                             diagnose(e, bad))
    assert w503 and r503, "no 503 for writes (%d) and reads (%d) during the outage: %r" % (
        len(w503), len(r503), tally(outage))
    assert rec_write is not None and rec_write <= RECOVERY_MAX, \
        "first write 200 %s s after the database came back (limit %.1f s)" % (rec_write, RECOVERY_MAX)
    assert e.master() == master and pid_alive(master), "roster was restarted"
    sig = signal_lines(e.log(), log0)
    assert not sig, "workers died during the MariaDB restart:\n%s" % "\n".join(sig)
    probs = check_invariants(e, recs, "after the MariaDB restart")
    assert not probs, "\n".join(probs)


def test_database_read_only_under_load():
    """Faults: SET GLOBAL read_only=1 under load: writes (invite, accept) get 503 in the envelope (or the 409/403
    a read alone decides), reads go on with 200, nothing else (no 500, no 502); once writable again, the first
    write 200 within 1.5 s and no 503 after that; the invariants hold."""
    e = env()
    master = e.master()
    load = Load(e, duration=60)
    load.start()
    ro = False
    try:
        time.sleep(1.5)
        t_ro0 = load.now()
        e.sql("SET GLOBAL read_only = 1")
        ro = True
        t_ro1 = load.now()
        assert e.sql("SELECT @@global.read_only")[0][0] == "1"
        time.sleep(3.0)
        t_rw0 = load.now()
        e.sql("SET GLOBAL read_only = 0")
        ro = False
        t_rw1 = load.now()
        time.sleep(3.0)
    finally:
        load.stop_ev.set()
        if ro:
            e.sql("SET GLOBAL read_only = 0")
    recs = load.join()
    bad = []
    for r in recs:
        j = judge(r)
        inside = r.t0 >= t_ro1 and r.t1 <= t_rw0
        if j.startswith("bad"):
            bad.append((j, r))
        elif j == "502":
            bad.append(("502", r))
        elif inside and r.kind == "list" and j != "200":
            bad.append(("a read did not get 200 with the database read-only", r))
        elif inside and r.kind != "list" and j not in ("503", "409", "403"):
            # 409/403: refused on a read alone (already a member, seats full), before any write
            bad.append(("a write did not get 503 with the database read-only", r))
        elif j == "503" and (r.t1 < t_ro0 or r.t0 > t_rw1 + RECOVERY_MAX):
            bad.append(("503 while the database was writable", r))
    inside = [r for r in recs if r.t0 >= t_ro1 and r.t1 <= t_rw0]
    first_write = next((r for r in sorted(recs, key=lambda r: r.t1)
                        if r.kind == "invite" and r.status == 200 and r.t1 >= t_rw1), None)
    rec_write = first_write.t1 - t_rw1 if first_write else None
    report("read-only drill", load, "read-only %.2f-%.2f s: %s; first write 200 %s after read_only=0" % (
        t_ro1, t_rw0, tally(inside), ("%.3f s" % rec_write) if rec_write is not None else "never"))
    assert not bad, "%d bad responses around read_only:\n  %s%s" % (len(bad), fmt_bad(bad), diagnose(e, bad))
    assert any(r.kind == "invite" and r.status == 503 for r in inside), "no write during read-only: %r" % (
        tally(inside))
    assert any(r.kind == "list" and r.status == 200 for r in inside), "no read during read-only"
    assert rec_write is not None and rec_write <= RECOVERY_MAX, \
        "first write 200 %s s after read_only=0 (limit %.1f s)" % (rec_write, RECOVERY_MAX)
    assert e.master() == master and pid_alive(master)
    probs = check_invariants(e, recs, "after read_only")
    assert not probs, "\n".join(probs)


def test_invite_racing_accept_of_the_same_email():
    """Invite: accepting an email's invitation while the owner invites that email again (a website without a seat
    limit): in any order one of the two finds the other done, so the new invitation gets 409 (pending, or already
    a member); never a member who also holds a pending invitation.  60 rounds, each released by a barrier."""
    e = env()
    site = e.sites[0]
    assert site.seats is None
    out, both = {}, []
    for i in range(60):
        email = "race-%s@faults.example.com" % H.uniq("r")
        d = H.ok(e.http("POST", site.team, body={"email": email}, token=e.owner_token), "first invitation")[0]
        token = re.search(r"[?&]token=([A-Za-z0-9_-]+)", d["inviteUrl"]).group(1)
        res, barrier = {}, threading.Barrier(2)

        def accept():
            barrier.wait(timeout=10)
            res["accept"] = e.http("POST", "/api/v1/invitations/accept", body={"token": token})

        def again():
            barrier.wait(timeout=10)
            res["invite"] = e.http("POST", site.team, body={"email": email}, token=e.owner_token)

        ts = [threading.Thread(target=accept), threading.Thread(target=again)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=30)
        k = (res["accept"].status, res["invite"].status)
        out[k] = out.get(k, 0) + 1
        if k == (200, 200):
            both.append((email, res["invite"].body["data"][0]["invitationId"]))
    print("     accept vs invite again, 60 rounds: %r" % out, flush=True)
    rows = e.sql("SELECT i.id, i.email, i.status FROM invitations i JOIN users u ON u.email = i.email "
                 "JOIN members m ON m.website_id = i.website_id AND m.user_id = u.id "
                 "WHERE i.status = 'pending' AND i.website_id = '%s'" % site.id)
    # Leave no member-with-a-pending-invitation behind for the invariant checks of later drills.
    for row in rows:
        e.sql("UPDATE invitations SET status = 'revoked' WHERE id = '%s'" % row[0])
    assert not both and not rows, "%d of 60 rounds: both the accept and the second invitation got 200, leaving " \
        "a member with a pending invitation, e.g. %r (outcomes %r)" % (len(both), rows[:3] or both[:3], out)


# ---------------------------------------------------------------------------
# The deadline drills (request_timeout = DEADLINE)


def deadline_lines(e, since):
    return [l for l in e.log()[since:].splitlines() if re.search(r"exceeded %d s; killed" % DEADLINE, l)]


def pool_answers(e, what):
    r = e.http("GET", "/api/v1/health")
    assert r.status == 200, "%s: health %r" % (what, r)
    H.ok(e.http("GET", e.sites[0].team, token=e.owner_token), what)
    assert wait_for(lambda: len(e.workers()) == WORKERS, 5), "%s: %d workers, want %d" % (
        what, len(e.workers()), WORKERS)


def db_superuser():
    return pwd.getpwuid(os.getuid()).pw_name


def test_deadline_kills_worker_held_by_a_request():
    """Deadline: a request held in the database (another session holds its website's row lock) is SIGKILLed by
    the master after request_timeout (3 s): nginx answers 502 after 3-5 s, the log says "exceeded 3 s; killed"
    with the request id, /metrics counts roster_worker_deadline_kills_total, and the pool answers."""
    e = env(DEADLINE)
    # An invitation on a seat-limited website starts by locking its row
    # (UPDATE websites ..., team_seat_take): that is where it waits.
    site = [s for s in e.sites if s.seats is not None][0]
    kills0 = e.metric("roster_worker_deadline_kills_total")
    log0 = len(e.log())
    holder = subprocess.Popen(
        ["mariadb", "--no-defaults", "--socket=" + os.path.join(e.state, "mysql.sock"), "-u" + db_superuser(),
         "-N", "-B", "--unbuffered", "roster"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        holder.stdin.write("BEGIN; SELECT id FROM websites WHERE id = '%s' FOR UPDATE;\n" % site.id)
        holder.stdin.flush()
        line = holder.stdout.readline().strip()
        assert line == site.id, "the lock holder said %r" % line
        rid = "deadline-" + H.uniq("r")
        t0 = time.monotonic()
        r = e.http("POST", site.team, body={"email": "held-%s@faults.example.com" % H.uniq("h")},
                   token=e.owner_token, headers={"X-Request-Id": rid})
        took = time.monotonic() - t0
    finally:
        try:
            holder.stdin.write("ROLLBACK;\n")
            holder.stdin.close()
            holder.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            holder.kill()
            holder.wait(timeout=10)
    print("     held request: %s after %.2f s" % (r.status, took), flush=True)
    assert r.status == 502, "a request held past request_timeout: want nginx's 502 (worker killed), got %r " \
        "after %.2f s\n%s" % (r, took, e.stack.log_tail())
    assert DEADLINE - 0.2 <= took <= DEADLINE + 2.0, "the worker was killed after %.2f s (request_timeout %d s)" % (
        took, DEADLINE)
    lines = deadline_lines(e, log0)
    assert any(rid in l for l in lines), "no 'exceeded %d s; killed' line naming %s:\n%s" % (
        DEADLINE, rid, e.stack.log_tail())
    pool_answers(e, "after the deadline kill")
    kills = e.metric("roster_worker_deadline_kills_total")
    assert kills >= kills0 + 1, "roster_worker_deadline_kills_total %s -> %s" % (kills0, kills)


def stall(e, what, start):
    """Runs start(conn) on a new FastCGI connection, then stalls.  Returns
    (seconds until roster closed the connection or None, the worker that was
    busy meanwhile and its syscall, the answer if any)."""
    c = F.FcgiConn(e.sock, timeout=DEADLINE + 3)
    busy = {}
    try:
        start(c)
        t0 = time.monotonic()
        time.sleep(0.5)
        busy = busy_workers(e)
        answer = None
        try:
            rtype, _, content = c.read_record()
            answer = (rtype, content[:200])
            # Read on to the end: roster may have answered (an error) before closing.
            while True:
                c.read_record()
        except EOFError:
            pass
        except (socket.timeout, TimeoutError):
            return None, busy, answer
        except OSError as ex:  # ECONNRESET: killed
            answer = answer or ("reset", str(ex))
        return time.monotonic() - t0, busy, answer
    finally:
        c.close()


def check_stall(e, what, start):
    kills0 = e.metric("roster_worker_deadline_kills_total")
    log0 = len(e.log())
    took, busy, answer = stall(e, what, start)
    print("     %s: connection closed by roster after %s (busy meanwhile: %r, answer %r)" % (
        what, ("%.2f s" % took) if took is not None else "never (client gave up after %d s)" % (DEADLINE + 3),
        busy, answer), flush=True)
    # Whatever happened, the pool must be whole again once the peer has gone.
    left = all_idle(e, 5)
    assert took is not None, "%s: the worker was held %d s, past request_timeout %d s, and not killed; the " \
        "client gave up (busy workers {pid: syscall}, 0 = read: %r; deadline kills logged: %r)" % (
            what, DEADLINE + 3, DEADLINE, busy, deadline_lines(e, log0))
    assert took <= DEADLINE + 2.0, "%s: held %.2f s (request_timeout %d s)" % (what, took, DEADLINE)
    assert not left, "%s: workers still busy after the peer left: %r" % (what, left)
    lines = deadline_lines(e, log0)
    assert lines, "%s: no 'exceeded %d s; killed' line:\n%s" % (what, DEADLINE, e.stack.log_tail(n=8))
    pool_answers(e, "after " + what)
    kills = e.metric("roster_worker_deadline_kills_total")
    assert kills >= kills0 + 1, "%s: roster_worker_deadline_kills_total %s -> %s" % (what, kills0, kills)


def test_deadline_fastcgi_stalled_body():
    """Deadline: a FastCGI peer that sends the params and 5 of 64 body bytes, then stalls, holds the worker no
    longer than request_timeout (3 s, + 2 s heartbeat slack): the master kills it, logs it, counts it, and the
    pool answers."""
    e = env(DEADLINE)

    def start(c):
        c.begin()
        c.params(F.cgi_params("POST", e.sites[0].team, body_len=64, content_type="application/json",
                              headers={"Authorization": "Bearer " + e.owner_token,
                                       "X-Request-Id": "stalled-body-" + H.uniq("r")}))
        c.params_end()
        c.stdin(b'{"ema')

    check_stall(e, "stalled body", start)


def test_deadline_fastcgi_stalled_params():
    """Deadline: a FastCGI peer that sends BEGIN_REQUEST and part of the params, then stalls, holds the worker no
    longer than request_timeout (3 s, + 2 s slack): the master kills it, logs it, counts it, and the pool
    answers."""
    e = env(DEADLINE)

    def start(c):
        c.begin()
        enc = F.encode_params(F.cgi_params("GET", "/api/v1/health"))
        c.send(F.record(F.PARAMS, enc[:len(enc) // 2]))  # half the pairs, no empty PARAMS record

    check_stall(e, "stalled params", start)


def test_disconnect_mid_request_leaves_no_busy_worker():
    """Disconnect: peers that go away mid-request (FastCGI: after BEGIN_REQUEST, mid-params, after the params of
    a request with a body, before reading the answer; HTTP through nginx: after the headers of a POST, after half
    its body, before reading the answer) leave every worker idle within 3 s, without deadline kills, and the
    pool answers."""
    e = env(DEADLINE)
    kills0 = e.metric("roster_worker_deadline_kills_total")
    log0 = len(e.log())
    site = e.sites[0]
    auth = {"Authorization": "Bearer " + e.owner_token}
    body = json.dumps({"email": "gone-%s@faults.example.com" % H.uniq("g")}).encode()

    def fc_after_begin(c):
        c.begin()

    def fc_mid_params(c):
        c.begin()
        enc = F.encode_params(F.cgi_params("GET", site.team, headers=auth))
        c.send(F.record(F.PARAMS, enc[:len(enc) // 2]))

    def fc_after_params(c):
        c.begin()
        c.params(F.cgi_params("POST", site.team, body_len=len(body), content_type="application/json",
                              headers=auth))
        c.params_end()

    def fc_half_body(c):
        fc_after_params(c)
        c.stdin(body[:len(body) // 2])

    def fc_no_read(c):
        c.begin()
        c.params(F.cgi_params("GET", site.team, headers=auth))
        c.params_end()
        c.stdin_end()

    def http_raw(data):
        def go():
            s = socket.create_connection(("127.0.0.1", e.port), timeout=5)
            try:
                s.sendall(data)
                time.sleep(0.2)
            finally:
                s.close()
        return go

    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (site.team, e.owner_token, len(body))
            ).encode()
    cases = []
    for name, fn in (("fastcgi after BEGIN_REQUEST", fc_after_begin), ("fastcgi mid-params", fc_mid_params),
                     ("fastcgi after the params (body announced)", fc_after_params),
                     ("fastcgi after half the body", fc_half_body), ("fastcgi before reading the answer", fc_no_read)):
        def go(fn=fn):
            c = F.FcgiConn(e.sock, timeout=5)
            try:
                fn(c)
                time.sleep(0.2)
            finally:
                c.close()
        cases.append((name, go))
    cases += [("http after the headers of a POST", http_raw(head)),
              ("http after half the body", http_raw(head + body[:len(body) // 2])),
              ("http before reading the answer",
               http_raw(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n"
                         % (site.team, e.owner_token)).encode()))]
    problems = []
    for name, go in cases:
        t0 = time.monotonic()
        go()
        left = all_idle(e, 3)
        took = time.monotonic() - t0
        print("     %s: %s" % (name, ("all workers idle after %.2f s" % took) if not left else
                               "busy workers after 3 s: %r" % left), flush=True)
        if left:
            problems.append("%s: workers still busy 3 s after the peer left: %r" % (name, left))
        all_idle(e, 8)  # let a stuck one go before the next case (keeper / deadline)
    assert not problems, "\n".join(problems) + "\n" + e.stack.log_tail(n=10)
    assert not deadline_lines(e, log0), "deadline kills for peers that went away:\n%s" % "\n".join(
        deadline_lines(e, log0))
    pool_answers(e, "after the disconnects")
    assert e.metric("roster_worker_deadline_kills_total") == kills0


def test_fastcgi_request_cut_short_is_not_executed():
    """Disconnect: a FastCGI request the peer abandons before it is complete (params without their closing empty
    PARAMS record; or params complete but no closing empty STDIN record) is not executed: a DELETE of an
    invitation sent that way leaves the invitation pending."""
    e = env(DEADLINE)
    site = e.sites[0]
    auth = {"Authorization": "Bearer " + e.owner_token}
    results = {}
    for case in ("params not closed", "stdin not closed"):
        r = e.http("POST", site.team, body={"email": "cut-%s@faults.example.com" % H.uniq("c")}, token=e.owner_token)
        inv = H.ok(r, "invite for the %s case" % case)[0]["invitationId"]
        rid = "cut-%s" % H.uniq("r")
        c = F.FcgiConn(e.sock, timeout=5)
        try:
            c.begin()
            c.params(F.cgi_params("DELETE", "%s/invitations/%s" % (site.team, inv),
                                  headers=dict(auth, **{"X-Request-Id": rid})))
            if case == "stdin not closed":
                c.params_end()
            time.sleep(0.2)
        finally:
            c.close()
        all_idle(e, 3)
        status = e.sql("SELECT status FROM invitations WHERE id = '%s'" % inv)[0][0]
        line = [l for l in e.log().splitlines() if "id=%s " % rid in l]
        results[case] = (status, line[-1].split(" worker info: ")[-1] if line else "(not logged)")
    print("     cut-short requests: %r" % results, flush=True)
    bad = {k: v for k, v in results.items() if v[0] != "pending"}
    assert not bad, "requests abandoned before they were complete were executed: %r" % bad


def test_slowloris_through_nginx_holds_no_worker():
    """Slowloris: N+2 clients (N = workers) each send a POST body one byte a second for ~5 s through nginx; no
    worker is held meanwhile (all block in accept), N parallel normal requests answer at once, and each slow
    request, when complete, is answered by roster in milliseconds."""
    e = env(DEADLINE)
    site = e.sites[0]
    body = b'{   }'  # a JSON object without an email: roster answers 400
    n = WORKERS + 2
    rids = ["slow-%d-%s" % (i, H.uniq("s")) for i in range(n)]
    results = [None] * n

    def slow(i):
        s = socket.create_connection(("127.0.0.1", e.port), timeout=20)
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n"
                       "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                       % (site.team, e.owner_token, rids[i], len(body))).encode())
            for b in body:
                time.sleep(1.0)
                s.sendall(bytes([b]))
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            results[i] = data
        except OSError as ex:
            results[i] = ex
        finally:
            s.close()

    threads = [threading.Thread(target=slow, args=(i,), daemon=True) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(2.2)
    busy = busy_workers(e)
    fast = [None] * WORKERS

    def quick(i):
        t = time.monotonic()
        try:
            r = e.http("GET", site.team, token=e.owner_token)
            fast[i] = (r.status, time.monotonic() - t)
        except Exception as ex:  # noqa: BLE001
            fast[i] = (repr(ex), time.monotonic() - t)

    qs = [threading.Thread(target=quick, args=(i,)) for i in range(WORKERS)]
    for q in qs:
        q.start()
    for q in qs:
        q.join(timeout=15)
    mid = time.monotonic() - t0
    for t in threads:
        t.join(timeout=30)
    total = time.monotonic() - t0
    print("     slowloris: %d slow clients for %.1f s; at %.1f s busy workers %r, %d parallel requests: %r" % (
        n, total, mid, busy, WORKERS, [(s, round(d, 3)) for s, d in fast]), flush=True)
    assert not busy, "workers busy while %d clients trickle their bodies: %r" % (n, busy)
    assert all(s == 200 and d < 1.0 for s, d in fast), "normal requests during the slowloris: %r" % fast
    log = e.log()
    for i, res in enumerate(results):
        assert isinstance(res, bytes) and res.startswith(b"HTTP/1.1 400"), "slow client %d got %r" % (i, res)
        # The worker logs after FCGX_Finish_r: the client may have its answer first.
        pat = re.compile(r"request id=%s .*status=400 duration_ms=(\d+)" % re.escape(rids[i]))
        m = pat.search(log) or wait_for(lambda: pat.search(e.log()), 3, 0.05)
        assert m, "no log line for slow request %s" % rids[i]
        assert int(m.group(1)) < 500, "roster spent %s ms on slow request %s" % (m.group(1), rids[i])
    pool_answers(e, "after the slowloris")
