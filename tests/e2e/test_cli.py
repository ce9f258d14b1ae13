"""The command line (app/proc/cli.c): one table of commands, parsed before any
configuration or database.  help, -h, --help, COMMAND --help and the version print
on stdout and exit 0, an unknown command or bad usage exits 2 with the usage on
stderr, and none of these reads a configuration: they run here with --config
naming a file that does not exist.  The admin commands keep their contract: one
JSON object on stdout and exit 0, or {"error": ...} on stdout and exit 1."""

import json
import os
import re
import subprocess

import harness as H
from harness import cli_raw, new_user

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
    for cmd in ("serve", "mailer", "migrate", "user create", "website create", "token create",
                "apikey create", "member add", "audit", "config-keys", "help", "version"):
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
        (["config-keys", "--format", "yaml"], "--format must be markdown or conf"),
        ([], None),
    ]
    for args, msg in cases:
        rc, out, errout = run(*args)
        assert rc == 2 and out == "", (args, rc, out, errout)
        assert "usage: roster " in errout, (args, errout)
        assert msg is None or ("roster: %s\n" % msg) in errout, (args, errout)
        assert "configuration" not in errout, (args, errout)


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
    rc, out, errout = cli_raw("audit")
    assert rc == 1 and "error" in json.loads(out), (rc, out)
