#!/usr/bin/python3
"""A loopback SMTP receiver for the delivery tests (test_mail.py): every message
it accepts becomes one file in --dir, written before the 250 reply.

    /usr/bin/python3 tests/e2e/smtp_sink.py --port N --dir DIR [--pidfile F] [--delay S]

Listens on 127.0.0.1 only (aiosmtpd, Debian's python3-aiosmtpd).  Each message is
DIR/<ns-time>-<seq>.eml: an `X-Sink-Rcpt-To:` and an `X-Sink-Mail-From:` line
(the envelope), then the message as received.  Files appear atomically (written
as .tmp, then renamed).  --delay S holds the 250 reply back S seconds after the
file is written (a slow receiver, so that a sender can be killed mid-queue).
When it listens it writes its pid to --pidfile and prints `listening PORT`.
SIGTERM or SIGINT stops it; stop it by its pid.
"""

import argparse
import asyncio
import itertools
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP


class Store:
    def __init__(self, directory, delay):
        self.dir = directory
        self.delay = delay
        self.seq = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        name = "%019d-%06d" % (time.time_ns(), next(self.seq))
        tmp = os.path.join(self.dir, name + ".tmp")
        head = "X-Sink-Rcpt-To: %s\r\nX-Sink-Mail-From: %s\r\n" % (
            ",".join(envelope.rcpt_tos), envelope.mail_from)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(tmp, "wb") as f:
            f.write(head.encode("ascii", "replace"))
            f.write(data)
        os.rename(tmp, os.path.join(self.dir, name + ".eml"))
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))

    handler = Store(args.dir, args.delay)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.localhost", data_size_limit=10 * 1024 * 1024),
        host="127.0.0.1", port=args.port, reuse_address=True)
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(args.pidfile + ".tmp", args.pidfile)
    print("listening %d" % args.port, flush=True)
    await stop
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except asyncio.TimeoutError:
        pass
    sys.exit(0)
