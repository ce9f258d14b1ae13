"""Helpers of the invitation-acceptance tests (test_join.py, test_accept.py,
test_mail.py): invite links, accepting, the join page, simultaneous requests
without a credential.  Standard library only; works on harness.STACK."""

import http.client as httplib
import json
import random
import threading
from urllib.parse import parse_qs, quote, urlencode, urlparse

import harness as H
from harness import HEX24, http, ok

ACCEPT = "/api/v1/invitations/accept"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def token_of(url):
    """The token of an invite link."""
    q = parse_qs(urlparse(url).query)
    tok = q.get("token", [""])[0]
    assert tok, "invite link without a token: %r" % (url,)
    return tok


def invite_link(site, email, role="member", token=None):
    """Invites `email`; returns (data entry, token, inviteUrl)."""
    d = ok(H.invite(site, email, role, token=token), "invite %s" % email)[0]
    assert HEX24.match(str(d.get("invitationId"))), "invite: bad invitationId in %r" % d
    url = d.get("inviteUrl")
    assert isinstance(url, str) and "/join?token=" in url, "invite: bad inviteUrl in %r" % d
    return d, token_of(url), url


def random_token(n=None):
    """A well-formed token that no invitation has (same length as a real one)."""
    return "".join(random.choice(B64URL) for _ in range(n or 43))


def accept(token, name=None, **kw):
    body = {"token": token}
    if name is not None:
        body["name"] = name
    return http("POST", ACCEPT, body, **kw)


def join_get(token=None, raw_query=None, **kw):
    """GET /join?token=… (the token URL-encoded), or with `raw_query` as is."""
    if raw_query is not None:
        path = "/join" + raw_query
    elif token is None:
        path = "/join"
    else:
        path = "/join?token=" + quote(token, safe="")
    return http("GET", path, **kw)


def join_post(token, name=None, content_type="application/x-www-form-urlencoded", **kw):
    form = {"token": token}
    if name is not None:
        form["name"] = name
    return http("POST", "/join", raw_body=urlencode(form), headers={"Content-Type": content_type}, **kw)


def members(site_id):
    """Rows (user_id, role, email) of a website's non-owner memberships, from SQL."""
    return H.sql("SELECT m.user_id, m.role, u.email FROM %s.members m JOIN %s.users u ON u.id = m.user_id "
                 "WHERE m.website_id = '%s' AND m.role <> 'owner' ORDER BY m.joined_at"
                 % (H.db(), H.db(), site_id))


def invitation_status(inv_id):
    return H.sql_value("SELECT status FROM %s.invitations WHERE id = '%s'" % (H.db(), inv_id))


def users_with_email(email):
    return int(H.sql_value("SELECT COUNT(*) FROM %s.users WHERE email = '%s'" % (H.db(), email)))


# ---------------------------------------------------------------------------
# HTML pages

SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def check_html(r, status, what="", h1=None):
    """The join page's contract: the status, an HTML page (never JSON), the
    security headers.  Returns the body text."""
    pre = (what + ": ") if what else ""
    codes = status if isinstance(status, (tuple, list, set)) else (status,)
    assert r.status in codes, "%sexpected %s, got %r" % (pre, "/".join(map(str, codes)), r)
    ct = r.headers.get("content-type", "")
    assert ct.split(";")[0].strip().lower() == "text/html", "%sContent-Type %r is not text/html: %r" % (pre, ct, r)
    body = r.raw.decode("utf-8", errors="replace")
    try:
        json.loads(body)
        raise AssertionError("%sthe page is JSON: %r" % (pre, r))
    except ValueError:
        pass
    low = body.lstrip().lower()
    assert low.startswith("<!doctype html"), "%snot an HTML document: %r" % (pre, r)
    for k, v in SECURITY_HEADERS.items():
        got = r.headers.get(k, "")
        assert got.strip().lower() == v.lower(), "%s%s is %r, expected %r" % (pre, k, got, v)
    csp = r.headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, \
        "%sContent-Security-Policy %r lacks default-src 'none' / frame-ancestors 'none'" % (pre, csp)
    cc = r.headers.get("cache-control", "")
    assert "no-store" in cc.lower(), "%sCache-Control %r lacks no-store" % (pre, cc)
    if h1 is not None:
        got = h1_of(body)
        assert got is not None and h1 in got, "%s<h1> %r does not contain %r" % (pre, got, h1)
    return body


def h1_of(body):
    a = body.find("<h1>")
    b = body.find("</h1>", a)
    if a < 0 or b < 0:
        return None
    return body[a + 4:b]


# ---------------------------------------------------------------------------
# Simultaneous requests without a credential


def fire_public(requests, timeout=60):
    """Sends every (method, path, json_body) at once from its own thread, on
    connections opened beforehand and released together by a barrier.
    Returns a list of harness.Resp."""
    n = len(requests)
    barrier = threading.Barrier(n)
    results = [None] * n

    def one(i, method, path, body):
        data = json.dumps(body).encode()
        conn = httplib.HTTPConnection("127.0.0.1", H.STACK.port, timeout=H.HTTP_TIMEOUT)
        try:
            conn.connect()
            barrier.wait(timeout=30)
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            raw = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            results[i] = H.Resp(method, path, data.decode(), r.status, hdrs, parsed, raw)
        except Exception as e:  # reported below
            results[i] = e
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,) + tuple(req)) for i, req in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    alive = [t for t in threads if t.is_alive()]
    assert not alive, "%d request threads still running after %ss" % (len(alive), timeout)
    bad = [r for r in results if not isinstance(r, H.Resp)]
    assert not bad, "requests failed: %r" % bad[:3]
    return results


def tally(results):
    out = {}
    for r in results:
        out[r.status] = out.get(r.status, 0) + 1
    return out
