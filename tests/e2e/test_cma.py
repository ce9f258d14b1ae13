"""The Site-invitation API (DatoCMS dialect, /cma) end to end: the official
@datocms/cma-client-node driven through every route (tests/cma/client.test.mjs),
what that client cannot send (raw HTTP), the website chosen by the credential or
X-Site-Id, and one store under both dialects.  Each test's docstring states the
rule of the DatoCMS dialect (or of what both dialects share) that it checks."""

import json
import os
import re
import shutil
import subprocess
import time
from urllib.parse import parse_qs, urlparse

import harness as H
from harness import (API, HEX24, add_member, db, err, free_port, http, invitations, inv_id, invite,
                     make_token, new_email, new_site, new_user, ok, random_id, sql, sql_value,
                     team)

CMA = "/cma"
JSONAPI = "application/vnd.api+json"
CT = "application/json; charset=utf-8"
CLIENT_DIR = os.path.join(H.ROOT, "tests", "cma")


# ---------------------------------------------------------------------------
# Helpers


def cma(method, path, doc=None, token=None, headers=None, raw=None, ctype=JSONAPI):
    """One request under /cma; `doc` is sent as JSON with Content-Type `ctype`."""
    hdrs = dict(headers or {})
    if doc is not None:
        raw = json.dumps(doc)
        hdrs.setdefault("Content-Type", ctype)
    return http(method, CMA + path, token=token, headers=hdrs, raw_body=raw)


def check_ct(r, what=""):
    """Responses are always application/json; charset=utf-8 (the client parses nothing else)."""
    assert r.headers.get("content-type") == CT, "%s: Content-Type %r: %r" % (
        what, r.headers.get("content-type"), r)
    assert r.headers.get("x-request-id"), "%s: no X-Request-Id: %r" % (what, r)


def cma_ok(r, status=200, what=""):
    """A success: the status, application/json, {"data": ...}.  Returns data."""
    assert r.status == status, "%s: expected %d, got %r" % (what, status, r)
    check_ct(r, what)
    assert isinstance(r.body, dict) and "data" in r.body, "%s: no data: %r" % (what, r)
    return r.body["data"]


def cma_err(r, status, code, what="", field=None, detail=None):
    """A DatoCMS error: {"data":[{"id","type":"api_error","attributes":{"code","details"}}]},
    never transient.  Returns the details."""
    assert r.status == status, "%s: expected %d %s, got %r" % (what, status, code, r)
    check_ct(r, what)
    b = r.body
    assert isinstance(b, dict) and isinstance(b.get("data"), list) and b["data"], \
        "%s: not an api_error list: %r" % (what, r)
    e = b["data"][0]
    assert isinstance(e.get("id"), str) and e["id"], "%s: error id %r" % (what, e)
    assert e.get("type") == "api_error", "%s: type %r" % (what, e)
    a = e.get("attributes")
    assert isinstance(a, dict) and a.get("code") == code, "%s: code %r, expected %s: %r" % (
        what, a and a.get("code"), code, r)
    assert isinstance(a.get("details"), dict), "%s: details %r" % (what, a)
    assert a.get("transient") in (None, False), "%s: transient error: %r" % (what, r)
    if field is not None:
        assert a["details"].get("field") == field, "%s: details.field %r, expected %r" % (
            what, a["details"], field)
    if detail is not None:
        assert a["details"].get("code") == detail, "%s: details.code %r, expected %r" % (
            what, a["details"], detail)
    return a["details"]


def inv_doc(email, role="viewer", typ="site_invitation"):
    return {"data": {"type": typ, "attributes": {"email": email},
                     "relationships": {"role": {"data": {"type": "role", "id": role}}}}}


def scoped(site, user=None):
    """A dft_ token of the site's owner (or `user`) whose allowlist holds the site alone."""
    return make_token((user or site.owner).email, websites=[site.id])[0]


def cma_invite(site, email, role="viewer", token=None):
    r = cma("POST", "/site-invitations", inv_doc(email, role), token=token or scoped(site))
    d = cma_ok(r, 201, "create via /cma")
    assert d["type"] == "site_invitation" and HEX24.match(d["id"]), d
    return d


def token_of(link):
    return parse_qs(urlparse(link).query)["token"][0]


def accept(token, name=None):
    body = {"token": token}
    if name is not None:
        body["name"] = name
    return http("POST", "/api/v1/invitations/accept", body)


def audit_actions(site_id, target):
    rows = sql("SELECT action FROM %s.audit_log WHERE website_id='%s' AND target LIKE '%s%%'"
               " ORDER BY created_at, id" % (db(), site_id, target))
    return [r[0] for r in rows]


# ---------------------------------------------------------------------------
# The official client


def test_official_client_every_route():
    """The official @datocms/cma-client-node (pinned), unmodified with baseUrl http://HOST/cma,
    drives every route of the /cma table (users.update, users.findMe and site.find included, and
    include=role), each rejection an ApiError with its status, its code and a doc_url into roster's
    own API reference."""
    node = shutil.which("node")
    assert node, "node is not installed (deploy/local/deps.sh installs it)"
    assert os.path.isdir(os.path.join(CLIENT_DIR, "node_modules", "@datocms", "cma-client-node")), \
        "tests/cma/node_modules is missing: run `make tests/cma/node_modules/.installed` (make e2e does)"
    s = new_site()
    member = add_member(s, "member", token=False)
    member.token = make_token(member.email, websites=[s.id])[0]
    viewer = add_member(s, "viewer", token=False)
    other = add_member(s, "member", token=False)
    rev_key, rev_id = make_token(s.owner.email, websites=[s.id])
    ok(http("DELETE", "%s/access-tokens/%s" % (API, rev_id), token=s.owner.token), "revoke token")
    env = dict(os.environ)
    env.update({
        "ROSTER_CMA_BASE_URL": "http://127.0.0.1:%d%s" % (H.STACK.port, CMA),
        "ROSTER_CMA_WEBSITE_ID": s.id,
        "ROSTER_CMA_OWNER_TOKEN": scoped(s),
        "ROSTER_CMA_OWNER_ID": s.owner.id,
        "ROSTER_CMA_UNSCOPED_TOKEN": s.owner.token,
        "ROSTER_CMA_MEMBER_TOKEN": member.token,
        "ROSTER_CMA_KEY": s.key,
        "ROSTER_CMA_REVOKED_TOKEN": rev_key,
        "ROSTER_CMA_VIEWER_ID": viewer.id,
        "ROSTER_CMA_VIEWER_EMAIL": viewer.email,
        "ROSTER_CMA_EMAIL_DOMAIN": new_email("d").split("@")[1],
        "ROSTER_CMA_MEMBER_ID": member.id,
        "ROSTER_CMA_OTHER_ID": other.id,
        "ROSTER_CMA_KEY_ID": s.key_id,
        "ROSTER_CMA_SITE_NAME": s.name,
        "ROSTER_CMA_SITE_DOMAIN": s.domain,
    })
    try:
        p = subprocess.run([node, "--test", "--test-reporter=spec", "client.test.mjs"], cwd=CLIENT_DIR,
                           env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("node --test did not finish in 300 s (a retry loop?):\n%s" % (
            (e.stdout or b"").decode(errors="replace")[-6000:]))
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    assert p.returncode == 0, "node --test client.test.mjs: exit %d\n%s" % (p.returncode, out[-8000:])
    passed = re.search(r"^\S* ?pass (\d+)$", out, re.M)
    assert passed and int(passed.group(1)) >= 16 and re.search(r"^\S* ?fail 0$", out, re.M), \
        "unexpected node --test summary:\n%s" % out[-3000:]


# ---------------------------------------------------------------------------
# What the client cannot send


def test_wrong_data_type_422_invalid_format():
    """Requests are JSON:API documents whose data.type must be the right type: anything else is
    422 INVALID_FORMAT with details.messages, like DatoCMS's schema failures."""
    s = new_site(key=False)
    t = scoped(s)
    for typ in ("item", "role", "", None, 7):
        doc = inv_doc(new_email(), typ=typ)
        if typ is None:
            del doc["data"]["type"]
        d = cma_err(cma("POST", "/site-invitations", doc, token=t), 422, "INVALID_FORMAT",
                    "create, data.type %r" % (typ,))
        assert isinstance(d.get("messages"), list) and d["messages"], d
    inv = cma_invite(s, new_email(), token=t)
    cma_err(cma("PUT", "/site-invitations/" + inv["id"],
                {"data": {"type": "invitation", "id": inv["id"]}}, token=t), 422, "INVALID_FORMAT",
            "update, wrong type")
    assert invitations(s)[0]["role"] == "viewer"


def test_missing_relationships_422_invalid_format():
    """Create needs relationships.role.data {type: "role", id}: without it, 422 INVALID_FORMAT;
    an email that is missing is INVALID_FIELD email VALIDATION_REQUIRED."""
    s = new_site(key=False)
    t = scoped(s)
    bad = []
    doc = inv_doc(new_email())
    del doc["data"]["relationships"]
    bad.append(("no relationships", doc))
    doc = inv_doc(new_email())
    doc["data"]["relationships"] = {}
    bad.append(("no role", doc))
    for what, rel in (("data null", {"data": None}), ("no data", {}), ("type user", {
            "data": {"type": "user", "id": "member"}}), ("id a number", {"data": {"type": "role", "id": 1}}),
            ("a string", "member")):
        doc = inv_doc(new_email())
        doc["data"]["relationships"]["role"] = rel
        bad.append((what, doc))
    doc = inv_doc(new_email())
    doc["data"]["relationships"] = []
    bad.append(("relationships an array", doc))
    for what, doc in bad:
        cma_err(cma("POST", "/site-invitations", doc, token=t), 422, "INVALID_FORMAT", what)
    doc = inv_doc(new_email())
    del doc["data"]["attributes"]
    cma_err(cma("POST", "/site-invitations", doc, token=t), 422, "INVALID_FIELD", "no attributes",
            field="email", detail="VALIDATION_REQUIRED")
    doc["data"]["attributes"] = {"email": 42}
    cma_err(cma("POST", "/site-invitations", doc, token=t), 422, "INVALID_FORMAT", "email a number")
    assert invitations(s) == [], "nothing was created"


def test_body_not_jsonapi():
    """A body that is not a JSON:API document (the Team API's shape, no data object) is 422
    INVALID_FORMAT; malformed JSON is 400 INVALID_JSON_BODY; a body that is not JSON is 415
    INVALID_CONTENT_TYPE_HEADER; a write without a body is INVALID_FORMAT."""
    s = new_site(key=False)
    t = scoped(s)
    e = new_email()
    for what, raw in (("Team API shape", json.dumps({"email": e, "role": "member"})),
                      ("data an array", json.dumps({"data": [inv_doc(e)["data"]]})),
                      ("data a string", json.dumps({"data": "x"})),
                      ("an array", json.dumps([inv_doc(e)])),
                      ("empty", ""), ("blank", "  \n")):
        cma_err(cma("POST", "/site-invitations", raw=raw, token=t, headers={"Content-Type": JSONAPI}),
                422, "INVALID_FORMAT", what)
    cma_err(cma("POST", "/site-invitations", raw='{"data": {', token=t, headers={"Content-Type": JSONAPI}),
            400, "INVALID_JSON_BODY", "malformed")
    cma_err(cma("POST", "/site-invitations", raw=json.dumps(inv_doc(e)), token=t,
                headers={"Content-Type": "text/plain"}), 415, "INVALID_CONTENT_TYPE_HEADER", "text/plain")
    assert invitations(s) == [], "nothing was created"


def test_both_request_types_accepted():
    """Requests may say Content-Type application/vnd.api+json or application/json; create is 201
    (or 200), never 202 or 204, with {"data": resource}."""
    s = new_site(key=False)
    t = scoped(s)
    for ctype in (JSONAPI, "application/json", JSONAPI + "; charset=utf-8"):
        e = new_email()
        d = cma_ok(cma("POST", "/site-invitations", inv_doc(e, "member"), token=t, ctype=ctype), 201, ctype)
        assert d["attributes"] == {"email": e, "expired": False,
                                   "invitation_link": d["attributes"]["invitation_link"]}, d
        assert d["attributes"]["invitation_link"].startswith("http://127.0.0.1:%d/join?token=" % H.STACK.port)
        assert d["relationships"] == {"role": {"data": {"type": "role", "id": "member"}}}, d
        assert set(d) == {"type", "id", "attributes", "relationships"}, d
    assert len(invitations(s)) == 3


def test_responses_always_application_json():
    """Responses are always Content-Type application/json; charset=utf-8: successes and every
    kind of error, under /cma."""
    s = new_site()
    t = scoped(s)
    inv = cma_invite(s, new_email(), token=t)
    for r in (cma("GET", "/site-invitations", token=t),
              cma("GET", "/site-invitations/" + inv["id"], token=t),
              cma("PUT", "/site-invitations/" + inv["id"],
                  {"data": {"type": "site_invitation", "id": inv["id"]}}, token=t),
              cma("GET", "/roles", token=t), cma("GET", "/roles/member", token=t),
              cma("GET", "/users", token=t, headers={"Accept": JSONAPI}),
              cma("GET", "/users", token=s.key),
              cma("HEAD", "/roles", token=t)):
        assert r.status == 200, r
        check_ct(r, "%s %s" % (r.method, r.path))
    for r, status in ((cma("GET", "/site-invitations"), 401),
                      (cma("GET", "/site-invitations", token="dft_x"), 401),
                      (cma("POST", "/site-invitations", inv_doc(new_email()), token=s.key), 403),
                      (cma("GET", "/nothing", token=t), 404),
                      (cma("GET", "/site-invitations/" + random_id(), token=t), 404),
                      (cma("PATCH", "/site-invitations", token=t), 405),
                      (cma("POST", "/site-invitations", {"x": 1}, token=t), 422)):
        assert r.status == status, r
        check_ct(r, "%s %s" % (r.method, r.path))


def test_404_405_in_datocms_shape():
    """An unknown path is 404, a known path with the wrong method 405 with an Allow header, both
    in DatoCMS's api_error shape under /cma; a path id that is not 24 hex characters is 404."""
    s = new_site(key=False)
    t = scoped(s)
    for p in ("", "/", "/items", "/site-invitations/x/y", "/site-invitations/%s/resend/x" % random_id()):
        cma_err(cma("GET", p, token=t), 404, "NOT_FOUND", "GET /cma" + p)
    for p in ("/site-invitations/312", "/site-invitations/" + "A" * 24, "/roles/owner",
              "/roles/admin"):
        cma_err(cma("GET", p, token=t), 404, "NOT_FOUND", "GET /cma" + p)
    cma_err(cma("DELETE", "/users/" + s.owner.id, token=t), 404, "NOT_FOUND", "owner is no collaborator")
    for method, p, allow in (("PATCH", "/site-invitations", "GET, HEAD, POST"),
                             ("DELETE", "/site-invitations", "GET, HEAD, POST"),
                             ("POST", "/site-invitations/" + random_id(), "GET, HEAD, PUT, DELETE"),
                             ("GET", "/site-invitations/%s/resend" % random_id(), "POST"),
                             ("POST", "/roles", "GET, HEAD"), ("POST", "/users/" + random_id(), "GET, HEAD, PUT, DELETE")):
        r = cma(method, p, token=t)
        cma_err(r, 405, "INVALID_ENDPOINT", "%s /cma%s" % (method, p))
        assert r.headers.get("allow") == allow, "Allow %r, expected %r" % (r.headers.get("allow"), allow)


def test_error_entries_shape_and_request_id():
    """Errors: HTTP status with {"data":[{"id","type":"api_error","attributes":{"code","details"}}]};
    the id is the request id (X-Request-Id), echoed in the header as well."""
    r = cma("GET", "/site-invitations", headers={"X-Request-Id": "cma-e2e-req-1"})
    cma_err(r, 401, "INVALID_AUTHORIZATION_HEADER")
    assert r.headers.get("x-request-id") == "cma-e2e-req-1", r.headers
    assert r.body["data"][0]["id"] == "cma-e2e-req-1", r.body
    assert len(r.body["data"]) == 1 and set(r.body) == {"data"}, r.body
    assert isinstance(r.body["data"][0]["attributes"]["details"].get("message"), str), r.body


def test_client_headers_and_empty_bodies():
    """X-Api-Version: 3 is accepted, X-Environment ignored; Content-Type application/json on
    GET and DELETE without a body, and resend with an empty body, are not errors; unknown query
    parameters (include, page) are ignored and lists return every entry."""
    s = new_site(key=False)
    t = scoped(s)
    hd = {"X-Api-Version": "3", "X-Environment": "sandbox-1", "Content-Type": "application/json",
          "Accept": "application/json"}
    ids = [cma_invite(s, new_email(), token=t)["id"] for _ in range(3)]
    lst = cma_ok(cma("GET", "/site-invitations?include=role&page[limit]=1&page[offset]=2", token=t,
                     headers=hd))
    assert [i["id"] for i in lst] == ids, lst
    assert all(i["attributes"]["invitation_link"] is None for i in lst), lst
    d = cma_ok(cma("POST", "/site-invitations/%s/resend" % ids[0], token=t, headers=hd, raw=""))
    assert d["id"] == ids[0] and d["attributes"]["invitation_link"], d
    d = cma_ok(cma("POST", "/site-invitations/%s/resend" % ids[1], token=t,
                   headers={"Content-Type": "text/plain"}, raw="ignored"))
    assert d["attributes"]["invitation_link"], d
    d = cma_ok(cma("DELETE", "/site-invitations/" + ids[2], token=t, headers=hd))
    assert d["id"] == ids[2] and d["attributes"]["invitation_link"] is None, d
    assert len(cma_ok(cma("GET", "/roles?page[limit]=1", token=t, headers=hd))) == 2


def test_update_rules():
    """PUT /site-invitations/{id} changes the role (relationships.role); data.id, when sent, must
    be the path's; a role other than member or viewer is INVALID_FIELD role; no role changes
    nothing."""
    s = new_site(key=False)
    t = scoped(s)
    inv = cma_invite(s, new_email(), "viewer", token=t)
    path = "/site-invitations/" + inv["id"]
    cma_err(cma("PUT", path, {"data": {"type": "site_invitation", "id": random_id(), "relationships": {
        "role": {"data": {"type": "role", "id": "member"}}}}}, token=t), 422, "INVALID_FORMAT", "other id")
    for role in ("owner", "admin", ""):
        cma_err(cma("PUT", path, {"data": {"type": "site_invitation", "relationships": {
            "role": {"data": {"type": "role", "id": role}}}}}, token=t), 422, "INVALID_FIELD", role,
            field="role")
    d = cma_ok(cma("PUT", path, {"data": {"type": "site_invitation", "id": inv["id"], "relationships": {}}},
                   token=t))
    assert d["relationships"]["role"]["data"]["id"] == "viewer", d
    d = cma_ok(cma("PUT", path, {"data": {"type": "site_invitation", "id": inv["id"], "relationships": {
        "role": {"data": {"type": "role", "id": "member"}}}}}, token=t))
    assert d["relationships"]["role"]["data"] == {"type": "role", "id": "member"}, d
    assert d["attributes"]["invitation_link"] is None, d
    assert invitations(s)[0]["role"] == "member"
    assert audit_actions(s.id, inv["id"]) == ["invite.create", "invite.role"]


def test_role_change_requeues_the_queued_email():
    """PUT /site-invitations/{id} with another role while the invitation's email is still queued (this
    stack sends none): that email is retired and a new one queued naming the new role, with the same
    link (sealed), which still accepts, with the new role.  The same role again queues nothing."""
    s = new_site(key=False)
    t = scoped(s)
    email = new_email()
    inv = cma_invite(s, email, "viewer", token=t)
    link = inv["attributes"]["invitation_link"]
    assert link and "'" not in link, inv
    path = "/site-invitations/" + inv["id"]

    def outbox():
        return sql("SELECT status, IFNULL(last_error, ''), LOCATE(' as viewer.', body_text) > 0, "
                   "LOCATE(' as member.', body_text) > 0, LOCATE('%s', body_text) > 0, to_email, "
                   "link_sealed IS NOT NULL FROM %s.outbox WHERE invitation_id = '%s' ORDER BY created_at, id"
                   % (link, db(), inv["id"]))

    # The queued email keeps no link in its text, only sealed (test_mail.py
    # sees the requeued email arrive with the same link).
    assert outbox() == [["pending", "", "1", "0", "0", email, "1"]], outbox()
    doc = {"data": {"type": "site_invitation", "id": inv["id"], "relationships": {
        "role": {"data": {"type": "role", "id": "member"}}}}}
    cma_ok(cma("PUT", path, doc, token=t))
    rows = outbox()
    assert rows == [["retired", "superseded by a role change", "1", "0", "0", email, "0"],
                    ["pending", "", "0", "1", "0", email, "1"]], rows
    cma_ok(cma("PUT", path, doc, token=t))
    assert outbox() == rows, "the same role again: %r" % outbox()
    ok(http("POST", "/api/v1/invitations/accept", {"token": token_of(link)}), "accept with the old link")
    assert [r[1] for r in sql("SELECT u.email, m.role FROM %s.members m JOIN %s.users u ON u.id = m.user_id "
                              "WHERE m.website_id = '%s' AND u.email = '%s'" % (db(), db(), s.id, email))] \
        == ["member"]


def test_site_from_credential_or_x_site_id():
    """The site is the one website the credential reaches: a dft_ token whose allowlist holds
    exactly one website, a df_ key (read routes only), or an explicit X-Site-Id header; the
    credential rules hold for it (a bad credential 401, no access 403, no such website 404)."""
    a = new_site()
    b = new_site(owner=a.owner)
    other = new_site()
    ia = cma_invite(a, new_email(), token=scoped(a))["id"]
    ib = cma_invite(b, new_email(), token=scoped(b))["id"]

    def ids(r, what):
        return [i["id"] for i in cma_ok(r, what=what)]

    both = make_token(a.owner.email, websites=[a.id, b.id])[0]
    unscoped = a.owner.token
    assert ids(cma("GET", "/site-invitations", token=scoped(a)), "scoped a") == [ia]
    assert ids(cma("GET", "/site-invitations", token=scoped(b)), "scoped b") == [ib]
    assert ids(cma("GET", "/site-invitations", token=a.key), "key a") == [ia]
    for tok in (both, unscoped):
        cma_err(cma("GET", "/site-invitations", token=tok), 403, "INSUFFICIENT_PERMISSIONS",
                "several websites, no header")
        assert ids(cma("GET", "/site-invitations", token=tok, headers={"X-Site-Id": b.id}), "hdr b") == [ib]
        assert ids(cma("GET", "/site-invitations", token=tok, headers={"X-Site-Id": a.id}), "hdr a") == [ia]
    # The header wins over the token's one website, and the allowlist still holds.
    cma_err(cma("GET", "/site-invitations", token=scoped(a), headers={"X-Site-Id": b.id}), 403,
            "INSUFFICIENT_PERMISSIONS", "outside the allowlist")
    assert ids(cma("GET", "/site-invitations", token=scoped(a), headers={"X-Site-Id": ""}), "empty hdr") == [ia]
    # A key is bound to its website; not a member; no such website; not an id.
    cma_err(cma("GET", "/site-invitations", token=a.key, headers={"X-Site-Id": b.id}), 403,
            "INSUFFICIENT_PERMISSIONS", "key, other website")
    assert ids(cma("GET", "/site-invitations", token=a.key, headers={"X-Site-Id": a.id}), "key own") == [ia]
    cma_err(cma("GET", "/site-invitations", token=unscoped, headers={"X-Site-Id": other.id}), 403,
            "INSUFFICIENT_PERMISSIONS", "not a member")
    for bad in (random_id(), "nothex", "6" * 25):
        cma_err(cma("GET", "/site-invitations", token=unscoped, headers={"X-Site-Id": bad}), 404,
                "NOT_FOUND", "X-Site-Id %r" % bad)
    # 401 comes first, whatever the header says.
    cma_err(cma("GET", "/site-invitations", token="dft_nope", headers={"X-Site-Id": "nothex"}), 401,
            "INVALID_AUTHORIZATION_HEADER")
    # Writes land on the chosen website.
    e = new_email()
    d = cma_ok(cma("POST", "/site-invitations", inv_doc(e), token=unscoped, headers={"X-Site-Id": b.id}), 201)
    assert [inv_id(x) for x in invitations(b)] == [ib, d["id"]]
    assert [inv_id(x) for x in invitations(a)] == [ia]
    # A df_ key reads only: every write is 403.
    cma_err(cma("POST", "/site-invitations", inv_doc(new_email()), token=a.key), 403, "INSUFFICIENT_PERMISSIONS")
    cma_err(cma("DELETE", "/site-invitations/" + ia, token=a.key), 403, "INSUFFICIENT_PERMISSIONS")
    # A token without team:read.
    weak = make_token(a.owner.email, permissions="websites:read", websites=[a.id])[0]
    cma_err(cma("GET", "/users", token=weak), 403, "INSUFFICIENT_PERMISSIONS", "no team:read")


def test_users_are_the_collaborators():
    """GET /users, /users/{id}: the site's collaborators, type "user", with their role; the
    owner is the account, not a collaborator (404); DELETE /users/{id} returns the removed one."""
    s = new_site(key=False)
    t = scoped(s)
    m = add_member(s, "member", token=False)
    v = add_member(s, "viewer", token=False)
    users = cma_ok(cma("GET", "/users", token=t))
    assert [(u["id"], u["attributes"]["email"], u["relationships"]["role"]["data"]["id"]) for u in users] == \
        [(m.id, m.email, "member"), (v.id, v.email, "viewer")], users
    u = users[0]
    assert u["type"] == "user" and set(u["attributes"]) == {"email", "is_2fa_active", "full_name", "is_active"}, u
    assert u["attributes"]["full_name"] == m.name, u
    assert u["meta"] == {"last_access": None}, u
    cma_err(cma("GET", "/users/" + s.owner.id, token=t), 404, "NOT_FOUND")
    d = cma_ok(cma("DELETE", "/users/" + v.id, token=t))
    assert d["id"] == v.id and d["relationships"]["role"]["data"]["id"] == "viewer", d
    assert [x["userId"] for x in team(s)] == [s.owner.id, m.id]
    cma_err(cma("GET", "/users/" + v.id, token=t), 404, "NOT_FOUND")
    assert audit_actions(s.id, v.id) == ["member.add", "member.remove"]


# ---------------------------------------------------------------------------
# Across both dialects: one store, one set of rules


def test_invite_via_cma_list_and_revoke_via_team_api():
    """Both dialects are presentations of one core: an invitation made through /cma is listed and
    revoked through /api/v1/admin, and is gone from /cma at once."""
    s = new_site(key=False)
    t = scoped(s)
    e = new_email()
    inv = cma_invite(s, e, "member", token=t)
    lst = invitations(s)
    assert len(lst) == 1 and inv_id(lst[0]) == inv["id"], lst
    assert lst[0]["email"] == e and lst[0]["role"] == "member" and lst[0]["status"] == "pending", lst
    ok(http("DELETE", "%s/invitations/%s" % (s.team, inv["id"]), token=s.owner.token), "revoke via Team API")
    cma_err(cma("GET", "/site-invitations/" + inv["id"], token=t), 404, "NOT_FOUND")
    assert cma_ok(cma("GET", "/site-invitations", token=t)) == []
    cma_err(cma("DELETE", "/site-invitations/" + inv["id"], token=t), 404, "NOT_FOUND")
    assert audit_actions(s.id, inv["id"]) == ["invite.create", "invite.revoke"]
    # The link died with it.
    r = accept(token_of(inv["attributes"]["invitation_link"]))
    assert r.status == 410, r


def test_invite_via_team_resend_via_cma_accept_new_link():
    """An invitation made through the Team API is resent through /cma: a new link, the old one
    stops working; accepting with the new link (POST /api/v1/invitations/accept {"token"}) makes
    a collaborator /cma lists."""
    s = new_site(key=False)
    t = scoped(s)
    e = new_email()
    d = ok(invite(s, e, "member"), "invite via Team API")[0]
    old = token_of(d["inviteUrl"])
    lst = cma_ok(cma("GET", "/site-invitations", token=t))
    assert [(i["id"], i["attributes"]["email"], i["attributes"]["expired"]) for i in lst] == \
        [(d["invitationId"], e, False)], lst
    r = cma("POST", "/site-invitations/%s/resend" % d["invitationId"], token=t,
            headers={"Content-Type": "application/json"}, raw="")
    res = cma_ok(r, what="resend via /cma")
    link = res["attributes"]["invitation_link"]
    assert link and token_of(link) != old, res
    assert res["relationships"]["role"]["data"]["id"] == "member", res
    r = accept(old)
    assert r.status in (404, 410), "the old link must stop working: %r" % r
    a = ok(accept(token_of(link), name="Cross Dialect"), "accept the new link")[0]
    assert a["email"] == e and a["role"] == "member", a
    users = cma_ok(cma("GET", "/users", token=t))
    assert [(u["id"], u["attributes"]["email"], u["attributes"]["full_name"],
             u["relationships"]["role"]["data"]["id"]) for u in users] == \
        [(a["userId"], e, "Cross Dialect", "member")], users
    assert cma_ok(cma("GET", "/site-invitations", token=t)) == []
    assert audit_actions(s.id, d["invitationId"]) == ["invite.create", "invite.resend", "invite.accept"]


def test_one_pending_invitation_per_email_across_dialects():
    """One pending invitation per email, whichever dialect made it: the Team API's 409 is /cma's
    INVALID_FIELD email VALIDATION_UNIQUENESS, both ways; a member's email likewise."""
    s = new_site(key=False)
    t = scoped(s)
    e1, e2 = new_email(), new_email()
    ok(invite(s, e1), "Team invite")
    cma_err(cma("POST", "/site-invitations", inv_doc("  " + e1.upper()), token=t), 422, "INVALID_FIELD",
            field="email", detail="VALIDATION_UNIQUENESS")
    cma_invite(s, e2, token=t)
    err(invite(s, e2.upper()), 409, "Team invite after /cma")
    m = add_member(s, "viewer", token=False)
    cma_err(cma("POST", "/site-invitations", inv_doc(m.email), token=t), 422, "INVALID_FIELD",
            field="email", detail="VALIDATION_UNIQUENESS")
    cma_err(cma("POST", "/site-invitations", inv_doc(s.owner.email), token=t), 422, "INVALID_FIELD",
            field="email")
    assert sorted(x["email"] for x in invitations(s)) == sorted([e1, e2])


def test_seat_limit_across_dialects():
    """A website never exceeds its seat limit: members plus pending invitations, whichever dialect
    made them; /cma says PLAN_UPGRADE_REQUIRED where the Team API says 403."""
    s = new_site(seats=3, key=False)
    t = scoped(s)
    ok(invite(s, new_email()), "Team invite 1")
    inv = cma_invite(s, new_email(), token=t)
    cma_err(cma("POST", "/site-invitations", inv_doc(new_email()), token=t), 422, "PLAN_UPGRADE_REQUIRED")
    err(invite(s, new_email()), 403, "Team invite past the limit")
    cma_ok(cma("DELETE", "/site-invitations/" + inv["id"], token=t))
    cma_invite(s, new_email(), token=t)
    assert len(invitations(s)) == 2


def test_expiry_across_dialects():
    """Invitations expire: /cma shows expired true (the Team API status "expired"); an expired
    invitation does not block a new one; resend makes it pending again with a new link."""
    s = new_site(key=False)
    t = scoped(s)
    e = new_email()
    inv = cma_invite(s, e, token=t)
    sql("UPDATE %s.invitations SET expires_at = 1 WHERE id = '%s'" % (db(), inv["id"]))
    d = cma_ok(cma("GET", "/site-invitations/" + inv["id"], token=t))
    assert d["attributes"]["expired"] is True, d
    assert [x["status"] for x in invitations(s)] == ["expired"]
    new = cma_invite(s, e, token=t)
    lst = cma_ok(cma("GET", "/site-invitations", token=t))
    assert [(i["id"], i["attributes"]["expired"]) for i in lst] == [(inv["id"], True), (new["id"], False)], lst
    # The newer one holds the email: resending the expired one would make two pending.
    cma_err(cma("POST", "/site-invitations/%s/resend" % inv["id"], token=t), 422, "INVALID_FIELD",
            field="email", detail="VALIDATION_UNIQUENESS")
    cma_ok(cma("DELETE", "/site-invitations/" + new["id"], token=t))
    d = cma_ok(cma("POST", "/site-invitations/%s/resend" % inv["id"], token=t))
    assert d["attributes"]["expired"] is False and d["attributes"]["invitation_link"], d
    assert [x["status"] for x in invitations(s)] == ["pending"]


def test_owner_only_writes_across_dialects():
    """Owner only for writes, in both dialects: a member's token reads /cma but every write is
    403 INSUFFICIENT_PERMISSIONS, and nothing changes."""
    s = new_site(key=False)
    mem = add_member(s, "member", token=False)
    mem.token = make_token(mem.email, websites=[s.id])[0]
    inv = cma_invite(s, new_email(), token=scoped(s))
    assert [i["id"] for i in cma_ok(cma("GET", "/site-invitations", token=mem.token))] == [inv["id"]]
    for method, path, doc in (("POST", "/site-invitations", inv_doc(new_email())),
                              ("PUT", "/site-invitations/" + inv["id"], {"data": {"type": "site_invitation"}}),
                              ("DELETE", "/site-invitations/" + inv["id"], None),
                              ("POST", "/site-invitations/%s/resend" % inv["id"], None),
                              ("DELETE", "/users/" + mem.id, None)):
        cma_err(cma(method, "%s" % path, doc, token=mem.token), 403, "INSUFFICIENT_PERMISSIONS",
                "%s %s" % (method, path))
    assert len(invitations(s)) == 1 and len(team(s)) == 2


RATE_PORTS = range(18900, 19000)


def test_rate_limit_429_and_the_client_waits():
    """Rate limits per credential: every /cma response carries X-RateLimit-Limit, -Remaining and
    -Reset; past the limit, 429 RATE_LIMIT_EXCEEDED (never transient) with X-RateLimit-Reset in
    whole seconds to wait (>= 1, not a timestamp) and Retry-After beside it; the official client
    sleeps that long and retries until it gets through.  On a stack of its own (port 189xx) with
    a budget of 3 requests per 2-second window."""
    main = H.STACK
    st = H.Stack(main.binary, port=free_port(RATE_PORTS), keep=main.keep)
    st.env.update({"ROSTER_RATE_LIMIT": "3", "ROSTER_RATE_WINDOW": "2", "ROSTER_WORKERS": "2"})
    try:
        st.up()
        H.STACK = st
        s = new_site()
        t = scoped(s)
        # Windows are fixed and epoch-aligned: start the burst just after one opens.
        time.sleep(2 - time.time() % 2 + 0.05)
        seen = []
        for _ in range(4):
            r = cma("GET", "/site-invitations", token=t)
            seen.append(r)
            if r.status == 429:
                break
        for i, r in enumerate(seen[:-1]):
            cma_ok(r, what="request %d" % (i + 1))
            assert r.headers.get("x-ratelimit-limit") == "3", r.headers
            assert r.headers.get("x-ratelimit-remaining") == str(2 - i), r.headers
            assert r.headers.get("x-ratelimit-reset") in ("1", "2"), r.headers
        last = seen[-1]
        if last.status != 429:  # a window boundary fell inside the burst
            last = cma("GET", "/site-invitations", token=t)
        cma_err(last, 429, "RATE_LIMIT_EXCEEDED", "past the limit")
        reset = last.headers.get("x-ratelimit-reset")
        assert reset in ("1", "2"), "X-RateLimit-Reset %r: seconds to wait, 1 or 2" % reset
        assert last.headers.get("retry-after") == reset, last.headers
        assert last.headers.get("x-ratelimit-remaining") == "0", last.headers
        # Another credential has a budget of its own.
        cma_ok(cma("GET", "/roles", token=s.key))
        # The official client waits X-RateLimit-Reset and retries: 7 calls on a fresh
        # credential pass a budget of 3 per 2 s.
        env = dict(os.environ)
        env.update({"ROSTER_CMA_BASE_URL": "http://127.0.0.1:%d%s" % (st.port, CMA),
                    "ROSTER_CMA_TOKEN": scoped(s), "ROSTER_CMA_CALLS": "7"})
        p = subprocess.run([shutil.which("node") or "node", "rate-limit.mjs"], cwd=CLIENT_DIR, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        out = p.stdout.decode(errors="replace")
        assert p.returncode == 0, "rate-limit.mjs: exit %d\n%s%s" % (
            p.returncode, out, p.stderr.decode(errors="replace")[-3000:])
        res = json.loads(out.strip().splitlines()[-1])
        waits = [line for line in res["log"] if "Rate limit exceeded, wait" in line]
        assert res["ok"] == 7, res
        assert waits, "the client never met a 429: %r" % res
        assert all(re.search(r"wait [12] seconds", w) for w in waits), waits
        assert res["ms"] >= 900, "the client did not wait: %r" % res
    finally:
        H.STACK = main
        res = st.down()
        reports, text = H.sanitizer_reports(st.state)
        if not st.keep:
            st.cleanup()
    assert not reports, "sanitizer reports of the rate-limit stack:\n%s" % text
    if res is not None and res[0] != 0:
        print("warning: rate-limit stack down: exit %s\n%s" % res, flush=True)


# ---------------------------------------------------------------------------
# users.update, users.findMe, site.find, include=role: what the client cannot send


def user_doc(uid=None, role=None, attrs=None, typ="user"):
    d = {"type": typ}
    if uid is not None:
        d["id"] = uid
    if role is not None:
        d["relationships"] = {"role": {"data": {"type": "role", "id": role}}}
    if attrs is not None:
        d["attributes"] = attrs
    return {"data": d}


def test_users_update_bad_documents_422():
    """PUT /cma/users/{id}: a body that is not a user document is INVALID_FORMAT (wrong type, data.id of
    another user, is_active not a boolean, role data of the wrong shape); is_active false is INVALID_FIELD
    is_active; nothing changes."""
    s = new_site()
    m = add_member(s, "member", token=False)
    t = scoped(s)
    path = "/users/" + m.id
    for doc, what in ((user_doc(m.id, "viewer", typ="site_invitation"), "wrong type"),
                      (user_doc(random_id(), "viewer"), "another id"),
                      (user_doc(m.id, attrs={"is_active": "yes"}), "is_active a string"),
                      ({"data": {"type": "user", "relationships": {"role": {"data": None}}}}, "role data null"),
                      ({"data": []}, "data an array")):
        cma_err(cma("PUT", path, doc, token=t), 422, "INVALID_FORMAT", what)
    cma_err(cma("PUT", path, user_doc(m.id, attrs={"is_active": False}), token=t), 422, "INVALID_FIELD",
            "deactivate", field="is_active")
    cma_err(cma("PUT", path, user_doc(m.id, "viewer"), token=s.key), 403, "INSUFFICIENT_PERMISSIONS", "df_ key")
    assert [x["role"] for x in team(s) if x["userId"] == m.id] == ["member"]
    d = cma_ok(cma("PUT", path, user_doc(m.id, "viewer"), token=t, ctype="application/json"), what="update")
    assert d["type"] == "user" and d["relationships"]["role"]["data"] == {"type": "role", "id": "viewer"}, d
    assert [x["role"] for x in team(s) if x["userId"] == m.id] == ["viewer"], "seen by the Team API at once"


def test_users_update_to_viewer_revokes_their_keys():
    """users.update to viewer is the core's role change: the keys the member made are revoked with it."""
    s = new_site()
    m = add_member(s, "member", permissions="*")
    k = ok(http("POST", "%s/websites/%s/apikeys" % (API, s.id), body={}, token=m.token))[0]["key"]
    cma_ok(cma("PUT", "/users/" + m.id, user_doc(m.id, "viewer"), token=scoped(s)))
    err(http("GET", s.team, token=k), 401, "the demoted member's key")


def test_include_role_raw():
    """include=role on /users, /users/{id} and /users/me sideloads the roles in a top-level `included`
    array (each once); without it there is no `included`; another include path is ignored."""
    s = new_site()
    add_member(s, "member", token=False)
    v = add_member(s, "viewer", token=False)
    add_member(s, "viewer", token=False)
    t = scoped(s)
    r = cma("GET", "/users?include=role", token=t)
    cma_ok(r)
    assert sorted(x["id"] for x in r.body["included"]) == ["member", "viewer"], r.body["included"]
    assert all(x["type"] == "role" and "name" in x["attributes"] for x in r.body["included"]), r.body
    r = cma("GET", "/users/%s?include=role,unknown.path" % v.id, token=t)
    cma_ok(r)
    assert [x["id"] for x in r.body["included"]] == ["viewer"], r.body
    r = cma("GET", "/users/me?include=role", token=t)
    assert cma_ok(r)["id"] == s.owner.id and [x["id"] for x in r.body["included"]] == ["owner"], r.body
    for path in ("/users", "/users/" + v.id, "/users/me", "/users?include=nothing"):
        r = cma("GET", path, token=t)
        cma_ok(r)
        assert "included" not in r.body, "%s: %r" % (path, r.body)


def test_site_find_raw():
    """GET /cma/site: type "site", id the website id, attributes name and domain (and timezone); seen by
    the df_ key too; a PUT of the website's name through the Team API shows at once."""
    s = new_site()
    d = cma_ok(cma("GET", "/site", token=s.key))
    assert d["type"] == "site" and d["id"] == s.id, d
    assert (d["attributes"]["name"], d["attributes"]["domain"], d["attributes"]["timezone"]) == (
        s.name, s.domain, "UTC"), d
    ok(http("PUT", "%s/websites/%s" % (API, s.id), body={"name": "Site renamed", "timezone": "Europe/Rome"},
            token=s.owner.token))
    d = cma_ok(cma("GET", "/site", token=scoped(s)))
    assert d["attributes"]["name"] == "Site renamed" and d["attributes"]["timezone"] == "Europe/Rome", d


def test_doc_url_on_every_error():
    """Every /cma error carries attributes.doc_url, a link to the code's section of roster's own API
    reference (served at /docs/api-reference.md): 401, 403, 404, 405, 422 and 415 alike."""
    s = new_site()
    t = scoped(s)
    base = "http://127.0.0.1:%d/docs/api-reference.md#" % H.STACK.port
    cases = [(cma("GET", "/users"), 401, "INVALID_AUTHORIZATION_HEADER"),
             (cma("POST", "/site-invitations", inv_doc(new_email()), token=s.key), 403,
              "INSUFFICIENT_PERMISSIONS"),
             (cma("GET", "/site-invitations/" + random_id(), token=t), 404, "NOT_FOUND"),
             (cma("PATCH", "/users", token=t), 405, "INVALID_ENDPOINT"),
             (cma("POST", "/site-invitations", inv_doc("bad"), token=t), 422, "INVALID_FIELD"),
             (cma("POST", "/site-invitations", raw="x", token=t, headers={"Content-Type": "text/plain"}), 415,
              "INVALID_CONTENT_TYPE_HEADER")]
    page = http("GET", "/docs/api-reference.md")
    assert page.status == 200 and page.headers["content-type"].startswith("text/plain"), page
    text = page.raw.decode()
    for r, status, code in cases:
        cma_err(r, status, code)
        url = r.body["data"][0]["attributes"].get("doc_url")
        assert url == base + code.lower(), "%s: doc_url %r" % (code, url)
        assert "\n#### `%s`\n" % code in text, "no section for %s in /docs/api-reference.md" % code
