"""A scripted SMTP server for the fault matrix: plain asyncio, no aiosmtpd, so each fault
happens at exactly the step it names. It listens on 127.0.0.1 on a port the OS picks, prints
"READY <port>", writes each accepted message to OUT/<n>.json as server.py does
({"mail_from", "rcpt_tos", "data"}) and appends one line per command it saw to
OUT/events.log (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, BODY, QUIT).

  --fault NAME      one of:
      none                   a well-behaved server
      greeting-421           answers the connection with 421 and closes it
      auth-535               refuses every AUTH with 535
      mail-550               refuses MAIL FROM with 550 (sender not allowed)
      rcpt-451 | rcpt-550    answers the first RCPT TO with 451 / 550, later ones with 250
      silent-after-greeting  greets, then never answers again
      silent-at-data         answers the first DATA command with nothing, ever
      silent-after-data      reads the first message to its final dot, then says nothing
      drop-before-250        reads the first message to its final dot, then closes
      slow                   writes every reply one byte a second
  --starttls CERT KEY       offer STARTTLS with this certificate
  --pipelining              offer PIPELINING (RFC 2920); a MAIL FROM whose RCPT TO had
                            already arrived when it was read is logged as PIPELINED

Runs until killed.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys


class Session:
    def __init__(self, srv, reader, writer):
        self.srv = srv
        self.reader = reader
        self.writer = writer
        self.tls = False

    def event(self, what):
        with open(os.path.join(self.srv.out, "events.log"), "a") as f:
            f.write(what + "\n")

    async def reply(self, text):
        data = (text + "\r\n").encode()
        if self.srv.fault == "slow":
            for b in data:
                self.writer.write(bytes([b]))
                await self.writer.drain()
                await asyncio.sleep(1)
        else:
            self.writer.write(data)
            await self.writer.drain()

    async def silence(self):
        await asyncio.sleep(3600)

    def ehlo_lines(self):
        lines = ["scripted.test", "8BITMIME", "SIZE 10000000"]
        if self.srv.pipelining:
            lines.append("PIPELINING")
        if self.srv.ctx and not self.tls:
            lines.append("STARTTLS")
        if self.srv.fault == "auth-535":
            lines.append("AUTH PLAIN LOGIN")
        return "\r\n".join(
            "250%s%s" % ("-" if i < len(lines) - 1 else " ", l) for i, l in enumerate(lines)
        )

    async def body(self):
        lines = []
        while True:
            line = await self.reader.readline()
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)

    async def run(self):
        fault = self.srv.fault
        if fault == "greeting-421":
            await self.reply("421 4.3.2 scripted.test too busy, try later")
            return
        await self.reply("220 scripted.test ESMTP")
        if fault == "silent-after-greeting":
            return await self.silence()
        mail_from, rcpts = None, []
        while True:
            line = await self.reader.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            self.event(verb)
            if verb in ("EHLO", "HELO"):
                await self.reply(self.ehlo_lines())
            elif verb == "STARTTLS" and self.srv.ctx:
                await self.reply("220 2.0.0 go ahead")
                await self.writer.start_tls(self.srv.ctx)
                self.tls = True
            elif verb == "AUTH":
                await self.reply("535 5.7.8 authentication credentials invalid")
            elif verb == "MAIL":
                if self.srv.pipelining and b"RCPT" in bytes(self.reader._buffer).upper():
                    self.event("PIPELINED")
                if fault == "mail-550":
                    await self.reply("550 5.7.1 sender not allowed to send from this server")
                    continue
                mail_from, rcpts = cmd.split(":", 1)[1].strip(), []
                await self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                self.srv.rcpts += 1
                if fault in ("rcpt-451", "rcpt-550") and self.srv.rcpts == 1:
                    code = fault[-3:]
                    await self.reply("%s mailbox unavailable (fault injected)" % code)
                    continue
                rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                await self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                self.srv.datas += 1
                first = self.srv.datas == 1
                if fault == "silent-at-data" and first:
                    return await self.silence()
                await self.reply("354 end with <CRLF>.<CRLF>")
                data = await self.body()
                if data is None:
                    return
                self.event("BODY")
                if fault == "silent-after-data" and first:
                    return await self.silence()
                if fault == "drop-before-250" and first:
                    self.writer.transport.abort()
                    return
                self.srv.accept(mail_from, rcpts, data)
                await self.reply("250 2.0.0 queued")
            elif verb == "RSET":
                await self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                await self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                await self.reply("221 2.0.0 bye")
                return
            else:
                await self.reply("502 5.5.2 command not implemented")


class Server:
    def __init__(self, out, fault, ctx, pipelining):
        self.out = out
        self.pipelining = pipelining
        self.fault = fault
        self.ctx = ctx
        self.rcpts = 0
        self.datas = 0
        self.n = 0

    def accept(self, mail_from, rcpts, data):
        self.n += 1
        doc = {
            "mail_from": mail_from,
            "rcpt_tos": rcpts,
            "data": data.decode("utf-8", "replace"),
        }
        name = "%06d.json" % self.n
        tmp = os.path.join(self.out, "." + name)
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(self.out, name))

    async def handle(self, reader, writer):
        try:
            await Session(self, reader, writer).run()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--fault", default="none")
    p.add_argument("--starttls", nargs=2)
    p.add_argument("--pipelining", action="store_true")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ctx = None
    if a.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.starttls[0], a.starttls[1])
    srv = Server(a.out, a.fault, ctx, a.pipelining)
    server = await asyncio.start_server(srv.handle, "127.0.0.1", 0)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
