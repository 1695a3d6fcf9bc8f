"""Helpers for the bank statement tests: fixture files with real claim references, a large
generated statement, and an import call with the test app's rules and config."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from bench.statements import credits_statement
from portal.domain.references import ReferenceScheme
from portal.domain.references import display
from portal.models import Claim
from portal.services.audit import Actor
from portal.services.bank_statements import ImportSummary
from portal.services.bank_statements import import_statement

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "camt"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
IBAN = "NL91ABNA0417164300"


def camt_fixture(name: str, ref1: Claim | None = None, ref2: Claim | None = None) -> bytes:
    """A fixture file with @REF1@ (structured) and @REF2_DISPLAY@ (printed, in free text)
    replaced by the references of the given claims."""
    text = (FIXTURES / name).read_text()
    if ref1 is not None:
        text = text.replace("@REF1@", ref1.reference or "")
    if ref2 is not None:
        scheme = ReferenceScheme(current_app.config["RULE_PACK"].reference_scheme)
        text = text.replace("@REF2_DISPLAY@", display(scheme, ref2.reference or ""))
    return text.encode()


def run_import(session: Session, data: bytes, *, actor: Actor | None = None) -> ImportSummary:
    return import_statement(
        session,
        current_app.config["RULE_PACK"],
        current_app.config["SALDO"],
        data,
        actor=actor or Actor.system(),
        now=NOW,
        checkpoint=session.commit,
    )


def large_statement(references: list[str], count: int, *, statement_id: str = "BULK-1") -> bytes:
    """A camt.053 with `count` single-transaction credits of 1.00 cycling over `references`
    (every fifth one has no reference, so the queue gets work too)."""
    return credits_statement(
        references,
        count,
        iban=IBAN,
        statement_id=statement_id,
        day=date(2026, 11, 20),
        text="bulk test",
    )
