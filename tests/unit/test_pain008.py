"""The pain.008.001.08 writer (issue 8), checked against the vendored official ISO 20022 schema."""

from __future__ import annotations

from datetime import date
from datetime import datetime

import pytest
from lxml import etree

from portal.services.pain008 import NAMESPACE
from portal.services.pain008 import Creditor
from portal.services.pain008 import Debit
from portal.services.pain008 import build_pain008
from portal.services.pain008 import validate_pain008

CREDITOR = Creditor("Gemeente Voorbeeld", "NL91ABNA0417164300", "ABNANL2A", "NL69ZZZ123456780000")
NS = {"p": NAMESPACE}


def _debit(number: int, sequence: str = "FRST", *, bic: str | None = "ABNANL2A") -> Debit:
    return Debit(
        end_to_end_id=f"SALDO-DD-1-{number}",
        amount=7_500 + number,
        currency="EUR",
        sequence_type=sequence,
        collection_date=date(2026, 12, 7),
        mandate_reference=f"SALDO-M-1-{number}-1",
        mandate_signed_on=date(2026, 11, 23),
        debtor_name="Jørgen Æbelø-Müller",
        debtor_iban="NL91ABNA0417164300",
        debtor_bic=bic,
        remittance="Gemeente Voorbeeld plan 1 installment 1",
    )


def _build(*debits: Debit) -> bytes:
    return build_pain008(
        message_id="SALDO-DDF-20261130030000000000",
        created_at=datetime(2026, 11, 30, 3, 0, 0),
        creditor=CREDITOR,
        debits=debits,
    )


def test_a_file_with_first_and_recurring_debits_is_valid_against_the_schema() -> None:
    xml = _build(_debit(1), _debit(2, "RCUR", bic=None), _debit(3, "RCUR"))

    validate_pain008(xml)

    root = etree.fromstring(xml)
    blocks = root.findall(".//p:PmtInf", NS)
    assert [b.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS) for b in blocks] == ["FRST", "RCUR"]
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "225.06"
    assert (
        root.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS)
        == "NL69ZZZ123456780000"
    )
    assert "NOTPROVIDED" in xml.decode()
    assert "Joergen AEbeloe-Muller" in xml.decode()  # reduced to SEPA characters


def test_the_schema_refuses_an_unknown_sequence_type() -> None:
    xml = _build(_debit(1)).replace(b"<SeqTp>FRST</SeqTp>", b"<SeqTp>ONCE</SeqTp>")

    with pytest.raises(etree.DocumentInvalid):
        validate_pain008(xml)


def test_only_euro_debits_with_a_positive_amount_are_written() -> None:
    with pytest.raises(ValueError, match="EUR"):
        _build(Debit(**{**_debit(1).__dict__, "currency": "DKK"}))
    with pytest.raises(ValueError, match="positive"):
        _build(Debit(**{**_debit(1).__dict__, "amount": 0}))
    with pytest.raises(ValueError, match="at least one"):
        _build()
