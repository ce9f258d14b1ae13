#!/usr/bin/env python3
"""The configuration's documentation is made from the code, and checked.

    python3 tests/lint/check_docs.py [--binary build/roster] [--write]

Every configuration key is one line of CONFIG_KEYS in include/roster/config.h;
`roster config-keys` prints them as a Markdown table and `roster config-keys
--format conf` as a roster.conf with every key commented out.  This script
compares those with what is committed:

  - docs/configuration.md, between its two `config-keys` marker lines;
  - deploy/roster.conf.example, whole;

and, so that no second copy drifts, checks README.md and docs/*.md for a
Markdown table row that starts with a key (outside the generated block) and
for a `key = value` naming a key that does not exist.  Exits 1 naming each
difference.  --write rewrites the two generated parts instead (`make docs`).
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = "docs/configuration.md"
EXAMPLE = "deploy/roster.conf.example"
BEGIN = "<!-- config-keys: begin (made by `roster config-keys`; `make docs` rewrites it) -->"
END = "<!-- config-keys: end -->"


def run(binary, *args):
    p = subprocess.run([binary, "config-keys"] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("check_docs: %s config-keys %s: exit %d\n%s" % (binary, " ".join(args), p.returncode, p.stderr))
    return p.stdout


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def write(rel, text):
    with open(os.path.join(ROOT, rel), "w", encoding="utf-8") as f:
        f.write(text)


def split_page(text):
    """(before, block, after) around the markers, or None."""
    b, e = text.find(BEGIN + "\n"), text.find(END)
    if b < 0 or e < b:
        return None
    b += len(BEGIN) + 1
    return text[:b], text[b:e], text[e:]


def diff(name, want, have):
    return "".join(difflib.unified_diff(have.splitlines(True), want.splitlines(True),
                                        "%s (committed)" % name, "%s (from the code)" % name))


def stray_copies(keys):
    """Key tables and unknown `key = value`s in the hand-written Markdown."""
    problems = []
    header = re.compile(r"^\|\s*key\s*\|", re.I)
    # A row of one or more keys and then a default: `x`, —, (none), (empty).
    row = re.compile(r"^\|\s*`([a-z_]+)`(?:\s*,\s*`[a-z_]+`)*\s*\|\s*(?:`|—|\(none\)|\(empty\))")
    assign = re.compile(r"`([a-z][a-z_]*) = [^`]*`")
    # Only names of roster's key families: `wsrep_sync_wait = 0` is MariaDB's.
    families = {k.split("_")[0] for k in keys}
    for rel in ["README.md"] + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        text = read(rel)
        if rel == PAGE and split_page(text):
            before, _, after = split_page(text)
            text = before + after
        for n, line in enumerate(text.splitlines(), 1):
            m = row.match(line)
            if header.match(line) or (m and m.group(1) in keys):
                problems.append("%s:%d: a table of configuration keys besides %s's: %s"
                                % (rel, n, PAGE, line[:60]))
            for k in assign.findall(line):
                if k not in keys and k.split("_")[0] in families:
                    problems.append("%s:%d: `%s = ...`: no such configuration key" % (rel, n, k))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "roster"))
    ap.add_argument("--write", action="store_true", help="rewrite the generated parts")
    args = ap.parse_args()

    table = run(args.binary)
    example = run(args.binary, "--format", "conf")
    keys = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
    parts = split_page(read(PAGE))
    if parts is None:
        sys.exit("check_docs: %s has no %r ... %r block" % (PAGE, BEGIN, END))
    if args.write:
        write(PAGE, parts[0] + table + parts[2])
        write(EXAMPLE, example)
        print("check_docs: wrote %s and %s" % (PAGE, EXAMPLE))
        return 0
    problems = []
    if parts[1] != table:
        problems.append("%s: the key table differs from `roster config-keys` (make docs):\n%s"
                        % (PAGE, diff(PAGE, table, parts[1])))
    if not os.path.exists(os.path.join(ROOT, EXAMPLE)) or read(EXAMPLE) != example:
        have = read(EXAMPLE) if os.path.exists(os.path.join(ROOT, EXAMPLE)) else ""
        problems.append("%s differs from `roster config-keys --format conf` (make docs):\n%s"
                        % (EXAMPLE, diff(EXAMPLE, example, have)))
    problems += stray_copies(keys)
    for p in problems:
        print(p)
    if problems:
        print("check_docs: %d problem(s)" % len(problems))
        return 1
    print("check_docs: %d keys; %s and %s are as the code makes them" % (len(keys), PAGE, EXAMPLE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
