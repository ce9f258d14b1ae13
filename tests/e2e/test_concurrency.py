"""Concurrency: "Under any concurrency, two invitations for one email never both
succeed, and a website never exceeds its seat limit." (shared/API.md, Invite)."""

import threading
import json
import http.client as httplib

import harness as H
from harness import db, err, invitations, new_email, new_site, ok, sql_value, Resp


def fire(requests):
    """Send every (method, path, body, token) at once from its own thread, on
    connections opened beforehand, released together by a barrier."""
    n = len(requests)
    barrier = threading.Barrier(n)
    results = [None] * n

    def one(i, method, path, body, token):
        data = json.dumps(body).encode()
        conn = httplib.HTTPConnection("127.0.0.1", H.STACK.port, timeout=H.HTTP_TIMEOUT)
        try:
            conn.connect()
            barrier.wait(timeout=30)
            conn.request(method, path, body=data, headers={
                "Content-Type": "application/json", "Authorization": "Bearer " + token})
            r = conn.getresponse()
            raw = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            results[i] = Resp(method, path, data.decode(), r.status, hdrs, parsed, raw)
        except Exception as e:  # reported below
            results[i] = e
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,) + tuple(req)) for i, req in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    alive = [t for t in threads if t.is_alive()]
    assert not alive, "%d request threads still running" % len(alive)
    bad = [r for r in results if not isinstance(r, Resp)]
    assert not bad, "requests failed: %r" % bad[:3]
    return results


def tally(results):
    out = {}
    for r in results:
        out[r.status] = out.get(r.status, 0) + 1
    return out


def test_32_simultaneous_invitations_one_email():
    """Invite: under any concurrency, two invitations for one email never both succeed (1x 200, 31x 409)."""
    s = new_site(key=False)
    e = new_email("race")
    results = fire([("POST", s.team, {"email": e}, s.owner.token)] * 32)
    t = tally(results)
    assert t == {200: 1, 409: 31}, "statuses %r; first unexpected: %r" % (
        t, next((r for r in results if r.status not in (200, 409)), None))
    for r in results:
        if r.status == 200:
            assert ok(r)[0]["email"] == e
        else:
            err(r, 409)
    n = sql_value("SELECT COUNT(*) FROM %s.invitations WHERE website_id='%s'" % (db(), s.id))
    assert n == "1", "invitation rows %r" % n
    assert len(invitations(s)) == 1


def test_32_simultaneous_invitations_email_variants():
    """Invite: the email is trimmed and lowercased before comparison, also under concurrency: 32 spellings of
    one address, exactly one succeeds."""
    s = new_site(key=False)
    e = new_email("variant")
    spellings = [e, e.upper(), " " + e, e + " ", e.capitalize(), " " + e.upper() + " ", e.title(), e.swapcase()]
    results = fire([("POST", s.team, {"email": spellings[i % len(spellings)],
                                      "role": "member" if i % 2 else "viewer"}, s.owner.token)
                    for i in range(32)])
    t = tally(results)
    assert t == {200: 1, 409: 31}, "statuses %r; first unexpected: %r" % (
        t, next((r for r in results if r.status not in (200, 409)), None))
    n = sql_value("SELECT COUNT(*) FROM %s.invitations WHERE website_id='%s'" % (db(), s.id))
    assert n == "1", "invitation rows %r" % n


def test_seat_limit_under_concurrency():
    """Invite: a website never exceeds its seat limit under concurrency (--seats 5, owner + 4 invitations;
    20 simultaneous invitations -> 4x 200, 16x 403)."""
    s = new_site(seats=5, key=False)
    results = fire([("POST", s.team, {"email": new_email("seat")}, s.owner.token) for _ in range(20)])
    t = tally(results)
    assert t == {200: 4, 403: 16}, "statuses %r; first unexpected: %r" % (
        t, next((r for r in results if r.status not in (200, 403)), None))
    for r in results:
        if r.status == 403:
            err(r, 403)
    n = sql_value("SELECT COUNT(*) FROM %s.invitations WHERE website_id='%s' AND status='pending'" % (db(), s.id))
    assert n == "4", "pending invitations %r" % n
    err(H.invite(s, new_email()), 403, "the website is full")


def test_seat_limit_concurrency_across_websites_and_emails():
    """Invite: seat limits of two websites hold together under concurrency (each --seats 3: 2 invitations
    each), while another website with no limit takes every invitation."""
    a = new_site(seats=3, key=False)
    b = new_site(seats=3, key=False)
    c = new_site(key=False)
    reqs = []
    for i in range(10):
        reqs.append(("POST", a.team, {"email": new_email("sa")}, a.owner.token))
        reqs.append(("POST", b.team, {"email": new_email("sb")}, b.owner.token))
        reqs.append(("POST", c.team, {"email": new_email("sc")}, c.owner.token))
    results = fire(reqs)
    by = {a.team: {}, b.team: {}, c.team: {}}
    for r in results:
        by[r.path][r.status] = by[r.path].get(r.status, 0) + 1
    assert by[a.team] == {200: 2, 403: 8}, "website a: %r" % by[a.team]
    assert by[b.team] == {200: 2, 403: 8}, "website b: %r" % by[b.team]
    assert by[c.team] == {200: 10}, "website c (no limit): %r" % by[c.team]
