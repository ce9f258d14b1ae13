"""The command line (app/proc/cli.c): one table of commands, parsed before any
configuration or database.  help, -h, --help, COMMAND --help and the version print
on stdout and exit 0, an unknown command or bad usage exits 2 with the usage on
stderr, and none of these reads a configuration: they run here with --config
naming a file that does not exist.  The admin commands keep their contract: one
JSON object on stdout and exit 0, or {"error": ...} on stdout and exit 1."""

import json
import os
import re
import shutil
import signal
import subprocess

import harness as H
from harness import API, HEX24, cli, cli_raw, err, http, new_site, new_user, ok, sql, sql_value
import fcgi_client as F
from invitelib import accept, token_of

NO_CONF = "/nonexistent/roster.conf"


def run(*args):
    """The binary with args and a configuration path that does not exist."""
    env = dict(H.STACK.env)
    env.pop("ROSTER_CONFIG", None)
    p = subprocess.run([H.STACK.binary] + list(args) + ["--config", NO_CONF], cwd=H.ROOT, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def version_h():
    with open(os.path.join(H.ROOT, "include", "roster", "version.h")) as f:
        return re.search(r'#define\s+ROSTER_VERSION\s+"([^"]+)"', f.read()).group(1)


def test_cli_version_from_one_place():
    """`roster --version` and `roster version`: "roster X.Y.Z", X.Y.Z being include/roster/version.h's."""
    for args in (["--version"], ["version"]):
        rc, out, errout = run(*args)
        assert (rc, out, errout) == (0, "roster %s\n" % version_h(), ""), (args, rc, out, errout)


def test_cli_help_needs_no_config():
    """help, -h, --help: every command's usage line on stdout, exit 0, nothing on stderr."""
    outs = []
    for args in (["help"], ["-h"], ["--help"]):
        rc, out, errout = run(*args)
        assert rc == 0 and errout == "", (args, rc, errout)
        outs.append(out)
    assert outs[0] == outs[1] == outs[2]
    for cmd in ("serve", "mailer", "migrate", "check-config", "user create", "website create", "website list",
                "website show", "website delete", "member add", "member list", "member remove", "invite",
                "token create", "token list", "token revoke", "apikey create", "apikey list", "apikey revoke",
                "outbox list", "audit", "config-keys", "man-page", "help", "version"):
        assert re.search(r"^(usage:| {6}) roster %s( |$)" % cmd, outs[0], re.M), (cmd, outs[0])


def test_cli_command_help():
    """`roster help COMMAND` and `roster COMMAND --help` (even after other options): that command's usage
    and what it does, on stdout, exit 0."""
    rc, out, errout = run("help", "token", "create")
    assert rc == 0 and errout == "", (rc, errout)
    assert out.startswith("usage: roster token create --config FILE --email E"), out
    for args in (["token", "create", "--help"], ["token", "create", "--email", "a@example.com", "-h"]):
        rc2, out2, errout2 = run(*args)
        assert (rc2, out2, errout2) == (0, out, ""), (args, rc2, out2, errout2)


def test_cli_bad_usage_exits_2():
    """An unknown command, an unknown or incomplete option, a missing required option, a stray argument:
    exit 2, the message and the usage on stderr, nothing on stdout, no configuration read."""
    cases = [
        (["bogus"], "unknown command: bogus"),
        (["user"], "unknown command: user"),
        (["user", "delete"], "unknown command: user delete"),
        (["help", "bogus"], "unknown command: bogus"),
        (["user", "create"], "--email is required"),
        (["member", "add", "--website", "W", "--email", "e@example.com"], "--role is required"),
        (["user", "create", "--email"], "--email needs a value"),
        (["user", "create", "--email", "e@example.com", "--role", "viewer"], "unknown option: --role"),
        (["token", "create", "--email", "e@example.com", "--website", "W"], "unknown option: --website"),
        (["serve", "now"], "unexpected argument: now"),
        (["config-keys", "--format", "yaml"], "--format must be markdown, conf or man"),
        (["audit"], "give --website or --user"),
        (["audit", "--website", "W", "--user", "U"], "give only one of --website or --user"),
        (["member", "remove", "--website", "W"], "give --email or --user"),
        (["token", "create", "--email", "e@example.com", "--create-user", "yes"], "unexpected argument: yes"),
        (["token", "revoke"], "--id is required"),
        (["apikey", "revoke", "--id", "K"], "--website is required"),
        ([], None),
    ]
    for args, msg in cases:
        rc, out, errout = run(*args)
        assert rc == 2 and out == "", (args, rc, out, errout)
        assert "usage: roster " in errout, (args, errout)
        assert msg is None or ("roster: %s\n" % msg) in errout, (args, errout)
        assert "configuration" not in errout, (args, errout)


def groff_text(page):
    """A man page as text, through groff with every warning on: (text, warnings)."""
    p = subprocess.run(["groff", "-man", "-Tutf8", "-P-cbou", "-ww", "-rLL=200n"], input=page.encode(), capture_output=True,
                       timeout=30, env=dict(os.environ, LC_ALL="C.UTF-8"))
    assert p.returncode == 0, p.stderr.decode()
    # The text without its overstrike (bold, underline) and hyphenation marks.
    text = re.sub(r".\x08", "", p.stdout.decode()).replace("\u2010", "-").replace("\u2212", "-")
    return text, p.stderr.decode()


def test_cli_man_pages_from_the_tables():
    """`roster man-page` is roster(8) and `roster config-keys --format man` roster.conf(5), made from the
    command and key tables: groff renders both without a warning, roster(8) has every usage line `roster help`
    prints and roster.conf(5) every key `roster config-keys` lists, at its default."""
    rc, page, errout = run("man-page")
    assert rc == 0 and errout == "" and page.startswith(".TH ROSTER 8 "), (rc, errout, page[:100])
    text, warnings = groff_text(page)
    assert warnings == "", warnings
    flat = " ".join(text.split())
    rc, help_out, _ = run("help")
    usages = re.findall(r"^(?:usage:| {6}) (roster .*)$", help_out, re.M)
    assert len(usages) > 20, help_out
    for u in usages:
        want = " ".join(u.replace("--config FILE", "[--config FILE]").split())
        assert want in flat, "roster(8) lacks %r" % want
    for section in ("SYNOPSIS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "SEE ALSO"):
        assert re.search(r"^%s$" % section, text, re.M), section
    rc, page5, errout = run("config-keys", "--format", "man")
    assert rc == 0 and errout == "" and page5.startswith(".TH ROSTER.CONF 5 "), (rc, errout)
    text5, warnings = groff_text(page5)
    assert warnings == "", warnings
    rc, table, _ = run("config-keys")
    for key, default in re.findall(r"^\| `([a-z_]+)` \| (?:`([^`]*)`|\(empty\)) \|", table, re.M):
        assert re.search(r"^ {7}%s\b" % key, text5, re.M), "roster.conf(5) lacks %s" % key
        assert "Default: %s." % (default or "(empty)") in " ".join(text5.split()), (key, default)


def test_cli_bad_config_exits_2():
    """A command that needs the configuration and cannot read it: exit 2, the file named."""
    rc, out, errout = run("user", "create", "--email", "e@example.com")
    assert rc == 2 and out == "", (rc, out, errout)
    assert "roster: bad configuration: %s" % NO_CONF in errout, errout


def test_cli_config_keys():
    """`roster config-keys`: a Markdown table with a row per key; `--format conf`: every key commented out."""
    rc, out, errout = run("config-keys")
    assert rc == 0 and errout == "", (rc, errout)
    assert out.startswith("| key | default | values | meaning |\n|---|---|---|---|\n"), out[:200]
    keys = re.findall(r"^\| `([a-z_]+)` \|", out, re.M)
    assert "workers" in keys and "smtp_claim_timeout" in keys and len(keys) == len(set(keys)), keys
    rc, conf, errout = run("config-keys", "--format", "conf")
    assert rc == 0 and errout == "", (rc, errout)
    assert re.findall(r"^#([a-z_]+) =", conf, re.M) == keys, conf


def test_cli_admin_outcomes():
    """Admin commands on the stack: success is one JSON object and exit 0; a refused request is
    {"error": ...} on stdout, the message on stderr, exit 1."""
    u = new_user(token=False)
    rc, out, errout = cli_raw("user", "create", "--email", u.email)
    assert rc == 0, (rc, out, errout)
    assert json.loads(out) == {"userId": u.id, "created": False}, out
    rc, out, errout = cli_raw("user", "create", "--email", "not an address")
    assert rc == 1 and json.loads(out) == {"error": "email is not a valid address"}, (rc, out)
    assert "roster: email is not a valid address" in errout, errout
    rc, out, errout = cli_raw("apikey", "create", "--website", "0" * 24)
    assert rc == 1 and json.loads(out) == {"error": "website not found"}, (rc, out)
    rc, out, errout = cli_raw("website", "show", "--website", "0" * 24)
    assert rc == 1 and json.loads(out) == {"error": "Website not found"}, (rc, out)


# ---------------------------------------------------------------------------
# Which configuration, and what exit statuses mean


DEFAULT_CONF = "/etc/roster/roster.conf"


def run_env(args, env_extra=None, drop=("ROSTER_CONFIG",), timeout=60):
    """The binary with args as given (no --config added) and env changes."""
    env = dict(H.STACK.env)
    for k in drop:
        env.pop(k, None)
    env.update(env_extra or {})
    p = subprocess.run([H.STACK.binary] + list(args), cwd=H.ROOT, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def conf_with(tmpname, **keys):
    """A copy of the stack's roster.conf with some keys replaced, in the stack's state dir."""
    with open(H.STACK.conf) as f:
        lines = [ln for ln in f.read().splitlines()
                 if not any(re.match(r"\s*%s\s*=" % k, ln) for k in keys)]
    lines += ["%s = %s" % kv for kv in keys.items()]
    path = os.path.join(H.STACK.state, tmpname)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def test_cli_config_file_required():
    """A command that reads the configuration and is given none (no --config, ROSTER_CONFIG unset or empty)
    uses /etc/roster/roster.conf when it exists, and is otherwise a usage error: exit 2, saying so, without
    touching the database.  ROSTER_CONFIG names the file as --config does."""
    for extra in ({}, {"ROSTER_CONFIG": ""}):
        rc, out, errout = run_env(["user", "create", "--email", "e@example.com"], extra)
        if os.path.exists(DEFAULT_CONF):
            # The packaged path is read instead: never the usage error.
            assert "no configuration file" not in errout, (rc, out, errout)
            continue
        assert rc == 2 and out == "", (extra, rc, out, errout)
        assert "roster: no configuration file: give --config FILE or set ROSTER_CONFIG" in errout, errout
        assert "usage: roster user create --config FILE" in errout, errout
    u = new_user(token=False)
    rc, out, errout = run_env(["user", "create", "--email", u.email], {"ROSTER_CONFIG": H.STACK.conf})
    assert rc == 0 and json.loads(out) == {"userId": u.id, "created": False}, (rc, out, errout)
    # Commands that need no configuration run without one.
    for args in (["version"], ["help"], ["config-keys"]):
        rc, out, errout = run_env(args)
        assert rc == 0 and errout == "", (args, rc, errout)


def test_cli_runtime_error_exits_1():
    """A database that refuses the configured user is a run-time failure: exit 1, {"error": ...} on stdout."""
    bad = conf_with("bad-password.conf", db_password="not-the-password")
    rc, out, errout = run_env(["user", "create", "--email", "e@example.com", "--config", bad])
    assert rc == 1, (rc, out, errout)
    assert json.loads(out) == {"error": "cannot connect to the database"}, out
    assert "Access denied" in errout, errout


# ---------------------------------------------------------------------------
# check-config and the schema version


def test_cli_check_config_ok():
    """`roster check-config` on the stack: a line per check on stdout (the file, the database as the
    configured user, the schema current), exit 0."""
    rc, out, errout = cli_raw("check-config")
    assert rc == 0, (rc, out, errout)
    assert "roster: the configuration file %s is valid\n" % H.STACK.conf in out, out
    assert re.search(r"^roster: the database `%s` on .* answers to `roster`$" % H.STACK.db_name, out, re.M), out
    assert re.search(r"^roster: schema at version \d+, current$", out, re.M), out
    assert out.rstrip().endswith("everything is ready to serve"), out


def test_cli_check_config_failures():
    """check-config: a file it cannot parse exits 2 naming the line; a database that refuses the user exits 1
    naming the database and the user, after saying the file is valid."""
    broken = conf_with("broken.conf", workers="many")
    rc, out, errout = run_env(["check-config", "--config", broken])
    assert rc == 2 and out == "", (rc, out, errout)
    assert "roster: bad configuration: %s: line" % broken in errout and "workers" in errout, errout
    bad = conf_with("bad-password2.conf", db_password="not-the-password")
    rc, out, errout = run_env(["check-config", "--config", bad])
    assert rc == 1, (rc, out, errout)
    assert "is valid" in out and "answers" not in out, out
    assert "roster: cannot connect to the database `%s`" % H.STACK.db_name in errout and "as `roster`" in errout, \
        errout


class EmptyDatabase:
    """A second database on the stack's server, with no schema, that the stack's users may use."""

    def __init__(self):
        self.name = "roster_empty_%s" % H.uniq("d").replace("-", "_")[:24]

    def __enter__(self):
        sql("CREATE DATABASE %s CHARACTER SET utf8mb4; GRANT ALL ON %s.* TO roster@localhost;"
            " GRANT ALL ON %s.* TO roster_migrate@localhost" % (self.name, self.name, self.name))
        state = H.STACK.state
        self.conf = conf_with("%s.conf" % self.name, db_name=self.name,
                              listen=os.path.join(state, "e.sock"), pidfile=os.path.join(state, "e.pid"))
        return self

    def __exit__(self, *exc):
        sql("DROP DATABASE IF EXISTS %s" % self.name)


def migrate_password():
    with open(os.path.join(H.STACK.state, "db_migrate_password")) as f:
        return f.read().strip()


def test_cli_unmigrated_schema_refused():
    """A database without roster's schema: check-config exits 1 saying to run `roster migrate`, and
    `roster serve` refuses to start (exit 1, the same words in its log) instead of answering every request
    with 500.  After `roster migrate` both pass: check-config exits 0."""
    with EmptyDatabase() as d:
        rc, out, errout = run_env(["check-config", "--config", d.conf])
        assert rc == 1, (rc, out, errout)
        assert "the database has no schema yet" in errout and "run `roster migrate`" in errout, errout
        rc, out, errout = run_env(["serve", "--config", d.conf], timeout=30)
        assert rc == 1, (rc, out, errout)
        assert "not serving: the database has no schema yet" in errout, errout
        assert "run `roster migrate`" in errout, errout
        assert not os.path.exists(os.path.join(H.STACK.state, "e.sock")), "serve opened its socket"
        rc, out, errout = run_env(["migrate", "--config", d.conf],
                                  {"ROSTER_DB_USER": "roster_migrate", "ROSTER_DB_PASSWORD": migrate_password()})
        assert rc == 0 and json.loads(out)["applied"] > 0, (rc, out, errout)
        rc, out, errout = run_env(["check-config", "--config", d.conf])
        assert rc == 0 and "current" in out, (rc, out, errout)


def newest_migration():
    return int(sql_value("SELECT MAX(version) FROM schema_version"))


def test_health_names_a_schema_behind():
    """GET /api/v1/health: 200 with roster's version (include/roster/version.h) and the schema's; when the
    schema loses a migration under the running pool, 503 naming the cause and `roster migrate`; 200 again when
    it is back.  The other routes keep working meanwhile (no query per request)."""
    r = http("GET", "/api/v1/health")
    d = ok(r)[0]
    assert d == {"status": "ok", "database": "ok", "version": version_h(), "schema": newest_migration()}, d
    v = newest_migration()
    row = sql("SELECT version, name, applied_at FROM schema_version WHERE version = %d" % v)[0]
    sql("DELETE FROM schema_version WHERE version = %d" % v)
    try:
        r = http("GET", "/api/v1/health")
        msg = err(r, 503)
        assert "schema is behind" in msg and "run `roster migrate`" in msg, msg
        assert "from version %d" % v in msg, msg
        rc, out, errout = cli_raw("check-config")
        assert rc == 1 and "run `roster migrate`" in errout, (rc, out, errout)
    finally:
        sql("INSERT INTO schema_version (version, name, applied_at) VALUES (%s, '%s', %s)" % tuple(row))
    ok(http("GET", "/api/v1/health"))


def test_metrics_carry_the_version():
    """/metrics: roster_build_info{version="X.Y.Z"} 1, the version of include/roster/version.h."""
    r = http("GET", "/metrics")
    assert r.status == 200, r
    assert 'roster_build_info{version="%s"} 1\n' % version_h() in r.raw.decode(), r.raw[:400]


# ---------------------------------------------------------------------------
# The administration commands, against the API's view of the same facts


def lines(out):
    return [json.loads(ln) for ln in out.splitlines() if ln.strip()]


def cli_lines(*args):
    rc, out, errout = cli_raw(*args)
    assert rc == 0, "roster %s: exit %s\n%s%s" % (" ".join(args), rc, out, errout)
    return lines(out)


def audit_actions(site_id):
    return [e["action"] for e in cli_lines("audit", "--website", site_id)]


def test_cli_token_create_unknown_email():
    """`token create` for an email nobody has: exit 1, no user and no token made; with --create-user the
    user is made and the token works.  Users the CLI makes are audited (user.create), like every write."""
    email = H.new_email("tok")
    rc, out, errout = cli_raw("token", "create", "--email", email)
    assert rc == 1 and json.loads(out) == {"error": "no user has this email (--create-user creates one)"}, \
        (rc, out, errout)
    assert sql_value("SELECT COUNT(*) FROM users WHERE email = '%s'" % email) == "0"
    out = cli("token", "create", "--email", email, "--create-user")
    assert out["key"].startswith("dft_"), out
    assert ok(http("GET", API + "/websites", token=out["key"])) == []
    assert sql_value("SELECT COUNT(*) FROM users u JOIN credentials c ON c.user_id = u.id"
                     " WHERE u.email = '%s' AND c.id = '%s'" % (email, out["id"])) == "1"
    # Both writes are audited: the user made, then the token.
    uid = sql_value("SELECT id FROM users WHERE email = '%s'" % email)
    assert sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND target = '%s'"
                     % uid) == "1"
    assert sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'token.create' AND target = '%s'"
                     % out["id"]) == "1"
    # `user create` of a new email is audited too; of a known one, not again.
    email2 = H.new_email("usr")
    made = cli("user", "create", "--email", email2)
    assert made["created"] is True, made
    cli("user", "create", "--email", email2)
    assert sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND target = '%s'"
                     % made["userId"]) == "1"


def test_cli_website_list_show():
    """`website list` has every website, one JSON line each; `website show` one, with its owner and counts as
    the API sees them."""
    s = new_site(seats=5)
    H.add_member(s, token=False)
    ok(H.invite(s, H.new_email("pend")))
    shown = cli("website", "show", "--website", s.id)
    assert shown["websiteId"] == s.id and shown["domain"] == s.domain and shown["name"] == s.name, shown
    assert shown["owner"] == s.owner.email and shown["ownerId"] == s.owner.id, shown
    assert (shown["seatLimit"], shown["members"], shown["pendingInvitations"]) == (5, 2, 1), shown
    listed = [w for w in cli_lines("website", "list") if w["websiteId"] == s.id]
    assert listed == [shown], listed
    rc, out, errout = cli_raw("website", "show", "--website", "nothex")
    assert rc == 1 and json.loads(out) == {"error": "Website not found"}, (rc, out)


def test_cli_member_list_remove():
    """`member list` prints the team the API lists, in its order; `member remove --email` removes through the
    core: the API's list loses the member, their token loses the website at once, an audit row says so; the
    owner cannot be removed (exit 1)."""
    s = new_site(key=False)
    m = H.add_member(s, role="viewer")
    H.add_member(s, role="member", token=False)
    api = ok(http("GET", s.team, token=s.owner.token))
    got = cli_lines("member", "list", "--website", s.id)
    assert [(x["userId"], x["email"], x["role"]) for x in got] == \
        [(x["userId"], x["email"], x["role"]) for x in api], (got, api)
    ok(http("GET", s.team, token=m.token))
    out = cli("member", "remove", "--website", s.id, "--email", m.email)
    assert out == {"userId": m.id, "removed": True}, out
    assert m.id not in [x["userId"] for x in ok(http("GET", s.team, token=s.owner.token))]
    err(http("GET", s.team, token=m.token), 403)
    assert "member.remove" in audit_actions(s.id)
    rc, out, errout = cli_raw("member", "remove", "--website", s.id, "--user", s.owner.id)
    assert rc == 1 and json.loads(out) == {"error": "The website owner cannot be removed"}, (rc, out)


def test_cli_invite_prints_the_link():
    """`roster invite` makes an invitation as the API does and prints its link, which accepts; before that,
    `outbox list` shows the queued email with the same link (no mail server on this stack)."""
    s = new_site(key=False)
    email = H.new_email("inv")
    out = cli("invite", "--website", s.id, "--email", email.upper(), "--role", "member")
    assert HEX24.match(out["invitationId"]) and out["email"] == email and out["role"] == "member", out
    assert out["inviteUrl"].startswith("http") and "/join?token=" in out["inviteUrl"], out
    pend = [x for x in ok(http("GET", s.team + "/invitations", token=s.owner.token))
            if H.inv_id(x) == out["invitationId"]]
    assert len(pend) == 1, pend
    mails = [x for x in cli_lines("outbox", "list", "--website", s.id) if x["invitationId"] == out["invitationId"]]
    assert len(mails) == 1 and mails[0]["link"] == out["inviteUrl"] and mails[0]["to"] == email, mails
    assert out["inviteUrl"] in [x["link"] for x in cli_lines("outbox", "list")]
    rc, dup, errout = cli_raw("invite", "--website", s.id, "--email", email)
    assert rc == 1 and "pending invitation already exists" in json.loads(dup)["error"], (rc, dup)
    ok(accept(token_of(out["inviteUrl"])))
    assert email in [x["email"] for x in ok(http("GET", s.team, token=s.owner.token))]
    assert "invite.create" in audit_actions(s.id)


def test_cli_token_list_revoke():
    """`token list --email` shows a user's live tokens (masked, never the key); `token revoke --id` revokes
    anyone's token: refused at once (401), gone from the list, an audit row; a second revoke exits 1."""
    s = new_site(key=False)
    u = s.owner
    rows = cli_lines("token", "list", "--email", u.email)
    mine = [r for r in rows if r["id"] == u.token_id]
    assert len(mine) == 1 and mine[0]["displayKey"].startswith("dft_") and "key" not in mine[0], rows
    assert u.token not in json.dumps(rows), "a list shows a raw token"
    ok(http("GET", s.team, token=u.token))
    assert cli("token", "revoke", "--id", u.token_id) == {"id": u.token_id, "revoked": True}
    err(http("GET", s.team, token=u.token), 401)
    assert u.token_id not in [r["id"] for r in cli_lines("token", "list", "--email", u.email)]
    rc, out, errout = cli_raw("token", "revoke", "--id", u.token_id)
    assert rc == 1 and json.loads(out) == {"error": "Credential not found"}, (rc, out)
    assert sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'token.revoke' AND target = '%s'"
                     % u.token_id) == "1"


def test_cli_apikey_list_revoke():
    """`apikey list` shows a website's live keys (masked); `apikey revoke` makes the key 401 at once."""
    s = new_site()
    rows = cli_lines("apikey", "list", "--website", s.id)
    assert [r["id"] for r in rows] == [s.key_id] and rows[0]["websiteId"] == s.id, rows
    assert s.key not in json.dumps(rows)
    ok(http("GET", s.team, token=s.key))
    assert cli("apikey", "revoke", "--website", s.id, "--id", s.key_id) == {"id": s.key_id, "revoked": True}
    err(http("GET", s.team, token=s.key), 401)
    assert cli_lines("apikey", "list", "--website", s.id) == []
    assert "apikey.revoke" in audit_actions(s.id)


def test_cli_website_delete():
    """`website delete`: the website, its team, invitations, queued emails and keys go in one transaction;
    the API answers 404 to its owner and 401 to its key; a token scoped to it alone reaches nothing; the audit
    trail keeps the deletion.  Deleting it again exits 1."""
    s = new_site()
    m = H.add_member(s, token=False)
    m.token = cli("token", "create", "--email", m.email, "--websites", s.id)["key"]
    ok(H.invite(s, H.new_email("gone")))
    ok(http("GET", s.team, token=s.owner.token))
    ok(http("GET", s.team, token=m.token))
    out = cli("website", "delete", "--website", s.id)
    assert out["websiteId"] == s.id and out["members"] == 2 and out["pendingInvitations"] == 1, out
    err(http("GET", s.team, token=s.owner.token), 404)
    err(http("GET", s.team, token=s.key), 401)
    assert ok(http("GET", API + "/websites", token=m.token)) == [], "a token scoped to the deleted website"
    for table, col in (("members", "website_id"), ("invitations", "website_id"), ("outbox", "website_id"),
                       ("credential_websites", "website_id"), ("websites", "id")):
        assert sql_value("SELECT COUNT(*) FROM %s WHERE %s = '%s'" % (table, col, s.id)) == "0", table
    assert audit_actions(s.id)[-1] == "website.delete"
    rc, out, errout = cli_raw("website", "delete", "--website", s.id)
    assert rc == 1 and json.loads(out) == {"error": "Website not found"}, (rc, out)


def test_upgrade_refused_when_the_new_binary_fails_its_check():
    """SIGUSR2 runs the new binary's `check-config` before re-executing it: with a configuration it refuses (here
    an unknown key), the master logs "upgrade refused", keeps its pid and its binary, and goes on answering on its
    socket; once the file is fixed, the same signal upgrades.  Without the check the re-executed master would
    exit on the bad file and leave nothing serving."""
    state = H.STACK.state
    binary = os.path.join(state, "roster-upgrade")
    shutil.copy2(H.STACK.binary, binary)
    sock, pidf, log = (os.path.join(state, n) for n in ("up.sock", "up.pid", "up.log"))
    conf = conf_with("upgrade.conf", listen=sock, pidfile=pidf, workers="2")
    with open(log, "ab") as lf:
        p = subprocess.Popen([binary, "serve", "--config", conf], cwd=H.ROOT, env=H.STACK.env,
                             stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT)
    try:
        assert H.wait_for(lambda: os.path.exists(sock), 15), "serve did not listen:\n%s" % H.tail(log)
        assert F.request(sock, "GET", "/api/v1/health").status == 200
        exe = os.stat("/proc/%d/exe" % p.pid).st_ino
        with open(conf, "a") as f:
            f.write("bogus_key = 1\n")
        p.send_signal(signal.SIGUSR2)
        assert H.wait_for(lambda: "upgrade refused" in open(log, errors="replace").read(), 15), H.tail(log)
        text = open(log, errors="replace").read()
        assert "unknown key `bogus_key`" in text and "re-executing" not in text, H.tail(log)
        assert p.poll() is None and os.stat("/proc/%d/exe" % p.pid).st_ino == exe, "the master went"
        assert F.request(sock, "GET", "/api/v1/health").status == 200
        with open(conf) as f:
            good = f.read().replace("bogus_key = 1\n", "")
        with open(conf, "w") as f:
            f.write(good)
        p.send_signal(signal.SIGUSR2)
        assert H.wait_for(lambda: "upgrade: re-executing" in open(log, errors="replace").read(), 15), H.tail(log)
        assert H.wait_for(lambda: F.request(sock, "GET", "/api/v1/health").status == 200, 15)
        assert p.poll() is None, "the upgraded master exited:\n%s" % H.tail(log)
    finally:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
