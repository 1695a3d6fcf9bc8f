"""The journal's pure parts: the general-ledger mapping, amounts as decimal strings, the
formula-injection guard and the CSV with a header only when nothing moved."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from portal.config import Config
from portal.config import ConfigError
from portal.services.finance_exports import DEFAULT_GL_ACCOUNTS
from portal.services.finance_exports import JOURNAL_HEADER
from portal.services.finance_exports import JournalLine
from portal.services.finance_exports import decimal_amount
from portal.services.finance_exports import gl_account
from portal.services.finance_exports import gl_accounts
from portal.services.finance_exports import journal_csv
from portal.services.finance_exports import safe_cell


def _line(**changes: object) -> JournalLine:
    values: dict[str, object] = {
        "booking_date": date(2026, 11, 22),
        "value_date": date(2026, 11, 20),
        "entry_id": 7,
        "claim_id": 3,
        "claim_type": "waste_levy",
        "department": "tax",
        "gl_account": "1300",
        "component": "principal",
        "amount": 12_345,
        "currency": "EUR",
        "cause": "issued",
        "payment_id": None,
    }
    values.update(changes)
    return JournalLine(**values)  # type: ignore[arg-type]


def test_the_most_specific_mapping_key_wins() -> None:
    mapping = gl_accounts('{"write_off:principal": "4900", "payment": "1100"}')

    assert gl_account(mapping, "write_off", "principal") == "4900"
    assert gl_account(mapping, "payment", "fee") == "1100"
    assert gl_account(mapping, "issued", "interest") == DEFAULT_GL_ACCOUNTS["interest"]
    assert gl_account({"*": "9999"}, "refund", "fee") == "9999"


def test_a_gl_mapping_that_is_not_a_json_object_stops_the_start() -> None:
    with pytest.raises(ConfigError, match="SALDO_GL_ACCOUNTS"):
        Config(testing=True, gl_accounts="[1, 2]").checked()
    with pytest.raises(ConfigError, match="SALDO_RETENTION_YEARS"):
        Config(testing=True, retention_years="not json").checked()


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [(12_345, "EUR", "123.45"), (5, "EUR", "0.05"), (100_000, "DKK", "1000.00")],
)
def test_amounts_are_plain_decimal_strings(amount: int, currency: str, expected: str) -> None:
    assert decimal_amount(amount, currency) == expected


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-cmd", "@SUM(A1)", "\tx"])
def test_cells_that_look_like_formulas_get_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_a_positive_movement_is_a_debit_and_a_negative_one_a_credit() -> None:
    debit = _line().cells()
    credit = _line(amount=-500, cause="payment", payment_id=9).cells()
    col = JOURNAL_HEADER.index

    assert (debit[col("debit")], debit[col("credit")]) == ("123.45", "")
    assert (credit[col("debit")], credit[col("credit")]) == ("", "5.00")
    assert credit[col("payment_id")] == "9"


def test_no_movements_gives_a_csv_with_the_header_only() -> None:
    body = b"".join(journal_csv(iter([])))

    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [list(JOURNAL_HEADER)]
