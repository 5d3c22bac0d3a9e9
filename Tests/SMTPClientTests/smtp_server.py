#!/usr/bin/env python3
"""An aiosmtpd server for the SMTPClient tests.

Prints "PORT <n>" once it listens on 127.0.0.1 (on --port, else a free port), then serves until stdin
closes (or SIGTERM). Every connection appends a line to OUT/connections.log, every command its verb
to OUT/commands.log (one line each, "connect" for a new connection), and every read from a client's
socket a line to OUT/reads.log (pipelining shows as fewer reads); every accepted message is written
as OUT/<n>.eml (the bytes after DATA, unstuffed, as received) with OUT/<n>.json (envelope, TLS, login).

Modes: sink (accept everything), tempfail (451 to the first message's final dot, 250 after), reject
(550 to every RCPT), drop (close the connection after each message), mute (accept connections, never
say anything), mute-after-data (accept the first message, then never answer again, QUIT included).
Options: --port N, --starttls CERT KEY (offer STARTTLS), --implicit-tls CERT KEY (smtps),
--auth USER:PASSWORD (AUTH required, over TLS only), --no-pipelining.
"""
import argparse
import asyncio
import functools
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["sink", "tempfail", "reject", "drop", "mute", "mute-after-data"], default="sink")
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth")
    parser.add_argument("--no-pipelining", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    asyncio.run(serve(args))


def context(pair):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pair[0], pair[1])
    return ctx


class Handler:
    def __init__(self, args):
        self.args = args
        self.messages = 0
        self.attempts = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if not self.args.no_pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.mode == "reject":
            return "550 5.1.1 <%s>: no such mailbox" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.args.mode == "tempfail" and self.attempts == 1:
            return "451 4.3.0 try again later"
        self.messages += 1
        base = os.path.join(self.args.out, "%06d" % self.messages)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        login = session.auth_data.login.decode() if session.authenticated else None
        with open(base + ".json", "w") as f:
            tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": tls, "login": login}, f)
        return "250 2.0.0 queued as %d" % self.messages


class CountingSMTP(SMTP):
    def __init__(self, *a, out, drop, mute_after_data, **kw):
        super().__init__(*a, **kw)
        self.out = out
        self.drop = drop
        self.mute_after_data = mute_after_data
        self.muted = False

    def log(self, name, line):
        with open(os.path.join(self.out, name), "a") as f:
            f.write(line + "\n")

    def data_received(self, data):
        self.log("reads.log", str(len(data)))
        super().data_received(data)

    async def push(self, status):
        if not self.muted:
            await super().push(status)

    async def smtp_DATA(self, arg):
        self.log("commands.log", "DATA")
        if self.muted:
            return
        await super().smtp_DATA(arg)
        if self.drop:
            # The reply is written; the connection ends as an idle one would.
            self.transport.close()
        if self.mute_after_data and self.event_handler.messages > 0:
            # A message is taken: from now on, silence.
            self.muted = True

    async def smtp_QUIT(self, arg):
        self.log("commands.log", "QUIT")
        if self.muted:
            # Never answers, never closes: only the client can end this connection.
            await asyncio.Event().wait()
        await super().smtp_QUIT(arg)

    def connection_made(self, transport):
        # STARTTLS calls this again for the same connection: count each TCP connection once.
        if not getattr(self, "counted", False):
            self.counted = True
            self.log("connections.log", "connect")
            self.log("commands.log", "connect")
        super().connection_made(transport)


def logged(verb):
    original = getattr(SMTP, "smtp_" + verb)

    async def command(self, arg):
        self.log("commands.log", verb)
        if not self.muted:
            await original(self, arg)
    # Keeps the attributes aiosmtpd reads from its command methods (syntax, HELP text).
    return functools.update_wrapper(command, original)


for _verb in ["HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "RSET", "NOOP"]:
    setattr(CountingSMTP, "smtp_" + _verb, logged(_verb))


async def serve(args):
    handler = Handler(args)
    kwargs = {"enable_SMTPUTF8": True, "hostname": "test.invalid"}
    if args.starttls:
        kwargs["tls_context"] = context(args.starttls)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
    implicit = context(args.implicit_tls) if args.implicit_tls else None
    loop = asyncio.get_running_loop()
    if args.mode == "mute":
        factory = asyncio.Protocol
    else:
        def factory():
            return CountingSMTP(
                handler, out=args.out, drop=args.mode == "drop", mute_after_data=args.mode == "mute-after-data", **kwargs)
    server = await loop.create_server(factory, host="127.0.0.1", port=args.port, ssl=implicit)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: (sys.stdin.buffer.read1(4096) or stop.set()))
    await stop.wait()
    server.close()


if __name__ == "__main__":
    main()
