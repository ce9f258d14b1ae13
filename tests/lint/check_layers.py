#!/usr/bin/env python3
"""The layering rule of app/, read off the tree: no hand-kept list.

    python3 tests/lint/check_layers.py

app/ has one folder per layer, lowest first:

    lib   arena, clock, ids, config, log, ...: knows nothing of roster's rules
    db    the MariaDB connection, the statement table, migrations
    core  the team operations (API.md's rules): plain C structs, no I/O format
    http  requests and responses, the router, rate limits, idempotency
    api   the route table, the two dialects, the join page, metrics
    proc  processes: main, master, worker, the CLI, the email sender

A module is a pair app/LAYER/NAME.c and include/roster/NAME.h; a header with
no source of its own (types only) says its layer in its first comment, as
" * Layer: http".  A file of a
layer may include the headers of its own layer and of the layers below it,
never of a layer above.  Core files (and their headers) also never include,
directly or through another roster header, FastCGI's, MySQL's or the JSON
library's header; fcgi_stdio.h is banned everywhere.  Exits 1 naming every
violation.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAYERS = ["lib", "db", "core", "http", "api", "proc"]
PLUMBING = {"fcgiapp.h", "mysql.h", "jansson.h"}
INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def includes(path):
    with open(path, encoding="utf-8") as f:
        return [(q, name) for q, name in INC.findall(f.read())]


def main():
    app = os.path.join(ROOT, "app")
    hdr = os.path.join(ROOT, "include", "roster")
    layer_of = {}          # module name -> layer
    problems = []
    for d in sorted(os.listdir(app)):
        if not os.path.isdir(os.path.join(app, d)):
            continue
        if d not in LAYERS:
            problems.append("app/%s/: not a layer (%s)" % (d, ", ".join(LAYERS)))
            continue
        for f in sorted(os.listdir(os.path.join(app, d))):
            if f.endswith(".c"):
                layer_of[f[:-2]] = d
    for f in sorted(os.listdir(app)):
        if f.endswith(".c"):
            problems.append("app/%s: every source lives in a layer's folder" % f)
    header_only = set()
    for f in sorted(os.listdir(hdr)):
        if not f.endswith(".h") or f[:-2] in layer_of:
            continue
        with open(os.path.join(hdr, f), encoding="utf-8") as fh:
            m = re.search(r"^\s*\*\s*Layer:\s*([a-z]+)", fh.read(2000), re.M)
        if m and m.group(1) in LAYERS:
            layer_of[f[:-2]] = m.group(1)
            header_only.add(f[:-2])
        else:
            problems.append("include/roster/%s: no app/LAYER/%s.c places it in a layer, "
                            "and it names none (\" * Layer: core\")" % (f, f[:-2]))

    def system_closure(name, seen):
        """System headers a roster header pulls in, transitively."""
        if name in seen:
            return set()
        seen.add(name)
        out = set()
        path = os.path.join(hdr, name + ".h")
        if not os.path.exists(path):
            return out
        for q, inc in includes(path):
            if inc.startswith("roster/"):
                out |= system_closure(inc[len("roster/"):-2], seen)
            else:
                out.add(inc)
        return out

    files = []
    for mod, layer in layer_of.items():
        if mod not in header_only:
            files.append((os.path.join("app", layer, mod + ".c"), layer))
        if os.path.exists(os.path.join(hdr, mod + ".h")):
            files.append((os.path.join("include", "roster", mod + ".h"), layer))
    for rel, layer in sorted(files):
        rank = LAYERS.index(layer)
        for q, inc in includes(os.path.join(ROOT, rel)):
            if inc == "fcgi_stdio.h":
                problems.append("%s: fcgi_stdio.h is banned (it replaces stdio)" % rel)
            if inc.startswith("roster/"):
                mod = inc[len("roster/"):-2]
                other = layer_of.get(mod)
                if other is None:
                    problems.append("%s: includes %s, which no layer holds" % (rel, inc))
                elif LAYERS.index(other) > rank:
                    problems.append("%s (%s) includes %s (%s): dependencies point down" %
                                    (rel, layer, inc, other))
                if layer == "core":
                    bad = system_closure(mod, set()) & PLUMBING
                    if bad:
                        problems.append("%s (core) includes %s, which pulls in %s" %
                                        (rel, inc, ", ".join(sorted(bad))))
            elif layer == "core" and inc in PLUMBING:
                problems.append("%s (core) includes <%s>" % (rel, inc))
    for p in problems:
        print("layering: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
