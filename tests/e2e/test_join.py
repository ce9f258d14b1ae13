"""The join page (shared/API.md, "Accepting an invitation"): "GET /join?token=…
renders an HTML page: website name, role, who invited, expiry, and an Accept
button (a form POST). Expired, revoked, used or unknown tokens get a clear page
saying so, with the right status (404 or 410), never a stack of JSON."

The first test drives the page in a real headless browser (Debian's chromium
through playwright-core: tests/browser/join.mjs); the others read the HTML."""

import json
import os
import struct
import subprocess

import harness as H
from harness import Soft, cli, new_email, new_site, new_user, ok, team, uniq
from invitelib import (accept, check_html, invite_link, join_get, join_post, members,
                       invitation_status, random_token)

BROWSER_DIR = os.path.join(H.ROOT, "tests", "browser")
JOIN_MJS = os.path.join(BROWSER_DIR, "join.mjs")
CHROMIUM = "/usr/bin/chromium"
XSS = "<script>alert(1)</script>"


def png_size(path):
    """(width, height) of a PNG file, checking its signature."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", "%s is not a PNG" % path
    return struct.unpack(">II", head[16:24])


def run_browser(url, name, out):
    assert os.path.isfile(CHROMIUM), "no %s (Debian package chromium; deploy/local/deps.sh)" % CHROMIUM
    assert os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")), \
        "no tests/browser/node_modules: run `make tests/browser/node_modules/.installed` (npm ci)"
    cmd = ["node", JOIN_MJS, "--url", url, "--name", name, "--out", out, "--chromium", CHROMIUM,
           "--timeout-ms", "20000"]
    try:
        p = subprocess.run(cmd, cwd=H.ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("node join.mjs ran over 120 s; stderr: %s" % (e.stderr or b"")[-3000:])
    out_s = p.stdout.decode(errors="replace")
    err_s = p.stderr.decode(errors="replace")
    lines = [ln for ln in out_s.splitlines() if ln.startswith("{")]
    assert lines, "node join.mjs: exit %s, no JSON on stdout\nstdout: %s\nstderr: %s" % (
        p.returncode, out_s[-3000:], err_s[-3000:])
    res = json.loads(lines[-1])
    assert res.get("ok"), "the browser run failed: %s\nsteps so far: %s\nstderr: %s" % (
        res.get("error"), json.dumps(res.get("steps"), indent=1)[:4000], err_s[-3000:])
    return res


def test_browser_join_accept_then_used():
    """Join page in a real browser: open a fresh invite link, see the website name and role, type a name, press
    Accept, see the success page; the Team API lists the new member with that name and role; the link again shows
    the "already used" page (screenshots of each page)."""
    s = new_site(key=False)
    email = new_email("browser")
    d, tok, url = invite_link(s, email, "member")
    name = "Zoë Browser " + uniq("n")
    shots = os.path.join(H.STACK.state, "screenshots", "join-" + d["invitationId"])
    res = run_browser(url, name, shots)
    steps = {st["step"]: st for st in res["steps"]}
    for st in res["steps"]:
        print("     screenshot %-8s %s (HTTP %s)" % (st["step"], st["screenshot"], st["status"]), flush=True)
        w, h = png_size(st["screenshot"])
        assert w >= 200 and h >= 100, "screenshot %s is %dx%d" % (st["screenshot"], w, h)

    j = steps["join"]
    assert j["status"] == 200, "join page: HTTP %s\n%s" % (j["status"], j["text"])
    assert (j["contentType"] or "").startswith("text/html"), "join page Content-Type %r" % j["contentType"]
    assert s.name in j["text"], "join page does not show the website name %r:\n%s" % (s.name, j["text"])
    assert "member" in j["text"], "join page does not show the role:\n%s" % j["text"]
    assert s.owner.name in j["text"], "join page does not show the inviter %r:\n%s" % (s.owner.name, j["text"])
    assert "UTC" in j["text"] and d["expiresAt"][:10] in j["text"], \
        "join page does not show the expiry (%s):\n%s" % (d["expiresAt"], j["text"])
    assert j["nameFieldVisible"] and j["buttonVisible"], "join page: name field or Accept button not visible: %r" % j
    assert j["stylesheetApplied"], "join page: the stylesheet did not apply (CSP?)"

    a = steps["accepted"]
    assert a["method"] == "POST", "Accept did not POST the form: %r" % a
    assert a["status"] == 200, "after Accept: HTTP %s\n%s" % (a["status"], a["text"])
    assert "You have joined the team" in (a["h1"] or "") and "You have joined the team" in a["title"], \
        "success page: h1 %r title %r\n%s" % (a["h1"], a["title"], a["text"])
    assert s.name in a["text"] and email in a["text"], "success page lacks the website or the email:\n%s" % a["text"]

    g = steps["again"]
    assert g["status"] == 410, "the used link again: HTTP %s\n%s" % (g["status"], g["text"])
    assert "already been used" in (g["h1"] or ""), "the used link again: h1 %r\n%s" % (g["h1"], g["text"])
    # The 410 page is a failed load for the console; anything else (a CSP violation, a script error) is not.
    errors = [e for e in res["consoleErrors"] if "status of 410" not in e]
    assert not errors, "browser console errors: %r" % errors

    entry = [m for m in team(s) if m.get("email") == email]
    assert len(entry) == 1, "the team list does not hold %s once: %r" % (email, team(s))
    assert entry[0].get("name") == name and entry[0].get("role") == "member", \
        "team entry %r, expected name %r role member" % (entry[0], name)
    assert invitation_status(d["invitationId"]) == "accepted"


def test_join_page_escapes_names():
    """Join page: a website name and an inviter name holding <script>alert(1)</script> are shown escaped."""
    owner = new_user(name="Mallory " + XSS)
    domain = "%s.e2e.example.com" % uniq("xss")
    site_name = "Evil " + XSS + " & Co"
    out = cli("website", "create", "--domain", domain, "--owner-email", owner.email, "--name", site_name)
    s = H.Site()
    s.id, s.owner, s.name, s.domain = out["websiteId"], owner, site_name, domain
    s.team = "%s/websites/%s/team" % (H.API, s.id)
    d, tok, url = invite_link(s, new_email("xss"), "viewer")
    r = join_get(tok)
    body = check_html(r, 200, "join page")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, "escaped name missing:\n%s" % body
    assert "<script" not in body.lower(), "raw <script> in the join page:\n%s" % body
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in body, "website name not escaped as expected"
    assert "Mallory &lt;script&gt;alert(1)&lt;/script&gt;" in body, "inviter name not escaped as expected"
    # The success page shows the website name too.
    r = join_post(tok, "Eve " + XSS)
    body = check_html(r, 200, "POST /join", h1="You have joined the team")
    assert "<script" not in body.lower() and "&lt;script&gt;" in body, "success page:\n%s" % body
    t = [m for m in team(s) if m["email"] == d["email"]]
    assert t and t[0]["name"] == "Eve " + XSS, "the name is stored as typed: %r" % t


def test_join_page_content_and_headers():
    """Join page: 200 HTML with the website name, domain, role, inviter, expiry, a form POST /join with the
    token and a name field, and the security headers (CSP, X-Frame-Options DENY, no-referrer, no-store)."""
    s = new_site(key=False)
    d, tok, url = invite_link(s, new_email("page"), "viewer")
    r = join_get(tok)
    body = check_html(r, 200, "join page")
    soft = Soft()
    for what, v in (("website name", s.name), ("domain", s.domain), ("role", "viewer"),
                    ("inviter", s.owner.name), ("email", d["email"]), ("expiry", d["expiresAt"][:10])):
        soft.true(v in body, "join page lacks the %s %r" % (what, v))
    soft.true('<form method="post" action="/join">' in body, "no form POST /join")
    soft.true('name="token" value="%s"' % tok in body, "no hidden token field")
    soft.true('name="name"' in body, "no name field")
    soft.true("Accept invitation" in body, "no Accept button")
    soft.done()
    assert invitation_status(d["invitationId"]) == "pending", "GET /join must not accept"
    # The stylesheet the page links to is served (style-src 'self').
    css = H.http("GET", "/join.css")
    assert css.status == 200 and css.headers.get("content-type", "").startswith("text/css"), css


def test_join_unknown_and_malformed_tokens_404():
    """Join page: an unknown token and a malformed one get a 404 HTML page, never JSON."""
    soft = Soft()
    cases = [
        ("unknown token", dict(token=random_token())),
        ("too short", dict(token="abc")),
        ("too long", dict(token=random_token(44))),
        ("bad characters", dict(token=random_token(42) + "!")),
        ("script", dict(token=XSS)),
        ("empty", dict(raw_query="?token=")),
        ("missing", dict(raw_query="")),
        ("bad percent-encoding", dict(raw_query="?token=%zz%00")),
        ("NUL", dict(raw_query="?token=" + random_token(20) + "%00" + random_token(22))),
    ]
    for what, kw in cases:
        r = join_get(**kw)
        body = soft.check(check_html, r, 404, "GET /join " + what, h1="not found")
        if body is not None:
            soft.true("<script" not in body.lower(), "%s: raw <script> in the 404 page" % what)
    # The form with an unknown token is a 404 page too.
    soft.check(check_html, join_post(random_token(), "x"), 404, "POST /join unknown token")
    soft.done()


def test_join_gone_pages_410():
    """Join page: used, revoked and expired invitations get a 410 HTML page saying so (GET and POST)."""
    s = new_site(key=False)
    soft = Soft()
    used, used_tok, _ = invite_link(s, new_email("used"))
    ok(accept(used_tok), "accept")
    rev, rev_tok, _ = invite_link(s, new_email("rev"))
    ok(H.http("DELETE", s.team + "/invitations/" + rev["invitationId"], token=s.owner.token), "revoke")
    exp, exp_tok, _ = invite_link(s, new_email("exp"))
    H.sql("UPDATE %s.invitations SET expires_at = 1 WHERE id = '%s'" % (H.db(), exp["invitationId"]))
    for what, tok, h1 in (("used", used_tok, "already been used"), ("revoked", rev_tok, "was revoked"),
                          ("expired", exp_tok, "has expired")):
        soft.check(check_html, join_get(tok), 410, "GET /join " + what, h1=h1)
        soft.check(check_html, join_post(tok, "late"), 410, "POST /join " + what, h1=h1)
    soft.done()
    assert [m[2] for m in members(s.id)] == [used["email"]], "memberships: %r" % members(s.id)
    assert invitation_status(exp["invitationId"]) != "accepted"


def test_join_form_name_never_renames_an_existing_account():
    """Join form (issue "Hardening", item 1): POST /join with a name, for an email that already has an account
    (a member elsewhere, no name): the account joins (200 page) and keeps its null name in every team list."""
    email = new_email("formname")
    uid = cli("user", "create", "--email", email)["userId"]
    other = new_site(key=False)
    cli("member", "add", "--website", other.id, "--email", email, "--role", "viewer")
    s = new_site(key=False)
    d, tok, _ = invite_link(s, email, "viewer")
    check_html(join_post(tok, "Support - call +1 555 0100"), 200, "POST /join for an existing account",
               h1="You have joined")
    assert [m[0] for m in members(s.id)] == [uid], members(s.id)
    for site in (other, s):
        got = [m.get("name") for m in team(site) if m["userId"] == uid]
        assert got == [None], "the team list of %s shows the name %r" % (site.id, got)
    assert H.sql_value("SELECT IFNULL(name, 'NULL') FROM %s.users WHERE id = '%s'" % (H.db(), uid)) == "NULL"


def test_join_post_form_errors_are_html():
    """Join form: the wrong Content-Type, a missing token and an already-member email are HTML pages, not JSON."""
    s = new_site(key=False)
    d, tok, _ = invite_link(s, new_email("form"))
    soft = Soft()
    r = join_post(tok, "x", content_type="application/json")
    soft.check(check_html, r, (400, 415), "POST /join as application/json")
    r = H.http("POST", "/join", raw_body="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    soft.check(check_html, r, (400, 404), "POST /join without a token")
    soft.done()
    assert invitation_status(d["invitationId"]) == "pending"
    cli("member", "add", "--website", s.id, "--email", d["email"], "--role", "viewer")
    check_html(join_post(tok, "x"), 409, "POST /join already a member", h1="already on this team")
    assert invitation_status(d["invitationId"]) == "pending"
