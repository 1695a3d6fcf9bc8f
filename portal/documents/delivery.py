"""Delivering a stored letter: one small adapter per channel.

decisions.md "Letter": console in demo, SMTP for tests; personal letters in production go through
Danish Digital Post (e-Boks/mit.dk) or the Dutch Berichtenbox (MijnOverheid), adapters still to
add. Plain e-mail is never a channel for personal letters in production, so
`get_delivery_adapter` refuses SMTP outside demo and test mode.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import click

from portal.config import Config
from portal.config import ConfigError
from portal.models import Debtor
from portal.models import Letter


class DeliveryFailed(RuntimeError):
    """The channel could not take the letter; it stays undelivered and can be tried again."""


@dataclass(frozen=True)
class Recipient:
    """Who a letter goes to. Also the address block of the letter (base_letter.html)."""

    debtor_id: int
    name: str
    address: str | None = None
    email: str | None = None
    #: issue 9: a letter addressed to a representative is "on behalf of" the debtor
    on_behalf_of: str | None = None
    #: issue 9: a letter to the debtor with a copy to their representative
    copy_to: str | None = None

    @classmethod
    def of(cls, debtor: Debtor) -> Recipient:
        return cls(
            debtor_id=debtor.id, name=debtor.name, address=debtor.address, email=debtor.email
        )

    @property
    def address_lines(self) -> list[str]:
        """ "Street 1, 1234 AB Town" (or one line per part) as the lines of an address block."""
        if not self.address:
            return []
        parts = self.address.replace("\r", "").replace("\n", ",").split(",")
        return [part.strip() for part in parts if part.strip()]


class DeliveryAdapter(Protocol):
    """A channel that takes a letter's PDF to its recipient."""

    #: stored as Letter.channel: console, smtp, (digital_post, berichtenbox)
    name: str

    def deliver(self, letter: Letter, pdf: bytes, recipient: Recipient) -> None:
        """Hand the letter over, or raise DeliveryFailed."""
        ...


class ConsoleDelivery:
    """Demo: prints a one-line notice. Never the content: it is personal and lands in logs."""

    name = "console"

    def deliver(self, letter: Letter, pdf: bytes, recipient: Recipient) -> None:
        click.echo(
            f"letter {letter.id} ({letter.kind}, {letter.locale}) for debtor "
            f"{recipient.debtor_id}: {len(pdf)} bytes of PDF, delivered to the console"
        )


class SmtpDelivery:
    """E-mail with the PDF attached. For demo and test use with non-personal data only:
    personal letters go through Digital Post / Berichtenbox adapters in production."""

    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, *, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def deliver(self, letter: Letter, pdf: bytes, recipient: Recipient) -> None:
        if not recipient.email:
            raise DeliveryFailed(f"debtor {recipient.debtor_id} has no e-mail address")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient.email
        # The subject is neutral on purpose: mail headers end up in logs along the way.
        message["Subject"] = f"Letter {letter.id}"
        message.set_content("The letter is attached as a PDF.")
        message.add_attachment(
            pdf, maintype="application", subtype="pdf", filename=f"letter-{letter.id}.pdf"
        )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"SMTP delivery of letter {letter.id} failed") from error


def get_delivery_adapter(config: Config) -> DeliveryAdapter:
    """The adapter the installation is configured for (SALDO_LETTER_DELIVERY)."""
    if config.letter_delivery == "console":
        return ConsoleDelivery()
    if config.letter_delivery == "smtp":
        if not (config.demo or config.testing):
            raise ConfigError(
                "SALDO_LETTER_DELIVERY=smtp is for demo and test use only: personal letters "
                "go through Digital Post or Berichtenbox"
            )
        return SmtpDelivery(config.smtp_host, config.smtp_port, config.smtp_sender)
    raise ConfigError(f"unknown SALDO_LETTER_DELIVERY {config.letter_delivery!r}")
