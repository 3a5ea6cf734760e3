"""A real SMTP server on loopback for CertDesk's tests, built on aiosmtpd.

It listens on 127.0.0.1 on a port the OS picks, prints "READY <port>" on stdout, and writes
every message it accepts to OUT/<n>.json as {"mail_from", "rcpt_tos", "data"}. Faults on
request:

  --fail-code CODE --fail-count N   answer the first N messages' DATA with CODE (451, 550 ...)
  --drop-after-data N               read the first N messages, then drop the connection
                                    without answering (they are kept as OUT/dropped-<n>.json)
  --silent                          accept connections and never say a word
  --auth USER:PASSWORD              require AUTH (PLAIN/LOGIN); a wrong password gets 535
  --tls CERT KEY                    offer STARTTLS with this certificate (and require it)
  --port PORT                       listen on PORT instead of one the OS picks
  --implicit-tls CERT KEY           TLS from the first byte (port 465 style)
  --xoauth2 USER TOKENS             require AUTH XOAUTH2 as USER with a bearer token listed (one
                                    a line) in the file TOKENS (which oauth.py writes); anything
                                    else gets a 334 error challenge, then 535 4.7.0. Each AUTH is
                                    logged in OUT/auth.log as "ok TOKEN" or "refused TOKEN"

Runs until killed.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# AUTH without TLS is what the 535 test wants; keep the test output quiet about it.
warnings.filterwarnings("ignore")
# aiosmtpd logs through `logging` (auth without TLS, deprecations): not for the test output.
import logging  # noqa: E402

logging.getLogger("mail.log").setLevel(logging.ERROR)


class Handler:
    def __init__(self, out, fail_code, fail_count, drop_count):
        self.out = out
        self.fail_code = fail_code
        self.fail_count = fail_count
        self.drop_count = drop_count
        self.n = 0
        self.dropped = 0

    def _write(self, name, envelope):
        doc = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        tmp = os.path.join(self.out, "." + name)
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(self.out, name))

    async def handle_DATA(self, server, session, envelope):
        if self.dropped < self.drop_count:
            self.dropped += 1
            self._write("dropped-%d.json" % self.dropped, envelope)
            session.transport.abort() if hasattr(session, "transport") else None
            server.transport.abort()
            return "250 never sent"
        if self.fail_count > 0:
            self.fail_count -= 1
            return "%d fault injected by the test" % self.fail_code
        self.n += 1
        self._write("%06d.json" % self.n, envelope)
        return "250 OK"


class XOAuth2Handler(Handler):
    """A Handler that also takes AUTH XOAUTH2 (aiosmtpd finds auth_* methods on handlers)."""

    def __init__(self, out, user, tokens, *args):
        super().__init__(out, *args)
        self.user = user
        self.tokens = tokens

    def _log(self, line):
        with open(os.path.join(self.out, "auth.log"), "a") as f:
            f.write(line + "\n")

    async def auth_XOAUTH2(self, server, args):
        import base64

        blob = args[1] if len(args) > 1 else ""
        try:
            text = base64.b64decode(blob, validate=True).decode()
        except Exception:
            text = ""
        parts = text.split("\x01")
        ok_shape = len(parts) == 4 and parts[2:] == ["", ""] and parts[0].startswith("user=")
        user = parts[0][len("user="):] if ok_shape else ""
        token = parts[1][len("auth=Bearer "):] if ok_shape and parts[1].startswith("auth=Bearer ") else ""
        try:
            with open(self.tokens) as f:
                valid = {l.strip() for l in f if l.strip()}
        except FileNotFoundError:
            valid = set()
        if ok_shape and user == self.user and token in valid:
            self._log("ok " + token)
            return AuthResult(success=True, handled=False, auth_data=token)
        self._log("refused " + (token or repr(text)))
        # What Gmail and Office 365 do: an error challenge (base64 JSON), then 535.
        await server.challenge_auth('{"status":"401","schemes":"bearer"}')
        return AuthResult(
            success=False, handled=False, message="535 4.7.0 Invalid credentials (token expired or revoked)"
        )


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    return check


async def silent(reader, writer):
    await asyncio.sleep(3600)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--fail-code", type=int, default=451)
    p.add_argument("--fail-count", type=int, default=0)
    p.add_argument("--drop-after-data", type=int, default=0)
    p.add_argument("--silent", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--tls", nargs=2)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--implicit-tls", nargs=2)
    p.add_argument("--xoauth2", nargs=2)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    loop = asyncio.get_running_loop()
    if a.silent:
        server = await asyncio.start_server(silent, "127.0.0.1", a.port)
    else:
        rest = (a.fail_code, a.fail_count, a.drop_after_data)
        if a.xoauth2:
            handler = XOAuth2Handler(a.out, a.xoauth2[0], a.xoauth2[1], *rest)
        else:
            handler = Handler(a.out, *rest)
        kw = {}
        if a.xoauth2:
            kw.update(
                auth_required=True,
                auth_require_tls=bool(a.tls),
                auth_exclude_mechanism=["PLAIN", "LOGIN"],
            )
        if a.tls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(a.tls[0], a.tls[1])
            kw.update(tls_context=ctx, require_starttls=True)
        if a.auth:
            user, password = a.auth.split(":", 1)
            kw.update(
                authenticator=authenticator(user, password),
                auth_required=True,
                auth_require_tls=bool(a.tls),
            )
        server_ssl = None
        if a.implicit_tls:
            server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_ssl.load_cert_chain(a.implicit_tls[0], a.implicit_tls[1])
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="sink.test", **kw),
            "127.0.0.1",
            a.port,
            ssl=server_ssl,
        )
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
