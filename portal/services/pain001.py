"""ISO 20022 pain.001.001.03 (CustomerCreditTransferInitiationV03) for refunds.

Built with the standard library's ElementTree (lxml is not a dependency of this project yet;
we only write XML here, nothing untrusted is parsed).

One group header, one payment information block (our account pays), one CdtTrfTxInf per
refund. EUR transfers carry the SEPA service level; other currencies (DKK) leave it out, as
domestic credit transfers do. Amounts go in as integer minor units and are written with two
decimals at this edge only. Texts are cut to the standard's lengths and reduced to the SEPA
character set (Latin letters, digits, / - ? : ( ) . , ' + and space).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: S405 - writing only, never parsing input

import schwifty
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Refund
from portal.models import RefundExport
from portal.services import audit
from portal.services.audit import Actor
from portal.services.refunds import book_refund

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
#: the official ISO 20022 schema, vendored (portal/payments/schemas/README.md)
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "payments" / "schemas" / "pain.001.001.03.xsd"
#: letters that do not decompose into a Latin letter plus accent
_SPELLED_OUT = str.maketrans({"Æ": "AE", "æ": "ae", "Ø": "OE", "ø": "oe", "ß": "ss", "Ð": "D"})
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount: int
    currency: str
    creditor_name: str
    creditor_iban: str
    creditor_bic: str | None
    remittance: str


@dataclass(frozen=True)
class Payer:
    name: str
    iban: str
    bic: str


def sepa_text(text: str, length: int) -> str:
    """Latin letters without accents, digits and the SEPA punctuation; at most `length`."""
    plain = text.translate(_SPELLED_OUT)
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    cleaned = _NOT_SEPA.sub(" ", plain).strip()
    return (cleaned or "-")[:length]


def _amount(minor: int) -> str:
    if isinstance(minor, bool) or not isinstance(minor, int) or minor <= 0:
        raise ValueError("a transfer amount is a positive number of minor units")
    return f"{minor // 100}.{minor % 100:02d}"


def build_pain001(
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    payer: Payer,
    transfers: Sequence[Transfer],
) -> bytes:
    """The pain.001.001.03 document (UTF-8 bytes). All transfers share one currency."""
    if not transfers:
        raise ValueError("a pain.001 file needs at least one transfer")
    currencies = {t.currency for t in transfers}
    if len(currencies) != 1:
        raise ValueError("one currency per file")
    currency = currencies.pop()
    total = _amount(sum(t.amount for t in transfers))
    count = str(len(transfers))

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
        if text is not None:
            element.text = text
        return element

    ET.register_namespace("", NAMESPACE)
    document = ET.Element(f"{{{NAMESPACE}}}Document")
    initiation = sub(document, "CstmrCdtTrfInitn")
    header = sub(initiation, "GrpHdr")
    sub(header, "MsgId", sepa_text(message_id, 35))
    sub(header, "CreDtTm", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    sub(header, "NbOfTxs", count)
    sub(header, "CtrlSum", total)
    sub(sub(header, "InitgPty"), "Nm", sepa_text(payer.name, 70))

    info = sub(initiation, "PmtInf")
    sub(info, "PmtInfId", sepa_text(message_id, 35))
    sub(info, "PmtMtd", "TRF")
    sub(info, "BtchBookg", "false")
    sub(info, "NbOfTxs", count)
    sub(info, "CtrlSum", total)
    if currency == "EUR":
        sub(sub(sub(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    sub(info, "ReqdExctnDt", execution_date.isoformat())
    sub(sub(info, "Dbtr"), "Nm", sepa_text(payer.name, 70))
    sub(sub(sub(info, "DbtrAcct"), "Id"), "IBAN", payer.iban)
    sub(sub(sub(info, "DbtrAgt"), "FinInstnId"), "BIC", payer.bic)
    sub(info, "ChrgBr", "SLEV" if currency == "EUR" else "SHAR")
    for transfer in transfers:
        tx = sub(info, "CdtTrfTxInf")
        sub(sub(tx, "PmtId"), "EndToEndId", sepa_text(transfer.end_to_end_id, 35))
        instructed = sub(sub(tx, "Amt"), "InstdAmt", _amount(transfer.amount))
        instructed.set("Ccy", transfer.currency)
        if transfer.creditor_bic:
            sub(sub(sub(tx, "CdtrAgt"), "FinInstnId"), "BIC", transfer.creditor_bic)
        sub(sub(tx, "Cdtr"), "Nm", sepa_text(transfer.creditor_name, 70))
        sub(sub(sub(tx, "CdtrAcct"), "Id"), "IBAN", transfer.creditor_iban)
        sub(sub(tx, "RmtInf"), "Ustrd", sepa_text(transfer.remittance, 140))
    ET.indent(document)
    return ET.tostring(document, xml_declaration=True, encoding="UTF-8")


def validate_pain001(xml: bytes) -> None:
    """Check the document against SCHEMA_PATH with lxml (a dev dependency: the tests call
    this); raises RuntimeError without lxml, lxml's DocumentInvalid when invalid."""
    try:
        from lxml import etree  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("XSD validation needs lxml") from exc
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    schema.assertValid(etree.fromstring(xml, parser))


# -- refund exports (the service side) --------------------------------------------------------


class ExportRefused(ValueError):
    """`code`: nothing_to_export, not_found, already_sent, no_payer_account."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def create_export(
    session: Session,
    config: Config,
    *,
    currency: str,
    staff_user_id: int,
    now: datetime,
    execution_date: date,
) -> RefundExport:
    """One pain.001 file for every approved bank refund in `currency` not yet exported; the
    refunds become "exported" (still set aside from the credit until the file is sent)."""
    refunds = list(
        session.scalars(
            select(Refund)
            .where(Refund.state == "approved", Refund.method == "bank", Refund.currency == currency)
            .order_by(Refund.id)
            .with_for_update()
        )
    )
    if not refunds:
        raise ExportRefused("nothing_to_export")
    try:
        payer_iban = schwifty.IBAN(config.payee_iban).compact
    except ValueError:
        raise ExportRefused("no_payer_account") from None
    message_id = f"SALDO-RF-{now:%Y%m%d%H%M%S}-{refunds[0].id}"
    for refund in refunds:
        refund.end_to_end_id = f"SALDO-REFUND-{refund.id}"
    xml = build_pain001(
        message_id=message_id,
        created_at=now,
        execution_date=execution_date,
        payer=Payer(config.payee_name, payer_iban, config.payee_bic),
        transfers=[
            Transfer(
                end_to_end_id=refund.end_to_end_id or "",
                amount=refund.amount,
                currency=refund.currency,
                creditor_name=refund.account_holder or "-",
                creditor_iban=refund.iban or "",
                creditor_bic=refund.bic,
                remittance=f"{config.municipality_name} refund {refund.id}",
            )
            for refund in refunds
        ],
    )
    export = RefundExport(
        message_id=message_id,
        currency=currency,
        total=sum(r.amount for r in refunds),
        count=len(refunds),
        xml=xml.decode("utf-8"),
        created_by_id=staff_user_id,
        created_at=now,
    )
    session.add(export)
    session.flush()
    for refund in refunds:
        refund.state = "exported"
        refund.export_id = export.id
    session.flush()
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "refund_export.created",
        object_type="refund_export",
        object_id=export.id,
        count=export.count,
        total=export.total,
    )
    return export


def mark_export_sent(
    session: Session, export_id: int, *, staff_user_id: int, now: datetime
) -> RefundExport:
    """The file went to the bank: book every refund in it (credit debited, "executed").
    A second call changes nothing (raises already_sent)."""
    export = session.scalar(
        select(RefundExport)
        .where(RefundExport.id == export_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if export is None:
        raise ExportRefused("not_found")
    if export.sent_at is not None:
        raise ExportRefused("already_sent")
    actor = Actor.staff(staff_user_id)
    for refund in session.scalars(
        select(Refund).where(Refund.export_id == export.id).order_by(Refund.id)
    ):
        book_refund(session, refund, actor=actor, now=now)
    export.sent_at = now
    export.sent_by_id = staff_user_id
    session.flush()
    audit.record(
        session,
        actor,
        "refund_export.sent",
        object_type="refund_export",
        object_id=export.id,
        count=export.count,
        total=export.total,
    )
    return export


def exports(session: Session, *, limit: int = 20) -> list[RefundExport]:
    return list(session.scalars(select(RefundExport).order_by(RefundExport.id.desc()).limit(limit)))
