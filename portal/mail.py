"""Short e-mails that are not letters (issue 5: a share link sent to a debt counsellor).

One small adapter per transport, like portal.documents.delivery for letters: the console in
demo and test mode (the message is printed to stdout, never to the structured log), SMTP
otherwise (SALDO_SMTP_HOST/PORT/USER/PASSWORD/STARTTLS/SENDER). An address is never logged:
log lines and errors carry internal ids only.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol
from typing import TextIO

from portal.config import Config
from portal.config import ConfigError

#: RFC 5321: 254 characters is the longest address that can be used in a mail transaction
MAX_ADDRESS_LENGTH = 254
#: deliberately simple: one @, no spaces or control characters, a dot in the domain
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f\x7f<>(),;:\"\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


class MailFailed(RuntimeError):
    """The transport could not take the message; nothing was sent."""


class InvalidAddress(ValueError):
    """The text is not an e-mail address we can send to."""


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    body: str


def normalise_address(text: str) -> str:
    """The address, trimmed, with a lower-case domain; InvalidAddress when it is not one."""
    address = text.strip()
    if not address or len(address) > MAX_ADDRESS_LENGTH or not _ADDRESS.match(address):
        raise InvalidAddress("not an e-mail address")
    local, domain = address.rsplit("@", 1)
    if ".." in domain or domain.startswith((".", "-")) or domain.endswith("-"):
        raise InvalidAddress("not an e-mail address")
    return f"{local}@{domain.lower()}"


class Mailer(Protocol):
    #: "console" or "smtp"
    name: str

    def send(self, message: MailMessage) -> None:
        """Hand the message over, or raise MailFailed."""
        ...


class ConsoleMailer:
    """Demo and test mode: the whole message on stdout, so a newcomer can follow the link."""

    name = "console"

    def __init__(self, sender: str, stream: TextIO | None = None) -> None:
        self.sender = sender
        self.stream = stream

    def send(self, message: MailMessage) -> None:
        stream = self.stream or sys.stdout
        stream.write(
            "----- e-mail (console, demo mode: not sent) -----\n"
            f"From: {self.sender}\nTo: {message.to}\nSubject: {message.subject}\n\n"
            f"{message.body}\n"
            "----- end of e-mail -----\n"
        )
        stream.flush()


class SmtpMailer:
    """Plain-text e-mail through the configured SMTP server (STARTTLS and login optional)."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def send(self, message: MailMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as error:
            # The exception text may quote the address: only its type goes further.
            name = type(error).__name__
            raise MailFailed(f"the mail server did not take the message ({name})") from None


def get_mailer(config: Config) -> Mailer:
    """The transport for SALDO_MAIL_TRANSPORT ("" = console in demo and test, else SMTP)."""
    transport = config.mail_transport or ("console" if (config.demo or config.testing) else "smtp")
    if transport == "console":
        return ConsoleMailer(config.smtp_sender)
    if transport == "smtp":
        return SmtpMailer(
            config.smtp_host,
            config.smtp_port,
            config.smtp_sender,
            user=config.smtp_user,
            password=config.smtp_password,
            starttls=config.smtp_starttls,
        )
    raise ConfigError(f"unknown SALDO_MAIL_TRANSPORT {transport!r}")
