"""A tiny FastCGI client (Python 3 standard library only) for the end-to-end tests.

It speaks to roster's listen socket directly, the way nginx or Apache would, so a
test can choose the CGI parameters a web server would set (REMOTE_ADDR of a peer
that is not on loopback, say) without a web server in between.

    r = request("/path/to/roster.sock", "GET", "/metrics",
                params={"REMOTE_ADDR": "203.0.113.7"},
                headers={"Authorization": "Bearer ..."})
    r.status, r.headers (lowercase keys), r.body (bytes), r.json(), r.stderr

One request per connection, FCGI_RESPONDER, no FCGI_KEEP_CONN (like nginx with
fastcgi_keep_conn off).  `address` is a unix socket path or a (host, port) pair.
"""

import json
import socket
import struct

FCGI_VERSION_1 = 1
FCGI_BEGIN_REQUEST = 1
FCGI_ABORT_REQUEST = 2
FCGI_END_REQUEST = 3
FCGI_PARAMS = 4
FCGI_STDIN = 5
FCGI_STDOUT = 6
FCGI_STDERR = 7
FCGI_RESPONDER = 1
HEADER = struct.Struct("!BBHHBx")  # version, type, request id, content length, padding


class FcgiError(Exception):
    pass


class FcgiResponse:
    def __init__(self, status, headers, body, stderr, app_status, protocol_status):
        self.status, self.headers, self.body = status, headers, body
        self.stderr, self.app_status, self.protocol_status = stderr, app_status, protocol_status

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        body = self.body.decode(errors="replace")
        if len(body) > 1000:
            body = body[:1000] + "..."
        return "FcgiResponse(%s, %r, %s)" % (self.status, self.headers, body)


def record(rtype, content, request_id=1):
    out = b""
    # A record holds at most 65535 bytes; split longer content.
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        pad = (8 - len(chunk) % 8) % 8
        out += HEADER.pack(FCGI_VERSION_1, rtype, request_id, len(chunk), pad) + chunk + b"\0" * pad
        if not content:
            break
    return out


def _length(n):
    return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)


def encode_params(params):
    out = b""
    for k, v in params.items():
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        out += _length(len(k)) + _length(len(v)) + k + v
    return out


def cgi_params(method, uri, body=b"", params=None, headers=None):
    """The parameters nginx's deploy/nginx/roster.conf would send for this request."""
    path, _, query = uri.partition("?")
    p = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "fcgi_client.py",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": method,
        "REQUEST_URI": uri,
        "DOCUMENT_URI": path,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REQUEST_SCHEME": "http",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_NAME": "localhost",
        "HTTP_HOST": "localhost",
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "CONTENT_TYPE": "",
    }
    for k, v in (headers or {}).items():
        name = k.upper().replace("-", "_")
        if name == "CONTENT_TYPE":
            p["CONTENT_TYPE"] = v
        else:
            p["HTTP_" + name] = v
    p.update(params or {})
    return p


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise FcgiError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def request(address, method, uri, body=b"", params=None, headers=None, timeout=10.0):
    """Sends one request; returns an FcgiResponse.  Raises FcgiError or OSError."""
    if isinstance(body, str):
        body = body.encode()
    if isinstance(address, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
        rid = 1
        out = record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", FCGI_RESPONDER, 0), rid)
        enc = encode_params(cgi_params(method, uri, body, params, headers))
        if enc:
            out += record(FCGI_PARAMS, enc, rid)
        out += record(FCGI_PARAMS, b"", rid)
        if body:
            out += record(FCGI_STDIN, body, rid)
        out += record(FCGI_STDIN, b"", rid)
        sock.sendall(out)
        stdout, stderr = b"", b""
        while True:
            version, rtype, rrid, clen, pad = HEADER.unpack(_recv_exact(sock, HEADER.size))
            content = _recv_exact(sock, clen + pad)[:clen]
            if version != FCGI_VERSION_1:
                raise FcgiError("record version %d" % version)
            if rtype == FCGI_STDOUT:
                stdout += content
            elif rtype == FCGI_STDERR:
                stderr += content
            elif rtype == FCGI_END_REQUEST:
                app_status, proto = struct.unpack("!IB3x", content[:8])
                break
            else:
                raise FcgiError("unexpected record type %d" % rtype)
    finally:
        sock.close()
    head, sep, resp_body = stdout.partition(b"\r\n\r\n")
    if not sep:
        head, sep, resp_body = stdout.partition(b"\n\n")
    if not sep:
        raise FcgiError("no header block in %r" % stdout[:300])
    headers_out = {}
    status = 200
    for line in head.decode("latin-1").splitlines():
        k, _, v = line.partition(":")
        k, v = k.strip().lower(), v.strip()
        if k == "status":
            status = int(v.split()[0])
        headers_out[k] = (headers_out[k] + ", " + v) if k in headers_out else v
    return FcgiResponse(status, headers_out, resp_body, stderr.decode(errors="replace"), app_status, proto)
