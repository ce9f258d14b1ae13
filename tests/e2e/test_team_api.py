"""The Team API (DataFast dialect) end to end: envelopes, bad input, invite,
invitations, resend/revoke, team list and paging, remove, role change, websites.
Each test's docstring names the rule of shared/API.md it checks."""

import base64
import json
import random
import threading
from datetime import timedelta
from urllib.parse import urlparse, parse_qs, quote

import harness as H
from harness import (API, HEX24, Soft, add_member, err, http, invitations, inv_id, invite,
                     new_email, new_site, new_user, now_utc, ok, parse_iso, random_id,
                     sql, sql_value, team, db)

INVITE_MSG = "Invitation created. Send the invite link to the user."


def check_invite_data(data, email, role, what="invite"):
    assert len(data) == 1, "%s: data should hold one object: %r" % (what, data)
    d = data[0]
    assert HEX24.match(str(d.get("invitationId"))), "%s: invitationId %r" % (what, d.get("invitationId"))
    assert d.get("email") == email, "%s: email %r, expected %r" % (what, d.get("email"), email)
    assert d.get("role") == role, "%s: role %r, expected %r" % (what, d.get("role"), role)
    prefix = "http://127.0.0.1:%d/join?token=" % H.STACK.port
    url = d.get("inviteUrl")
    assert isinstance(url, str) and url.startswith(prefix), "%s: inviteUrl %r does not start with %r" % (
        what, url, prefix)
    tok = parse_qs(urlparse(url).query).get("token", [""])[0]
    assert len(tok) >= 22, "%s: invite token %r too short for 128 random bits" % (what, tok)
    exp = parse_iso(d.get("expiresAt"))
    delta = exp - (now_utc() + timedelta(days=7))
    assert abs(delta.total_seconds()) < 600, "%s: expiresAt %s is not about 7 days ahead" % (
        what, d.get("expiresAt"))
    return d, tok


# ---------------------------------------------------------------------------
# Envelope, request id, routing


def test_health_ok():
    """Health: GET /api/v1/health without a credential answers 200 with the database up."""
    r = http("GET", "/api/v1/health")
    assert r.status == 200, r
    assert r.headers.get("x-request-id"), "no X-Request-Id: %r" % r


def test_request_id_echoed_and_generated():
    """A request id (X-Request-Id, taken from the request or generated) is echoed on every response."""
    s = new_site(key=False)
    rid = "e2e-req-" + H.uniq("r")
    r = http("GET", s.team, token=s.owner.token, headers={"X-Request-Id": rid})
    ok(r)
    assert r.headers.get("x-request-id") == rid, "X-Request-Id not echoed: %r" % r.headers
    r = http("GET", s.team, token="dft_nope", headers={"X-Request-Id": rid + "b"})
    err(r, 401)
    assert r.headers.get("x-request-id") == rid + "b", "X-Request-Id not echoed on an error: %r" % r.headers
    a = http("GET", s.team, token=s.owner.token).headers.get("x-request-id")
    b = http("GET", s.team, token=s.owner.token).headers.get("x-request-id")
    assert a and b and a != b, "generated request ids should differ: %r %r" % (a, b)


def test_unknown_path_404():
    """Bad input: an unknown path is 404, in the envelope."""
    s = new_site(key=False)
    soft = Soft()
    for p in (API + "/nope", API + "/websites/%s/nope" % s.id, "/api/v1/nope",
              API + "/websites/%s/team/invitations/%s/nope" % (s.id, random_id())):
        soft.err(http("GET", p, token=s.owner.token), 404, p)
    r = http("GET", "/definitely-not-a-roster-path", token=s.owner.token)
    soft.true(r.status == 404, "GET /definitely-not-a-roster-path: expected 404, got %r" % r)
    soft.done()


def test_wrong_method_405_with_allow():
    """Bad input: a known path with the wrong method is 405 with an Allow header."""
    s = new_site(key=False)
    soft = Soft()
    cases = [
        ("PUT", s.team, {"GET", "POST", "DELETE"}),
        ("PUT", API + "/websites", {"GET"}),
        ("DELETE", API + "/access-tokens", {"GET", "POST"}),
        ("GET", API + "/access-tokens/" + s.owner.token_id, {"DELETE"}),
        ("PUT", s.team + "/invitations", {"GET"}),
        ("GET", s.team + "/invitations/%s/resend" % random_id(), {"POST"}),
    ]
    for method, path, allow in cases:
        r = http(method, path, token=s.owner.token, body={} if method in ("PUT",) else None)
        what = "%s %s" % (method, path)
        soft.err(r, 405, what)
        got = {m.strip().upper() for m in r.headers.get("allow", "").split(",") if m.strip()}
        soft.true(allow <= got, "%s: Allow %r should contain %s" % (what, r.headers.get("allow"), sorted(allow)))
    soft.done()


# ---------------------------------------------------------------------------
# Bodies: 400 / 413 / 415


def test_415_body_not_json_content_type():
    """Bad input: a write that needs fields with a non-JSON body (Content-Type text/plain) is 415."""
    s = new_site(key=False)
    m = add_member(s, "viewer", permissions="team:read")
    soft = Soft()
    soft.err(http("POST", s.team, token=s.owner.token, headers={"Content-Type": "text/plain"},
                  raw_body=json.dumps({"email": new_email()})), 415, "POST invite text/plain")
    soft.err(http("POST", s.team, token=s.owner.token, headers={"Content-Type": "application/x-www-form-urlencoded"},
                  raw_body="email=a%40b.example.com"), 415, "POST invite form-urlencoded")
    for ct in ("application/jsonx", "application/json-patch+json", "text/json", "application/xml"):
        soft.err(http("POST", s.team, token=s.owner.token, headers={"Content-Type": ct},
                      raw_body=json.dumps({"email": new_email()})), 415, "POST invite Content-Type %s" % ct)
    soft.err(http("DELETE", s.team, token=s.owner.token, headers={"Content-Type": "text/plain"},
                  raw_body=json.dumps({"userId": m.id})), 415, "DELETE team text/plain")
    soft.err(http("PATCH", s.team + "/" + m.id, token=s.owner.token, headers={"Content-Type": "text/plain"},
                  raw_body=json.dumps({"role": "member"})), 415, "PATCH role text/plain")
    soft.done()
    assert m.id in [e["userId"] for e in team(s)], "the text/plain DELETE must not have removed the member"


def test_json_content_type_with_charset_accepted():
    """Request bodies are JSON: `application/json; charset=utf-8` is JSON too."""
    s = new_site(key=False)
    e = new_email()
    r = http("POST", s.team, token=s.owner.token, headers={"Content-Type": "application/json; charset=utf-8"},
             raw_body=json.dumps({"email": e}))
    check_invite_data(ok(r), e, "viewer")


def test_400_empty_malformed_not_object():
    """Bad input: empty body, malformed JSON, and JSON that is not an object are 400 on invite."""
    s = new_site(key=False)
    soft = Soft()
    ct = {"Content-Type": "application/json"}
    for raw in ("", "{", '{"email": }', "{'email': 'a@b.c'}", "nul", "[]", '["a@b.example.com"]',
                '"a@b.example.com"', "42", "null", "true", '{"email":"a@b.example.com"} trailing'):
        soft.err(http("POST", s.team, token=s.owner.token, headers=ct, raw_body=raw), 400,
                 "POST invite body %r" % raw)
    soft.err(http("DELETE", s.team, token=s.owner.token, headers=ct, raw_body=""), 400, "DELETE team empty body")
    soft.err(http("DELETE", s.team, token=s.owner.token, headers=ct, raw_body="{"), 400, "DELETE team bad JSON")
    soft.done()
    assert invitations(s) == [], "no invitation should have been created"


def test_413_body_too_large():
    """Bad input: a body over the limit (64 KiB) is 413, in the envelope (not an nginx page)."""
    s = new_site(key=False)
    big = json.dumps({"email": new_email(), "role": "viewer", "pad": "x" * (70 * 1024)})
    r = http("POST", s.team, token=s.owner.token, headers={"Content-Type": "application/json"}, raw_body=big)
    err(r, 413)
    assert invitations(s) == [], "the oversized invite must not have been stored"


# ---------------------------------------------------------------------------
# Order of checks, ids


def test_401_before_everything():
    """Credentials: a missing credential is 401, checked before the path id, the website and the body."""
    s = new_site(key=False)
    soft = Soft()
    soft.err(http("GET", API + "/websites/nothex/team"), 401, "malformed id, no credential")
    soft.err(http("GET", API + "/websites/%s/team" % random_id()), 401, "unknown website, no credential")
    soft.err(http("POST", s.team, headers={"Content-Type": "text/plain"}, raw_body="x"), 401,
             "text/plain body, no credential")
    soft.err(http("POST", s.team, headers={"Content-Type": "application/json"}, raw_body="{"), 401,
             "bad JSON, no credential")
    soft.err(http("POST", s.team, body={"email": "nope"}, token="dft_" + "0" * 40), 401,
             "invalid email, unknown token")
    soft.done()


def test_404_malformed_website_id():
    """Identifiers: a path id that is not 24 hex characters is 404 (never 500, never a database error)."""
    s = new_site(key=False)
    soft = Soft()
    for bad in ("abc", "665f0b3c4d2e1a001234567", "665f0b3c4d2e1a00123456789", "665f0b3c4d2e1a001234567g",
                "665f0b3c4d2e1a00123456'x", "%27%20OR%201%3D1%20--%20xxxxxxxxx", "665F0B3C4D2E1A0012345678",
                s.id + "0"):
        soft.err(http("GET", API + "/websites/%s/team" % bad, token=s.owner.token), 404, "GET team id %r" % bad)
        soft.err(http("POST", API + "/websites/%s/team" % bad, body={"email": new_email()}, token=s.owner.token),
                 404, "POST team id %r" % bad)
    soft.err(http("DELETE", s.team + "/invitations/xyz", token=s.owner.token), 404, "malformed invitation id")
    soft.err(http("POST", s.team + "/invitations/xyz/resend", token=s.owner.token), 404,
             "malformed invitation id on resend")
    soft.err(http("PATCH", s.team + "/xyz", body={"role": "viewer"}, token=s.owner.token), 404,
             "malformed user id on role change")
    soft.done()


def test_404_unknown_website():
    """Credentials: a website that does not exist is 404 (after the credential check)."""
    s = new_site(key=False)
    unknown = random_id()
    soft = Soft()
    soft.err(http("GET", API + "/websites/%s/team" % unknown, token=s.owner.token), 404, "GET team")
    soft.err(http("POST", API + "/websites/%s/team" % unknown, body={"email": new_email()}, token=s.owner.token),
             404, "POST team")
    soft.err(http("GET", API + "/websites/%s/team/invitations" % unknown, token=s.owner.token), 404,
             "GET invitations")
    soft.done()


def test_403_not_a_member_of_existing_website():
    """Credentials: a valid credential without website access is 403 (the website exists)."""
    a = new_site(key=False)
    b = new_site(key=False)
    soft = Soft()
    soft.err(http("GET", b.team, token=a.owner.token), 403, "GET other website's team")
    soft.err(http("POST", b.team, body={"email": new_email()}, token=a.owner.token), 403, "invite on other website")
    soft.err(http("GET", b.team + "/invitations", token=a.owner.token), 403, "GET other website's invitations")
    soft.err(http("DELETE", b.team, body={"userId": b.owner.id}, token=a.owner.token), 403,
             "remove on other website")
    soft.done()


# ---------------------------------------------------------------------------
# Invite


def test_invite_success_shape():
    """Invite: data[0] = message, invitationId, email (trimmed, lowercased), role (default viewer), inviteUrl
    (PUBLIC_URL/join?token=...), expiresAt (ISO-8601 ms Z, 7 days ahead)."""
    s = new_site(key=False)
    e = new_email("Mixed")
    r = invite(s, "  " + e.upper() + " ")
    d, tok = check_invite_data(ok(r), e.lower(), "viewer")
    assert d.get("message") == INVITE_MSG, "message %r" % d.get("message")
    stored = sql("SELECT email, role, status FROM %s.invitations WHERE id='%s'" % (db(), d["invitationId"]))
    assert stored and stored[-1] == [e.lower(), "viewer", "pending"], "stored row %r" % stored
    h = sql_value("SELECT HEX(token_hash) FROM %s.invitations WHERE id='%s'" % (db(), d["invitationId"]))
    assert tok not in h.lower(), "the raw invite token must not be stored"
    e2 = new_email()
    d2, _ = check_invite_data(ok(invite(s, e2, "member")), e2, "member")
    assert d2.get("message") == INVITE_MSG
    e3 = new_email()
    check_invite_data(ok(invite(s, e3, "viewer")), e3, "viewer")


def test_invite_400_causes():
    """Invite 400: email missing, not a string, not a valid address, over 254 characters; role not
    viewer/member (owner included); the caller's own email; body not a JSON object."""
    s = new_site(key=False)
    too_long = "a" * 64 + "@" + ("d" * 63 + ".") * 2 + "e" * 58 + ".com"
    assert len(too_long) == 255, len(too_long)
    cases = [
        ("missing email", {}),
        ("missing email with role", {"role": "viewer"}),
        ("email null", {"email": None}),
        ("email number", {"email": 123}),
        ("email array", {"email": [new_email()]}),
        ("email object", {"email": {"a": "b"}}),
        ("email empty", {"email": ""}),
        ("email blank", {"email": "   "}),
        ("email nope", {"email": "nope"}),
        ("email a@", {"email": "a@"}),
        ("email @b.c", {"email": "@b.c"}),
        ("email a b@c.d", {"email": "a b@c.d"}),
        ("email two @", {"email": "a@b@c.example.com"}),
        ("email over 254", {"email": too_long}),
        ("role owner", {"email": new_email(), "role": "owner"}),
        ("role admin", {"email": new_email(), "role": "admin"}),
        ("role number", {"email": new_email(), "role": 1}),
        ("role Viewer", {"email": new_email(), "role": "Viewer "}),
        ("own email", {"email": s.owner.email}),
        ("own email, other case and spaces", {"email": " " + s.owner.email.upper() + "  "}),
        ("body array", [{"email": new_email()}]),
        ("body string", "x@y.example.com"),
    ]
    soft = Soft()
    for what, body in cases:
        soft.err(http("POST", s.team, body=body, token=s.owner.token), 400, what)
    soft.done()
    assert invitations(s) == [], "no invitation should have been created: %r" % invitations(s)


def test_invite_254_chars_is_valid():
    """Invite: an address of exactly 254 characters is not over the limit (only over 254 is 400)."""
    s = new_site(key=False)
    tag = H.uniq("l").replace("-", "")[:20]
    local = (tag + "a" * 64)[:64]
    domain = ("d" * 63 + ".") * 2 + "e" * (254 - 65 - 128 - 4) + ".com"
    e = local + "@" + domain
    assert len(e) == 254, len(e)
    check_invite_data(ok(invite(s, e)), e, "viewer")


def test_invite_403_not_owner():
    """Invite 403: the caller is not the website owner (member or viewer with a `*` token)."""
    s = new_site(key=False)
    m = add_member(s, "member")
    v = add_member(s, "viewer")
    err(invite(s, new_email(), token=m.token), 403, "member invites")
    err(invite(s, new_email(), token=v.token), 403, "viewer invites")
    assert invitations(s) == []


def test_invite_403_df_key():
    """Invite 403: the caller is a df_ key ("Website API keys cannot invite team members")."""
    s = new_site()
    err(invite(s, new_email(), token=s.key), 403, "df_ key invites", contains="API keys")
    assert invitations(s) == []


def test_invite_403_seat_limit():
    """Invite 403: billing seat limit reached (members + pending invitations >= seat limit; the owner
    is a member)."""
    s = new_site(seats=2, key=False)
    first = ok(invite(s, new_email()))[0]
    err(invite(s, new_email()), 403, "third seat with --seats 2")
    err(invite(s, new_email(), "member"), 403, "third seat with --seats 2 (member)")
    # a revoked invitation frees its seat
    ok(http("DELETE", s.team + "/invitations/" + first["invitationId"], token=s.owner.token), "revoke")
    ok(invite(s, new_email()), "invite after the seat was freed")
    err(invite(s, new_email()), 403, "full again")

    t = new_site(seats=3, key=False)
    add_member(t, "viewer", permissions="team:read")
    ok(invite(t, new_email()), "owner + member + 1 invitation = 3 seats")
    err(invite(t, new_email()), 403, "a fourth seat with --seats 3")
    n = sql_value("SELECT COUNT(*) FROM %s.invitations WHERE website_id='%s' AND status='pending'" % (db(), t.id))
    assert n == "1", "pending invitations %r" % n


def test_invite_409_existing_member():
    """Invite 409: the email already belongs to a member (trimmed and lowercased before comparison)."""
    s = new_site(key=False)
    m = add_member(s, "viewer", permissions="team:read")
    err(invite(s, m.email), 409, "invite a member")
    err(invite(s, " " + m.email.upper() + " "), 409, "invite a member, other case")
    err(invite(s, m.email, "member"), 409, "invite a member with another role")


def test_invite_409_pending_invitation():
    """Invite 409: the email has a pending, unexpired invitation."""
    s = new_site(key=False)
    e = new_email()
    ok(invite(s, e))
    err(invite(s, e), 409, "second invite")
    err(invite(s, e, "member"), 409, "second invite with another role")
    # the same email on another website is independent
    t = new_site(key=False, owner=s.owner)
    ok(invite(t, e), "same email, another website")


def test_invite_email_case_and_spaces_are_one_person():
    """Invite: the email is trimmed and lowercased before storage and comparison:
    `Bob@Example.COM ` and `bob@example.com` are the same person."""
    s = new_site(key=False)
    tag = H.uniq("bob").replace("-", "")
    lower = "bob%s@example.com" % tag
    mixed = "Bob%s@Example.COM " % tag.upper()
    d = ok(invite(s, lower))[0]
    assert d["email"] == lower
    err(invite(s, mixed), 409, "Bob@Example.COM after bob@example.com")
    t = new_site(key=False)
    d = ok(invite(t, mixed))[0]
    assert d["email"] == lower, "stored email %r should be trimmed and lowercased" % d["email"]
    err(invite(t, lower), 409, "bob@example.com after Bob@Example.COM")
    lst = [x for x in invitations(t) if x.get("email", "").lower() == lower]
    assert len(lst) == 1, "one invitation expected: %r" % invitations(t)


def test_expired_invitation_does_not_block():
    """Invitations expire; an expired invitation does not block a new one, and the list shows pending and
    expired invitations."""
    s = new_site(key=False)
    e = new_email()
    old = ok(invite(s, e))[0]["invitationId"]
    sql("UPDATE %s.invitations SET expires_at=1 WHERE id='%s'" % (db(), old))
    new = ok(invite(s, e), "invite after expiry")[0]["invitationId"]
    assert new != old
    ids = [inv_id(x) for x in invitations(s)]
    assert old in ids and new in ids, "list should show the expired %s and the pending %s: %r" % (old, new, ids)
    err(invite(s, e), 409, "the new invitation is pending")


def test_expired_invitation_frees_no_seat_block():
    """Seat limit counts pending invitations: after one expires a new invitation fits."""
    s = new_site(seats=2, key=False)
    first = ok(invite(s, new_email()))[0]["invitationId"]
    err(invite(s, new_email()), 403, "full")
    sql("UPDATE %s.invitations SET expires_at=1 WHERE id='%s'" % (db(), first))
    ok(invite(s, new_email()), "an expired invitation holds no seat")


# ---------------------------------------------------------------------------
# Invitations list, resend, revoke


def test_invitations_list_pending_and_expired_not_revoked():
    """GET /team/invitations: pending and expired invitations, not revoked ones."""
    s = new_site(key=False)
    a, b, c = new_email(), new_email(), new_email()
    ia = ok(invite(s, a))[0]["invitationId"]
    ib = ok(invite(s, b, "member"))[0]["invitationId"]
    ic = ok(invite(s, c))[0]["invitationId"]
    sql("UPDATE %s.invitations SET expires_at=1 WHERE id='%s'" % (db(), ic))
    ok(http("DELETE", s.team + "/invitations/" + ia, token=s.owner.token), "revoke")
    lst = invitations(s)
    ids = [inv_id(x) for x in lst]
    assert ia not in ids, "revoked invitation still listed: %r" % lst
    assert ib in ids and ic in ids, "pending and expired invitations should be listed: %r" % lst
    assert len(ids) == 2, lst
    byid = {inv_id(x): x for x in lst}
    assert byid[ib].get("email") == b and byid[ib].get("role") == "member", byid[ib]
    # another website's invitations do not show
    t = new_site(key=False, owner=s.owner)
    ok(invite(t, new_email()))
    assert sorted(inv_id(x) for x in invitations(s)) == sorted(ids)


def test_resend_replaces_token_and_expiry():
    """Resend: a new link and a new expiry; the old link stops working (token hash replaced)."""
    s = new_site(key=False)
    e = new_email()
    d1, tok1 = check_invite_data(ok(invite(s, e, "member")), e, "member")
    iid = d1["invitationId"]
    h1 = sql_value("SELECT HEX(token_hash) FROM %s.invitations WHERE id='%s'" % (db(), iid))
    sql("UPDATE %s.invitations SET expires_at=expires_at-86400000 WHERE id='%s'" % (db(), iid))
    old_exp = parse_iso(d1["expiresAt"]) - timedelta(days=1)
    # a route that needs no body accepts an empty one whatever its Content-Type
    r = http("POST", s.team + "/invitations/%s/resend" % iid, token=s.owner.token,
             headers={"Content-Type": "application/json"}, raw_body="")
    d2, tok2 = check_invite_data(ok(r, "resend"), e, "member", "resend")
    assert tok2 != tok1, "resend must issue a new token"
    assert d2["inviteUrl"] != d1["inviteUrl"]
    assert parse_iso(d2["expiresAt"]) >= old_exp, "new expiry %s < old %s" % (d2["expiresAt"], old_exp)
    rows = sql("SELECT id, HEX(token_hash) FROM %s.invitations WHERE website_id='%s' AND status='pending'"
               % (db(), s.id))
    rows = [x for x in rows if HEX24.match(x[0])]
    assert len(rows) == 1, "exactly one pending invitation after resend: %r" % rows
    assert rows[0][1].lower() != h1.lower(), "the stored token hash must change"
    assert d2["invitationId"] in (iid, rows[0][0])
    lst = invitations(s)
    assert len(lst) == 1, "one invitation listed after resend: %r" % lst
    # resend without any body or Content-Type
    r = http("POST", s.team + "/invitations/%s/resend" % d2["invitationId"], token=s.owner.token)
    d3, tok3 = check_invite_data(ok(r, "second resend"), e, "member", "resend")
    assert tok3 not in (tok1, tok2)


def test_resend_expired_invitation():
    """Resend: new link, new expiry -- also for an expired invitation, which becomes valid again."""
    s = new_site(key=False)
    e = new_email()
    iid = ok(invite(s, e))[0]["invitationId"]
    sql("UPDATE %s.invitations SET expires_at=1 WHERE id='%s'" % (db(), iid))
    d, _ = check_invite_data(ok(http("POST", s.team + "/invitations/%s/resend" % iid, token=s.owner.token),
                                "resend expired"), e, "viewer", "resend")
    err(invite(s, e), 409, "the resent invitation is pending again")


def test_resend_for_email_that_became_a_member_409():
    """Resend (issue "Hardening", item 6): an expired invitation whose email has since become a member (through a
    newer invitation) answers 409 like an invite of a member, takes no seat (a website of 3 seats still takes a new
    invitation) and stays expired.  So does resending a pending one whose email became a member meanwhile."""
    s = new_site(seats=3, key=False)
    e = new_email("rejoined")
    old = ok(invite(s, e))[0]["invitationId"]
    sql("UPDATE %s.invitations SET expires_at=1 WHERE id='%s'" % (db(), old))
    url = ok(invite(s, e, "member"), "invite after expiry")[0]["inviteUrl"]
    tok = parse_qs(urlparse(url).query)["token"][0]
    ok(http("POST", "/api/v1/invitations/accept", {"token": tok}), "accept the newer invitation")
    err(http("POST", s.team + "/invitations/%s/resend" % old, token=s.owner.token), 409,
        "resend the expired invitation of a member", contains="member")
    st = sql_value("SELECT status FROM %s.invitations WHERE id='%s'" % (db(), old))
    assert st in ("expired", "pending") and sql_value(
        "SELECT expires_at FROM %s.invitations WHERE id='%s'" % (db(), old)) == "1", \
        "the refused resend changed the invitation: status %s" % st
    # owner + the new member = 2 of 3 seats: one invitation still fits, a second does not.
    ok(invite(s, new_email()), "the third seat is free")
    err(invite(s, new_email()), 403, "a fourth seat")
    # A pending invitation whose email joined another way (`roster member add`).
    t = new_site(key=False)
    f = new_email("added")
    pend = ok(invite(t, f))[0]["invitationId"]
    H.cli("member", "add", "--website", t.id, "--email", f, "--role", "viewer")
    err(http("POST", t.team + "/invitations/%s/resend" % pend, token=t.owner.token), 409,
        "resend the pending invitation of a member")


def test_revoke_invitation():
    """Revoke: DELETE /team/invitations/{id} is 200, the invitation leaves the list, a second revoke is 404."""
    s = new_site(key=False)
    e = new_email()
    iid = ok(invite(s, e))[0]["invitationId"]
    path = s.team + "/invitations/" + iid
    ok(http("DELETE", path, token=s.owner.token), "revoke")
    assert iid not in [inv_id(x) for x in invitations(s)]
    err(http("DELETE", path, token=s.owner.token), 404, "revoke again")
    err(http("POST", path + "/resend", token=s.owner.token), 404, "resend a revoked invitation")
    ok(invite(s, e), "a revoked invitation does not block a new one")
    st = sql_value("SELECT status FROM %s.invitations WHERE id='%s'" % (db(), iid))
    assert st == "revoked", st


def test_unknown_invitation_404():
    """Revoke/resend an unknown invitation id (or another website's invitation) is 404."""
    s = new_site(key=False)
    t = new_site(key=False, owner=s.owner)
    other = ok(invite(t, new_email()))[0]["invitationId"]
    soft = Soft()
    for iid, what in ((random_id(), "unknown id"), (other, "another website's invitation")):
        soft.err(http("DELETE", s.team + "/invitations/" + iid, token=s.owner.token), 404, "revoke " + what)
        soft.err(http("POST", s.team + "/invitations/%s/resend" % iid, token=s.owner.token), 404, "resend " + what)
    soft.done()
    assert other in [inv_id(x) for x in invitations(t)], "the other website's invitation must survive"


def test_revoke_resend_403_for_non_owner():
    """Revoke and resend need team:write + owner: a member, a viewer and a df_ key get 403."""
    s = new_site()
    m = add_member(s, "member")
    v = add_member(s, "viewer")
    iid = ok(invite(s, new_email()))[0]["invitationId"]
    soft = Soft()
    for tok, who in ((m.token, "member"), (v.token, "viewer"), (s.key, "df_ key")):
        soft.err(http("DELETE", s.team + "/invitations/" + iid, token=tok), 403, "revoke by " + who)
        soft.err(http("POST", s.team + "/invitations/%s/resend" % iid, token=tok), 403, "resend by " + who)
    soft.done()
    assert iid in [inv_id(x) for x in invitations(s)]


# ---------------------------------------------------------------------------
# Team list and paging


def test_team_list_shape_and_order():
    """List team members: userId, name, email, image, role, joinedAt; owner first, then by joinedAt."""
    s = new_site(key=False)
    m1 = add_member(s, "member")
    m2 = add_member(s, "viewer")
    data = team(s)
    assert [x.get("userId") for x in data] == [s.owner.id, m1.id, m2.id], data
    roles = [x.get("role") for x in data]
    assert roles == ["owner", "member", "viewer"], roles
    for x, u in zip(data, (s.owner, m1, m2)):
        for k in ("userId", "name", "email", "image", "role", "joinedAt"):
            assert k in x, "member entry lacks %s: %r" % (k, x)
        assert x["email"] == u.email, x
        assert x["name"] == u.name, x
        assert x["image"] is None or isinstance(x["image"], str), x
        parse_iso(x["joinedAt"])
    r = http("GET", s.team, token=s.owner.token)
    assert not r.body.get("nextCursor"), "no nextCursor on a small team: %r" % r.body
    # the member and the viewer read the same list
    assert team(s, m1.token) == data
    assert team(s, m2.token) == data


def test_team_list_owner_first_even_if_joined_later():
    """List team members: the owner comes first whatever the joinedAt order."""
    s = new_site(key=False)
    m = add_member(s, "viewer", permissions="team:read")
    # A hand edit bumps the team generation, as sql/0004_team_gen.sql says.
    sql("UPDATE %s.members SET joined_at = joined_at + 100000 WHERE website_id='%s' AND role='owner'; "
        "UPDATE %s.websites SET team_gen = team_gen + 1 WHERE id='%s'" % (db(), s.id, db(), s.id))
    data = team(s)
    assert [x["userId"] for x in data] == [s.owner.id, m.id], data


def test_team_list_pagination():
    """Large teams page with ?limit= and ?cursor= (opaque); the response carries nextCursor beside data."""
    s = new_site(key=False)
    members = [add_member(s, "viewer" if i % 2 else "member", token=False) for i in range(7)]
    full = team(s)
    assert len(full) == 8, "owner + 7 members: %r" % full
    assert full[0]["userId"] == s.owner.id
    assert {x["userId"] for x in full} == {s.owner.id} | {m.id for m in members}
    joined = [parse_iso(x["joinedAt"]) for x in full[1:]]
    assert joined == sorted(joined), "members must be ordered by joinedAt: %r" % full
    got, sizes, cursor = [], [], None
    for _ in range(10):
        q = "?limit=3" + ("&cursor=" + quote(cursor, safe="") if cursor else "")
        r = http("GET", s.team + q, token=s.owner.token)
        page = ok(r, "page " + q)
        got += page
        sizes.append(len(page))
        cursor = r.body.get("nextCursor")
        if not cursor:
            break
        assert isinstance(cursor, str), "nextCursor should be an opaque string: %r" % r.body
    assert sizes == [3, 3, 2], "page sizes %r (the last page must carry no nextCursor)" % sizes
    ids = [x["userId"] for x in got]
    assert len(ids) == len(set(ids)), "duplicates across pages: %r" % ids
    assert got == full, "paged entries differ from the full list:\n%r\n%r" % (got, full)
    r = http("GET", s.team + "?limit=1000", token=s.owner.token)
    assert ok(r) == full
    assert not r.body.get("nextCursor"), "no nextCursor when everything fits: %r" % r.body
    r = http("GET", s.team + "?limit=8", token=s.owner.token)
    assert ok(r) == full


def test_team_list_bad_paging_400():
    """Team list paging: limit outside 1..1000 or not a number, or a garbage cursor, is 400."""
    s = new_site(key=False)
    soft = Soft()
    for q in ("limit=0", "limit=1001", "limit=abc", "limit=-1", "limit=", "limit=3x", "limit=1.5",
              "limit=99999999999999999999", "cursor=garbage!!", "cursor=%00%01", "cursor=zzzzzzzzzzzz",
              "limit=2&cursor=not-a-cursor"):
        soft.err(http("GET", s.team + "?" + q, token=s.owner.token), 400, "?" + q)
    soft.ok(http("GET", s.team + "?limit=1", token=s.owner.token), "?limit=1")
    soft.ok(http("GET", s.team + "?limit=1000", token=s.owner.token), "?limit=1000")
    soft.done()


def test_team_list_cursor_names_its_website():
    """Team list paging (issue "Hardening", item 10): a cursor names the website it pages.  A cursor of another
    website (of the same owner) is 400 on this one, naming the cursor, instead of a wrong or empty page; a cursor
    of the format before it named its website (a stale one) and a garbled one are 400 too; the cursor still pages
    its own website."""
    a = new_site(key=False)
    b = new_site(key=False, owner=a.owner)
    for s in (a, b):
        for _ in range(3):
            add_member(s, "viewer", token=False)
    r = http("GET", a.team + "?limit=2", token=a.owner.token)
    ok(r, "first page of a")
    cur = r.body.get("nextCursor")
    assert isinstance(cur, str) and cur, r.body
    msg = err(http("GET", b.team + "?limit=2&cursor=" + quote(cur, safe=""), token=a.owner.token), 400,
              "a's cursor on b")
    assert "cursor" in msg, "the message does not name the cursor: %r" % msg
    page = ok(http("GET", a.team + "?limit=2&cursor=" + quote(cur, safe=""), token=a.owner.token), "a's cursor on a")
    assert [m["userId"] for m in page] == [m["userId"] for m in team(a)][2:4], page
    # The format before cursors named their website: rank, joinedAt and user id only.
    last = team(a)[1]
    stale = base64.urlsafe_b64encode(("v1:1:%d:%s" % (int(parse_iso(last["joinedAt"]).timestamp() * 1000),
                                                       last["userId"])).encode()).decode().rstrip("=")
    err(http("GET", a.team + "?limit=2&cursor=" + stale, token=a.owner.token), 400, "a cursor of the old format")
    garbled = cur[:-3] + ("AAA" if cur[-3:] != "AAA" else "BBB")
    err(http("GET", a.team + "?limit=2&cursor=" + quote(garbled, safe=""), token=a.owner.token), 400,
        "a garbled cursor")


# ---------------------------------------------------------------------------
# Remove
# ---------------------------------------------------------------------------
# Remove


def test_remove_member():
    """Remove team member: 400 without userId or for the owner; 404 for a non-member; 200
    "Team member removed."; the removed user loses access at once."""
    s = new_site(key=False)
    m = add_member(s, "member")
    stranger = new_user(token=False)
    soft = Soft()
    soft.err(http("DELETE", s.team, body={}, token=s.owner.token), 400, "no userId")
    soft.err(http("DELETE", s.team, body={"userId": None}, token=s.owner.token), 400, "userId null")
    soft.err(http("DELETE", s.team, body={"userId": 5}, token=s.owner.token), 400, "userId number")
    soft.err(http("DELETE", s.team, body=[m.id], token=s.owner.token), 400, "body array")
    soft.err(http("DELETE", s.team, body={"userId": s.owner.id}, token=s.owner.token), 400, "remove yourself (owner)")
    soft.err(http("DELETE", s.team, body={"userId": stranger.id}, token=s.owner.token), 404, "not a member")
    soft.err(http("DELETE", s.team, body={"userId": random_id()}, token=s.owner.token), 404, "unknown user")
    soft.done()
    ok(http("GET", s.team, token=m.token), "member reads before removal")
    data = ok(http("DELETE", s.team, body={"userId": m.id}, token=s.owner.token), "remove")
    assert data == [{"message": "Team member removed."}], data
    err(http("GET", s.team, token=m.token), 403, "removed member lists the team at once")
    err(http("GET", s.team + "/invitations", token=m.token), 403, "removed member lists invitations")
    assert m.id not in [x["userId"] for x in team(s)]
    err(http("DELETE", s.team, body={"userId": m.id}, token=s.owner.token), 404, "remove again")
    assert [x["userId"] for x in team(s)] == [s.owner.id]


def test_remove_403_for_non_owner():
    """Remove team member: 403 when the caller is not the owner or is a df_ key."""
    s = new_site()
    m = add_member(s, "member")
    v = add_member(s, "viewer")
    soft = Soft()
    soft.err(http("DELETE", s.team, body={"userId": v.id}, token=m.token), 403, "member removes a viewer")
    soft.err(http("DELETE", s.team, body={"userId": m.id}, token=v.token), 403, "viewer removes a member")
    soft.err(http("DELETE", s.team, body={"userId": v.id}, token=s.key), 403, "df_ key removes")
    soft.err(http("DELETE", s.team, body={"userId": s.owner.id}, token=m.token), 403, "member removes the owner")
    soft.done()
    assert len(team(s)) == 3


def test_removed_member_can_be_invited_again():
    """After removal the email no longer belongs to a member, so it can be invited (no 409)."""
    s = new_site(key=False)
    m = add_member(s, "viewer", permissions="team:read")
    ok(http("DELETE", s.team, body={"userId": m.id}, token=s.owner.token))
    ok(invite(s, m.email), "invite a removed member")


# ---------------------------------------------------------------------------
# Role change


def test_change_role():
    """PATCH /team/{userId} changes a member's role between member and viewer; owner role or the owner's
    own userId is 400; a non-member is 404."""
    s = new_site(key=False)
    m = add_member(s, "member")
    stranger = new_user(token=False)
    path = s.team + "/" + m.id
    ok(http("PATCH", path, body={"role": "viewer"}, token=s.owner.token), "member -> viewer")
    assert {x["userId"]: x["role"] for x in team(s)}[m.id] == "viewer"
    ok(http("PATCH", path, body={"role": "member"}, token=s.owner.token), "viewer -> member")
    assert {x["userId"]: x["role"] for x in team(s)}[m.id] == "member"
    ok(http("PATCH", path, body={"role": "member"}, token=s.owner.token), "member -> member (no change)")
    soft = Soft()
    soft.err(http("PATCH", path, body={"role": "owner"}, token=s.owner.token), 400, "role owner")
    soft.err(http("PATCH", path, body={"role": "admin"}, token=s.owner.token), 400, "role admin")
    soft.err(http("PATCH", path, body={}, token=s.owner.token), 400, "no role")
    soft.err(http("PATCH", path, body={"role": 2}, token=s.owner.token), 400, "role number")
    soft.err(http("PATCH", path, body=["viewer"], token=s.owner.token), 400, "body array")
    soft.err(http("PATCH", s.team + "/" + s.owner.id, body={"role": "viewer"}, token=s.owner.token), 400,
             "the owner's own userId")
    soft.err(http("PATCH", s.team + "/" + stranger.id, body={"role": "viewer"}, token=s.owner.token), 404,
             "a non-member")
    soft.err(http("PATCH", s.team + "/" + random_id(), body={"role": "viewer"}, token=s.owner.token), 404,
             "an unknown user")
    soft.done()
    data = team(s)
    assert [(x["userId"], x["role"]) for x in data] == [(s.owner.id, "owner"), (m.id, "member")], data


def test_change_role_403_for_non_owner():
    """Role change needs team:write + owner: member, viewer and df_ key get 403."""
    s = new_site()
    m = add_member(s, "member")
    v = add_member(s, "viewer")
    soft = Soft()
    soft.err(http("PATCH", s.team + "/" + v.id, body={"role": "member"}, token=m.token), 403, "member")
    soft.err(http("PATCH", s.team + "/" + m.id, body={"role": "viewer"}, token=v.token), 403, "viewer")
    soft.err(http("PATCH", s.team + "/" + v.id, body={"role": "member"}, token=s.key), 403, "df_ key")
    soft.done()
    assert {x["userId"]: x["role"] for x in team(s)} == {s.owner.id: "owner", m.id: "member", v.id: "viewer"}


def test_member_with_star_token():
    """Roles: a member reads the team but cannot invite, remove or change roles, even with a `*` token."""
    s = new_site(key=False)
    m = add_member(s, "member", permissions="*")
    v = add_member(s, "viewer")
    soft = Soft()
    soft.ok(http("GET", s.team, token=m.token), "member lists")
    soft.ok(http("GET", s.team + "/invitations", token=m.token), "member lists invitations")
    soft.err(invite(s, new_email(), token=m.token), 403, "member invites")
    soft.err(http("DELETE", s.team, body={"userId": v.id}, token=m.token), 403, "member removes")
    soft.err(http("PATCH", s.team + "/" + v.id, body={"role": "member"}, token=m.token), 403, "member changes role")
    soft.done()


# ---------------------------------------------------------------------------
# Websites


def test_websites_list():
    """GET /websites: the websites the credential can reach, with _id, domain, name, role, seatLimit."""
    a = new_site(key=False)
    b = new_site(seats=7, key=False, owner=a.owner)
    c = new_site(key=False)
    add_member(c, "viewer", user=a.owner)
    other = new_site(key=False)
    data = ok(http("GET", API + "/websites", token=a.owner.token))
    by = {x.get("_id"): x for x in data}
    assert set(by) == {a.id, b.id, c.id}, "websites %r, expected %r" % (sorted(by), sorted([a.id, b.id, c.id]))
    assert other.id not in by
    for x in data:
        for k in ("_id", "domain", "name", "role", "seatLimit"):
            assert k in x, "website entry lacks %s: %r" % (k, x)
    assert by[a.id]["domain"] == a.domain and by[a.id]["name"] == a.name, by[a.id]
    assert by[a.id]["role"] == "owner" and by[a.id]["seatLimit"] is None, by[a.id]
    assert by[b.id]["seatLimit"] == 7 and by[b.id]["role"] == "owner", by[b.id]
    assert by[c.id]["role"] == "viewer", by[c.id]
    # a token whose allowlist holds one website sees only that one
    key, _ = H.make_token(a.owner.email, websites=b.id)
    data = ok(http("GET", API + "/websites", token=key))
    assert [x["_id"] for x in data] == [b.id], data


# ---------------------------------------------------------------------------
# Request id in the log, audit


def test_request_id_in_log_line():
    """A request id (X-Request-Id) is echoed on every response and appears in the log line of that request."""
    s = new_site(key=False)
    rid = "e2elog" + H.uniq("r").replace("-", "")
    ok(http("GET", s.team, token=s.owner.token, headers={"X-Request-Id": rid}))
    path = H.os.path.join(H.STACK.state, "roster.log")

    def logged():
        with open(path, errors="replace") as f:
            return rid in f.read()
    assert H.wait_for(logged, 3), "request id %s not in %s" % (rid, path)


def test_audit_records_writes():
    """Audit: every write (invite, resend, revoke, role change, removal, token creation and revocation) is
    recorded with who, what, when and the request id."""
    s = new_site(key=False)
    m = add_member(s, "member", token=False)
    v = add_member(s, "viewer", token=False)
    tag = H.uniq("a").replace("-", "")
    iid = ok(invite(s, new_email()))[0]["invitationId"]
    writes = [
        ("invite", "POST", s.team, {"email": new_email()}),
        ("resend", "POST", s.team + "/invitations/%s/resend" % iid, None),
        ("revoke", "DELETE", s.team + "/invitations/" + iid, None),
        ("role", "PATCH", s.team + "/" + m.id, {"role": "viewer"}),
        ("remove", "DELETE", s.team, {"userId": v.id}),
        ("token", "POST", API + "/access-tokens", {"name": "audited"}),
    ]
    rids = {}
    t0 = H.time.time() * 1000 - 5000
    for what, method, path, body in writes:
        rid = "aud%s%s" % (tag, what)
        r = http(method, path, body=body, token=s.owner.token, headers={"X-Request-Id": rid})
        d = ok(r, what)
        rids[what] = rid
        if what == "token":
            tid = d[0]["id"]
    rid = "aud%stokrevoke" % tag
    ok(http("DELETE", API + "/access-tokens/" + tid, token=s.owner.token, headers={"X-Request-Id": rid}))
    rids["token revoke"] = rid
    soft = Soft()
    for what, rid in rids.items():
        rows = sql("SELECT action, COALESCE(user_id,''), COALESCE(credential_id,''), created_at, "
                   "COALESCE(website_id,'') FROM %s.audit_log WHERE request_id='%s'" % (db(), rid))
        rows = [x for x in rows if len(x) == 5 and x[3].isdigit()]
        if not rows:
            soft.true(False, "%s: no audit_log row with request_id %s" % (what, rid))
            continue
        action, user, cred, created, site = rows[0]
        soft.true(action != "", "%s: empty action" % what)
        soft.true(user == s.owner.id or cred == s.owner.token_id,
                  "%s: audit row names neither the owner nor the token: %r" % (what, rows[0]))
        soft.true(int(created) >= t0, "%s: created_at %s is not now" % (what, created))
        if what not in ("token", "token revoke"):
            soft.true(site == s.id, "%s: website_id %r != %s" % (what, site, s.id))
    soft.done()


# ---------------------------------------------------------------------------
# Account


def test_account_get():
    """GET /account (any valid credential): the caller's _id, name, email, image, createdAt; a df_ key has no
    user: it answers its website's owner and adds its websiteId."""
    s = new_site()
    for tok in (s.owner.token, H.make_token(s.owner.email, "analytics:read")[0]):
        d = ok(http("GET", API + "/account", token=tok), "GET /account")
        assert len(d) == 1, d
        d = d[0]
        assert d["_id"] == s.owner.id and d["email"] == s.owner.email and d["name"] == s.owner.name, d
        assert "image" in d and d["image"] is None and "websiteId" not in d, d
        parse_iso(d["createdAt"])
    d = ok(http("GET", API + "/account", token=s.key), "GET /account with a df_ key")[0]
    assert d["_id"] == s.owner.id and d["websiteId"] == s.id, d
    err(http("GET", API + "/account"), 401, "no credential")


def test_account_rename_seen_at_once():
    """PUT /account {"name"} (dft_): renames the caller; every team list shows the new name at once (on
    every worker: their caches included)."""
    a = new_site(key=False)
    b = new_site(key=False)
    m = add_member(a, "member", permissions="*")
    add_member(b, "viewer", user=m)
    for s in (a, b):
        for _ in range(6):
            team(s)
    name = "Renamed Ünïcode " + H.uniq("n")
    d = ok(http("PUT", API + "/account", body={"name": name}, token=m.token), "rename")[0]
    assert d["name"] == name and d["_id"] == m.id, d
    for s in (a, b):
        for _ in range(6):
            mine = [x for x in team(s) if x["userId"] == m.id]
            assert mine and mine[0]["name"] == name, "team of %s shows %r" % (s.id, mine)
    assert ok(http("GET", API + "/account", token=m.token))[0]["name"] == name


def test_account_rename_refusals():
    """PUT /account: 400 for a name missing, not a string, empty, over 200 characters or with control
    characters; 403 for a df_ key; nothing changes."""
    s = new_site()
    soft = Soft()
    for body in ({}, {"name": None}, {"name": 5}, {"name": ""}, {"name": "x" * 201}, {"name": "a\u0007b"}):
        soft.err(http("PUT", API + "/account", body=body, token=s.owner.token), 400, "body %r" % (body,))
    soft.err(http("PUT", API + "/account", body={"name": "key"}, token=s.key), 403, "a df_ key")
    soft.ok(http("PUT", API + "/account", body={"name": "y" * 200}, token=s.owner.token), "200 characters")
    soft.done()


# ---------------------------------------------------------------------------
# Websites


def site_domain():
    return "%s.e2e.example.com" % H.uniq("web")


def test_website_create():
    """POST /websites {"domain","timezone"?,"name"?} (websites:write, dft_): a website owned by the caller;
    websiteId and domain (lowercased, without a final dot); GET /websites lists it with its timezone; the
    caller is its owner; UTC by default."""
    u = new_user()
    dom = site_domain()
    d = ok(http("POST", API + "/websites", body={"domain": " " + dom.upper() + ". ", "timezone": "Europe/Paris",
                                                  "name": "Mine"}, token=u.token), "create")[0]
    assert HEX24.match(d["websiteId"]) and d["domain"] == dom, d
    listed = {x["_id"]: x for x in ok(http("GET", API + "/websites", token=u.token))}
    w = listed[d["websiteId"]]
    assert w["role"] == "owner" and w["timezone"] == "Europe/Paris" and w["name"] == "Mine", w
    members = ok(http("GET", "%s/websites/%s/team" % (API, d["websiteId"]), token=u.token))
    assert [(x["userId"], x["role"]) for x in members] == [(u.id, "owner")], members
    d2 = ok(http("POST", API + "/websites", body={"domain": site_domain()}, token=u.token))[0]
    g = ok(http("GET", API + "/websites/" + d2["websiteId"], token=u.token))[0]
    assert g["timezone"] == "UTC" and g["name"] == d2["domain"], g
    assert sql_value("SELECT owner_id FROM %s.websites WHERE id='%s'" % (db(), d["websiteId"])) == u.id


def test_website_create_400():
    """POST /websites: 400 for a domain that is not a host name (scheme, path, port, blank, one label, an
    IP, a label over 63, non-ASCII, missing) or a timezone that is not an IANA name (no list kept: checked
    against the system's zoneinfo, strict charset, no path traversal); nothing is made."""
    u = new_user()
    before = sql_value("SELECT COUNT(*) FROM %s.websites" % db())
    soft = Soft()
    for bad in ("https://example.com", "example.com/x", "example.com:8080", "exa mple.com", "localhost",
                "10.0.0.1", "a" * 64 + ".com", "-x.example.com", "x-.example.com", "bücher.example",
                "", ".", "a..b.com", "user@example.com", 5, None):
        body = {"domain": bad} if bad is not None else {}
        soft.err(http("POST", API + "/websites", body=body, token=u.token), 400, "domain %r" % (bad,))
    for bad in ("Mars/Olympus", "europe/paris", "Europe/Paris/", "../../etc/passwd", "Europe/../UTC",
                "posix/Europe/Paris", "right/UTC", "localtime", "zone.tab", "Europe//Paris", "/UTC", "UTC ",
                "", "E" * 65, "Europe/Paris\u0000", "Etc/GMT+99", 3):
        soft.err(http("POST", API + "/websites", body={"domain": site_domain(), "timezone": bad}, token=u.token),
                 400, "timezone %r" % (bad,))
    for good in ("America/Argentina/Buenos_Aires", "Etc/GMT+5", "Asia/Kolkata", "UTC", "Europe/London"):
        soft.ok(http("POST", API + "/websites", body={"domain": site_domain(), "timezone": good}, token=u.token),
                "timezone %r" % good)
    soft.err(http("POST", API + "/websites", body={"domain": site_domain(), "name": ""}, token=u.token), 400,
             "empty name")
    soft.done()
    after = sql_value("SELECT COUNT(*) FROM %s.websites" % db())
    assert int(after) == int(before) + 5, "only the 5 good ones were made: %s -> %s" % (before, after)


def test_website_create_permissions():
    """POST /websites needs websites:write and a dft_ token: websites:read or a df_ key is 403."""
    s = new_site()
    ro, _ = H.make_token(s.owner.email, "websites:read")
    soft = Soft()
    soft.err(http("POST", API + "/websites", body={"domain": site_domain()}, token=ro), 403, "websites:read")
    soft.err(http("POST", API + "/websites", body={"domain": site_domain()}, token=s.key), 403, "df_ key")
    w, _ = H.make_token(s.owner.email, "websites:write")
    soft.ok(http("POST", API + "/websites", body={"domain": site_domain()}, token=w), "websites:write")
    soft.done()


def test_website_create_409_duplicate_domain():
    """POST /websites: 409 when a website of the caller already has that domain (whatever its case), even
    for 10 creations at once (a database key, not a read first); another owner may use the domain."""
    u = new_user()
    dom = site_domain()
    results = []

    def make():
        results.append(http("POST", API + "/websites", body={"domain": dom}, token=u.token))
    threads = [threading.Thread(target=make) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status for r in results)
    assert codes == [200] + [409] * 9, "10 at once: %r" % codes
    err(http("POST", API + "/websites", body={"domain": dom.upper()}, token=u.token), 409, "upper case")
    n = sql_value("SELECT COUNT(*) FROM %s.websites WHERE domain='%s'" % (db(), dom))
    assert n == "1", "%s websites of %s" % (n, dom)
    other = new_user()
    ok(http("POST", API + "/websites", body={"domain": dom}, token=other.token), "another owner")
    # The CLI holds the same rule.
    rc, out, _ = H.cli_raw("website", "create", "--domain", dom, "--owner-email", u.email)
    assert rc == 1 and "domain" in out, (rc, out)


def test_website_get():
    """GET /websites/{id} (settings:read): _id, domain, name, timezone, seatLimit, allowedEmailDomains,
    acceptRedirectUrl, createdAt; a viewer reads it; 403 for a non-member, a token without settings:read or
    a df_ key; 404 for no such website."""
    s = new_site(seats=5)
    v = add_member(s, "viewer", permissions="settings:read")
    stranger = new_site(key=False)
    d = ok(http("GET", API + "/websites/" + s.id, token=v.token), "viewer")[0]
    assert set(d) == {"_id", "domain", "name", "timezone", "seatLimit", "allowedEmailDomains",
                      "acceptRedirectUrl", "createdAt"}, d
    assert (d["_id"], d["domain"], d["name"], d["timezone"], d["seatLimit"], d["allowedEmailDomains"],
            d["acceptRedirectUrl"]) == (s.id, s.domain, s.name, "UTC", 5, [], None), d
    parse_iso(d["createdAt"])
    tr, _ = H.make_token(s.owner.email, "team:read")
    soft = Soft()
    soft.err(http("GET", API + "/websites/" + s.id, token=stranger.owner.token), 403, "non-member")
    soft.err(http("GET", API + "/websites/" + s.id, token=tr), 403, "team:read only")
    soft.err(http("GET", API + "/websites/" + s.id, token=s.key), 403, "df_ key")
    soft.err(http("GET", API + "/websites/" + random_id(), token=s.owner.token), 404, "unknown")
    soft.err(http("GET", API + "/websites/nothex", token=s.owner.token), 404, "malformed")
    soft.done()


def test_website_update():
    """PUT /websites/{id} (settings:write): name, domain, timezone by a member or the owner; seatLimit,
    allowedEmailDomains, acceptRedirectUrl by the owner only (a member's 403 changes nothing); fields not
    named stay; null clears; GET shows what PUT answered."""
    s = new_site()
    m = add_member(s, "member", permissions="*")
    v = add_member(s, "viewer", permissions="*")
    site = API + "/websites/" + s.id
    dom = site_domain()
    d = ok(http("PUT", site, body={"name": "Renamed", "domain": dom.upper(), "timezone": "Asia/Tokyo"},
                token=m.token), "member")[0]
    assert (d["name"], d["domain"], d["timezone"]) == ("Renamed", dom, "Asia/Tokyo"), d
    soft = Soft()
    for body in ({"seatLimit": 3}, {"allowedEmailDomains": ["example.com"]},
                 {"acceptRedirectUrl": "https://app.example.com/welcome"}, {"name": "x", "seatLimit": None}):
        soft.err(http("PUT", site, body=body, token=m.token), 403, "member sets %r" % body)
    soft.err(http("PUT", site, body={"name": "viewer"}, token=v.token), 403, "viewer")
    soft.err(http("PUT", site, body={"name": "key"}, token=s.key), 403, "df_ key")
    soft.done()
    d = ok(http("GET", site, token=s.owner.token))[0]
    assert d["name"] == "Renamed" and d["seatLimit"] is None and d["allowedEmailDomains"] == [], d
    d = ok(http("PUT", site, body={"seatLimit": 9, "allowedEmailDomains": ["Example.COM", "b.example.org",
                                                                          "example.com."],
                                   "acceptRedirectUrl": "https://app.example.com/welcome?x=1#y"},
                token=s.owner.token), "owner")[0]
    assert d["seatLimit"] == 9 and d["allowedEmailDomains"] == ["example.com", "b.example.org"], d
    assert d["acceptRedirectUrl"] == "https://app.example.com/welcome?x=1#y" and d["name"] == "Renamed", d
    assert ok(http("GET", site, token=m.token))[0] == d
    d = ok(http("PUT", site, body={"seatLimit": None, "allowedEmailDomains": None, "acceptRedirectUrl": None},
                token=s.owner.token), "clear")[0]
    assert (d["seatLimit"], d["allowedEmailDomains"], d["acceptRedirectUrl"]) == (None, [], None), d
    assert d["timezone"] == "Asia/Tokyo" and d["domain"] == dom, d
    listed = [x for x in ok(http("GET", API + "/websites", token=s.owner.token)) if x["_id"] == s.id][0]
    assert listed["name"] == "Renamed" and listed["timezone"] == "Asia/Tokyo", listed


def test_website_update_400_and_409():
    """PUT /websites/{id}: 400 for a value out of shape (seatLimit, allowedEmailDomains' shape and size,
    acceptRedirectUrl http(s) with a host, domain, timezone, name), 409 for a domain another website of the
    owner has; a refused PUT changes nothing."""
    s = new_site()
    twin = new_site(key=False, owner=s.owner)
    site = API + "/websites/" + s.id
    before = ok(http("GET", site, token=s.owner.token))[0]
    soft = Soft()
    bads = [{"seatLimit": 0}, {"seatLimit": -1}, {"seatLimit": "5"}, {"seatLimit": 1.5}, {"seatLimit": 1000001},
            {"allowedEmailDomains": "example.com"}, {"allowedEmailDomains": [1]},
            {"allowedEmailDomains": ["not a domain"]}, {"allowedEmailDomains": ["@example.com"]},
            {"allowedEmailDomains": ["d%d.example.com" % i for i in range(51)]},
            {"acceptRedirectUrl": "ftp://example.com/"}, {"acceptRedirectUrl": "https://"},
            {"acceptRedirectUrl": "javascript:alert(1)"}, {"acceptRedirectUrl": "https://a b.example.com/"},
            {"acceptRedirectUrl": "https://user@evil.example.com/"}, {"acceptRedirectUrl": "/relative"},
            {"acceptRedirectUrl": "https://example.com:99999/"}, {"acceptRedirectUrl": 5},
            {"acceptRedirectUrl": "https://example.com/" + "x" * 2000},
            {"domain": "https://x.example.com"}, {"timezone": "Nowhere/City"}, {"name": ""}, {"name": 7},
            {"name": "ok", "seatLimit": 0}]
    for body in bads:
        soft.err(http("PUT", site, body=body, token=s.owner.token), 400, "body %r" % (body,))
    soft.err(http("PUT", site, body={"domain": twin.domain.upper()}, token=s.owner.token), 409, "twin's domain")
    soft.ok(http("PUT", site, body={"allowedEmailDomains": ["d%d.example.com" % i for i in range(50)]},
                 token=s.owner.token), "50 domains")
    soft.ok(http("PUT", site, body={"allowedEmailDomains": None}, token=s.owner.token))
    soft.done()
    assert ok(http("GET", site, token=s.owner.token))[0] == before


def test_website_seat_limit_applies_at_once():
    """PUT /websites/{id} seatLimit applies at once on every worker (their cached view of the website
    included): a limit of 1 on a website with its owner alone refuses the next invite."""
    s = new_site(key=False)
    for _ in range(6):
        team(s)
    ok(http("PUT", API + "/websites/" + s.id, body={"seatLimit": 2}, token=s.owner.token))
    ok(invite(s, new_email()), "one seat left")
    for _ in range(4):
        err(invite(s, new_email()), 403, "full", contains="seat")
    ok(http("PUT", API + "/websites/" + s.id, body={"seatLimit": None}, token=s.owner.token))
    ok(invite(s, new_email()), "no limit again")


def test_website_delete_403():
    """DELETE /websites/{id}: 403 as in DataFast (deleting a website is not an API action), for the owner's
    `*` token too; the website stays."""
    s = new_site()
    err(http("DELETE", API + "/websites/" + s.id, token=s.owner.token), 403, "owner")
    err(http("DELETE", API + "/websites/" + s.id, token=s.key), 403, "df_ key")
    err(http("DELETE", API + "/websites/" + s.id), 401, "no credential")
    ok(http("GET", API + "/websites/" + s.id, token=s.owner.token), "still there")


# ---------------------------------------------------------------------------
# The team list without limit


def seed_members(site, n):
    """n members added in SQL (the owner stays first), as a hand edit: the team generation is bumped."""
    tag = "%08x" % random.getrandbits(32)
    sql("INSERT INTO %(db)s.users (id, email, name, created_at)"
        " SELECT CONCAT('%(t)s', LPAD(LOWER(HEX(seq)), 16, '0')), CONCAT('big', seq, '-%(t)s@e2e.example.com'),"
        " CONCAT('Big ', seq), 1 FROM seq_1_to_%(n)d;"
        " INSERT INTO %(db)s.members (website_id, user_id, role, joined_at)"
        " SELECT '%(s)s', CONCAT('%(t)s', LPAD(LOWER(HEX(seq)), 16, '0')), IF(seq %% 3 = 0, 'viewer', 'member'),"
        " 1700000000000 + seq * 1000 FROM seq_1_to_%(n)d;"
        " UPDATE %(db)s.websites SET team_gen = team_gen + 1 WHERE id = '%(s)s'"
        % {"db": db(), "t": tag, "n": n, "s": site.id})


def test_team_list_without_limit_returns_every_member():
    """List team members: without limit the answer holds every member (2,345 here: over two of roster's
    pages of 1,000, read in one snapshot), in list order, with no nextCursor; ?limit= pages and nextCursor
    continues to the same list; a change shows at once."""
    s = new_site(key=False)
    seed_members(s, 2344)
    r = http("GET", s.team, token=s.owner.token)
    full = ok(r, "unpaged")
    assert "nextCursor" not in r.body, "no nextCursor without limit: %r" % list(r.body)
    assert len(full) == 2345 and full[0]["userId"] == s.owner.id, len(full)
    ids = [x["userId"] for x in full]
    assert len(set(ids)) == len(ids), "duplicates"
    joined = [x["joinedAt"] for x in full[1:]]
    assert joined == sorted(joined), "not in joinedAt order"
    assert full[1]["name"] == "Big 1" and full[-1]["name"] == "Big 2344", (full[1], full[-1])
    assert json.loads(r.raw)["data"] == full
    got, cursor = [], None
    while True:
        q = "?limit=1000" + ("&cursor=" + quote(cursor, safe="") if cursor else "")
        r = http("GET", s.team + q, token=s.owner.token)
        got += ok(r)
        cursor = r.body.get("nextCursor")
        if not cursor:
            break
    assert got == full, "the pages differ from the unpaged list"
    err(http("GET", s.team + "?limit=0", token=s.owner.token), 400)
    ok(http("DELETE", s.team, body={"userId": full[7]["userId"]}, token=s.owner.token))
    for _ in range(4):
        again = ok(http("GET", s.team, token=s.owner.token))
        assert len(again) == 2344 and full[7]["userId"] not in {x["userId"] for x in again}


def test_team_list_cursor_without_limit_pages():
    """Team list: a cursor without limit continues by pages of 100."""
    s = new_site(key=False)
    seed_members(s, 250)
    r = http("GET", s.team + "?limit=100", token=s.owner.token)
    cursor = r.body["nextCursor"]
    r = http("GET", s.team + "?cursor=" + quote(cursor, safe=""), token=s.owner.token)
    assert len(ok(r)) == 100 and r.body.get("nextCursor"), r
