"""Accepting an invitation through the API (shared/API.md, "Accepting an
invitation"): "POST /api/v1/invitations/accept (JSON {"token", "name"?})
accepts: the invited email's user is created if it does not exist, the
membership is created with the invited role, the invitation is marked
accepted. A token works once." Races, and every way a link stops working."""

import harness as H
from harness import (Soft, cli, err, http, invitations, new_email, new_site, new_user, ok, team)
from invitelib import (ACCEPT, accept, fire_public, invitation_status, invite_link, members, random_token,
                       tally, token_of, users_with_email)


def test_accept_creates_user_and_membership():
    """Accept: 200 with the invitation, website, new user, email and role; the user exists with the name given;
    the membership has the invited role; the invitation is accepted and leaves the invitations list."""
    s = new_site(key=False)
    email = new_email("acc")
    d, tok, _ = invite_link(s, email, "viewer")
    assert users_with_email(email) == 0
    r = accept(tok, "  Ada Lovelace")
    data = ok(r, "accept")
    assert len(data) == 1, data
    a = data[0]
    assert a.get("message") == "Invitation accepted.", a
    assert a.get("invitationId") == d["invitationId"] and a.get("websiteId") == s.id, a
    assert a.get("email") == email and a.get("role") == "viewer", a
    assert H.HEX24.match(str(a.get("userId"))), a
    assert users_with_email(email) == 1
    entry = [m for m in team(s) if m["userId"] == a["userId"]]
    assert entry and entry[0]["role"] == "viewer" and entry[0]["email"] == email, team(s)
    assert entry[0]["name"] == "Ada Lovelace", "name %r (leading blanks trimmed)" % entry[0]["name"]
    assert invitation_status(d["invitationId"]) == "accepted"
    assert d["invitationId"] not in [i.get("invitationId", i.get("id")) for i in invitations(s)]
    err(accept(tok), 410, "the same token again", contains="already been used")


def test_accept_existing_user_keeps_account():
    """Accept: an invited email that already has a user joins as that user (no second user)."""
    s = new_site(key=False)
    u = new_user(token=False)
    d, tok, _ = invite_link(s, u.email, "member")
    a = ok(accept(tok, "Another Name"))[0]
    assert a["userId"] == u.id, "accept made a new user %s instead of %s" % (a["userId"], u.id)
    assert users_with_email(u.email) == 1
    assert [m[:2] for m in members(s.id)] == [[u.id, "member"]], members(s.id)


def nameless_member_elsewhere(prefix):
    """A user made by `roster user create` without a name, a member of a website of someone else: an account that
    exists before any invitation of this test.  Returns (user id, email, that website)."""
    email = new_email(prefix)
    uid = cli("user", "create", "--email", email)["userId"]
    other = new_site(key=False)
    cli("member", "add", "--website", other.id, "--email", email, "--role", "viewer")
    return uid, email, other


def names_in_teams(uid, *sites):
    """The name each website's team list shows for the user."""
    return [[m.get("name") for m in team(s) if m["userId"] == uid] for s in sites]


def test_accept_name_never_renames_an_existing_account():
    """Accept (issue "Hardening", item 1): a name given at accept may only name a user created by that accept.  An
    owner invites an email that already has an account (a member elsewhere, no name) and accepts with its
    inviteUrl and "name": the account joins, and its name stays null on every website; a user the accept creates
    gets the name."""
    uid, email, other = nameless_member_elsewhere("named")
    s = new_site(key=False)
    d, tok, _ = invite_link(s, email, "member")
    a = ok(accept(tok, "Support - call +1 555 0100"), "accept for an existing account")[0]
    assert a["userId"] == uid, a
    assert H.sql_value("SELECT IFNULL(name, 'NULL') FROM %s.users WHERE id = '%s'" % (H.db(), uid)) == "NULL", \
        "the accept renamed the existing account"
    assert names_in_teams(uid, other, s) == [[None], [None]], "team lists show %r" % names_in_teams(uid, other, s)
    # The name still names a user the accept creates.
    fresh = new_email("fresh")
    _, tok2, _ = invite_link(s, fresh, "viewer")
    a2 = ok(accept(tok2, "New Person"), "accept creating the user")[0]
    assert names_in_teams(a2["userId"], s) == [["New Person"]]


def test_16_simultaneous_accepts_one_token():
    """Accept race: 16 simultaneous accepts of one token give exactly one 200 and 15x 410; one membership row,
    one user."""
    s = new_site(key=False)
    email = new_email("race")
    d, tok, _ = invite_link(s, email, "member")
    results = fire_public([("POST", ACCEPT, {"token": tok, "name": "Racer %d" % i}) for i in range(16)])
    t = tally(results)
    assert t == {200: 1, 410: 15}, "statuses %r; first unexpected: %r" % (
        t, next((r for r in results if r.status not in (200, 410)), None))
    for r in results:
        if r.status == 200:
            assert ok(r)[0]["email"] == email
        else:
            err(r, 410, contains="already been used")
    rows = members(s.id)
    assert len(rows) == 1 and rows[0][1] == "member" and rows[0][2] == email, "membership rows %r" % rows
    n = H.sql_value("SELECT COUNT(*) FROM %s.members WHERE website_id = '%s'" % (H.db(), s.id))
    assert n == "2", "members of the website (owner + 1): %s" % n
    assert users_with_email(email) == 1
    assert invitation_status(d["invitationId"]) == "accepted"


def test_simultaneous_accepts_many_tokens_one_website():
    """Accept race: 12 different invitations of one website accepted at once all succeed (12x 200, 12 members)."""
    s = new_site(key=False)
    toks = [invite_link(s, new_email("many"), "viewer")[1] for _ in range(12)]
    results = fire_public([("POST", ACCEPT, {"token": t}) for t in toks])
    assert tally(results) == {200: 12}, "statuses %r: %r" % (tally(results), [r for r in results if r.status != 200][:2])
    assert len(members(s.id)) == 12, members(s.id)


def test_accept_after_revoke_410():
    """Accept after revoke: 410 and no membership."""
    s = new_site(key=False)
    d, tok, _ = invite_link(s, new_email("revoked"))
    ok(http("DELETE", s.team + "/invitations/" + d["invitationId"], token=s.owner.token), "revoke")
    err(accept(tok, "Late"), 410, "accept a revoked invitation", contains="revoked")
    assert members(s.id) == [], "membership after a revoked accept: %r" % members(s.id)
    assert invitation_status(d["invitationId"]) == "revoked"
    assert users_with_email(d["email"]) == 0, "a user was created for a revoked invitation"


def test_accept_after_resend_old_token_404_new_works():
    """Accept after resend: the old token is unknown (404), the new link works (200, membership)."""
    s = new_site(key=False)
    d, old, _ = invite_link(s, new_email("resent"), "member")
    r = ok(http("POST", s.team + "/invitations/%s/resend" % d["invitationId"], token=s.owner.token), "resend")[0]
    new_url = r.get("inviteUrl")
    assert isinstance(new_url, str) and "/join?token=" in new_url, "resend: %r" % r
    new = token_of(new_url)
    assert new != old, "resend kept the token"
    err(accept(old), 404, "accept with the pre-resend token")
    assert members(s.id) == []
    a = ok(accept(new, "Fresh"), "accept with the new token")[0]
    assert a["invitationId"] == d["invitationId"] and a["role"] == "member", a
    assert [m[2] for m in members(s.id)] == [d["email"]]
    err(accept(old), 404, "the old token after the accept")
    err(accept(new), 410, "the new token twice")


def test_accept_after_expiry_410():
    """Accept after expiry (expires_at = 1): 410 and no membership."""
    s = new_site(key=False)
    d, tok, _ = invite_link(s, new_email("expired"))
    H.sql("UPDATE %s.invitations SET expires_at = 1 WHERE id = '%s'" % (H.db(), d["invitationId"]))
    err(accept(tok), 410, "accept an expired invitation", contains="expired")
    assert members(s.id) == []
    assert invitation_status(d["invitationId"]) != "accepted"
    assert users_with_email(d["email"]) == 0, "a user was created for an expired invitation"


def test_accept_already_member_409_nothing_changes():
    """Accept for an email that is already a member (invite, then `roster member add`): 409, the invitation stays
    pending, the membership keeps its role, no second user."""
    s = new_site(key=False)
    email = new_email("already")
    d, tok, _ = invite_link(s, email, "member")
    cli("member", "add", "--website", s.id, "--email", email, "--role", "viewer")
    before = members(s.id)
    assert [m[1:] for m in before] == [["viewer", email]], before
    err(accept(tok, "Dup"), 409, "accept for a member")
    assert members(s.id) == before, "memberships changed: %r -> %r" % (before, members(s.id))
    assert invitation_status(d["invitationId"]) == "pending", "the invitation must stay pending"
    assert users_with_email(email) == 1
    name = H.sql_value("SELECT IFNULL(name, 'NULL') FROM %s.users WHERE email = '%s'" % (H.db(), email))
    assert name != "Dup", "a refused accept changed the user's name"


def test_accept_unknown_and_bad_bodies():
    """Accept: an unknown or malformed token is 404; a missing token, a non-string token or name, a body that is
    not an object or not JSON is 400/415, in the Team API envelope."""
    soft = Soft()
    soft.err(accept(random_token()), 404, "unknown token")
    soft.err(accept("abc"), 404, "malformed token")
    soft.err(accept(random_token(44)), 404, "token too long")
    soft.err(http("POST", ACCEPT, {}), 400, "no token")
    soft.err(http("POST", ACCEPT, {"token": ""}), 400, "empty token")
    soft.err(http("POST", ACCEPT, {"token": 12}), 400, "token not a string")
    soft.err(http("POST", ACCEPT, {"token": random_token(), "name": 7}), 400, "name not a string")
    soft.err(http("POST", ACCEPT, ["x"]), 400, "body an array")
    soft.err(http("POST", ACCEPT, raw_body="{", headers={"Content-Type": "application/json"}), 400, "bad JSON")
    soft.err(http("POST", ACCEPT, raw_body="token=x", headers={"Content-Type": "application/x-www-form-urlencoded"}),
             (400, 415), "form body")
    soft.err(http("GET", ACCEPT), 405, "GET")
    soft.done()
