"""The pain.001.001.03 refund file, checked with lxml against the vendored
official ISO 20022 schema (portal/payments/schemas/pain.001.001.03.xsd)."""

from __future__ import annotations

from datetime import date
from datetime import datetime

import pytest
from defusedxml.ElementTree import fromstring
from lxml import etree

from portal.services.pain001 import NAMESPACE
from portal.services.pain001 import Payer
from portal.services.pain001 import Transfer
from portal.services.pain001 import build_pain001
from portal.services.pain001 import sepa_text
from portal.services.pain001 import validate_pain001

N = f"{{{NAMESPACE}}}"
PAYER = Payer("Gemeente Voorbeeld", "NL91ABNA0417164300", "ABNANL2A")


def validate(xml: bytes) -> list[str]:
    """The schema's complaints about `xml` (empty when valid)."""
    try:
        validate_pain001(xml)
    except etree.DocumentInvalid as invalid:
        return [str(error.message) for error in invalid.error_log]
    return []


def _transfers(currency: str = "EUR") -> list[Transfer]:
    return [
        Transfer(
            "SALDO-REFUND-1",
            12_345,
            currency,
            "Ria de Vriés & Zn",
            "NL02ABNA0123456789",
            None,
            "Refund 1",
        ),
        Transfer(
            "SALDO-REFUND-2",
            50,
            currency,
            "Jan Jansen",
            "NL91ABNA0417164300",
            "ABNANL2A",
            "Refund 2",
        ),
    ]


def test_a_euro_refund_file_is_valid_against_the_schema_and_adds_up() -> None:
    xml = build_pain001(
        message_id="SALDO-RF-1",
        created_at=datetime(2026, 11, 23, 10, 0),
        execution_date=date(2026, 11, 24),
        payer=PAYER,
        transfers=_transfers(),
    )
    assert validate(xml) == []
    root = fromstring(xml)
    assert root.findtext(f"{N}CstmrCdtTrfInitn/{N}GrpHdr/{N}NbOfTxs") == "2"
    assert root.findtext(f"{N}CstmrCdtTrfInitn/{N}GrpHdr/{N}CtrlSum") == "123.95"
    info = root.find(f"{N}CstmrCdtTrfInitn/{N}PmtInf")
    assert info is not None
    assert info.findtext(f"{N}PmtTpInf/{N}SvcLvl/{N}Cd") == "SEPA"
    assert info.findtext(f"{N}ChrgBr") == "SLEV"
    amounts = [e.text for e in info.iter(f"{N}InstdAmt")]
    assert amounts == ["123.45", "0.50"]
    assert [e.text for e in info.iter(f"{N}Nm")][-2] == "Ria de Vries   Zn"


def test_a_danish_refund_file_has_no_sepa_service_level_and_is_valid() -> None:
    xml = build_pain001(
        message_id="SALDO-RF-2",
        created_at=datetime(2026, 11, 23, 10, 0),
        execution_date=date(2026, 11, 24),
        payer=Payer("Kommune", "DK5000400440116243", "DABADKKK"),
        transfers=_transfers("DKK"),
    )
    assert validate(xml) == []
    assert b"<Cd>SEPA</Cd>" not in xml
    assert b"<ChrgBr>SHAR</ChrgBr>" in xml


def test_the_validator_catches_a_broken_file() -> None:
    xml = build_pain001(
        message_id="SALDO-RF-3",
        created_at=datetime(2026, 11, 23, 10, 0),
        execution_date=date(2026, 11, 24),
        payer=PAYER,
        transfers=_transfers(),
    )
    broken = xml.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>").replace(
        b"<IBAN>NL02ABNA0123456789</IBAN>", b"<IBAN>nl02 abna</IBAN>"
    )
    problems = validate(broken)
    assert any("PmtMtd" in p for p in problems)
    assert any("IBAN" in p for p in problems)
    header_count = b"<NbOfTxs>2</NbOfTxs>"
    without_count = xml.replace(header_count, b"", 1)
    assert any("NbOfTxs" in p for p in validate(without_count))


def test_texts_are_cut_to_the_standard_and_reduced_to_the_sepa_characters() -> None:
    assert sepa_text("Ærø Ødegård <script>", 70) == "AEroe OEdegard  script"
    assert len(sepa_text("x" * 200, 140)) == 140
    assert sepa_text("", 35) == "-"


@pytest.mark.parametrize(
    "transfers", [[], [*_transfers("EUR")[:1], *_transfers("DKK")[:1]]], ids=["none", "mixed"]
)
def test_an_empty_or_mixed_currency_file_is_refused(transfers: list[Transfer]) -> None:
    with pytest.raises(ValueError, match="transfer|currency"):
        build_pain001(
            message_id="X",
            created_at=datetime(2026, 11, 23, 10, 0),
            execution_date=date(2026, 11, 24),
            payer=PAYER,
            transfers=transfers,
        )
