"""sql/0007_wire.sql on a database written by the roster before it: re-runnable (a
second run changes nothing), tokens' permissions converted to the new encoding as
they meant (the old `*` stays `*`), every website given its owner, and a domain an
owner had twice before kept by the older website alone, so that the new unique key
can be added.  In a database of its own on the stack's MariaDB."""

import os
import random

from harness import ROOT, sql, sql_value

OLD = ["0001_init", "0002_outbox", "0003_limits_idempotency", "0004_team_gen", "0005_audit_user"]


def script(name):
    with open(os.path.join(ROOT, "sql", name + ".sql")) as f:
        return f.read()


def test_migration_0007_converts_and_reruns():
    """Migrations are re-runnable and safe on a live database: 0007 run twice on old data."""
    db = "roster_mig_%08x" % random.getrandbits(32)
    sql("CREATE DATABASE %s CHARACTER SET utf8mb4" % db)
    try:
        for name in OLD:
            sql("USE %s;\n%s" % (db, script(name)))
        ids = {k: "00000000aaaaaaaaaaaaaa%02x" % i for i, k in enumerate(
            ["u1", "u2", "w1", "w2", "w3", "w4", "t_star", "t_rw", "t_ws", "k"])}
        sql("USE %(db)s;"
            " INSERT INTO users (id, email, created_at) VALUES ('%(u1)s', 'a@x.example', 1),"
            "  ('%(u2)s', 'b@x.example', 1);"
            # u1 owns two websites of one domain (allowed before), and one other;
            # u2 owns the same domain too.
            " INSERT INTO websites (id, domain, name, created_at) VALUES"
            "  ('%(w1)s', 'dup.example.com', 'old', 10), ('%(w2)s', 'dup.example.com', 'new', 20),"
            "  ('%(w3)s', 'other.example.com', 'o', 30), ('%(w4)s', 'dup.example.com', 'b', 40);"
            " INSERT INTO members (website_id, user_id, role, joined_at) VALUES"
            "  ('%(w1)s', '%(u1)s', 'owner', 1), ('%(w2)s', '%(u1)s', 'owner', 1),"
            "  ('%(w3)s', '%(u1)s', 'owner', 1), ('%(w4)s', '%(u2)s', 'owner', 1),"
            "  ('%(w4)s', '%(u1)s', 'member', 1);"
            " INSERT INTO credentials (id, kind, token_hash, user_id, website_id, display_key, perms,"
            "  created_at) VALUES"
            "  ('%(t_star)s', 'token', UNHEX(SHA2('1', 256)), '%(u1)s', NULL, 'd', 31, 1),"
            "  ('%(t_rw)s', 'token', UNHEX(SHA2('2', 256)), '%(u1)s', NULL, 'd', 3, 1),"
            "  ('%(t_ws)s', 'token', UNHEX(SHA2('3', 256)), '%(u1)s', NULL, 'd', 4, 1),"
            "  ('%(k)s', 'key', UNHEX(SHA2('4', 256)), NULL, '%(w1)s', 'd', 0, 1)"
            % dict(ids, db=db))
        dump = "SELECT id, perms FROM %s.credentials ORDER BY id; " \
               "SELECT id, IFNULL(owner_id, '-'), timezone FROM %s.websites ORDER BY id" % (db, db)
        for run in (1, 2):
            sql("USE %s;\n%s" % (db, script("0007_wire")))
            rows = sql(dump)
            if run == 1:
                first = rows
            else:
                assert rows == first, "a second run changed the data:\n%r\n%r" % (first, rows)
        perms = {r[0]: int(r[1]) for r in first if len(r) == 2}
        mark = 1 << 30
        assert perms[ids["t_star"]] == mark | (1 << 17) | ((1 << 17) - 1), perms  # `*`, read by old binaries as 31
        assert perms[ids["t_rw"]] == mark | 3, perms   # team:read, team:write
        assert perms[ids["t_ws"]] == mark | 4, perms   # websites:read
        assert perms[ids["k"]] == 0, perms             # keys have no grant
        sites = {r[0]: (r[1], r[2]) for r in first if len(r) == 3}
        assert sites[ids["w1"]] == (ids["u1"], "UTC"), sites   # the older of u1's two keeps the domain
        assert sites[ids["w2"]] == ("-", "UTC"), sites          # the newer: no owner key
        assert sites[ids["w3"]] == (ids["u1"], "UTC"), sites
        assert sites[ids["w4"]] == (ids["u2"], "UTC"), sites   # another owner, the same domain
        n = sql_value("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '%s'"
                      " AND INDEX_NAME = 'websites_owner_domain' AND NON_UNIQUE = 0" % db)
        assert n == "2", "websites_owner_domain (owner_id, domain) is not a unique key: %s" % n
    finally:
        sql("DROP DATABASE IF EXISTS %s" % db)
