#!/usr/bin/env python3
"""Runs roster's end-to-end suite against the real stack.

    python3 tests/e2e/run.py --binary build/roster-asan [--keep] [-k PATTERN] [--port N]

Starts the stack once (deploy/local/stack.sh up), runs every test_* function of
every tests/e2e/test_*.py (in file order; modules with LAST = True run last), stops
the stack (also on failure or Ctrl-C), then fails the run if AddressSanitizer or
UBSan left a report in STATE_DIR.  The last line printed is `N passed, N failed`;
the exit status is non-zero when anything failed.

--keep keeps the temporary directory (state, logs, database) after the run.
-k PATTERN (repeatable) runs only the tests whose `module.function` name contains
PATTERN (or matches it as a glob when it holds * or ?).
"""

import argparse
import fnmatch
import glob
import importlib
import inspect
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import harness  # noqa: E402


def discover(pattern):
    mods = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        mods.append(importlib.import_module(name))
    mods.sort(key=lambda m: bool(getattr(m, "LAST", False)))
    tests = []
    for m in mods:
        fns = [f for n, f in vars(m).items()
               if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == m.__name__]
        fns.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in fns:
            full = "%s.%s" % (m.__name__, f.__name__)
            if pattern and not any(fnmatch.fnmatch(full, p) if any(c in p for c in "*?[") else p in full
                                   for p in pattern):
                continue
            tests.append((full, f))
    return tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(harness.ROOT, "build", "roster"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary state directory")
    ap.add_argument("-k", dest="pattern", action="append", default=None,
                    help="run tests whose name contains PATTERN (repeatable)")
    ap.add_argument("--port", type=int, default=None)
    args = ap.parse_args()

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    tests = discover(args.pattern)
    if not tests:
        print("no test matches %r" % (args.pattern,))
        print("0 passed, 1 failed")
        return 2
    passed, failed = 0, []
    t0 = time.monotonic()
    st = harness.Stack(args.binary, port=args.port, keep=args.keep)
    harness.STACK = st
    print("roster e2e: %d tests, binary %s, port %d, state %s" % (len(tests), st.binary, st.port, st.state),
          flush=True)
    interrupted = False
    try:
        try:
            st.up()
        except (harness.StackError, OSError) as e:
            print("FAIL stack up\n%s" % e, flush=True)
            print("--- roster.log ---\n%s" % st.log_tail(), flush=True)
            failed.append(("stack up", str(e)))
            tests = []
        for name, fn in tests:
            t = time.monotonic()
            try:
                fn()
            except KeyboardInterrupt:
                raise
            except AssertionError as e:
                failed.append((name, str(e)))
                print("FAIL %s (%.1fs)\n     %s\n     %s" % (
                    name, time.monotonic() - t, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "",
                    str(e).replace("\n", "\n     ")), flush=True)
                continue
            except Exception:
                tb = traceback.format_exc()
                failed.append((name, tb))
                print("FAIL %s (%.1fs) error\n     %s" % (name, time.monotonic() - t, tb.replace("\n", "\n     ")),
                      flush=True)
                continue
            passed += 1
            print("ok   %s (%.1fs)" % (name, time.monotonic() - t), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted", flush=True)
        failed.append(("interrupted", ""))
    finally:
        # A module may define teardown_module() to stop what its tests started
        # (test_mail.py: a second stack and an SMTP receiver); an assertion
        # there (e.g. its own sanitizer reports) fails the run.
        for mname in sorted({fn.__module__ for _, fn in tests}):
            td = getattr(sys.modules.get(mname), "teardown_module", None)
            if td is None:
                continue
            try:
                td()
            except KeyboardInterrupt:
                failed.append(("%s.teardown_module" % mname, "interrupted"))
            except Exception:
                tb = traceback.format_exc()
                failed.append(("%s.teardown_module" % mname, tb))
                print("FAIL %s.teardown_module\n     %s" % (mname, tb.replace("\n", "\n     ")), flush=True)
        if failed and st.is_up:
            print("--- roster.log (tail) ---\n%s" % st.log_tail(), flush=True)
        try:
            res = st.down()
        except KeyboardInterrupt:
            res = None
        if res is not None and res[0] != 0:
            print("warning: stack.sh down: exit %s\n%s" % res, flush=True)
    files, text = harness.sanitizer_reports(st.state)
    if files:
        failed.append(("sanitizer reports", text))
        print("FAIL sanitizer reports: %d file(s)\n%s" % (len(files), text), flush=True)
    elif not interrupted and os.path.isdir(st.state):
        print("ok   sanitizer reports (none)", flush=True)
        passed += 1
    if args.keep:
        print("state kept in %s" % st.base, flush=True)
    else:
        st.cleanup()
    print("time %.1fs" % (time.monotonic() - t0), flush=True)
    if failed:
        print("failed: " + ", ".join(n for n, _ in failed), flush=True)
    print("%d passed, %d failed" % (passed, len(failed)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
