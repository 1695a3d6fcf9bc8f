"""A tiny in-process SMTP server on 127.0.0.1 for tests: it speaks just enough SMTP (EHLO,
AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it was given."""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from email import message_from_bytes
from email import policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    login: str | None = None

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


@dataclass
class MailSink:
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    sink: MailSink

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 sink.test ESMTP ready")
        sender, recipients, login = "", [], None
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
            elif line.upper().startswith("AUTH PLAIN"):
                parts = line.split()
                token = parts[2] if len(parts) > 2 else ""
                fields = base64.b64decode(token).split(b"\0") if token else [b""]
                login = fields[1].decode() if len(fields) > 1 else None
                self._reply("235 2.7.0 accepted")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip().strip("<>"), []
                self._reply("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 ok")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline(65536)
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                with self.sink.lock:
                    self.sink.messages.append(Received(sender, recipients, bytes(data), login))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            elif verb in ("RSET", "NOOP"):
                self._reply("250 ok")
            else:
                self._reply("502 not implemented")


@contextmanager
def mail_sink() -> Iterator[MailSink]:
    """Start the sink on a free loopback port; stopped (and its thread joined) on exit."""
    sink = MailSink()
    handler = type("Handler", (_Handler,), {"sink": sink})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="mail-sink", daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
