"""End-to-end harness for roster: the real stack (MariaDB + roster serve + nginx)
started through deploy/local/stack.sh, and helpers for the tests.

Python 3 standard library only.  The runner (run.py) calls Stack.up() once, sets
the module-global STACK, runs every test, then Stack.down().

Helpers the tests use (all work on the global STACK):

    http(method, path, body=None, token=None, headers=None, raw_body=None) -> Resp
    cli(*args)            -> parsed JSON stdout of `BINARY args --config STATE/roster.conf`
    sql(q)                -> list of rows (lists of str) from `stack.sh sql`
    new_user(...), new_site(...), add_member(...)    fixtures with unique names
    ok(resp), err(resp, code)                         envelope assertions

and, from tests/lib/testlib.py (shared with the cluster test): free_port,
port_open, pid_alive, worker_pids, wait_for, tail, sanitizer_reports.
"""

import contextlib
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from testlib import (ROOT, free_port, json_body, pid_alive, port_open, request, sanitizer_reports,  # noqa: E402,F401
                     tail, wait_for, worker_pids)

STACK_SH = os.environ.get("ROSTER_E2E_STACK_SH") or os.path.join(ROOT, "deploy", "local", "stack.sh")

HTTP_TIMEOUT = 10.0
HEX24 = re.compile(r"^[0-9a-f]{24}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
API = "/api/v1/admin"

STACK = None  # set by run.py


@contextlib.contextmanager
def on_stack(stack):
    """The module's helpers (http, cli, sql, new_site...) act on stack inside."""
    global STACK
    saved = STACK
    STACK = stack
    try:
        yield stack
    finally:
        STACK = saved


class StackError(Exception):
    pass


class Stack:
    def __init__(self, binary, port=None, keep=False):
        self.binary = os.path.abspath(binary)
        self.port = port or free_port()
        self.keep = keep
        self.base = tempfile.mkdtemp(prefix="roster-e2e-")
        self.state = os.path.join(self.base, "state")
        self.conf = os.path.join(self.state, "roster.conf")
        self.env = dict(os.environ)
        self.env["ASAN_OPTIONS"] = (
            "log_path=%s/asan:detect_leaks=1:abort_on_error=0" % self.state)
        self.env["UBSAN_OPTIONS"] = (
            "print_stacktrace=1:log_path=%s/ubsan:halt_on_error=0" % self.state)
        self.env.pop("ROSTER_CONFIG", None)
        # Every test's traffic comes from 127.0.0.1, and requests without a
        # credential share that address's budget: the shared stack gets a
        # large one.  The rate-limit tests run stacks of their own.
        self.env.setdefault("ROSTER_RATE_LIMIT", "100000")
        self.is_up = False
        self.db_name = "roster"
        self._logn = itertools.count(1)

    # -- stack.sh ---------------------------------------------------------
    def stack(self, *args, timeout=120, check=True):
        """Run stack.sh with output to a file (never a pipe: the servers it
        starts in the background would hold a pipe open).  Returns (rc, out)."""
        logf = os.path.join(self.base, "stack-%02d-%s.log" % (next(self._logn), args[0]))
        with open(logf, "wb") as f:
            try:
                p = subprocess.run(["bash", STACK_SH] + list(args), cwd=ROOT, env=self.env,
                                   stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                   timeout=timeout)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                rc = "timeout after %ss" % timeout
        with open(logf, "r", errors="replace") as f:
            out = f.read()
        if check and rc != 0:
            raise StackError("stack.sh %s: exit %s\n%s" % (" ".join(args), rc, out[-4000:]))
        return rc, out

    def up(self):
        if not os.path.exists(STACK_SH):
            raise StackError("missing %s" % STACK_SH)
        if not os.access(self.binary, os.X_OK):
            raise StackError("missing binary %s" % self.binary)
        self.is_up = True  # from here on, always try `down`
        self.stack("up", self.state, str(self.port), self.binary, timeout=240)
        try:
            with open(self.conf) as f:
                for line in f:
                    m = re.match(r"\s*db_name\s*=\s*(\S+)", line)
                    if m:
                        self.db_name = m.group(1)
        except OSError as e:
            raise StackError("no %s after stack.sh up: %s" % (self.conf, e))

    def down(self):
        if not self.is_up:
            return None
        self.is_up = False
        rc, out = self.stack("down", self.state, timeout=120, check=False)
        return rc, out

    def cleanup(self):
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def master_pid(self):
        with open(os.path.join(self.state, "roster.pid")) as f:
            return int(f.read().split()[0])

    def log_tail(self, name="roster.log", n=60):
        return tail(os.path.join(self.state, name), n)

    # -- binary -----------------------------------------------------------
    def cli_raw(self, *args, timeout=60):
        p = subprocess.run([self.binary] + [str(a) for a in args] + ["--config", self.conf],
                           cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def cli(self, *args):
        rc, out, errout = self.cli_raw(*args)
        assert rc == 0, "roster %s: exit %s\nstdout: %s\nstderr: %s" % (
            " ".join(map(str, args)), rc, out, errout)
        try:
            return json.loads(out)
        except ValueError:
            raise AssertionError("roster %s: stdout is not JSON: %r" % (" ".join(map(str, args)), out))

    def sql(self, q):
        rc, out = self.stack("sql", self.state, q, timeout=60, check=False)
        assert rc == 0, "stack.sh sql %r: exit %s\n%s" % (q, rc, out)
        return [line.split("\t") for line in out.splitlines() if line != ""]

    def dump(self, *opts):
        """The roster database as an admin backs it up (`stack.sh dump`: mariadb-dump, one snapshot)."""
        rc, out = self.stack("dump", self.state, *opts, timeout=120, check=False)
        assert rc == 0, "stack.sh dump: exit %s\n%s" % (rc, out[-3000:])
        assert "CREATE TABLE `outbox`" in out, "the dump holds no outbox table:\n%s" % out[-3000:]
        return out


# ---------------------------------------------------------------------------
# HTTP


class Resp:
    """status, headers (lowercase keys), body (parsed JSON, else text).
    Unpacks as (status, headers, body)."""

    def __init__(self, method, path, sent, status, headers, body, raw):
        self.method, self.path, self.sent = method, path, sent
        self.status, self.headers, self.body, self.raw = status, headers, body, raw

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        sent = self.sent
        if sent is not None and len(sent) > 300:
            sent = sent[:300] + "...(%d bytes)" % len(self.sent)
        body = self.raw.decode(errors="replace")
        if len(body) > 1500:
            body = body[:1500] + "..."
        return "%s %s%s -> %s %s" % (self.method, self.path,
                                      (" body=%r" % sent) if sent is not None else "",
                                      self.status, body)


def http(method, path, body=None, token=None, headers=None, raw_body=None, port=None):
    """One request on a new connection to nginx (testlib.request: `body` is
    JSON-encoded with Content-Type application/json; `raw_body` (bytes or str)
    is sent as is with only the Content-Type given in `headers`)."""
    sent, status, rh, raw = request(port or STACK.port, method, path, body=body, token=token,
                                    headers=headers, raw_body=raw_body, timeout=HTTP_TIMEOUT)
    return Resp(method, path, sent, status, rh, json_body(rh, raw, raw.decode(errors="replace")), raw)


def check_common(r):
    ct = r.headers.get("content-type", "")
    assert ct.split(";")[0].strip().lower() == "application/json", \
        "Content-Type %r is not application/json: %r" % (ct, r)
    assert r.headers.get("x-request-id", "").strip(), "no X-Request-Id header: %r" % (r,)


def ok(r, what=""):
    """Assert a Team API success: 200, application/json, X-Request-Id,
    {"status":"success","data":[...]}.  Returns data."""
    pre = (what + ": ") if what else ""
    assert r.status == 200, "%sexpected 200, got %r" % (pre, r)
    check_common(r)
    b = r.body
    assert isinstance(b, dict) and b.get("status") == "success" and isinstance(b.get("data"), list), \
        "%snot a success envelope: %r" % (pre, r)
    return b["data"]


def err(r, code, what="", contains=None):
    """Assert a Team API error: the status, application/json, X-Request-Id,
    {"status":"error","error":{"code":status,"message":"..."}}.  Returns message."""
    pre = (what + ": ") if what else ""
    codes = code if isinstance(code, (tuple, list, set)) else (code,)
    assert r.status in codes, "%sexpected %s, got %r" % (pre, "/".join(map(str, codes)), r)
    check_common(r)
    b = r.body
    assert isinstance(b, dict) and b.get("status") == "error" and isinstance(b.get("error"), dict), \
        "%snot an error envelope: %r" % (pre, r)
    e = b["error"]
    assert e.get("code") == r.status and not isinstance(e.get("code"), bool), \
        "%serror.code %r != HTTP status %s: %r" % (pre, e.get("code"), r.status, r)
    assert isinstance(e.get("message"), str) and e["message"].strip(), \
        "%serror.message empty: %r" % (pre, r)
    if contains is not None:
        assert contains in e["message"], "%smessage %r lacks %r" % (pre, e["message"], contains)
    return e["message"]


class Soft:
    """Collects assertion failures so that one test reports every bad case."""

    def __init__(self):
        self.failures = []

    def check(self, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except AssertionError as e:
            self.failures.append(str(e))
            return None

    def ok(self, r, what=""):
        return self.check(ok, r, what)

    def err(self, r, code, what="", contains=None):
        return self.check(err, r, code, what, contains)

    def true(self, cond, msg):
        if not cond:
            self.failures.append(msg)

    def done(self):
        if self.failures:
            raise AssertionError("%d case(s) failed:\n- " % len(self.failures)
                                 + "\n- ".join(self.failures))


# ---------------------------------------------------------------------------
# Fixtures

_counter = itertools.count(1)
_run_tag = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))


def uniq(prefix="x"):
    return "%s%d-%s%s" % (prefix, next(_counter), _run_tag,
                          "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(4)))


def new_email(prefix="u"):
    return "%s@e2e-%s.example.com" % (uniq(prefix), _run_tag)


def random_id():
    return "%08x" % int(time.time()) + "".join(random.choice("0123456789abcdef") for _ in range(16))


def cli(*args):
    return STACK.cli(*args)


def cli_raw(*args):
    return STACK.cli_raw(*args)


def sql(q):
    return STACK.sql(q)


def sql_value(q):
    rows = sql(q)
    assert rows, "sql %r returned no rows" % q
    return rows[-1][0]


def db():
    return STACK.db_name


class User:
    def __init__(self, email, user_id, name):
        self.email, self.id, self.name = email, user_id, name
        self.token = self.token_id = None

    def __repr__(self):
        return "User(%s, %s)" % (self.email, self.id)


def make_token(email, permissions=None, websites=None, name=None):
    args = ["token", "create", "--email", email]
    if name:
        args += ["--name", name]
    if permissions is not None:
        args += ["--permissions", permissions if isinstance(permissions, str) else ",".join(permissions)]
    if websites:
        args += ["--websites", websites if isinstance(websites, str) else ",".join(websites)]
    out = cli(*args)
    assert HEX24.match(str(out.get("id", ""))), "token create: bad id in %r" % out
    assert str(out.get("key", "")).startswith("dft_"), "token create: bad key in %r" % out
    return out["key"], out["id"]


def new_user(name=None, token=True, permissions=None, websites=None, email=None):
    email = email or new_email()
    name = name or ("User " + email.split("@")[0])
    out = cli("user", "create", "--email", email, "--name", name)
    uid = out.get("userId")
    assert HEX24.match(str(uid)), "user create: bad userId in %r" % out
    u = User(email, uid, name)
    if token:
        u.token, u.token_id = make_token(email, permissions, websites)
    return u


class Site:
    def __repr__(self):
        return "Site(%s, %s)" % (self.domain, self.id)


def new_site(seats=None, owner=None, key=True):
    """A fresh website with a fresh owner (dft_ token `*`) and a df_ key."""
    s = Site()
    s.owner = owner or new_user()
    s.domain = "%s.e2e.example.com" % uniq("site")
    s.name = "Site " + s.domain
    args = ["website", "create", "--domain", s.domain, "--owner-email", s.owner.email,
            "--name", s.name]
    if seats is not None:
        args += ["--seats", str(seats)]
    out = cli(*args)
    s.id = out.get("websiteId")
    assert HEX24.match(str(s.id)), "website create: bad websiteId in %r" % out
    s.seats = seats
    s.key = s.key_id = None
    if key:
        out = cli("apikey", "create", "--website", s.id, "--name", "e2e key")
        assert str(out.get("key", "")).startswith("df_"), "apikey create: bad key in %r" % out
        assert HEX24.match(str(out.get("id", ""))), "apikey create: bad id in %r" % out
        s.key, s.key_id = out["key"], out["id"]
    s.team = "%s/websites/%s/team" % (API, s.id)
    return s


def add_member(site, role="member", permissions=None, websites=None, user=None, token=True):
    u = user or new_user(permissions=permissions, websites=websites, token=token)
    cli("member", "add", "--website", site.id, "--email", u.email, "--role", role)
    return u


def invite(site, email, role=None, token=None):
    body = {"email": email}
    if role is not None:
        body["role"] = role
    return http("POST", site.team, body, token=token or site.owner.token)


def parse_iso(s):
    assert isinstance(s, str) and ISO_MS.match(s), "not ISO-8601 with ms and Z: %r" % (s,)
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def now_utc():
    return datetime.now(timezone.utc)


def sha256_hex(s):
    return hashlib.sha256(s.encode()).hexdigest()


def inv_id(entry):
    """The id of an entry of the invitations list."""
    for k in ("invitationId", "id", "_id"):
        if k in entry:
            return entry[k]
    raise AssertionError("invitation entry without an id: %r" % (entry,))


def invitations(site, token=None):
    return ok(http("GET", site.team + "/invitations", token=token or site.owner.token),
              "list invitations")


def team(site, token=None):
    return ok(http("GET", site.team, token=token or site.owner.token), "list team")
