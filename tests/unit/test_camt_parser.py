"""The camt parser: versions .001.02 and .001.08, batches, exact amounts, hostile files."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtError
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.camt import candidate_references
from portal.domain.camt import entry_key
from portal.domain.camt import is_stripe_payout
from portal.domain.camt import parse_amount
from portal.domain.references import ReferenceScheme
from portal.domain.references import make_reference
from portal.payments import camt_parser
from portal.payments.camt_parser import iter_camt
from portal.payments.camt_parser import parse_camt
from tests.support.bank import large_statement

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "camt"
NL = ReferenceScheme.NL_BETALINGSKENMERK
REF1 = make_reference(NL, 1)
REF2 = make_reference(NL, 2)


def fixture(name: str, **refs: str) -> bytes:
    text = (FIXTURES / name).read_text()
    text = text.replace("@REF1@", refs.get("ref1", REF1))
    return text.replace("@REF2_DISPLAY@", refs.get("ref2", "7000 0000 0000 0002")).encode()


def test_a_single_credit_is_read_with_its_reference_and_exact_amount() -> None:
    document = parse_camt(fixture("single_credit.053.v02.xml"))
    assert (document.message_type, document.version) == ("camt.053", "001.02")
    [statement] = document.statements
    assert statement.statement_id == "STMT-2026-11-20"
    assert statement.sequence_number == 101
    assert statement.account_iban == "NL91ABNA0417164300"
    [entry] = statement.entries
    assert entry.credit
    assert not entry.reversal
    assert entry.is_booked
    assert (entry.amount, entry.currency, entry.booking_date) == (10000, "EUR", date(2026, 11, 20))
    assert entry.acct_svcr_ref == "BANKREF-0001"
    [tx] = entry.transactions
    assert tx.structured_refs == (REF1,)
    assert tx.end_to_end_id == "E2E-0001"
    assert tx.debtor_name == "J. de Vries"
    assert tx.debtor_iban == "NL02RABO0123456789"


def test_a_batch_entry_yields_one_transaction_per_txdtls() -> None:
    [statement] = parse_camt(fixture("batch.053.v02.xml")).statements
    [entry] = statement.entries
    assert entry.batch_count == 3
    assert [tx.amount for tx in entry.transactions] == [5000, 7500, 5000]
    assert [tx.index for tx in entry.transactions] == [0, 1, 2]
    assert "7000 0000 0000 0002" in entry.transactions[1].unstructured


def test_version_08_notification_reads_status_code_and_party_name() -> None:
    document = parse_camt(fixture("notification.054.v08.xml"))
    assert (document.message_type, document.version) == ("camt.054", "001.08")
    booked, pending = document.statements[0].entries
    assert booked.status == "BOOK"
    assert booked.is_booked
    assert booked.transactions[0].debtor_name == "J. de Vries"
    assert pending.status == "PDNG"
    assert not pending.is_booked


def test_a_reversal_is_a_debit_with_the_reversal_flag() -> None:
    [entry] = parse_camt(fixture("reversal.053.v02.xml")).statements[0].entries
    assert entry.reversal
    assert not entry.credit
    assert entry.transactions[0].return_reason == "AC04"


def test_an_entry_without_details_has_no_transactions() -> None:
    payout, _named = parse_camt(fixture("payout.053.v02.xml")).statements[0].entries
    assert payout.transactions == ()
    assert payout.additional_info == "STRIPE PAYOUT po_1QxYz"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion_laughs.xml", "forbidden_xml"),
        ("external_entity.xml", "forbidden_xml"),
        ("truncated.053.v02.xml", "not_xml"),
        ("unknown_version.053.v13.xml", "unknown_version"),
        ("not_camt.pain001.xml", "not_camt"),
    ],
)
def test_hostile_broken_or_unknown_files_are_refused_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(CamtError) as caught:
        parse_camt((FIXTURES / name).read_bytes())
    assert caught.value.reason == reason


def test_plain_text_is_not_xml() -> None:
    with pytest.raises(CamtError) as caught:
        parse_camt(b"Datum;Bedrag;Omschrijving\n2026-11-20;100,00;test\n")
    assert caught.value.reason == "not_xml"


def test_a_file_over_the_size_limit_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(camt_parser, "MAX_FILE_BYTES", 100)
    with pytest.raises(CamtError) as caught:
        parse_camt(fixture("single_credit.053.v02.xml"))
    assert caught.value.reason == "too_large"


def test_a_document_without_namespace_has_an_unknown_version() -> None:
    data = fixture("single_credit.053.v02.xml").replace(
        b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', b""
    )
    with pytest.raises(CamtError) as caught:
        parse_camt(data)
    assert caught.value.reason == "unknown_version"


@pytest.mark.parametrize(
    ("text", "minor"),
    [("100.00", 10000), ("0.01", 1), ("1234567.8", 123456780), ("12", 1200), ("1.230", 123)],
)
def test_amounts_are_converted_exactly(text: str, minor: int) -> None:
    assert parse_amount(text, "EUR") == minor


@pytest.mark.parametrize("text", ["1.005", "-1.00", "1e3", "", "12,50", "0.1.2"])
def test_malformed_amounts_are_refused(text: str) -> None:
    with pytest.raises(CamtError):
        parse_amount(text, "EUR")


def _entry(**kw: object) -> CamtEntry:
    values: dict[str, object] = {
        "index": 0,
        "amount": 100,
        "currency": "EUR",
        "credit": True,
        "reversal": False,
        "status": "BOOK",
        "booking_date": date(2026, 11, 20),
        "value_date": None,
        "acct_svcr_ref": "REF-1",
    }
    values.update(kw)
    return CamtEntry(**values)  # type: ignore[arg-type]


def test_the_entry_key_uses_account_bank_reference_and_position() -> None:
    tx = CamtTransaction(index=2, amount=100, currency="EUR")
    assert entry_key("NL91 ABNA 0417 1643 00", _entry(), tx) == "NL91ABNA0417164300:REF-1:2"
    assert entry_key("NL91ABNA0417164300", _entry(reversal=True, credit=False), tx).endswith(":RV")


def test_without_a_bank_reference_the_key_is_a_stable_fallback_hash() -> None:
    tx = CamtTransaction(index=0, amount=100, currency="EUR", end_to_end_id="E2E")
    first = entry_key("NL91ABNA0417164300", _entry(acct_svcr_ref=None), tx)
    again = entry_key("NL91ABNA0417164300", _entry(acct_svcr_ref=None), tx)
    other = entry_key(
        "NL91ABNA0417164300",
        _entry(acct_svcr_ref=None),
        CamtTransaction(index=0, amount=101, currency="EUR", end_to_end_id="E2E"),
    )
    assert first == again != other
    assert len(first) <= 120


@pytest.mark.parametrize(
    ("name", "text", "payout"),
    [
        (None, "STRIPE PAYOUT po_123", True),
        ("Stripe Payments Europe", "", True),
        (None, "stripe transfer 2026-11", True),
        ("A. Stripe-Jansen", "Payout of the lottery", False),
        (None, "STRIPE", False),
        (None, "huur november", False),
    ],
)
def test_stripe_payouts_are_recognised(name: str | None, text: str, payout: bool) -> None:
    assert is_stripe_payout(credit=True, reversal=False, debtor_name=name, text=text) is payout


def test_a_reference_in_free_text_is_found_and_structured_ones_come_first() -> None:
    structured, found = candidate_references(
        [REF1], f"betaling {REF2[:4]} {REF2[4:8]} {REF2[8:12]} {REF2[12:]}", {NL}
    )
    assert structured == [REF1]
    assert found == [REF2]


def test_an_invalid_structured_reference_is_not_a_candidate() -> None:
    broken = REF1[:-1] + str((int(REF1[-1]) + 1) % 10)
    structured, found = candidate_references([broken], "", {NL})
    assert structured == []
    assert found == []


def test_an_ogm_in_its_frame_is_found_for_a_belgian_installation() -> None:
    structured, _found = candidate_references(
        ["+++010/8068/17183+++"], "", {ReferenceScheme.BE_OGM}
    )
    assert structured == ["010806817183"]


def test_a_fik_payment_id_is_found_in_a_danish_code_line() -> None:
    fik = make_reference(ReferenceScheme.DK_FIK71, 18)
    schemes = {ReferenceScheme.DK_FIK71}
    structured, _found = candidate_references([f"+71<{fik}+81234567<"], "", schemes)
    assert structured == [fik]
    _none, found = candidate_references([], f"Betaling +71< {fik}+81234567< tak", schemes)
    assert found == [fik]
    plain, _ = candidate_references([fik], "", schemes)
    assert plain == [fik]


# -- streaming (the CLI reads a bank's whole daily file) --------------------------------------


def test_a_stream_yields_the_statement_header_then_each_entry_as_parse_camt_reads_them() -> None:
    data = large_statement([REF1, REF2], 30)
    [statement] = parse_camt(data).statements

    header, *entries = list(iter_camt(io.BytesIO(data), max_bytes=len(data)))

    assert isinstance(header, CamtStatement)
    assert header.entries == ()
    assert (header.statement_id, header.account_iban) == (
        statement.statement_id,
        "NL91ABNA0417164300",
    )
    assert tuple(entries) == statement.entries


def test_a_stream_longer_than_its_limit_is_refused_as_too_large() -> None:
    data = large_statement([REF1], 50)
    with pytest.raises(CamtError) as caught:
        list(iter_camt(io.BytesIO(data), max_bytes=len(data) // 2))
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion_laughs.xml", "forbidden_xml"),
        ("external_entity.xml", "forbidden_xml"),
        ("truncated.053.v02.xml", "not_xml"),
    ],
)
def test_a_stream_refuses_hostile_or_broken_files_like_the_whole_file_parser(
    name: str, reason: str
) -> None:
    with (FIXTURES / name).open("rb") as source, pytest.raises(CamtError) as caught:
        list(iter_camt(source, max_bytes=10_000_000))
    assert caught.value.reason == reason


def test_memory_while_streaming_stays_bounded_by_an_entry_not_by_the_file() -> None:
    data = large_statement([REF1, REF2], 2_000)  # ~1.8 MB; its whole tree would be ~20 MB
    source = io.BytesIO(data)
    tracemalloc.start()
    try:
        read = sum(1 for _item in iter_camt(source, max_bytes=len(data)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read == 2_001
    assert peak < 1_000_000
