"""The workers' read cache (app/lib/cache.c, sql/0004_team_gen.sql) never serves
a stale team or credential.  Each worker keeps credential resolutions, team
pages and the Team API's rendered pages, valid while the website's team_gen in
the database is unchanged; every change to a team bumps it in the same
transaction.

Every test first warms the cache: 40 reads of one list in a row, then bursts of
simultaneous reads until every worker of the pool has answered one (told by the
request ids in roster.log), each answer checked against the team as it is.
Then it changes the team and reads again the same way: every answer, from every
worker, must show the change.  One stale answer is a worker serving its cache.

The cache-off test and the second-host test run a second roster pool (its own
master, workers and nginx from tests/e2e/deploylib.py) on the main stack's
database."""

import os
import re
import threading
from urllib.parse import quote

import harness as H
from harness import (API, add_member, cli, db, err, http, make_token, new_email, new_site, new_user, ok,
                     sql, tail, uniq, wait_for, worker_pids)
from invitelib import accept, check_html, invite_link, join_post
from deploylib import deployment, free_port, read_pids
from test_cma import CMA, cma_err, cma_ok, scoped
from test_deploy import start_pool
from test_ops import metrics

READS = 40          # reads in a row, before and after each change
BURST = 8           # simultaneous reads, so that every worker answers some
BURST_MAX = 64
MAX_BURSTS = 40
WORKERS = 4
LOG_LINE = re.compile(r"roster\[(\d+)\] worker \w+: request id=(\S+) ")


class Pool:
    """A roster pool behind an nginx: the main stack's, or a second one."""

    def __init__(self, name, port, log, pidfile):
        self.name, self.port, self.log, self.pidfile = name, port, log, pidfile

    def workers(self):
        pids = read_pids(self.pidfile)
        assert pids, "%s: no master pid in %s" % (self.name, self.pidfile)
        return set(worker_pids(pids[0]))

    def log_size(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def served(self, offset, tag):
        """request id -> worker pid, for the ids starting with `tag` logged after offset."""
        out = {}
        with open(self.log, "rb") as f:
            f.seek(offset)
            for line in f.read().decode(errors="replace").splitlines():
                m = LOG_LINE.search(line)
                if m and m.group(2).startswith(tag + "-"):
                    out[m.group(2)] = int(m.group(1))
        return out

    def hits(self):
        return metrics(self.port).get(("roster_cache_lookups_total", '{result="hit"}'), 0.0)


def main_pool():
    return Pool("main", H.STACK.port, os.path.join(H.STACK.state, "roster.log"),
                os.path.join(H.STACK.state, "roster.pid"))


def second_pool(d, **keys):
    """A second `roster serve` (WORKERS workers) on the main stack's database, with
    its own nginx: another host, as far as the cache can tell."""
    sock = d.path("roster.sock")
    keys.setdefault("workers", WORKERS)
    keys.setdefault("rate_limit", 100000)
    start_pool(d, sock, **keys)
    port = free_port()
    d.nginx(port, "unix:" + sock)
    pool = Pool(d.name, port, d.path("roster.log"), d.path("roster.pid"))
    assert wait_for(lambda: len(pool.workers()) == keys["workers"], 20, 0.1), \
        "%s: %d workers, expected %s:\n%s" % (d.name, len(pool.workers()), keys["workers"], tail(pool.log))
    return pool


def reads(pool, fetch, check, what, n=READS):
    """`n` reads in a row, then bursts of BURST simultaneous ones until every
    worker of the pool has answered at least one; every answer must pass
    check(resp).  fetch(request_id, port) -> harness.Resp."""
    tag = re.sub(r"[^A-Za-z0-9]", "", uniq("c"))
    offset = pool.log_size()
    bad = []

    def one(i):
        r = fetch("%s-%d" % (tag, i), pool.port)
        try:
            check(r)
        except AssertionError as e:
            return "read %d: %s" % (i, str(e)[:600])
        return None

    def burst(first, k):
        """k reads released together, so that busy workers leave some to idle ones."""
        gate = threading.Barrier(k)
        out = [None] * k

        def go(j):
            try:
                gate.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            out[j] = one(first + j)
        threads = [threading.Thread(target=go, args=(j,)) for j in range(k)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "%s: reads still running after 60 s" % what
        return [e for e in out if e]

    for i in range(n):
        e = one(i)
        if e:
            bad.append(e)
    sent = n
    workers = pool.workers()
    for rnd in range(MAX_BURSTS):
        # The log line follows the answer: wait for all of them.
        wait_for(lambda: len(pool.served(offset, tag)) >= sent, 5, 0.05)
        missing = workers - set(pool.served(offset, tag).values())
        if not missing:
            break
        # Wider bursts while some worker is still left out (a loaded machine
        # serialises the clients).
        k = min(BURST_MAX, BURST << (rnd // 4))
        bad += burst(sent, k)
        sent += k
    else:
        raise AssertionError("%s (%s): workers %r answered none of %d reads" % (
            what, pool.name, sorted(missing), sent))
    assert not bad, "%s (%s): %d of %d answers wrong (a worker served its cache?):\n- %s" % (
        what, pool.name, len(bad), sent, "\n- ".join(bad[:5]))
    return sent


# ---------------------------------------------------------------------------
# What is read, and what it must show


def team_read(site, token, query=""):
    def fetch(rid, port):
        return http("GET", site.team + query, token=token, headers={"X-Request-Id": rid}, port=port)
    return fetch


def cma_users_read(token):
    def fetch(rid, port):
        return http("GET", CMA + "/users", token=token, headers={"X-Request-Id": rid}, port=port)
    return fetch


def row(user, role, name=None):
    return (user.id, role, user.name if name is None else name)


def team_is(expected, more=None):
    """The Team API list is exactly `expected` [(userId, role, name)], in order;
    with more=True/False, a nextCursor is there / is not."""
    def check(r):
        got = [(x.get("userId"), x.get("role"), x.get("name")) for x in ok(r)]
        assert got == expected, "team %r, expected %r" % (got, expected)
        if more is not None:
            assert bool(r.body.get("nextCursor")) == more, "nextCursor %r, expected %s" % (
                r.body.get("nextCursor"), "one" if more else "none")
    return check


def cma_users_are(expected):
    """GET /cma/users is exactly `expected` [(id, role, full_name)] (the owner is not a collaborator)."""
    def check(r):
        got = [(u["id"], u["relationships"]["role"]["data"]["id"], u["attributes"].get("full_name"))
               for u in cma_ok(r, what="GET /cma/users")]
        assert got == expected, "/cma/users %r, expected %r" % (got, expected)
    return check


def status_is(code):
    def check(r):
        if code == 200:
            ok(r)
        else:
            err(r, code)
    return check


def cma_401(r):
    cma_err(r, 401, "INVALID_AUTHORIZATION_HEADER", "revoked credential on /cma")


def both(pool, site, cma_token, team_rows, what, cma_rows=None):
    """The Team API list (the owner's token) and /cma/users (a token scoped to
    the site) both show team_rows (the owner first; /cma leaves the owner out,
    and shows cma_rows instead when given)."""
    reads(pool, team_read(site, site.owner.token), team_is(team_rows), what + ": Team API list")
    if cma_rows is None:
        cma_rows = [r for r in team_rows if r[1] != "owner"]
    reads(pool, cma_users_read(cma_token), cma_users_are(cma_rows), what + ": /cma/users")


# ---------------------------------------------------------------------------
# The main stack (4 workers)


def test_warm_reads_are_cache_hits():
    """The cache is on (cache_entries defaults to 64): repeated reads of one team list are served from it
    (roster_cache_lookups_total{result="hit"} grows by at least one per read), so the tests below test it."""
    pool = main_pool()
    assert len(pool.workers()) >= 4, "the main stack should run at least 4 workers: %r" % pool.workers()
    s = new_site(key=False)
    m = add_member(s, "member", token=False)
    reads(pool, team_read(s, s.owner.token), team_is([row(s.owner, "owner"), row(m, "member")]), "warm")
    before = pool.hits()
    n = reads(pool, team_read(s, s.owner.token), team_is([row(s.owner, "owner"), row(m, "member")]), "warm")
    got = pool.hits() - before
    assert got >= n, "%d warm reads made %d cache hits: the cache is not in use" % (n, got)


def three_warm(viewer_token=False):
    """A website of an owner, a member and a viewer (with a token of its own if asked), with a token scoped
    to it for /cma, both lists read (and so cached) by every worker of the main pool:
    (pool, site, member, viewer, token)."""
    pool = main_pool()
    s = new_site(key=False)
    m = add_member(s, "member", token=False)
    v = add_member(s, "viewer", token=viewer_token)
    t = scoped(s)
    both(pool, s, t, [row(s.owner, "owner"), row(m, "member"), row(v, "viewer")], "before")
    return pool, s, m, v, t


def test_remove_member_seen_by_every_worker():
    """Remove (DELETE /team): the member is gone from the Team API list and from /cma/users at every worker,
    and the removed member's own token, warmed while a member, is 403 at every worker."""
    pool, s, m, v, t = three_warm(viewer_token=True)
    reads(pool, team_read(s, v.token), status_is(200), "the viewer reads before removal")
    ok(http("DELETE", s.team, body={"userId": v.id}, token=s.owner.token), "remove")
    both(pool, s, t, [row(s.owner, "owner"), row(m, "member")], "after the removal")
    reads(pool, team_read(s, v.token), status_is(403), "the removed viewer reads")


def test_remove_through_cma_seen_by_team_api():
    """Remove through /cma (DELETE /cma/users/{id}): gone from the Team API list at every worker."""
    pool, s, m, v, t = three_warm()
    cma_ok(http("DELETE", CMA + "/users/" + m.id, token=t), what="DELETE /cma/users")
    both(pool, s, t, [row(s.owner, "owner"), row(v, "viewer")], "after the /cma removal")


def test_role_change_seen_by_every_worker():
    """Role change (PATCH /team/{userId}): the new role in both lists at every worker, and back again."""
    pool, s, m, v, t = three_warm()
    ok(http("PATCH", s.team + "/" + m.id, body={"role": "viewer"}, token=s.owner.token), "member -> viewer")
    both(pool, s, t, [row(s.owner, "owner"), row(m, "viewer"), row(v, "viewer")], "after member -> viewer")
    ok(http("PATCH", s.team + "/" + m.id, body={"role": "member"}, token=s.owner.token), "viewer -> member")
    both(pool, s, t, [row(s.owner, "owner"), row(m, "member"), row(v, "viewer")], "after viewer -> member")


def test_accept_by_new_user_seen_by_every_worker():
    """Accept (POST /api/v1/invitations/accept) by a new user with a name: the new member, with that name,
    in both lists at every worker."""
    pool = main_pool()
    s = new_site(key=False)
    m = add_member(s, "viewer", token=False)
    t = scoped(s)
    email = new_email("cacc")
    d, tok, _ = invite_link(s, email, "member")
    before = [row(s.owner, "owner"), row(m, "viewer")]
    both(pool, s, t, before, "before the accept")
    a = ok(accept(tok, "Ada Cached"), "accept")[0]
    both(pool, s, t, before + [(a["userId"], "member", "Ada Cached")], "after the accept")


def test_accept_by_existing_user_seen_by_every_worker():
    """A user without a name (added by `roster member add`) who is a member of website A accepts an invitation
    to website B on the join page giving a name: B's lists, warmed before, show the new member at every worker;
    the name names no account that exists (issue "Hardening", item 1), so both websites' lists keep it null."""
    pool = main_pool()
    a, b = new_site(key=False), new_site(key=False)
    email = new_email("cnull")
    cli("member", "add", "--website", a.id, "--email", email, "--role", "viewer")
    uid = [x["userId"] for x in H.team(a) if x["email"] == email][0]
    ta, tb = scoped(a), scoped(b)
    # /cma's full_name falls back to the email while the name is NULL.
    both(pool, a, ta, [row(a.owner, "owner"), (uid, "viewer", None)], "A before",
         cma_rows=[(uid, "viewer", email)])
    both(pool, b, tb, [row(b.owner, "owner")], "B before")
    d, tok, _ = invite_link(b, email, "member")
    check_html(join_post(tok, "Grace Named"), 200, "POST /join", h1="You have joined the team")
    both(pool, a, ta, [row(a.owner, "owner"), (uid, "viewer", None)], "A after the accept on B",
         cma_rows=[(uid, "viewer", email)])
    both(pool, b, tb, [row(b.owner, "owner"), (uid, "member", None)], "B after the accept",
         cma_rows=[(uid, "member", email)])


def test_revoked_token_401_at_every_worker():
    """Revoke (DELETE /access-tokens/{id}): a token every worker has resolved is 401 at every worker, on the
    Team API and on /cma; another token of the same user still reads (200)."""
    pool = main_pool()
    s = new_site(key=False)
    add_member(s, "member", token=False)
    t1, id1 = make_token(s.owner.email)
    t2, _ = make_token(s.owner.email)
    c1, cid1 = make_token(s.owner.email, websites=[s.id])
    for tok, what in ((t1, "t1"), (t2, "t2")):
        reads(pool, team_read(s, tok), status_is(200), "warm " + what)
    reads(pool, cma_users_read(c1), lambda r: cma_ok(r), "warm the /cma token")
    ok(http("DELETE", "%s/access-tokens/%s" % (API, id1), token=t2), "revoke t1")
    ok(http("DELETE", "%s/access-tokens/%s" % (API, cid1), token=t2), "revoke the /cma token")
    reads(pool, team_read(s, t1), status_is(401), "revoked t1")
    reads(pool, cma_users_read(c1), cma_401, "the revoked /cma token")
    reads(pool, team_read(s, t2), status_is(200), "t2, not revoked")
    reads(pool, team_read(s, t1), status_is(401), "revoked t1, again after t2's reads")


def test_revoked_key_and_member_token_401_at_every_worker():
    """A revoked df_ key (DELETE /websites/{id}/api-keys/{keyId}) and a member's revoked token, both resolved
    and cached by every worker first, are 401 at every worker (the key on the Team API and on /cma); the
    owner's token still reads.  A revocation bumps the team generation of the websites the credential's
    cached resolutions can name: the key's own, every website of the token's user."""
    pool = main_pool()
    s = new_site(key=True)
    other = new_site(key=False)
    m = add_member(s, "member", token=False)
    add_member(other, "viewer", user=m)
    mt, mid = make_token(m.email)
    mt2, _ = make_token(m.email)
    reads(pool, team_read(s, s.key), status_is(200), "warm the key")
    reads(pool, cma_users_read(s.key), lambda r: cma_ok(r), "warm the key on /cma")
    reads(pool, team_read(s, mt), status_is(200), "warm the member's token")
    reads(pool, team_read(other, mt), status_is(200), "warm the member's token on another website")
    ok(http("DELETE", API + "/websites/%s/api-keys/%s" % (s.id, s.key_id), token=s.owner.token), "revoke the key")
    ok(http("DELETE", "%s/access-tokens/%s" % (API, mid), token=mt2), "revoke the member's token")
    reads(pool, team_read(s, s.key), status_is(401), "revoked key")
    reads(pool, cma_users_read(s.key), cma_401, "revoked key on /cma")
    reads(pool, team_read(s, mt), status_is(401), "revoked member token")
    reads(pool, team_read(other, mt), status_is(401), "revoked member token, other website")
    reads(pool, team_read(s, mt2), status_is(200), "the member's other token")
    reads(pool, team_read(s, s.owner.token), status_is(200), "the owner's token")


def test_pagination_pages_and_old_cursor():
    """Pages (?limit=2, ?cursor=): after removing a member of page 1, page 1 and the page of the cursor taken
    before the removal both answer as the team now is, at every worker; after removing a member of that
    cursor's page, it shows the removal (and no nextCursor once nothing follows)."""
    pool = main_pool()
    s = new_site(key=False)
    for role in ("member", "viewer", "member", "viewer"):
        add_member(s, role, token=False)
    full = [(x["userId"], x["role"], x["name"]) for x in H.team(s)]
    assert len(full) == 5 and full[0][1] == "owner", full
    r = http("GET", s.team + "?limit=2", token=s.owner.token)
    assert [x["userId"] for x in ok(r)] == [x[0] for x in full[:2]], r
    cursor = r.body.get("nextCursor")
    assert isinstance(cursor, str) and cursor, r
    p1 = team_read(s, s.owner.token, "?limit=2")
    p2 = team_read(s, s.owner.token, "?limit=2&cursor=" + quote(cursor, safe=""))
    o, a, b, c, d = full
    reads(pool, p1, team_is([o, a], True), "page 1 before")
    reads(pool, p2, team_is([b, c], True), "the cursor's page before")
    ok(http("DELETE", s.team, body={"userId": a[0]}, token=s.owner.token), "remove a member of page 1")
    reads(pool, p1, team_is([o, b], True), "page 1 after removing its member")
    reads(pool, p2, team_is([b, c], True), "the old cursor's page after removing a member of page 1")
    ok(http("DELETE", s.team, body={"userId": c[0]}, token=s.owner.token), "remove a member of page 2")
    reads(pool, p2, team_is([b, d], False), "the old cursor's page after removing its member")
    reads(pool, p1, team_is([o, b], True), "page 1 after removing a member of page 2")
    r = ok(http("GET", s.team + "?limit=2", token=s.owner.token))
    assert [x["userId"] for x in r] == [o[0], b[0]], r


def test_cli_member_add_seen_by_every_worker():
    """`roster member add` (the admin CLI, its own process): the new member in both lists at every worker."""
    pool = main_pool()
    s = new_site(key=False)
    m = add_member(s, "member", token=False)
    t = scoped(s)
    before = [row(s.owner, "owner"), row(m, "member")]
    both(pool, s, t, before, "before the CLI add")
    u = new_user(token=False)
    cli("member", "add", "--website", s.id, "--email", u.email, "--role", "viewer")
    both(pool, s, t, before + [row(u, "viewer")], "after `roster member add`")


def test_sql_edit_then_team_gen_bump_seen():
    """A hand edit in SQL followed by sql/0004_team_gen.sql's `UPDATE websites SET team_gen = team_gen + 1`
    (the documented procedure) is seen at every worker: a renamed member and a changed role."""
    pool = main_pool()
    s = new_site(key=False)
    m = add_member(s, "member", token=False)
    t = scoped(s)
    both(pool, s, t, [row(s.owner, "owner"), row(m, "member")], "before the SQL edit")
    sql("UPDATE %s.users SET name = 'Hand Edited' WHERE id = '%s'" % (db(), m.id))
    sql("UPDATE %s.members SET role = 'viewer' WHERE website_id = '%s' AND user_id = '%s'" % (db(), s.id, m.id))
    sql("UPDATE %s.websites SET team_gen = team_gen + 1 WHERE id = '%s'" % (db(), s.id))
    both(pool, s, t, [row(s.owner, "owner"), (m.id, "viewer", "Hand Edited")], "after the SQL edit and bump")


# ---------------------------------------------------------------------------
# A second pool on the same database


def test_cache_off_still_correct():
    """cache_entries = 0 (a second pool on the same database): the cache is off (no hit on /metrics) and the
    lists answer as the team is, through removal, role change and accept."""
    with deployment("cache-off") as dep:
        pool = second_pool(dep, cache_entries=0)
        s = new_site(key=False)
        m = add_member(s, "member", token=False)
        v = add_member(s, "viewer", token=False)
        t = scoped(s)
        both(pool, s, t, [row(s.owner, "owner"), row(m, "member"), row(v, "viewer")], "cache off")
        http_ = lambda method, path, body: http(method, path, body=body, token=s.owner.token, port=pool.port)
        ok(http_("DELETE", s.team, {"userId": v.id}), "remove")
        both(pool, s, t, [row(s.owner, "owner"), row(m, "member")], "cache off, after the removal")
        ok(http_("PATCH", s.team + "/" + m.id, {"role": "viewer"}), "role change")
        both(pool, s, t, [row(s.owner, "owner"), row(m, "viewer")], "cache off, after the role change")
        d, tok, _ = invite_link(s, new_email("coff"), "member")
        a = ok(accept(tok, "Off Cache", port=pool.port), "accept")[0]
        both(pool, s, t, [row(s.owner, "owner"), row(m, "viewer"), (a["userId"], "member", "Off Cache")],
             "cache off, after the accept")
        hits = pool.hits()
        assert hits == 0, "cache_entries = 0, yet /metrics counts %d cache hits" % hits


def test_second_host_sees_changes_of_the_first():
    """Two hosts (the main pool and a second pool, each 4 workers, one database): both warmed, a change made
    through one is seen by every read through the other, and the other way round."""
    main = main_pool()
    with deployment("cache-host2") as dep:
        other = second_pool(dep)
        s = new_site(key=False)
        m = add_member(s, "member", token=False)
        v = add_member(s, "viewer")
        t = scoped(s)
        rows = [row(s.owner, "owner"), row(m, "member"), row(v, "viewer")]
        hits = other.hits()
        for pool in (main, other):
            both(pool, s, t, rows, "before")
            reads(pool, team_read(s, v.token), status_is(200), "the viewer before")
        assert other.hits() - hits >= READS, "the second host served no reads from its cache"
        # Through the first host; read through the second.
        ok(http("PATCH", s.team + "/" + m.id, body={"role": "viewer"}, token=s.owner.token), "role via host 1")
        rows = [row(s.owner, "owner"), row(m, "viewer"), row(v, "viewer")]
        both(other, s, t, rows, "host 2 after a role change on host 1")
        ok(http("DELETE", s.team, body={"userId": v.id}, token=s.owner.token), "remove via host 1")
        rows = [row(s.owner, "owner"), row(m, "viewer")]
        both(other, s, t, rows, "host 2 after a removal on host 1")
        reads(other, team_read(s, v.token), status_is(403), "the removed viewer on host 2")
        # Through the second host; read through the first (warmed above, stale since).
        both(main, s, t, rows, "host 1, warm again")
        ok(http("PATCH", s.team + "/" + m.id, body={"role": "member"}, token=s.owner.token, port=other.port),
           "role via host 2")
        both(main, s, t, [row(s.owner, "owner"), row(m, "member")], "host 1 after a role change on host 2")
