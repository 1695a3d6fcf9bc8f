"""A bank day of credits as camt.053 bytes, made by the app's own camt writer: the statement
the benchmark imports (bench/run.py) and the large statements of the tests
(tests/support/bank.py)."""

from __future__ import annotations

from datetime import date

from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.payments.camt_writer import write_camt


def credits_statement(
    references: list[str], count: int, *, iban: str, statement_id: str, day: date, text: str
) -> bytes:
    """`count` single-transaction credits of 1.00 booked on `day`, cycling over `references`
    (every fifth one has no reference, so the manual queue gets work too)."""
    entries = tuple(
        CamtEntry(
            index=i,
            amount=100,
            currency="EUR",
            credit=True,
            reversal=False,
            status="BOOK",
            booking_date=day,
            value_date=day,
            acct_svcr_ref=f"{statement_id}-{i:08d}",
            transactions=(
                CamtTransaction(
                    index=0,
                    amount=100,
                    currency="EUR",
                    end_to_end_id=f"E2E-{statement_id}-{i}",
                    structured_refs=() if i % 5 == 4 else (references[i % len(references)],),
                    unstructured=text,
                ),
            ),
        )
        for i in range(count)
    )
    statement = CamtStatement(
        message_type="camt.053",
        version="001.02",
        statement_id=statement_id,
        sequence_number=1,
        account_iban=iban,
        entries=entries,
    )
    return write_camt(statement, message_id=f"MSG-{statement_id}", created="2026-11-20T18:00:00")
