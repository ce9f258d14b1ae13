"""A step-by-step FastCGI client (Python 3 standard library only) for the fault
drills (test_faults.py): it speaks to roster's unix socket the way nginx does,
one record at a time, so a test can misbehave on purpose: stop after part of
the params, send part of a body and stall, close the socket mid-request.

(fcgi_client.py, beside it, sends whole requests in one go; this module is the
piecewise counterpart and shares no code with it.)

    c = FcgiConn(path)                      # connects (AF_UNIX)
    c.begin()                               # FCGI_BEGIN_REQUEST, role RESPONDER
    c.params(cgi_params("GET", "/api/v1/health"))
    c.params_end()                          # the empty PARAMS record
    c.stdin(b"...")                         # body bytes (any number of calls)
    c.stdin_end()                           # the empty STDIN record
    status, headers, body, app_status = c.read_response()
    c.close()

    request(path, "GET", "/api/v1/health")  # all of the above in one call

Records follow the FastCGI 1.0 specification: an 8-byte header (version 1,
type, request id, content length, padding length), name-value pairs with 1- or
4-byte lengths.  One request per connection, no FCGI_KEEP_CONN, like nginx with
fastcgi_keep_conn off.
"""

import socket
import struct

VERSION = 1
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
RESPONDER = 1
KEEP_CONN = 1
MAX_CONTENT = 65535
HEADER = struct.Struct(">BBHHBx")  # version, type, request id, content length, padding


class FcgiError(Exception):
    pass


def record(rtype, content=b"", req_id=1):
    """One record; content up to 65535 bytes, padded to a multiple of 8."""
    if len(content) > MAX_CONTENT:
        raise ValueError("record content over 65535 bytes")
    pad = (8 - len(content) % 8) % 8
    return HEADER.pack(VERSION, rtype, req_id, len(content), pad) + content + b"\0" * pad


def records(rtype, data, req_id=1):
    """data split into as many records as it takes (none for empty data)."""
    return b"".join(record(rtype, data[i:i + MAX_CONTENT], req_id)
                    for i in range(0, len(data), MAX_CONTENT))


def _len(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def encode_params(params):
    """Name-value pairs of a PARAMS stream (dict or list of pairs)."""
    items = params.items() if isinstance(params, dict) else params
    out = []
    for k, v in items:
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        out.append(_len(len(k)) + _len(len(v)) + k + v)
    return b"".join(out)


def cgi_params(method, uri, body_len=None, headers=None, remote_addr="127.0.0.1", content_type=None):
    """The parameters deploy/nginx/roster.conf passes, for one request.
    headers: {"Authorization": "..."} -> HTTP_AUTHORIZATION=..."""
    path, _, query = uri.partition("?")
    p = {
        "QUERY_STRING": query,
        "REQUEST_METHOD": method,
        "CONTENT_TYPE": content_type or "",
        "CONTENT_LENGTH": "" if body_len is None else str(body_len),
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "REQUEST_URI": uri,
        "DOCUMENT_URI": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_SCHEME": "http",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "nginx",
        "REMOTE_ADDR": remote_addr,
        "REMOTE_PORT": "40000",
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_NAME": "_",
        "HTTP_HOST": "127.0.0.1",
    }
    for k, v in (headers or {}).items():
        p["HTTP_" + k.upper().replace("-", "_")] = v
    return p


class FcgiConn:
    def __init__(self, path, timeout=10.0, req_id=1):
        self.req_id = req_id
        self.stderr = b""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise

    def send(self, data):
        self.sock.sendall(data)

    def begin(self, keep_conn=False):
        self.send(record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, KEEP_CONN if keep_conn else 0),
                         self.req_id))

    def params(self, params):
        self.send(records(PARAMS, encode_params(params), self.req_id))

    def params_end(self):
        self.send(record(PARAMS, b"", self.req_id))

    def stdin(self, data):
        self.send(records(STDIN, data, self.req_id))

    def stdin_end(self):
        self.send(record(STDIN, b"", self.req_id))

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
            buf += chunk
        return buf

    def read_record(self):
        """(type, request id, content); EOFError when the peer closed."""
        ver, rtype, rid, clen, plen = HEADER.unpack(self._recv_exact(HEADER.size))
        if ver != VERSION:
            raise FcgiError("bad record version %d" % ver)
        content = self._recv_exact(clen) if clen else b""
        if plen:
            self._recv_exact(plen)
        return rtype, rid, content

    def read_response(self):
        """Reads up to FCGI_END_REQUEST.  Returns (status, headers with
        lowercase names, body bytes, appStatus); stderr is in self.stderr."""
        out, self.stderr = b"", b""
        while True:
            rtype, rid, content = self.read_record()
            if rtype == STDOUT:
                out += content
            elif rtype == STDERR:
                self.stderr += content
            elif rtype == END_REQUEST:
                app_status, proto_status = struct.unpack(">IB3x", content[:8])
                if proto_status != 0:
                    raise FcgiError("END_REQUEST protocolStatus %d" % proto_status)
                break
            else:
                raise FcgiError("unexpected record type %d" % rtype)
        head, sep, body = out.partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = out.partition(b"\n\n")
        headers, status = {}, 200
        for line in head.decode("latin-1").splitlines():
            k, _, v = line.partition(":")
            k, v = k.strip().lower(), v.strip()
            if k == "status":
                status = int(v.split()[0])
            elif k:
                headers[k] = (headers[k] + ", " + v) if k in headers else v
        return status, headers, body, app_status

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def request(path, method, uri, body=b"", headers=None, content_type=None, timeout=10.0):
    """One whole request over a new connection; (status, headers, body, appStatus)."""
    if isinstance(body, str):
        body = body.encode()
    with FcgiConn(path, timeout) as c:
        c.begin()
        c.params(cgi_params(method, uri, len(body) if body or method in ("POST", "PUT", "PATCH") else None,
                            headers, content_type=content_type))
        c.params_end()
        if body:
            c.stdin(body)
        c.stdin_end()
        return c.read_response()
