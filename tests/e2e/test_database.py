"""The database going away and coming back: "GET /api/v1/health ... answers 200
with the database reachable, 503 otherwise" (shared/API.md, Across both dialects);
roster recovers without a restart.  Runs last: it stops MariaDB."""

import time

import harness as H
from harness import err, http, invite, new_email, new_site, ok, pid_alive, wait_for

LAST = True


def test_database_down_503_then_recovers():
    """Health and Team API: with the database stopped, 503 in the error envelope; after it starts again,
    200 within seconds without restarting roster (master pid unchanged)."""
    s = new_site(key=False)
    ok(http("GET", s.team, token=s.owner.token), "before")
    master = H.STACK.master_pid()
    H.STACK.stack("db-stop", H.STACK.state, timeout=60)
    stopped = True
    try:
        t0 = time.monotonic()
        r = wait_for(lambda: (lambda r: r if r.status == 503 else None)(http("GET", "/api/v1/health")), 10)
        assert r is not None, "health did not turn 503 within 10 s of db-stop"
        assert r.headers.get("x-request-id"), r
        for i in range(4):  # reach several workers
            r = http("GET", s.team, token=s.owner.token)
            err(r, 503, "team list with the database down (%d)" % i)
            r = http("POST", s.team, body={"email": new_email()}, token=s.owner.token)
            err(r, 503, "invite with the database down (%d)" % i)
            r = http("GET", "/api/v1/health")
            assert r.status == 503, "health with the database down: %r" % r
        assert time.monotonic() - t0 < 60, "answers with the database down are too slow"
        assert H.STACK.master_pid() == master and pid_alive(master), "the master died with the database down"
        H.STACK.stack("db-start", H.STACK.state, timeout=120)
        stopped = False
        r = wait_for(lambda: (lambda r: r if r.status == 200 else None)(
            http("GET", s.team, token=s.owner.token)), 15)
        assert r is not None, "team list not 200 within 15 s of db-start"
        for i in range(10):
            ok(http("GET", s.team, token=s.owner.token), "team list after db-start (%d)" % i)
            assert http("GET", "/api/v1/health").status == 200, "health after db-start"
        ok(invite(s, new_email()), "a write after db-start")
        assert H.STACK.master_pid() == master and pid_alive(master), "roster was restarted"
    finally:
        if stopped:
            H.STACK.stack("db-start", H.STACK.state, timeout=120, check=False)
