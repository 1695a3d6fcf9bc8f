"""ISO 20022 pain.008 (CustomerDirectDebitInitiation): SEPA Core direct debits, in version
001.08 (the default) or 001.02 (a per-bank option: `direct_debit_format`). The two differ, for
what Saldo writes, only in the namespace and the BIC element (BICFI in .08, BIC in .02).

Built with the standard library's ElementTree, in the style of `pain001.py` (writing only,
nothing untrusted is parsed). One group header; one payment information block per
(sequence type, collection date), because SEPA wants FRST and RCUR in separate blocks and a
block has one ReqdColltnDt. `BtchBookg` is false, so the bank statement shows each debit on
its own with our EndToEndId (that is how a credit or a return finds its collection).
Amounts go in as integer minor units and are written with two decimals here only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from itertools import groupby
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: S405 - writing only, never parsing input

from portal.services.pain001 import sepa_text

DEFAULT_VERSION = "pain.008.001.08"
VERSIONS = ("pain.008.001.08", "pain.008.001.02")
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{DEFAULT_VERSION}"
#: the official ISO 20022 schemas, vendored (portal/payments/schemas/README.md)
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "payments" / "schemas"
SCHEMA_PATH = SCHEMA_DIR / f"{DEFAULT_VERSION}.xsd"


def namespace(version: str) -> str:
    if version not in VERSIONS:
        raise ValueError(f"unknown pain.008 version {version!r}")
    return f"urn:iso:std:iso:20022:tech:xsd:{version}"


#: what goes in DbtrAgt when the debtor's BIC is unknown (the IBAN is enough inside SEPA)
NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True)
class Creditor:
    name: str
    iban: str
    bic: str
    creditor_id: str


@dataclass(frozen=True)
class Debit:
    end_to_end_id: str
    amount: int
    currency: str
    sequence_type: str
    collection_date: date
    mandate_reference: str
    mandate_signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None
    remittance: str


def _amount(minor: int) -> str:
    if isinstance(minor, bool) or not isinstance(minor, int) or minor <= 0:
        raise ValueError("a debit amount is a positive number of minor units")
    return f"{minor // 100}.{minor % 100:02d}"


def build_pain008(
    *,
    message_id: str,
    created_at: datetime,
    creditor: Creditor,
    debits: Sequence[Debit],
    version: str = DEFAULT_VERSION,
) -> bytes:
    """The pain.008 document (UTF-8 bytes) in `version` (VERSIONS). SEPA Core debits are EUR
    only."""
    ns = namespace(version)
    bic_tag = "BICFI" if version == "pain.008.001.08" else "BIC"
    if not debits:
        raise ValueError("a pain.008 file needs at least one debit")
    if {d.currency for d in debits} != {"EUR"}:
        raise ValueError("SEPA direct debits are in EUR")

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ns}}}{tag}")
        if text is not None:
            element.text = text
        return element

    def agent(parent: ET.Element, tag: str, bic: str | None) -> None:
        institution = sub(sub(parent, tag), "FinInstnId")
        if bic:
            sub(institution, bic_tag, bic)
        else:
            sub(sub(institution, "Othr"), "Id", NOT_PROVIDED)

    ET.register_namespace("", ns)
    document = ET.Element(f"{{{ns}}}Document")
    initiation = sub(document, "CstmrDrctDbtInitn")
    header = sub(initiation, "GrpHdr")
    sub(header, "MsgId", sepa_text(message_id, 35))
    sub(header, "CreDtTm", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    sub(header, "NbOfTxs", str(len(debits)))
    sub(header, "CtrlSum", _amount(sum(d.amount for d in debits)))
    sub(sub(header, "InitgPty"), "Nm", sepa_text(creditor.name, 70))

    def block_key(debit: Debit) -> tuple[str, date]:
        return debit.sequence_type, debit.collection_date

    for number, ((sequence, on), group) in enumerate(
        groupby(sorted(debits, key=block_key), key=block_key), start=1
    ):
        block = list(group)
        info = sub(initiation, "PmtInf")
        sub(info, "PmtInfId", sepa_text(f"{message_id}-{number}", 35))
        sub(info, "PmtMtd", "DD")
        sub(info, "BtchBookg", "false")
        sub(info, "NbOfTxs", str(len(block)))
        sub(info, "CtrlSum", _amount(sum(d.amount for d in block)))
        kind = sub(info, "PmtTpInf")
        sub(sub(kind, "SvcLvl"), "Cd", "SEPA")
        sub(sub(kind, "LclInstrm"), "Cd", "CORE")
        sub(kind, "SeqTp", sequence)
        sub(info, "ReqdColltnDt", on.isoformat())
        sub(sub(info, "Cdtr"), "Nm", sepa_text(creditor.name, 70))
        sub(sub(sub(info, "CdtrAcct"), "Id"), "IBAN", creditor.iban)
        agent(info, "CdtrAgt", creditor.bic)
        sub(info, "ChrgBr", "SLEV")
        other = sub(sub(sub(sub(info, "CdtrSchmeId"), "Id"), "PrvtId"), "Othr")
        sub(other, "Id", creditor.creditor_id)
        sub(sub(other, "SchmeNm"), "Prtry", "SEPA")
        for debit in block:
            tx = sub(info, "DrctDbtTxInf")
            sub(sub(tx, "PmtId"), "EndToEndId", sepa_text(debit.end_to_end_id, 35))
            sub(tx, "InstdAmt", _amount(debit.amount)).set("Ccy", debit.currency)
            mandate = sub(sub(tx, "DrctDbtTx"), "MndtRltdInf")
            sub(mandate, "MndtId", debit.mandate_reference)
            sub(mandate, "DtOfSgntr", debit.mandate_signed_on.isoformat())
            agent(tx, "DbtrAgt", debit.debtor_bic)
            sub(sub(tx, "Dbtr"), "Nm", sepa_text(debit.debtor_name, 70))
            sub(sub(sub(tx, "DbtrAcct"), "Id"), "IBAN", debit.debtor_iban)
            sub(sub(tx, "RmtInf"), "Ustrd", sepa_text(debit.remittance, 140))
    ET.indent(document)
    return ET.tostring(document, xml_declaration=True, encoding="UTF-8")


def validate_pain008(xml: bytes, version: str = DEFAULT_VERSION) -> None:
    """Check the document against the official XSD of `version` with lxml (a dev dependency:
    the tests call this); raises RuntimeError without lxml, DocumentInvalid when invalid."""
    namespace(version)
    try:
        from lxml import etree  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("XSD validation needs lxml") from exc
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{version}.xsd")))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    schema.assertValid(etree.fromstring(xml, parser))
