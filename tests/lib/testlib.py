"""Helpers every Python test suite of roster shares: the end-to-end suite
(tests/e2e/harness.py and its test modules) and the cluster test
(tests/cluster/).  Ports on loopback, one HTTP request, processes seen
through /proc, bounded waits, log tails, sanitizer reports.

Python 3 standard library only.  A suite puts this folder on sys.path and
imports the module:

    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
    import testlib as T
"""

import glob
import http.client as httplib
import json
import os
import socket
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# ---------------------------------------------------------------------------
# Ports


def free_port(ports=None, avoid=(), taken=None):
    """A loopback port nothing is bound to.  Without `ports`, one the kernel
    chooses (bind 127.0.0.1:0).  With `ports` (a range a suite owns), the first
    that binds and is neither in `avoid` nor in the set `taken`; the port
    returned is added to `taken`, so a caller handing it in never gets the same
    port twice (one it took but has not bound yet)."""
    if ports is None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
        finally:
            s.close()
    for p in ports:
        if p in avoid or (taken is not None and p in taken):
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        if taken is not None:
            taken.add(p)
        return p
    raise AssertionError("no free port in %d-%d" % (ports[0], ports[-1]))


def port_open(port, timeout=1.0):
    """Something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# HTTP


def request(port, method, path, body=None, token=None, headers=None, raw_body=None, timeout=10.0):
    """One request on a new connection to 127.0.0.1:port.

    `body` is sent JSON-encoded with Content-Type application/json; `raw_body`
    (bytes or str) is sent as is, with only the Content-Type given in
    `headers`.  `token` becomes `Authorization: Bearer TOKEN`.  `headers`
    override those (names compared without case; a value of None removes the
    header).  Content-Length goes with any body, and with POST, PUT and PATCH
    even without one.

    Returns (sent, status, headers, raw): the body sent as text (None without
    one), the status, the response headers (lower-case names, a repeated
    header's values joined with ", ") and the response body as bytes.
    Connection errors and timeouts raise (OSError, http.client.HTTPException);
    a server that answers before reading the whole body (413) is not one."""
    hdrs = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if raw_body is not None:
        data = raw_body.encode() if isinstance(raw_body, str) else raw_body
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    for k, v in (headers or {}).items():
        for old in [h for h in hdrs if h.lower() == k.lower()]:
            del hdrs[old]
        if v is not None:
            hdrs[k] = v
    sent = data.decode(errors="replace") if data is not None else None
    conn = httplib.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        if data is not None or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(data or b"")))
        try:
            conn.endheaders(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) before reading the whole body
        r = conn.getresponse()
        raw = r.read()
        rh = {}
        for k, v in r.getheaders():
            k = k.lower()
            rh[k] = (rh[k] + ", " + v) if k in rh else v
        return sent, r.status, rh, raw
    finally:
        conn.close()


def json_body(headers, raw, default=None):
    """The body parsed as JSON when its Content-Type says JSON and it parses;
    else `default`."""
    if "json" in headers.get("content-type", ""):
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return default


# ---------------------------------------------------------------------------
# Processes (/proc)


def pid_alive(pid):
    """pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return st[st.rfind(")") + 2:].split()[0] != "Z"
    except (OSError, ValueError):
        return False


def worker_pids(master):
    """The live children of `master`, sorted."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == master and rest[0] != "Z":
            pids.append(int(d))
    return sorted(pids)


def wait_for(fn, timeout, interval=0.2):
    """Calls fn until it returns a true value or `timeout` seconds have passed;
    returns the last value.  An OSError or HTTPException from fn counts as
    None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            v = fn()
        except (OSError, httplib.HTTPException):
            v = None
        if v:
            return v
        if time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def wait_gone(pids, timeout):
    """True when none of `pids` is alive any more, within `timeout` seconds."""
    return bool(wait_for(lambda: not any(pid_alive(p) for p in pids), timeout, 0.05))


# ---------------------------------------------------------------------------
# Files


def tail(path, n=40):
    """The last n lines of a log file, or a note saying why there are none."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return "(%s: %s)" % (path, e)


def sanitizer_reports(directory, recursive=False):
    """ASan/UBSan report files under directory (log_path=DIR/asan, DIR/ubsan)
    and their text, each cut at 20,000 characters: (files, text)."""
    pat = os.path.join(directory, "**", "%s.*") if recursive else os.path.join(directory, "%s.*")
    files = sorted(glob.glob(pat % "asan", recursive=recursive) +
                   glob.glob(pat % "ubsan", recursive=recursive))
    out = []
    for p in files:
        try:
            with open(p, "r", errors="replace") as f:
                text = f.read()
        except OSError as e:
            text = "(unreadable: %s)" % e
        if len(text) > 20000:
            text = text[:20000] + "\n... (%d bytes)" % len(text)
        out.append("==== %s ====\n%s" % (p, text))
    return files, "\n".join(out)
