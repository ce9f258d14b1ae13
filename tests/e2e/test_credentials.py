"""Credentials end to end: 401 causes, df_ website keys, dft_ permissions and
allowlists, access tokens and website API keys.  Each docstring names the rule of
shared/API.md's "Credentials" section (or the route table) it checks."""

import base64
import threading
import time

import harness as H
from harness import (API, HEX24, Soft, add_member, err, http, invite, make_token, new_email, new_site,
                     now_utc, ok, parse_iso, random_id, sha256_hex, sql, sql_value, team, db, wait_for)


# ---------------------------------------------------------------------------
# 401


def test_401_missing_and_malformed():
    """Credentials: a missing or malformed credential is 401 (no header, Basic, Bearer garbage, empty Bearer)."""
    s = new_site()
    soft = Soft()
    basic = "Basic " + base64.b64encode(b"user:pass").decode()
    for path in (s.team, API + "/websites", API + "/access-tokens", s.team + "/invitations",
                 API + "/websites/%s/api-keys" % s.id):
        soft.err(http("GET", path), 401, "GET %s without Authorization" % path)
        soft.err(http("GET", path, headers={"Authorization": basic}), 401, "GET %s with Basic" % path)
    for hv in ("Bearer garbage", "Bearer", "Bearer ", "Bearer dft_", "Bearer df_", "Token " + s.owner.token,
               s.owner.token, "Bearer  " + s.owner.token + " x", "Bearer " + s.owner.token[:-1],
               "Basic " + base64.b64encode(s.owner.token.encode()).decode()):
        soft.err(http("GET", s.team, headers={"Authorization": hv}), 401, "Authorization %r" % hv)
    soft.err(http("POST", s.team, body={"email": new_email()}), 401, "invite without Authorization")
    soft.done()


def test_401_unknown_token_and_key():
    """Credentials: an unknown dft_ token or df_ key (well-formed) is 401."""
    s = new_site()
    soft = Soft()
    for tok in ("dft_" + "A" * 43, "dft_" + s.owner.token[4:][::-1], "df_" + s.key[3:][::-1], "df_" + "b" * 43,
                s.owner.token + "x"):
        soft.err(http("GET", s.team, token=tok), 401, "token %r" % tok)
    soft.done()


def test_401_revoked_token():
    """Credentials: a revoked dft_ token is 401 at once (DELETE /access-tokens/{id} revokes)."""
    s = new_site(key=False)
    d = ok(http("POST", API + "/access-tokens", body={"name": "to revoke"}, token=s.owner.token))[0]
    ok(http("GET", s.team, token=d["key"]), "new token works")
    ok(http("DELETE", API + "/access-tokens/" + d["id"], token=s.owner.token), "revoke")
    err(http("GET", s.team, token=d["key"]), 401, "revoked token")
    err(http("GET", API + "/websites", token=d["key"]), 401, "revoked token on /websites")
    err(http("DELETE", API + "/access-tokens/" + d["id"], token=s.owner.token), 404, "revoke again")
    # a token created by the CLI, revoked through the API
    key, tid = make_token(s.owner.email)
    ok(http("GET", s.team, token=key))
    ok(http("DELETE", API + "/access-tokens/" + tid, token=s.owner.token), "revoke a CLI token")
    err(http("GET", s.team, token=key), 401, "revoked CLI token")
    ok(http("GET", s.team, token=s.owner.token), "the caller's own token still works")


def test_401_revoked_df_key():
    """Credentials: a revoked df_ key is 401 at once (DELETE /websites/{id}/api-keys/{keyId})."""
    s = new_site()
    ok(http("GET", s.team, token=s.key), "df_ key reads its website's team")
    ok(http("DELETE", API + "/websites/%s/api-keys/%s" % (s.id, s.key_id), token=s.owner.token), "revoke key")
    err(http("GET", s.team, token=s.key), 401, "revoked df_ key")


def test_tokens_stored_as_sha256():
    """Tokens are stored only as a hash (SHA-256 of the whole token)."""
    s = new_site()
    for cid, key in ((s.owner.token_id, s.owner.token), (s.key_id, s.key)):
        h = sql_value("SELECT LOWER(HEX(token_hash)) FROM %s.credentials WHERE id='%s'" % (db(), cid))
        assert h == sha256_hex(key), "credential %s: stored hash %s != sha256(token)" % (cid, h)
        n = sql_value("SELECT COUNT(*) FROM %s.credentials WHERE display_key='%s' OR name='%s'" % (db(), key, key))
        assert n == "0", "the raw token is stored"


# ---------------------------------------------------------------------------
# df_ website keys


def test_df_key_reads_own_team_only():
    """df_ key: may call a website-scoped route only for its own website, and acts at most at member level
    (reads the team)."""
    s = new_site()
    other = new_site(key=False)
    soft = Soft()
    data = soft.ok(http("GET", s.team, token=s.key), "df_ key lists its team")
    soft.true(data is None or [x.get("userId") for x in data] == [s.owner.id], "team as seen by df_ key: %r" % data)
    soft.ok(http("GET", s.team + "/invitations", token=s.key), "df_ key lists invitations")
    soft.err(http("GET", other.team, token=s.key), 403, "df_ key on another website's team")
    soft.err(http("GET", other.team + "/invitations", token=s.key), 403, "df_ key on another website's invitations")
    soft.err(invite(other, new_email(), token=s.key), 403, "df_ key invites on another website")
    soft.done()


def test_df_key_cannot_write():
    """df_ key: can never invite or remove (403, "Website API keys cannot invite team members")."""
    s = new_site()
    m = add_member(s, "viewer", token=False)
    soft = Soft()
    soft.err(invite(s, new_email(), token=s.key), 403, "df_ key invites", contains="API keys")
    soft.err(invite(s, new_email(), "member", token=s.key), 403, "df_ key invites a member", contains="API keys")
    soft.err(http("DELETE", s.team, body={"userId": m.id}, token=s.key), 403, "df_ key removes")
    soft.err(http("PATCH", s.team + "/" + m.id, body={"role": "member"}, token=s.key), 403, "df_ key changes role")
    soft.done()
    assert [x["userId"] for x in team(s)] == [s.owner.id, m.id]


def test_df_key_forbidden_on_tokens_keys_websites():
    """df_ key: no access to /access-tokens, the api-keys routes or GET /websites (403)."""
    s = new_site()
    soft = Soft()
    soft.err(http("GET", API + "/websites", token=s.key), 403, "GET /websites")
    soft.err(http("GET", API + "/access-tokens", token=s.key), 403, "GET /access-tokens")
    soft.err(http("POST", API + "/access-tokens", body={"name": "x"}, token=s.key), 403, "POST /access-tokens")
    soft.err(http("DELETE", API + "/access-tokens/" + s.owner.token_id, token=s.key), 403, "DELETE /access-tokens")
    keys = API + "/websites/%s/api-keys" % s.id
    soft.err(http("GET", keys, token=s.key), 403, "GET api-keys")
    soft.err(http("POST", keys, body={"name": "x"}, token=s.key), 403, "POST api-keys")
    soft.err(http("DELETE", keys + "/" + s.key_id, token=s.key), 403, "DELETE api-keys")
    soft.done()
    ok(http("GET", s.team, token=s.key), "the key still works")
    ok(http("GET", s.team, token=s.owner.token), "the owner's token still works")


# ---------------------------------------------------------------------------
# dft_ permissions and allowlists


def test_token_team_read_only():
    """dft_ permissions: a team:read token lists (200) but cannot invite (403)."""
    s = new_site(key=False)
    key, _ = make_token(s.owner.email, "team:read")
    soft = Soft()
    soft.ok(http("GET", s.team, token=key), "list with team:read")
    soft.ok(http("GET", s.team + "/invitations", token=key), "invitations with team:read")
    soft.err(invite(s, new_email(), token=key), 403, "invite with team:read")
    m = add_member(s, "viewer", token=False)
    soft.err(http("DELETE", s.team, body={"userId": m.id}, token=key), 403, "remove with team:read")
    soft.err(http("PATCH", s.team + "/" + m.id, body={"role": "member"}, token=key), 403, "role with team:read")
    soft.err(http("GET", API + "/websites", token=key), 403, "GET /websites without websites:read")
    soft.err(http("GET", API + "/access-tokens", token=key), 403, "GET /access-tokens without api-keys:read")
    soft.done()


def test_token_websites_read_only():
    """dft_ permissions: a websites:read token gets 403 on the team list and 200 on /websites."""
    s = new_site(key=False)
    key, _ = make_token(s.owner.email, "websites:read")
    soft = Soft()
    soft.err(http("GET", s.team, token=key), 403, "team list with websites:read")
    soft.err(http("GET", s.team + "/invitations", token=key), 403, "invitations with websites:read")
    soft.err(invite(s, new_email(), token=key), 403, "invite with websites:read")
    data = soft.ok(http("GET", API + "/websites", token=key), "/websites with websites:read")
    soft.true(data is None or [x.get("_id") for x in data] == [s.id], "/websites: %r" % data)
    soft.done()


def test_token_team_write_implies_read():
    """dft_ permissions: team:write implies team:read."""
    s = new_site(key=False)
    key, _ = make_token(s.owner.email, "team:write")
    ok(http("GET", s.team, token=key), "list with team:write")
    ok(http("GET", s.team + "/invitations", token=key), "invitations with team:write")
    ok(invite(s, new_email(), token=key), "invite with team:write")


def test_token_allowlist_excludes_website():
    """dft_ website allowlist: a token limited to other websites gets 403 on a website not in its list."""
    a = new_site(key=False)
    b = new_site(key=False, owner=a.owner)
    key, _ = make_token(a.owner.email, "*", websites=b.id)
    soft = Soft()
    soft.err(http("GET", a.team, token=key), 403, "team list outside the allowlist")
    soft.err(invite(a, new_email(), token=key), 403, "invite outside the allowlist")
    soft.err(http("GET", API + "/websites/%s/api-keys" % a.id, token=key), 403, "api-keys outside the allowlist")
    soft.ok(http("GET", b.team, token=key), "team list inside the allowlist")
    soft.ok(invite(b, new_email(), token=key), "invite inside the allowlist")
    soft.done()


def test_token_acts_with_users_role():
    """dft_ token: acts with its user's role on the website, never more (a `*` token of a viewer cannot invite
    and cannot manage API keys; a member can)."""
    s = new_site(key=False)
    m = add_member(s, "member", permissions="*")
    v = add_member(s, "viewer", permissions="*")
    keys = API + "/websites/%s/api-keys" % s.id
    soft = Soft()
    soft.err(invite(s, new_email(), token=v.token), 403, "viewer invites")
    soft.err(http("GET", keys, token=v.token), 403, "viewer lists api-keys")
    soft.err(http("POST", keys, body={"name": "v"}, token=v.token), 403, "viewer creates an api-key")
    soft.ok(http("GET", keys, token=m.token), "member lists api-keys")
    soft.ok(http("POST", keys, body={"name": "m"}, token=m.token), "member creates an api-key")
    soft.done()


def test_created_token_cannot_exceed_caller():
    """POST /access-tokens: a new token can never exceed the caller's permissions or website scope (403)."""
    a = new_site(key=False)
    b = new_site(key=False, owner=a.owner)
    soft = Soft()
    narrow, _ = make_token(a.owner.email, "api-keys:read,api-keys:write,team:read")
    for perms in (["*"], ["team:write"], ["team:read", "websites:read"]):
        soft.err(http("POST", API + "/access-tokens", body={"permissions": perms}, token=narrow), 403,
                 "ask for %r with api-keys:*,team:read" % perms)
    d = soft.ok(http("POST", API + "/access-tokens", body={"permissions": ["team:read"]}, token=narrow),
                "ask for a subset")
    if d:
        soft.ok(http("GET", a.team, token=d[0]["key"]), "subset token lists")
        soft.err(invite(a, new_email(), token=d[0]["key"]), 403, "subset token invites")
    d = soft.ok(http("POST", API + "/access-tokens", body={}, token=narrow), "defaults to the caller's permissions")
    if d:
        soft.ok(http("GET", a.team, token=d[0]["key"]), "default-permission token lists")
        soft.err(invite(a, new_email(), token=d[0]["key"]), 403, "default-permission token cannot invite")
    only_team_read, _ = make_token(a.owner.email, "team:read")
    soft.err(http("POST", API + "/access-tokens", body={"permissions": ["*"]}, token=only_team_read), 403,
             "team:read only asks for *")
    scoped, _ = make_token(a.owner.email, "*", websites=b.id)
    soft.err(http("POST", API + "/access-tokens", body={"websiteIds": [a.id]}, token=scoped), 403,
             "ask for a website outside the caller's allowlist")
    soft.err(http("POST", API + "/access-tokens", body={"websiteIds": [a.id, b.id]}, token=scoped), 403,
             "ask for a superset of the caller's allowlist")
    d = soft.ok(http("POST", API + "/access-tokens", body={"name": "inherits scope"}, token=scoped),
                "default scope")
    if d:
        soft.err(http("GET", a.team, token=d[0]["key"]), 403, "default-scope token outside the allowlist")
        soft.ok(http("GET", b.team, token=d[0]["key"]), "default-scope token inside the allowlist")
    d = soft.ok(http("POST", API + "/access-tokens", body={"websiteIds": [b.id]}, token=scoped), "same scope")
    stranger = new_site(key=False)
    soft.err(http("POST", API + "/access-tokens", body={"websiteIds": [stranger.id]}, token=a.owner.token),
             (403, 404), "ask for a website the user is not a member of")
    soft.done()


def test_create_token_bad_input_400():
    """POST /access-tokens: unknown permissions or malformed fields are 400."""
    s = new_site(key=False)
    soft = Soft()
    for body in ({"permissions": ["foo:bar"]}, {"permissions": "team:read"}, {"permissions": [1]},
                 {"websiteIds": "x"}, {"name": 5}, [1]):
        soft.err(http("POST", API + "/access-tokens", body=body, token=s.owner.token), 400, "body %r" % (body,))
    soft.err(http("POST", API + "/access-tokens", body={"websiteIds": ["nothex"]}, token=s.owner.token), (400, 404),
             "malformed website id")
    soft.done()


# ---------------------------------------------------------------------------
# Access tokens and website API keys


def test_access_tokens_list_create_revoke():
    """Access tokens: list shows displayKey never key; POST returns the raw dft_ key once and a masked
    displayKey; the new token works; DELETE revokes at once."""
    s = new_site(key=False)
    other = new_site(key=False)
    lst = ok(http("GET", API + "/access-tokens", token=s.owner.token), "list")
    ids = [x.get("id") for x in lst]
    assert s.owner.token_id in ids, "the CLI token should be listed: %r" % lst
    assert other.owner.token_id not in ids, "another user's token is listed: %r" % lst
    for x in lst:
        assert "key" not in x, "list shows a raw key: %r" % x
        assert isinstance(x.get("displayKey"), str) and x["displayKey"].startswith("dft_"), x
        assert s.owner.token not in str(x), "raw token in the list: %r" % x
    r = http("POST", API + "/access-tokens", body={"name": "e2e created", "permissions": ["team:read"]},
             token=s.owner.token)
    d = ok(r, "create")
    assert len(d) == 1, d
    d = d[0]
    assert HEX24.match(str(d.get("id"))), d
    assert d.get("name") == "e2e created", d
    key = d.get("key")
    assert isinstance(key, str) and key.startswith("dft_") and len(key) >= 4 + 22, d
    dk = d.get("displayKey")
    assert isinstance(dk, str) and dk.startswith("dft_") and dk != key and key not in dk, d
    assert len(dk) < len(key), "displayKey should be masked: %r" % dk
    h = sql_value("SELECT LOWER(HEX(token_hash)) FROM %s.credentials WHERE id='%s'" % (db(), d["id"]))
    assert h == sha256_hex(key), "stored hash != sha256(key)"
    ok(http("GET", s.team, token=key), "the new token works")
    err(invite(s, new_email(), token=key), 403, "the new token has only team:read")
    lst = ok(http("GET", API + "/access-tokens", token=s.owner.token), "list again")
    mine = [x for x in lst if x.get("id") == d["id"]]
    assert len(mine) == 1 and "key" not in mine[0] and mine[0].get("displayKey") == dk, lst
    # another user cannot revoke it
    r = http("DELETE", API + "/access-tokens/" + d["id"], token=other.owner.token)
    assert r.status in (403, 404), "another user revoking my token: %r" % r
    ok(http("GET", s.team, token=key), "still works after a foreign revoke attempt")
    ok(http("DELETE", API + "/access-tokens/" + d["id"], token=s.owner.token), "revoke")
    err(http("GET", s.team, token=key), 401, "revoked at once")
    err(http("DELETE", API + "/access-tokens/" + random_id(), token=s.owner.token), 404, "revoke unknown")
    # an empty body takes the defaults
    r = http("POST", API + "/access-tokens", token=s.owner.token, headers={"Content-Type": "application/json"},
             raw_body="")
    d = ok(r, "create with an empty body")
    ok(invite(s, new_email(), token=d[0]["key"]), "default token has the caller's permissions")


def test_access_tokens_permissions():
    """Access tokens: GET needs api-keys:read, POST and DELETE need api-keys:write."""
    s = new_site(key=False)
    ro, _ = make_token(s.owner.email, "api-keys:read")
    soft = Soft()
    soft.ok(http("GET", API + "/access-tokens", token=ro), "list with api-keys:read")
    soft.err(http("POST", API + "/access-tokens", body={"permissions": ["api-keys:read"]}, token=ro), 403,
             "create with api-keys:read")
    soft.err(http("DELETE", API + "/access-tokens/" + s.owner.token_id, token=ro), 403, "revoke with api-keys:read")
    soft.done()
    ok(http("GET", s.team, token=s.owner.token), "the owner token was not revoked")


def test_website_api_keys_list_create_revoke():
    """Website API keys: list shows displayKey never key; POST returns the raw df_ key once; it reads the
    team; DELETE revokes at once."""
    s = new_site()
    other = new_site()
    keys = API + "/websites/%s/api-keys" % s.id
    lst = ok(http("GET", keys, token=s.owner.token), "list")
    assert [x.get("id") for x in lst] == [s.key_id], lst
    for x in lst:
        assert "key" not in x and isinstance(x.get("displayKey"), str) and x["displayKey"].startswith("df_"), x
        assert s.key not in str(x), x
    d = ok(http("POST", keys, body={"name": "e2e key 2"}, token=s.owner.token), "create")
    assert len(d) == 1, d
    d = d[0]
    assert HEX24.match(str(d.get("id"))) and d.get("name") == "e2e key 2", d
    key, dk = d.get("key"), d.get("displayKey")
    assert isinstance(key, str) and key.startswith("df_") and len(key) >= 3 + 22, d
    assert isinstance(dk, str) and dk.startswith("df_") and key not in dk and len(dk) < len(key), d
    ok(http("GET", s.team, token=key), "the new key reads its team")
    err(http("GET", other.team, token=key), 403, "the new key on another website")
    lst = ok(http("GET", keys, token=s.owner.token), "list again")
    assert sorted(x["id"] for x in lst) == sorted([s.key_id, d["id"]]), lst
    assert all("key" not in x for x in lst), lst
    # another website's owner cannot see or revoke them
    err(http("GET", keys, token=other.owner.token), 403, "another owner lists")
    r = http("DELETE", keys + "/" + d["id"], token=other.owner.token)
    assert r.status in (403, 404), r
    r = http("DELETE", API + "/websites/%s/api-keys/%s" % (other.id, d["id"]), token=other.owner.token)
    assert r.status == 404, "revoking a key through another website's path: %r" % r
    ok(http("GET", s.team, token=key), "still works")
    ok(http("DELETE", keys + "/" + d["id"], token=s.owner.token), "revoke")
    err(http("GET", s.team, token=key), 401, "revoked at once")
    err(http("DELETE", keys + "/" + d["id"], token=s.owner.token), 404, "revoke again")
    err(http("DELETE", keys + "/" + random_id(), token=s.owner.token), 404, "revoke unknown")
    d = ok(http("POST", keys, token=s.owner.token, headers={"Content-Type": "application/json"}, raw_body=""),
           "create with an empty body")
    ok(http("GET", s.team, token=d[0]["key"]))


# ---------------------------------------------------------------------------
# DataFast's permission vocabulary, token rows


VOCABULARY = ["analytics:read", "websites:read", "websites:write", "api-keys:read", "api-keys:write",
              "team:read", "team:write", "alerts:read", "alerts:write", "settings:read", "settings:write",
              "funnels:read", "funnels:write", "goals:read", "goals:write", "payments:read", "payments:write"]


def tokens_of(token):
    return ok(http("GET", API + "/access-tokens", token=token), "list tokens")


def test_permission_vocabulary_stored_as_granted():
    """Credentials: DataFast's whole permission vocabulary is accepted, stored and returned as granted (a
    DataFast script asking for analytics:read gets no 400); `*` is returned as ["*"]; X:write is returned
    without the X:read it implies."""
    s = new_site(key=False)
    soft = Soft()
    grants = [[p] for p in VOCABULARY] + [["analytics:read", "websites:read", "funnels:read"], ["*"],
                                           ["team:write"], list(reversed(VOCABULARY))]
    made = {}
    for g in grants:
        d = soft.ok(http("POST", API + "/access-tokens", body={"name": "vocab", "permissions": g},
                         token=s.owner.token), "grant %r" % g)
        if d:
            want = g if g == ["*"] else [p for p in VOCABULARY if p in g]
            soft.true(d[0].get("permissions") == want, "created with %r, answered %r" % (g, d[0].get("permissions")))
            made[d[0]["_id"]] = want
    listed = {t["_id"]: t["permissions"] for t in tokens_of(s.owner.token)}
    for tid, want in made.items():
        soft.true(listed.get(tid) == want, "token %s listed with %r, granted %r" % (tid, listed.get(tid), want))
    soft.done()


def test_permission_unknown_400_names_the_valid_ones():
    """Credentials: any other permission string is 400, and the message names the valid ones."""
    s = new_site(key=False)
    for bad in ("analytics:write", "admin", "Team:Read", "team:*", ""):
        m = err(http("POST", API + "/access-tokens", body={"permissions": [bad]}, token=s.owner.token), 400,
                "permission %r" % bad)
        for name in ("analytics:read", "payments:write", "settings:read", "*"):
            assert name in m, "the 400 for %r does not name %s: %r" % (bad, name, m)


def test_permission_closure_enforced():
    """Credentials: roster enforces the closure of a grant: settings:write implies settings:read (GET
    /websites/{id}), team:write implies team:read; a name roster does not use (analytics:read) grants no
    route."""
    s = new_site(key=False)
    soft = Soft()
    sw, _ = make_token(s.owner.email, "settings:write")
    soft.ok(http("GET", API + "/websites/" + s.id, token=sw), "settings:write reads the settings")
    soft.err(http("GET", s.team, token=sw), 403, "settings:write does not read the team")
    ar, _ = make_token(s.owner.email, "analytics:read")
    for path in (s.team, API + "/websites", API + "/websites/" + s.id, API + "/access-tokens"):
        soft.err(http("GET", path, token=ar), 403, "analytics:read on %s" % path)
    soft.ok(http("GET", API + "/account", token=ar), "any credential reads its account")
    soft.done()


def test_created_token_within_closure():
    """POST /access-tokens: a new token's closure stays within its creator's: a `*` token may make any
    name; a team:write token may make team:read (implied) but not websites:read; a token with every name but
    not `*` may make `*` (the same closure)."""
    s = new_site(key=False)
    soft = Soft()
    tw, _ = make_token(s.owner.email, "team:write,api-keys:write")
    soft.ok(http("POST", API + "/access-tokens", body={"permissions": ["team:read"]}, token=tw), "implied read")
    soft.err(http("POST", API + "/access-tokens", body={"permissions": ["websites:read"]}, token=tw), 403,
             "a name the creator lacks")
    soft.err(http("POST", API + "/access-tokens", body={"permissions": ["*"]}, token=tw), 403, "* from less")
    every, _ = make_token(s.owner.email, VOCABULARY)
    d = soft.ok(http("POST", API + "/access-tokens", body={"permissions": ["*"]}, token=every), "* from every name")
    if d:
        soft.true(d[0]["permissions"] == ["*"], "%r" % d)
    d = soft.ok(http("POST", API + "/access-tokens", body={}, token=tw), "the creator's grant by default")
    if d:
        soft.true(d[0]["permissions"] == ["api-keys:write", "team:write"], "default grant %r" % d[0]["permissions"])
    soft.done()


def test_token_rows_datafast_fields():
    """Access tokens: rows are DataFast's: _id (id beside it), name, displayKey, scope "user", permissions,
    websiteIds, lastUsedAt (null until used), createdAt; key only in the create answer."""
    s = new_site(key=False)
    d = ok(http("POST", API + "/access-tokens", body={"name": "rows", "permissions": ["team:read"],
                                                       "websiteIds": [s.id]}, token=s.owner.token))[0]
    for k in ("_id", "id", "name", "key", "displayKey", "scope", "permissions", "websiteIds", "lastUsedAt",
              "createdAt"):
        assert k in d, "create answer lacks %s: %r" % (k, d)
    assert d["_id"] == d["id"] and HEX24.match(d["_id"]), d
    assert d["scope"] == "user" and d["websiteIds"] == [s.id] and d["lastUsedAt"] is None, d
    parse_iso(d["createdAt"])
    row = [t for t in tokens_of(s.owner.token) if t["_id"] == d["_id"]]
    assert len(row) == 1, row
    row = row[0]
    assert set(row) == {"_id", "id", "name", "displayKey", "scope", "permissions", "websiteIds", "lastUsedAt",
                        "createdAt"}, row
    assert row["lastUsedAt"] is None, "never used, yet %r" % row


# ---------------------------------------------------------------------------
# lastUsedAt


def rows_updated():
    """MariaDB's count of rows updated, by every session (an UPDATE that
    matches no row counts nothing)."""
    return int(sql("SHOW GLOBAL STATUS LIKE 'Handler_update'")[0][1])


def test_last_used_at_recorded_within_a_minute():
    """lastUsedAt: when the credential last authenticated, exact to about a minute, for tokens and keys:
    null before the first use, the time of the first use soon after it (written between requests)."""
    s = new_site()
    tok, tid = make_token(s.owner.email, "*")
    keys = API + "/websites/%s/apikeys" % s.id
    t0 = now_utc()
    for _ in range(3):
        ok(http("GET", s.team, token=tok))
        ok(http("GET", s.team, token=s.key))

    def seen():
        t = [x for x in tokens_of(s.owner.token) if x["_id"] == tid][0]["lastUsedAt"]
        k = [x for x in ok(http("GET", keys, token=s.owner.token)) if x["_id"] == s.key_id][0]["lastUsedAt"]
        return t, k
    assert wait_for(lambda: all(seen()), 5), "lastUsedAt still null after use: %r" % (seen(),)
    for v in seen():
        dt = abs((parse_iso(v) - t0).total_seconds())
        assert dt < 60, "lastUsedAt %s is %ss from the use at %s" % (v, dt, t0)


def test_last_used_at_no_write_per_request():
    """lastUsedAt costs the read path no write per request: 60 reads by one credential update at most one
    row per worker (the first use each worker writes), not one per request."""
    s = new_site(key=False)
    tok, _ = make_token(s.owner.email, "team:read")
    ok(http("GET", s.team, token=tok))
    time.sleep(0.5)
    before = rows_updated()
    for _ in range(60):
        ok(http("GET", s.team, token=tok))
    time.sleep(0.5)
    delta = rows_updated() - before
    workers = len(H.worker_pids(H.STACK.master_pid()))
    assert delta <= workers + 2, "60 reads updated %d rows (%d workers): a write per request?" % (delta, workers)


# ---------------------------------------------------------------------------
# Website keys at DataFast's /apikeys


def test_website_keys_at_apikeys_rows():
    """Website keys: list, create, roll, delete at /websites/{id}/apikeys; rows are _id (id beside), name,
    displayKey, websiteId, createdBy (the maker's user; null for the admin CLI), lastUsedAt, createdAt; key
    only in the create and roll answers."""
    s = new_site()
    keys = API + "/websites/%s/apikeys" % s.id
    d = ok(http("POST", keys, body={"name": "dk"}, token=s.owner.token), "create")[0]
    assert d["key"].startswith("df_") and d["_id"] == d["id"] and d["websiteId"] == s.id, d
    assert d["createdBy"] == s.owner.id and d["lastUsedAt"] is None and d["name"] == "dk", d
    rows = {x["_id"]: x for x in ok(http("GET", keys, token=s.owner.token), "list")}
    assert set(rows) == {s.key_id, d["_id"]}, rows
    for x in rows.values():
        assert set(x) == {"_id", "id", "name", "displayKey", "websiteId", "createdBy", "lastUsedAt",
                          "createdAt"}, x
    assert rows[s.key_id]["createdBy"] is None, "a CLI key has no creator: %r" % rows[s.key_id]
    ok(http("DELETE", keys + "/" + d["_id"], token=s.owner.token), "delete")
    err(http("GET", s.team, token=d["key"]), 401, "deleted key")
    # The earlier paths answer the same.
    alias = API + "/websites/%s/api-keys" % s.id
    assert [x["_id"] for x in ok(http("GET", alias, token=s.owner.token))] == [s.key_id]


def test_roll_key():
    """Roll (PUT /websites/{id}/apikeys/{keyId}): a new raw key for the same record; the old value is
    refused at once (by every worker, its cache included); the alias /api-keys rolls too."""
    s = new_site()
    keys = API + "/websites/%s/apikeys" % s.id
    for _ in range(8):  # every worker caches the key's resolution
        ok(http("GET", s.team, token=s.key))
    before = [x for x in ok(http("GET", keys, token=s.owner.token)) if x["_id"] == s.key_id][0]
    d = ok(http("PUT", keys + "/" + s.key_id, token=s.owner.token), "roll")[0]
    assert d["_id"] == s.key_id and d["key"].startswith("df_") and d["key"] != s.key, d
    assert d["displayKey"] != before["displayKey"] and d["name"] == before["name"], (before, d)
    for _ in range(8):
        err(http("GET", s.team, token=s.key), 401, "the old key after the roll")
        ok(http("GET", s.team, token=d["key"]), "the new key")
    d2 = ok(http("PUT", API + "/websites/%s/api-keys/%s" % (s.id, s.key_id), token=s.owner.token), "alias")[0]
    err(http("GET", s.team, token=d["key"]), 401, "the key before the second roll")
    ok(http("GET", s.team, token=d2["key"]))
    assert sql_value("SELECT COUNT(*) FROM %s.audit_log WHERE action='apikey.roll' AND target='%s'"
                     % (db(), s.key_id)) == "2"


def test_roll_refusals_leave_the_old_key():
    """Roll: 404 for an unknown key or another website's; 403 for a viewer, a df_ key, or a token without
    team:read; a roll that fails leaves the old key working."""
    s = new_site()
    other = new_site(key=False, owner=s.owner)
    v = add_member(s, "viewer", permissions="*")
    keys = API + "/websites/%s/apikeys" % s.id
    no_read, _ = make_token(s.owner.email, "api-keys:write")
    soft = Soft()
    soft.err(http("PUT", keys + "/" + random_id(), token=s.owner.token), 404, "unknown key")
    soft.err(http("PUT", API + "/websites/%s/apikeys/%s" % (other.id, s.key_id), token=s.owner.token), 404,
             "through another website")
    soft.err(http("PUT", keys + "/" + s.key_id, token=v.token), 403, "viewer")
    soft.err(http("PUT", keys + "/" + s.key_id, token=s.key), 403, "the key itself")
    soft.err(http("PUT", keys + "/" + s.key_id, token=no_read), 403, "api-keys:write without team:read")
    soft.done()
    ok(http("GET", s.team, token=s.key), "the old key works after every refused roll")


def test_eleventh_key_400_under_concurrency():
    """Website keys: at most 10 per website; the 11th is 400, even when 16 are asked for at once."""
    s = new_site(key=False)
    keys = API + "/websites/%s/apikeys" % s.id
    results = []

    def make():
        results.append(http("POST", keys, body={"name": "c"}, token=s.owner.token))
    threads = [threading.Thread(target=make) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status for r in results)
    assert codes.count(200) == 10 and codes.count(400) == 6, "16 at once: %r" % codes
    for r in results:
        if r.status == 400:
            err(r, 400, contains="10")
    assert len(ok(http("GET", keys, token=s.owner.token))) == 10
    one = ok(http("GET", keys, token=s.owner.token))[0]["_id"]
    ok(http("DELETE", keys + "/" + one, token=s.owner.token))
    ok(http("POST", keys, body={"name": "again"}, token=s.owner.token), "room again after a revoke")
    err(http("POST", keys, body={"name": "11th"}, token=s.owner.token), 400, "the 11th")


# ---------------------------------------------------------------------------
# Issue 12 items 2 and 3: keys of departed members, escalation


def cma_users(token, site_id):
    return http("GET", "/cma/users", token=token, headers={"X-Site-Id": site_id})


def test_removed_member_loses_keys_they_made():
    """A member who is removed loses the website keys they created, in the same transaction: the key no
    longer reads the team, the invitations or /cma/users (every member's email); keys others made stay."""
    s = new_site()
    m = add_member(s, "member", permissions="*")
    keys = API + "/websites/%s/api-keys" % s.id
    mk = ok(http("POST", keys, body={"name": "member's"}, token=m.token), "the member makes a key")[0]["key"]
    ok(http("GET", s.team, token=mk), "the member's key reads the team")
    r = cma_users(mk, s.id)
    assert r.status == 200, r
    ok(http("DELETE", s.team, body={"userId": m.id}, token=s.owner.token), "remove the member")
    soft = Soft()
    for _ in range(4):  # every worker
        soft.err(http("GET", s.team, token=mk), 401, "the removed member's key on the team")
        soft.err(http("GET", s.team + "/invitations", token=mk), 401, "... on the invitations")
        r = cma_users(mk, s.id)
        soft.true(r.status == 401, "... on /cma/users: %r" % r)
        soft.ok(http("GET", s.team, token=s.key), "the owner's (CLI) key still works")
    soft.done()


def test_demoted_member_loses_keys_they_made():
    """A member who becomes a viewer loses the keys they created (viewers cannot manage keys); becoming a
    member again does not bring them back."""
    s = new_site()
    m = add_member(s, "member", permissions="*")
    keys = API + "/websites/%s/api-keys" % s.id
    mk = ok(http("POST", keys, body={"name": "member's"}, token=m.token))[0]
    ok(http("GET", s.team, token=mk["key"]))
    ok(http("PATCH", s.team + "/" + m.id, body={"role": "viewer"}, token=s.owner.token), "to viewer")
    err(http("GET", s.team, token=mk["key"]), 401, "the viewer's key")
    ok(http("PATCH", s.team + "/" + m.id, body={"role": "member"}, token=s.owner.token), "back to member")
    err(http("GET", s.team, token=mk["key"]), 401, "the key stays revoked")
    ids = [x["id"] for x in ok(http("GET", keys, token=s.owner.token))]
    assert mk["id"] not in ids and s.key_id in ids, ids
    n = sql_value("SELECT COUNT(*) FROM %s.audit_log WHERE action='apikey.revoke' AND target='%s'"
                  % (db(), mk["id"]))
    assert n == "1", "the revocation is audited once: %s" % n


def test_removal_that_fails_revokes_nothing():
    """Keys are revoked with the removal, in its transaction: a removal refused (the owner, 400) or of a
    non-member (404) revokes no key."""
    s = new_site()
    keys = API + "/websites/%s/api-keys" % s.id
    ok_key = ok(http("POST", keys, body={"name": "owner's"}, token=s.owner.token))[0]["key"]
    err(http("DELETE", s.team, body={"userId": random_id()}, token=s.owner.token), 404)
    m = add_member(s, "member", permissions="*")
    other = new_site(key=False)
    mk = ok(http("POST", API + "/websites/%s/api-keys" % s.id, body={}, token=m.token))[0]["key"]
    err(http("DELETE", other.team, body={"userId": m.id}, token=other.owner.token), 404, "not a member there")
    ok(http("GET", s.team, token=ok_key))
    ok(http("GET", s.team, token=mk), "the member's key outlives a removal elsewhere")


def test_key_creation_needs_team_read():
    """No credential creates what it could not do itself: a token with api-keys:write but without team:read
    cannot create a df_ key (which reads the team): 403, and no key is made."""
    s = new_site(key=False)
    keys = API + "/websites/%s/api-keys" % s.id
    w, _ = make_token(s.owner.email, "api-keys:read,api-keys:write")
    err(http("GET", s.team, token=w), 403, "the token itself cannot read the team")
    err(http("POST", keys, body={"name": "escalate"}, token=w), 403, "it cannot make a key that can")
    assert ok(http("GET", keys, token=w)) == [], "no key was made"
    rw, _ = make_token(s.owner.email, "api-keys:write,team:read")
    k = ok(http("POST", keys, body={"name": "fine"}, token=rw))[0]["key"]
    ok(http("GET", s.team, token=k))


def test_scoped_token_sees_only_tokens_within_its_scope():
    """A token scoped to some websites sees and manages only tokens whose scope lies within its own: not the
    user's unscoped `*` token, nor one reaching another website."""
    a = new_site(key=False)
    b = new_site(key=False, owner=a.owner)
    u = a.owner
    scoped_a, sa_id = make_token(u.email, "*", websites=a.id)
    _, sa2_id = make_token(u.email, "team:read", websites=a.id)
    _, sab_id = make_token(u.email, "*", websites=[a.id, b.id])
    _, sb_id = make_token(u.email, "*", websites=b.id)
    seen = {t["id"] for t in tokens_of(scoped_a)}
    assert seen == {sa_id, sa2_id}, "a token scoped to A sees %r (A-only: %r)" % (seen, {sa_id, sa2_id})
    for tid, what in ((u.token_id, "the unscoped * token"), (sab_id, "a token for A and B"),
                      (sb_id, "a token for B")):
        err(http("DELETE", API + "/access-tokens/" + tid, token=scoped_a), 404, "revoke %s" % what)
    ok(http("GET", b.team, token=u.token), "the unscoped token still works")
    ok(http("DELETE", API + "/access-tokens/" + sa2_id, token=scoped_a), "a token within the scope")
    full = {t["id"] for t in tokens_of(u.token)}
    assert {u.token_id, sa_id, sab_id, sb_id} <= full and sa2_id not in full, full
