"""Invitation email delivery against a real SMTP receiver on loopback.

An invitation (and each resend) writes one outbox row in its own transaction;
the sender, a child of `roster serve` when `smtp_host` is set, delivers it with
a stable Message-ID and retries while the receiver is away.  These tests run a
second stack (its own MariaDB, pool and nginx, from deploy/local/stack.sh with
ROSTER_SMTP_HOST/PORT/RETRY=1/CLAIM_TIMEOUT=3) and tests/e2e/smtp_sink.py, which
stores every message it accepts as a file.  Both are started by the first test
that needs them and stopped by teardown_module() (run.py calls it)."""

import base64
import contextlib
import email
import email.policy
import email.quoprimime
import json
import glob
import os
import re
import signal
import subprocess
import time

import harness as H
from harness import free_port, new_email, new_site, ok, pid_alive, port_open, wait_for
from invitelib import accept, invite_link, members, token_of

HERE = os.path.dirname(os.path.abspath(__file__))
SINK_PY = os.path.join(HERE, "smtp_sink.py")
PORTS = range(18800, 18900)
LINK_RE = re.compile(r"https?://[^\s<>\"]+/join\?token=[A-Za-z0-9_-]+")

M = None  # the MailEnv, once started


# ---------------------------------------------------------------------------
# The SMTP receiver


class Msg:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.raw = f.read()
        self.msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        self.rcpt = (self.msg.get("X-Sink-Rcpt-To") or "").strip().lower()
        self.message_id = (self.msg.get("Message-ID") or "").strip()

    def part(self, ctype):
        parts = [p for p in self.msg.walk() if p.get_content_type() == ctype]
        return parts

    def __repr__(self):
        return "Msg(%s, to %s, %s)" % (os.path.basename(self.path), self.rcpt, self.message_id)


class Sink:
    """tests/e2e/smtp_sink.py on 127.0.0.1:port, storing into `directory`."""

    def __init__(self, port, directory, logfile):
        self.port, self.dir, self.logfile = port, directory, logfile
        self.pidfile = directory + ".pid"
        self.proc = None
        os.makedirs(directory, exist_ok=True)

    def start(self, delay=0.0):
        assert self.proc is None, "the sink runs already"
        assert not port_open(self.port), "something listens on 127.0.0.1:%d already" % self.port
        try:
            os.unlink(self.pidfile)
        except OSError:
            pass
        with open(self.logfile, "ab") as log:
            self.proc = subprocess.Popen(
                ["/usr/bin/python3", SINK_PY, "--port", str(self.port), "--dir", self.dir,
                 "--pidfile", self.pidfile, "--delay", str(delay)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        up = wait_for(lambda: self.proc.poll() is not None or (os.path.exists(self.pidfile) and port_open(self.port)),
                      10, 0.05)
        if self.proc.poll() is not None or not up:
            rc = self.proc.poll()
            self.stop()
            with open(self.logfile, errors="replace") as f:
                tail = f.read()[-2000:]
            raise AssertionError("smtp_sink.py did not start on %d (exit %s):\n%s" % (self.port, rc, tail))

    def stop(self):
        p, self.proc = self.proc, None
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        wait_for(lambda: not port_open(self.port), 5, 0.05)

    def messages(self, rcpts=None):
        out = [Msg(p) for p in sorted(glob.glob(os.path.join(self.dir, "*.eml")))]
        if rcpts is not None:
            want = {r.lower() for r in ([rcpts] if isinstance(rcpts, str) else rcpts)}
            out = [m for m in out if m.rcpt in want]
        return out


# ---------------------------------------------------------------------------
# The second stack


class MailEnv:
    def __init__(self):
        main = H.STACK
        self.sink_port = free_port(PORTS)
        self.web_port = free_port(PORTS, avoid=(self.sink_port,))
        self.stack = H.Stack(main.binary, port=self.web_port, keep=main.keep)
        self.sink = Sink(self.sink_port, os.path.join(self.stack.base, "sink"),
                         os.path.join(self.stack.base, "sink.log"))
        self.stack.env.update({
            "ROSTER_WORKERS": "2",
            "ROSTER_SMTP_HOST": "127.0.0.1",
            "ROSTER_SMTP_PORT": str(self.sink_port),
            "ROSTER_SMTP_RETRY": "1",
            "ROSTER_SMTP_CLAIM_TIMEOUT": "3",
            "ROSTER_SMTP_FROM": "roster-e2e@127.0.0.1",
        })

    def start(self):
        print("     mail stack: port %d, SMTP sink 127.0.0.1:%d, state %s" % (
            self.web_port, self.sink_port, self.stack.state), flush=True)
        self.sink.start()
        self.stack.up()
        with open(self.stack.conf) as f:
            conf = f.read()
        assert re.search(r"^smtp_host\s*=\s*127\.0\.0\.1\s*$", conf, re.M) and \
            re.search(r"^smtp_port\s*=\s*%d\s*$" % self.sink_port, conf, re.M), \
            "stack.sh up did not write ROSTER_SMTP_HOST/PORT into %s:\n%s" % (self.stack.conf, conf)
        assert wait_for(self.mailer_pid, 15), "no mailer child of roster serve within 15 s:\n%s" % \
            self.stack.log_tail()

    def stop(self):
        res = None
        try:
            res = self.stack.down()
        finally:
            self.sink.stop()
        return res

    def mailer_pid(self, exclude=()):
        """The live mailer child of the master, from its `delivering through` log line."""
        master = self.stack.master_pid()
        path = os.path.join(self.stack.state, "roster.log")
        try:
            with open(path, errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return None
        for line in reversed(lines):
            m = re.search(r"roster\[(\d+)\] mailer info: mailer \S+ delivering through", line)
            if not m:
                continue
            pid = int(m.group(1))
            if pid in exclude or not pid_alive(pid):
                continue
            if ppid(pid) == master:
                return pid
        return None

    def outbox(self, where):
        """Rows (id, invitation_id, to_email, message_id, status, attempts, last_error, claimed_by)."""
        return H.sql("SELECT id, invitation_id, to_email, message_id, status, attempts, IFNULL(last_error, ''), "
                     "IFNULL(claimed_by, '') FROM %s.outbox WHERE %s ORDER BY created_at, id" % (H.db(), where))


def ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return int(st[st.rfind(")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def mail_env():
    global M
    if M is None:
        M = MailEnv()
        try:
            M.start()
        except BaseException:
            env, M = M, None
            env.stop()
            env.stack.cleanup()
            raise
    return M


@contextlib.contextmanager
def on_mail_stack():
    """The harness helpers (http, cli, sql, new_site…) act on the mail stack inside."""
    env = mail_env()
    with H.on_stack(env.stack):
        yield env


def teardown_module():
    """Stops the mail stack and the receiver; fails on sanitizer reports of the mail stack."""
    global M
    if M is None:
        return
    env, M = M, None
    res = env.stop()
    reports, text = H.sanitizer_reports(env.stack.state)
    if env.stack.keep:
        print("mail stack state kept in %s" % env.stack.base, flush=True)
    else:
        env.stack.cleanup()
    assert not reports, "sanitizer reports of the mail stack:\n%s" % text
    if res is not None and res[0] != 0:
        print("warning: mail stack down: exit %s\n%s" % res, flush=True)


# ---------------------------------------------------------------------------
# Tests


def wait_sent(env, where, n, timeout):
    """Waits until n outbox rows matching `where` are sent; returns the rows."""
    rows = wait_for(lambda: (lambda r: r if sum(1 for x in r if x[4] == "sent") >= n else None)(env.outbox(where)),
                    timeout, 0.25)
    return rows or env.outbox(where)


def check_all_delivered(env, where, emails, n, timeout):
    """Waits until the n outbox rows of `where` are sent, then checks that every message received for `emails`
    carries the Message-ID of an outbox row of its recipient, and that each row's Message-ID arrived.
    Returns (messages, distinct Message-IDs)."""
    rows = wait_sent(env, where, n, timeout)
    unsent = [r for r in rows if r[4] != "sent"]
    assert not unsent, "%d outbox rows not sent within %d s: %r\n%s" % (
        len(unsent), timeout, unsent[:5], env.stack.log_tail())
    time.sleep(1.0)
    by_mid = {r[3]: r for r in rows}
    assert len(by_mid) == n, "outbox rows share Message-IDs: %d distinct of %d" % (len(by_mid), n)
    msgs = env.sink.messages(emails)
    for m in msgs:
        r = by_mid.get(m.message_id)
        assert r is not None, "%r carries a Message-ID of no outbox row of the website" % m
        assert m.rcpt == r[2].lower(), "%r was sent to %s, its outbox row to %s" % (m, m.rcpt, r[2])
    mids = {m.message_id for m in msgs}
    assert len(mids) == n and mids == set(by_mid), "%d distinct Message-IDs for %d invitations; missing %r" % (
        len(mids), n, sorted(set(by_mid) - mids)[:5])
    assert {m.rcpt for m in msgs} == set(emails)
    return msgs, mids


def test_mail_invite_delivered_once():
    """Delivery (master's mailer child): an invite's message arrives once, with a text/plain and a text/html part,
    a Message-ID (the outbox row's), the website name, the role, the expiry and a link that accepts."""
    with on_mail_stack() as env:
        s = new_site(key=False)
        to = new_email("mail")
        d, tok, url = invite_link(s, to, "member")
        rows = env.outbox("invitation_id = '%s'" % d["invitationId"])
        assert len(rows) == 1, "outbox rows of the invitation: %r" % rows
        row = rows[0]
        assert row[2] == to, "outbox row's recipient %r" % row[2]
        got = wait_for(lambda: env.sink.messages(to), 30, 0.1)
        assert got, "no message for %s within 30 s; outbox %r\n%s" % (
            to, env.outbox("id = '%s'" % row[0]), env.stack.log_tail())
        rows = wait_sent(env, "id = '%s'" % row[0], 1, 10)
        assert rows[0][4] == "sent", "outbox row after delivery: %r" % rows
        time.sleep(1.5)  # a second delivery would show by now
        msgs = env.sink.messages(to)
        assert len(msgs) == 1, "%d messages for %s, expected 1: %r" % (len(msgs), to, msgs)
        m = msgs[0]
        assert m.message_id and m.message_id == row[3], "Message-ID %r, outbox row has %r" % (m.message_id, row[3])
        assert re.match(r"^<[^<>@\s]+@[^<>@\s]+>$", m.message_id), "Message-ID %r is not <left@right>" % m.message_id
        assert to in (m.msg.get("To") or ""), "To: %r" % m.msg.get("To")
        assert s.name in str(m.msg.get("Subject")), "Subject %r lacks the website name" % m.msg.get("Subject")
        assert m.msg.get("Date"), "no Date header"
        alt = m.part("multipart/alternative")
        assert alt, "no multipart/alternative part: %s" % m.msg.get_content_type()
        plain, html = m.part("text/plain"), m.part("text/html")
        assert len(plain) == 1 and len(html) == 1, "parts: %r" % [p.get_content_type() for p in m.msg.walk()]
        text, page = plain[0].get_content(), html[0].get_content()
        for what, v in (("website name", s.name), ("role", "member"), ("expiry", d["expiresAt"]),
                        ("inviter", s.owner.name)):
            assert v in text, "text part lacks the %s %r:\n%s" % (what, v, text)
        for what, v in (("website name", s.name), ("role", "member"), ("link", url)):
            assert v in page, "html part lacks the %s %r:\n%s" % (what, v, page)
        links = LINK_RE.findall(text)
        assert links == [url], "links in the text part %r, the API's inviteUrl %r" % (links, url)
        a = ok(accept(token_of(links[0]), "From Mail"), "accept with the emailed link")[0]
        assert a["email"] == to and a["role"] == "member", a
        assert [x[2] for x in members(s.id)] == [to]


def test_mail_retried_while_receiver_down():
    """Delivery: with the receiver down the outbox row is retried (attempts grows, status stays pending); once the
    receiver is back the message arrives, once."""
    env = mail_env()
    env.sink.stop()
    try:
        with on_mail_stack():
            s = new_site(key=False)
            to = new_email("retry")
            d, tok, url = invite_link(s, to, "viewer")
            where = "invitation_id = '%s'" % d["invitationId"]
            rows = wait_for(lambda: (lambda r: r if r and int(r[0][5]) >= 2 else None)(env.outbox(where)), 30, 0.2)
            assert rows, "attempts did not reach 2 within 30 s with the receiver down: %r\n%s" % (
                env.outbox(where), env.stack.log_tail())
            row = rows[0]
            assert row[4] == "pending", "status %r after %s failed attempts" % (row[4], row[5])
            assert row[6], "no last_error recorded: %r" % (row,)
            assert not env.sink.messages(to)
            attempts_down = int(row[5])
            env.sink.start()
            got = wait_for(lambda: env.sink.messages(to), 40, 0.2)
            assert got, "no message within 40 s of the receiver's return: %r\n%s" % (
                env.outbox(where), env.stack.log_tail())
            rows = wait_sent(env, where, 1, 10)
            assert rows[0][4] == "sent" and int(rows[0][5]) > attempts_down, "outbox row %r" % (rows[0],)
            time.sleep(1.5)
            msgs = env.sink.messages(to)
            assert len(msgs) == 1, "%d messages for %s: %r" % (len(msgs), to, msgs)
            assert msgs[0].message_id == row[3], "Message-ID %r, row %r" % (msgs[0].message_id, row[3])
            assert LINK_RE.findall(msgs[0].part("text/plain")[0].get_content()) == [url]
    finally:
        if env.sink.proc is None:
            env.sink.start()


def test_mail_sigkill_mailer_mid_queue_loses_nothing():
    """Delivery: SIGKILL the master's mailer child mid-queue (30 invitations, a slow receiver); the master starts
    a new one and every invitation's message arrives: distinct Message-IDs == invitations, each the one of its
    outbox row (duplicates allowed, with the same Message-ID)."""
    n = 30
    env = mail_env()
    env.sink.stop()
    env.sink.start(delay=0.15)
    try:
        with on_mail_stack():
            s = new_site(key=False)
            invs = [invite_link(s, new_email("kill"), "viewer")[0] for _ in range(n)]
            emails = {d["email"] for d in invs}
            where = "website_id = '%s'" % s.id
            assert len(env.outbox(where)) == n
            assert wait_for(lambda: len(env.sink.messages(emails)) >= 3, 30, 0.05), \
                "fewer than 3 messages within 30 s: %r\n%s" % (env.outbox(where)[:5], env.stack.log_tail())
            victim = env.mailer_pid()
            assert victim, "no mailer child found:\n%s" % env.stack.log_tail()
            os.kill(victim, signal.SIGKILL)
            assert wait_for(lambda: not pid_alive(victim), 5, 0.05), "mailer %d survived SIGKILL" % victim
            at_kill = {m.message_id for m in env.sink.messages(emails)}
            rows = env.outbox(where)
            pending = [r for r in rows if r[4] == "pending"]
            claimed = [r for r in pending if r[7]]
            print("     killed mailer %d with %d/%d delivered, %d pending (%d claimed)" % (
                victim, len(at_kill), n, len(pending), len(claimed)), flush=True)
            assert len(at_kill) < n and pending, "the queue was empty at the kill: not mid-queue (%d delivered)" % (
                len(at_kill))
            fresh = wait_for(lambda: env.mailer_pid(exclude=(victim,)), 15, 0.1)
            assert fresh, "the master started no new mailer within 15 s:\n%s" % env.stack.log_tail()
            msgs, mids = check_all_delivered(env, where, emails, n, 90)
            print("     %d messages for %d invitations (%d duplicates), new mailer %d" % (
                len(msgs), n, len(msgs) - len(mids), fresh), flush=True)
    finally:
        env.sink.stop()
        env.sink.start()


class Standalone:
    """`roster mailer --config F` with the ROSTER_SMTP_* overrides in the environment, output to a log file."""

    def __init__(self, env, logname, extra_env=None):
        self.env, self.proc = env, None
        self.log = os.path.join(env.stack.state, logname)
        self.extra_env = extra_env or {}

    def start(self):
        st = self.env.stack
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([st.binary, "mailer", "--config", st.conf], cwd=H.ROOT,
                                         env=dict(st.env, **self.extra_env),
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        up = wait_for(lambda: self.proc.poll() is not None or "delivering through" in self.read(), 15, 0.05)
        assert up and self.proc.poll() is None, "roster mailer did not start (exit %s):\n%s" % (
            self.proc.poll(), self.read()[-3000:])

    def read(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10):
        p, self.proc = self.proc, None
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
                raise AssertionError("roster mailer ignored signal %d for %d s" % (sig, timeout))
        return p.returncode


def set_child_mailer(env, enabled, original):
    """Rewrites the mail stack's roster.conf with or without smtp_host and reloads the pool (SIGHUP); waits until
    the master's mailer child is gone or back."""
    st = env.stack
    old = env.mailer_pid()
    text = original if enabled else "".join(
        ln for ln in original.splitlines(True) if not re.match(r"\s*smtp_host\s*=", ln))
    with open(st.conf + ".tmp", "w") as f:
        f.write(text)
    os.chmod(st.conf + ".tmp", 0o600)
    os.rename(st.conf + ".tmp", st.conf)
    os.kill(st.master_pid(), signal.SIGHUP)
    if enabled:
        assert wait_for(env.mailer_pid, 15, 0.1), "no mailer child within 15 s of the reload:\n%s" % st.log_tail()
    else:
        if old:
            assert wait_for(lambda: not pid_alive(old), 15, 0.1), "mailer child %d outlived the reload" % old
        time.sleep(2.5)  # the master would respawn it after 1 s
        assert env.mailer_pid() is None, "a mailer child runs without smtp_host:\n%s" % st.log_tail()


def test_mail_standalone_mailer_sigkill_restart():
    """Delivery (`roster mailer --config F`, the child disabled by a reload without smtp_host): without smtp_host
    it refuses to start (exit 2); SIGKILLed mid-queue (20 invitations, a slow receiver) and started again, every
    invitation's message arrives with its outbox row's Message-ID; SIGTERM stops it with status 0."""
    n = 20
    env = mail_env()
    st = env.stack
    with open(st.conf) as f:
        original = f.read()
    mailer = Standalone(env, "mailer-standalone.log")
    env.sink.stop()
    env.sink.start(delay=0.15)
    try:
        set_child_mailer(env, False, original)
        # Without smtp_host (none in the file, none in the environment) it refuses to run.
        clean = {k: v for k, v in st.env.items() if k != "ROSTER_SMTP_HOST"}
        p = subprocess.run([st.binary, "mailer", "--config", st.conf], cwd=H.ROOT, env=clean,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        assert p.returncode == 2 and b"smtp_host" in p.stderr, "roster mailer without smtp_host: exit %s, %r" % (
            p.returncode, p.stderr[-500:])
        with on_mail_stack():
            s = new_site(key=False)
            invs = [invite_link(s, new_email("solo"), "member")[0] for _ in range(n)]
            emails = {d["email"] for d in invs}
            where = "website_id = '%s'" % s.id
            time.sleep(1.0)
            assert not env.sink.messages(emails), "messages went out with no sender running"
            mailer.start()
            assert wait_for(lambda: len(env.sink.messages(emails)) >= 3, 30, 0.05), \
                "fewer than 3 messages within 30 s of starting roster mailer:\n%s" % mailer.read()[-3000:]
            rc = mailer.stop(signal.SIGKILL, 5)
            assert rc == -signal.SIGKILL, "roster mailer exit %r after SIGKILL" % rc
            at_kill = {m.message_id for m in env.sink.messages(emails)}
            pending = [r for r in env.outbox(where) if r[4] == "pending"]
            print("     killed roster mailer with %d/%d delivered, %d pending" % (len(at_kill), n, len(pending)),
                  flush=True)
            assert len(at_kill) < n and pending, "the queue was empty at the kill (%d delivered)" % len(at_kill)
            mailer.start()
            msgs, mids = check_all_delivered(env, where, emails, n, 90)
            print("     %d messages for %d invitations (%d duplicates)" % (len(msgs), n, len(msgs) - len(mids)),
                  flush=True)
            rc = mailer.stop(signal.SIGTERM, 15)
            assert rc == 0, "roster mailer exit %r after SIGTERM:\n%s" % (rc, mailer.read()[-3000:])
            assert re.search(r"mailer info: mailer \S+ stopped", mailer.read()), "no `stopped` line:\n%s" % (
                mailer.read()[-2000:])
    finally:
        try:
            mailer.stop(signal.SIGKILL, 5)
        finally:
            env.sink.stop()
            env.sink.start()
            set_child_mailer(env, True, original)


# ---------------------------------------------------------------------------
# Hardening: no live token in a backup, emails of closed invitations, headers, giving up


def cma_json(method, path, doc, token):
    return H.http(method, "/cma" + path, token=token, raw_body=json.dumps(doc) if doc is not None else None,
                  headers={"Content-Type": "application/vnd.api+json"} if doc is not None else None)


def live_tokens_everywhere(s):
    """Invitation links made every way the API makes one, on the current stack: an invite, an invite with an
    Idempotency-Key, a resend (Team API), a /cma create, a /cma resend and a /cma role change of a queued email.
    Returns {what: token} of the links that are live (pending) afterwards."""
    live = {}
    live["invite"] = invite_link(s, new_email("dump"), "member")[1]
    r = H.http("POST", s.team, {"email": new_email("dumpidem")}, token=s.owner.token,
               headers={"Idempotency-Key": H.uniq("dump-key")})
    live["invite with Idempotency-Key"] = token_of(ok(r, "invite with a key")[0]["inviteUrl"])
    d = invite_link(s, new_email("dumpres"), "viewer")[0]
    r = H.http("POST", s.team + "/invitations/%s/resend" % d["invitationId"], token=s.owner.token)
    live["resend"] = token_of(ok(r, "resend")[0]["inviteUrl"])
    scoped = H.make_token(s.owner.email, websites=[s.id])[0]
    doc = {"data": {"type": "site_invitation", "attributes": {"email": new_email("dumpcma")},
                    "relationships": {"role": {"data": {"type": "role", "id": "viewer"}}}}}
    r = cma_json("POST", "/site-invitations", doc, scoped)
    assert r.status == 201, "cma create: %r" % r
    cid = r.body["data"]["id"]
    live["/cma create, then role change"] = token_of(r.body["data"]["attributes"]["invitation_link"])
    r = cma_json("PUT", "/site-invitations/" + cid, {"data": {"type": "site_invitation", "id": cid, "relationships": {
        "role": {"data": {"type": "role", "id": "member"}}}}}, scoped)
    assert r.status == 200, "cma role change: %r" % r
    r = cma_json("POST", "/site-invitations", dict(doc, data=dict(doc["data"], attributes={
        "email": new_email("dumpcmares")})), scoped)
    assert r.status == 201, "cma create: %r" % r
    r = H.http("POST", "/cma/site-invitations/%s/resend" % r.body["data"]["id"], token=scoped)
    assert r.status == 200, "cma resend: %r" % r
    live["/cma resend"] = token_of(r.body["data"]["attributes"]["invitation_link"])
    return live


def assert_not_in_dumps(stack, live):
    """Neither a plain nor a --hex-blob dump of the stack's database holds a token of `live`, as text or as the
    hex of its text."""
    for opts in ((), ("--hex-blob",)):
        dump = stack.dump(*opts)
        low = dump.lower()
        found = ["%s (%s)" % (what, form) for what, tok in live.items()
                 for form, needle, hay in (("text", tok, dump), ("hex", tok.encode().hex(), low))
                 if needle in hay]
        assert not found, "mariadb-dump %s holds live invitation tokens: %s" % (" ".join(opts), ", ".join(found))


def test_mail_database_dump_holds_no_live_invite_token():
    """Invitation links in a backup (issue "Hardening", item 4): after invitations made every way the API makes
    one (invite, invite with an Idempotency-Key, resend, /cma create, resend and role change), a mariadb-dump of
    the database (plain and --hex-blob), taken while every email waits in the outbox (this stack sends none),
    holds none of the live tokens the API answered with; the links still accept."""
    s = new_site(key=False)
    live = live_tokens_everywhere(s)
    n = int(H.sql_value("SELECT COUNT(*) FROM %s.outbox WHERE website_id = '%s' AND status = 'pending'"
                        % (H.db(), s.id)))
    assert n == len(live), "%d queued emails for %d live invitations" % (n, len(live))
    assert_not_in_dumps(H.STACK, live)
    for what, tok in live.items():
        ok(accept(tok), "accept the link of the %s" % what)


def test_mail_sent_email_keeps_no_link_and_links_work():
    """Invitation links in a backup, with a sender (item 4): the email arrives with a working link; in the
    database its row keeps neither the link (dump) nor its sealed form once sent."""
    with on_mail_stack() as env:
        s = new_site(key=False)
        to = new_email("sealed")
        d, tok, url = invite_link(s, to, "member")
        where = "invitation_id = '%s'" % d["invitationId"]
        rows = wait_sent(env, where, 1, 30)
        assert rows and rows[0][4] == "sent", "not sent: %r\n%s" % (rows, env.stack.log_tail())
        assert_not_in_dumps(env.stack, {"emailed invite": tok})
        assert H.sql_value("SELECT link_sealed IS NULL FROM %s.outbox WHERE %s" % (H.db(), where)) == "1", \
            "the sealed link outlived the sending"
        msgs = wait_for(lambda: env.sink.messages(to), 10, 0.1)
        assert msgs, "no message for %s" % to
        links = LINK_RE.findall(msgs[0].part("text/plain")[0].get_content())
        html = msgs[0].part("text/html")[0].get_content()
        assert links == [url] and html.count(url) == 2, "links %r / html %r, inviteUrl %r" % (links, html, url)
        ok(accept(token_of(links[0])), "accept with the emailed link")


def test_mail_not_sent_for_closed_invitations():
    """Emails of invitations no longer pending (issue "Hardening", item 5): with the receiver down, four
    invitations wait in the outbox; one is accepted, one expires, one is revoked.  When the receiver is back only
    the pending one's email arrives; the others are retired (status 'retired', the reason in last_error, no
    sealed link), not sent."""
    env = mail_env()
    env.sink.stop()
    try:
        with on_mail_stack():
            s = new_site(key=False)
            inv = {k: invite_link(s, new_email("closed" + k), "viewer") for k in ("pending", "accepted", "expired",
                                                                                   "revoked")}
            ids = {k: v[0]["invitationId"] for k, v in inv.items()}
            # Let the sender try (and fail) each once: their emails are claimed and due again.
            for k in ids:
                assert wait_for(lambda: (lambda r: r and int(r[0][5]) >= 1)(
                    env.outbox("invitation_id = '%s'" % ids[k])), 30, 0.2), \
                    "no attempt for %s:\n%s" % (k, env.stack.log_tail())
            ok(accept(inv["accepted"][1]), "accept")
            H.sql("UPDATE %s.invitations SET expires_at = 1 WHERE id = '%s'" % (H.db(), ids["expired"]))
            ok(H.http("DELETE", s.team + "/invitations/" + ids["revoked"], token=s.owner.token), "revoke")
            env.sink.start()
            rows = wait_sent(env, "invitation_id = '%s'" % ids["pending"], 1, 60)
            assert rows[0][4] == "sent", "the pending invitation's email: %r\n%s" % (rows, env.stack.log_tail())
            closed = ("accepted", "expired", "revoked")
            got = wait_for(lambda: (lambda r: r if all(x[4] == "retired" for x in r.values()) else None)(
                {k: env.outbox("invitation_id = '%s'" % ids[k])[0] for k in closed}), 30, 0.25)
            got = got or {k: env.outbox("invitation_id = '%s'" % ids[k])[0] for k in closed}
            for k in closed:
                assert got[k][4] == "retired" and k[:6] in got[k][6], "the %s invitation's email: %r" % (k, got[k])
            time.sleep(1.5)
            sent_to = {m.rcpt for m in env.sink.messages()}
            for k in closed:
                assert inv[k][0]["email"] not in sent_to, "an email went out for the %s invitation" % k
            assert inv["pending"][0]["email"] in sent_to
            assert H.sql_value("SELECT COUNT(*) FROM %s.outbox WHERE website_id = '%s' AND link_sealed IS NOT NULL"
                               % (H.db(), s.id)) == "0", "sealed links outlived their emails"
    finally:
        if env.sink.proc is None:
            env.sink.start()


def test_mail_role_change_requeues_with_the_same_link():
    """A role change of an invitation whose email waits (the receiver down) retires that email and queues one
    naming the new role; when the receiver is back, that one arrives, once, with the link the API answered at
    creation, which accepts with the new role (issue "Hardening", item 4: links sealed, not lost)."""
    env = mail_env()
    env.sink.stop()
    try:
        with on_mail_stack():
            s = new_site(key=False)
            to = new_email("requeue")
            d, tok, url = invite_link(s, to, "viewer")
            where = "invitation_id = '%s'" % d["invitationId"]
            assert wait_for(lambda: (lambda r: r and int(r[0][5]) >= 1)(env.outbox(where)), 30, 0.2), \
                "no attempt while the receiver is down: %r" % env.outbox(where)
            scoped = H.make_token(s.owner.email, websites=[s.id])[0]
            r = cma_json("PUT", "/site-invitations/" + d["invitationId"], {"data": {
                "type": "site_invitation", "id": d["invitationId"], "relationships": {
                    "role": {"data": {"type": "role", "id": "member"}}}}}, scoped)
            assert r.status == 200, "role change: %r" % r
            env.sink.start()
            rows = wait_for(lambda: (lambda r: r if len(r) == 2 and r[1][4] == "sent" else None)(
                env.outbox(where)), 60, 0.25)
            assert rows, "the requeued email was not sent: %r\n%s" % (env.outbox(where), env.stack.log_tail())
            assert rows[0][4] == "retired" and "role change" in rows[0][6], rows[0]
            time.sleep(1.0)
            msgs = env.sink.messages(to)
            assert len(msgs) == 1 and msgs[0].message_id == rows[1][3], "messages %r, rows %r" % (msgs, rows)
            text = msgs[0].part("text/plain")[0].get_content()
            assert " as member." in text and LINK_RE.findall(text) == [url], text
            a = ok(accept(tok), "accept with the link of the requeued email")[0]
            assert a["role"] == "member", a
    finally:
        if env.sink.proc is None:
            env.sink.start()


def test_mail_migrate_seals_links_queued_in_the_clear():
    """Upgrading (sql/0006_outbox_sealed.sql): an email an older roster queued with its link in its parts (nothing
    sealed) is sealed by `roster migrate` (as the migration user, with the stack's seal_key): afterwards a dump holds
    no token, and when the receiver is back the email arrives with that link, which accepts."""
    env = mail_env()
    st = env.stack
    env.sink.stop()
    try:
        with on_mail_stack():
            s = new_site(key=False)
            to = new_email("legacy")
            d, tok, url = invite_link(s, to, "viewer")
            where = "invitation_id = '%s'" % d["invitationId"]
            mark = "CONCAT(CHAR(26), 'invitation link', CHAR(26))"
            H.sql("UPDATE %s.outbox SET body_text = REPLACE(body_text, %s, '%s'), body_html = REPLACE(body_html, "
                  "%s, '%s'), link_sealed = NULL WHERE %s" % (H.db(), mark, url, mark, url, where))
            with pytest_raises_assertion():
                assert_not_in_dumps(st, {"legacy": tok})
            with open(os.path.join(st.state, "db_migrate_password")) as f:
                mpw = f.read().strip()
            p = subprocess.run([st.binary, "migrate", "--config", st.conf], cwd=H.ROOT, capture_output=True,
                               env=dict(st.env, ROSTER_DB_USER="roster_migrate", ROSTER_DB_PASSWORD=mpw),
                               stdin=subprocess.DEVNULL, timeout=60)
            assert p.returncode == 0 and json.loads(p.stdout) == {"applied": 0}, "roster migrate: %s %r %r" % (
                p.returncode, p.stdout, p.stderr[-2000:])
            assert b"sealed the links of" in p.stderr, p.stderr[-2000:]
            assert H.sql_value("SELECT link_sealed IS NOT NULL FROM %s.outbox WHERE %s" % (H.db(), where)) == "1"
            assert_not_in_dumps(st, {"legacy": tok})
            env.sink.start()
            rows = wait_sent(env, where, 1, 60)
            assert rows[0][4] == "sent", "%r\n%s" % (rows, st.log_tail())
            msgs = wait_for(lambda: env.sink.messages(to), 10, 0.1)
            assert msgs and LINK_RE.findall(msgs[0].part("text/plain")[0].get_content()) == [url], msgs
            assert msgs[0].part("text/html")[0].get_content().count(url) == 2
            ok(accept(tok), "accept with the link of the sealed legacy email")
    finally:
        if env.sink.proc is None:
            env.sink.start()


@contextlib.contextmanager
def pytest_raises_assertion():
    """The block must fail an assertion (the check it runs would catch what it is meant to)."""
    try:
        yield
    except AssertionError:
        return
    raise AssertionError("the check passed where it should have failed")


def test_mail_long_non_ascii_subject_is_rfc2047():
    """Mail headers (issue "Hardening", item 7): a website name of 200 non-ASCII characters (2 to 4 bytes each)
    makes a Subject of RFC 2047 encoded-words of at most 75 characters, on lines of at most 76, each word whole
    UTF-8 (split on character boundaries); Python's email parser decodes it to the exact subject."""
    with on_mail_stack() as env:
        owner = H.new_user()
        name = ("Équipe ünïcödé 日本語チーム 🚀✨ " * 20)[:200]
        domain = "%s.e2e.example.com" % H.uniq("utf")
        sid = H.cli("website", "create", "--domain", domain, "--owner-email", owner.email, "--name", name)["websiteId"]
        s = H.Site()
        s.id, s.owner, s.name, s.team = sid, owner, name, "%s/websites/%s/team" % (H.API, sid)
        to = new_email("subject")
        invite_link(s, to, "viewer")
        msgs = wait_for(lambda: env.sink.messages(to), 30, 0.1)
        assert msgs, "no message for %s:\n%s" % (to, env.stack.log_tail())
        raw = msgs[0].raw
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        lines = head.split("\r\n")
        i = next(n for n, ln in enumerate(lines) if ln.lower().startswith("subject:"))
        field = [lines[i]]
        for ln in lines[i + 1:]:
            if not ln[:1] in (" ", "\t"):
                break
            field.append(ln)
        long_lines = [ln for ln in field if len(ln) > 76]
        assert not long_lines, "Subject lines over 76 characters: %r" % long_lines
        words = re.findall(r"=\?([^?]+)\?([bBqQ])\?([^?]*)\?=", "\r\n".join(field))
        assert words, "no encoded-word in %r" % field
        for cs, enc, text in words:
            w = "=?%s?%s?%s?=" % (cs, enc, text)
            assert len(w) <= 75, "an encoded-word of %d characters: %s" % (len(w), w)
            assert cs.lower() == "utf-8", w
            data = base64.b64decode(text) if enc in "bB" else email.quoprimime.header_decode(text).encode("latin-1")
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise AssertionError("an encoded-word cut inside a UTF-8 character: %s" % w)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        want = "You are invited to join %s on roster" % name
        assert str(parsed["Subject"]) == want, "decoded Subject %r, expected %r" % (str(parsed["Subject"]), want)


def metrics_of(port):
    r = H.http("GET", "/metrics", port=port)
    assert r.status == 200, "GET /metrics: %r" % r
    out = {}
    for line in r.raw.decode().splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$", line)
        if m:
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


OUTBOX_PENDING = ("roster_outbox_emails", '{status="pending"}')
OUTBOX_FAILED = ("roster_outbox_emails", '{status="failed"}')
OUTBOX_AGE = ("roster_outbox_oldest_pending_age_seconds", "")


def test_mail_outbox_in_metrics_without_smtp():
    """Mail trouble in /metrics (issue "Hardening", item 9): on a stack without smtp_host, /metrics shows the
    outbox's pending count (what SQL counts), its failed count and the oldest pending email's age, which grows;
    an invitation adds one pending email."""
    s = new_site(key=False)
    invite_link(s, new_email("metric"), "viewer")
    time.sleep(1.1)
    before = metrics_of(H.STACK.port)
    for k in (OUTBOX_PENDING, OUTBOX_FAILED, OUTBOX_AGE):
        assert k in before, "/metrics lacks %s%s" % k
    oldest = int(H.sql_value("SELECT MIN(created_at) FROM %s.outbox WHERE status = 'pending'" % H.db()))
    age = time.time() - oldest / 1000.0
    assert before[OUTBOX_AGE] >= 1.0 and abs(before[OUTBOX_AGE] - age) < 5, \
        "oldest pending age %r, SQL says about %.1f s" % (before[OUTBOX_AGE], age)
    invite_link(s, new_email("metric"), "viewer")
    after = metrics_of(H.STACK.port)
    n = int(H.sql_value("SELECT COUNT(*) FROM %s.outbox WHERE status = 'pending'" % H.db()))
    assert after[OUTBOX_PENDING] == n and after[OUTBOX_PENDING] >= before[OUTBOX_PENDING] + 1, \
        "pending %r -> %r, SQL counts %d" % (before[OUTBOX_PENDING], after[OUTBOX_PENDING], n)
    assert after[OUTBOX_FAILED] == int(H.sql_value(
        "SELECT COUNT(*) FROM %s.outbox WHERE status = 'failed'" % H.db())), after[OUTBOX_FAILED]


def test_mail_last_attempt_gives_up_and_counts_failed():
    """The last attempt (issue "Hardening", item 9): a mailer whose SMTP server refuses connections, with
    smtp_max_attempts = 2, logs a retry after the first attempt and "giving up" after the second (never "retry
    in" for it); the email is failed (no sealed link kept) and /metrics counts it as failed."""
    env = mail_env()
    st = env.stack
    with open(st.conf) as f:
        original = f.read()
    dead = free_port(PORTS, avoid=(env.sink_port, env.web_port))
    mailer = Standalone(env, "mailer-giveup.log",
                        {"ROSTER_SMTP_PORT": str(dead), "ROSTER_SMTP_MAX_ATTEMPTS": "2", "ROSTER_SMTP_RETRY": "1"})
    try:
        set_child_mailer(env, False, original)
        with on_mail_stack():
            s = new_site(key=False)
            to = new_email("giveup")
            d = invite_link(s, to, "viewer")[0]
            where = "invitation_id = '%s'" % d["invitationId"]
            before = metrics_of(env.web_port)
            mailer.start()
            rows = wait_for(lambda: (lambda r: r if r and r[0][4] == "failed" else None)(env.outbox(where)), 30, 0.2)
            assert rows, "not failed within 30 s: %r\n%s" % (env.outbox(where), mailer.read()[-3000:])
            assert int(rows[0][5]) == 2 and rows[0][6], "the failed row: %r" % (rows[0],)
            row_id = rows[0][0]
            log = [ln for ln in mailer.read().splitlines() if row_id in ln]
            assert len(log) == 2, "log lines of %s: %r" % (row_id, log)
            assert "attempt 1 of 2" in log[0] and "retry in" in log[0], log[0]
            assert "attempt 2 of 2" in log[1] and "giving up" in log[1] and "retry in" not in log[1], log[1]
            assert H.sql_value("SELECT link_sealed IS NULL FROM %s.outbox WHERE %s" % (H.db(), where)) == "1"
            after = metrics_of(env.web_port)
            assert after[OUTBOX_FAILED] == before[OUTBOX_FAILED] + 1, "failed %r -> %r" % (
                before[OUTBOX_FAILED], after[OUTBOX_FAILED])
    finally:
        try:
            mailer.stop(signal.SIGKILL, 5)
        finally:
            set_child_mailer(env, True, original)
