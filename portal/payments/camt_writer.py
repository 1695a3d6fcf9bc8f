"""Write a camt.053 / camt.054 file from `portal.domain.camt` values.

Used by `flask demo-statement` (a statement a newcomer can import against the demo data) and
by the tests (fixtures and a 10,000-entry statement for the import time measurement).
Writing XML is safe with the standard library; only reading needs defusedxml.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element
from xml.etree.ElementTree import SubElement
from xml.etree.ElementTree import indent
from xml.etree.ElementTree import tostring

from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.money import CURRENCY_EXPONENTS

_ROOTS = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}


def format_amount(amount: int, currency: str) -> str:
    """Minor units to the camt decimal text (12345 EUR -> "123.45")."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    whole, part = divmod(amount, 10**exponent)
    return f"{whole}.{part:0{exponent}d}" if exponent else str(whole)


def write_camt(statement: CamtStatement, *, message_id: str, created: str) -> bytes:
    """One statement as a complete document in `statement.message_type`/`version`."""
    v8 = statement.version >= "001.08"
    document = Element(
        "Document",
        xmlns=f"urn:iso:std:iso:20022:tech:xsd:{statement.message_type}.{statement.version}",
    )
    body_name, stmt_name = _ROOTS[statement.message_type]
    body = SubElement(document, body_name)
    header = SubElement(body, "GrpHdr")
    _add(header, "MsgId", message_id)
    _add(header, "CreDtTm", created)
    stmt = SubElement(body, stmt_name)
    _add(stmt, "Id", statement.statement_id)
    if statement.sequence_number is not None:
        _add(stmt, "ElctrncSeqNb", str(statement.sequence_number))
    _add(stmt, "CreDtTm", statement.created_at_text or created)
    _add(SubElement(SubElement(stmt, "Acct"), "Id"), "IBAN", statement.account_iban)
    for entry in statement.entries:
        _entry(stmt, entry, v8=v8)
    indent(document)
    body_xml = tostring(document, encoding="unicode").encode()
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body_xml + b"\n"


def _add(parent: Element, name: str, text: str) -> Element:
    child = SubElement(parent, name)
    child.text = text
    return child


def _amount(parent: Element, name: str, amount: int, currency: str) -> None:
    _add(parent, name, format_amount(amount, currency)).set("Ccy", currency)


def _entry(stmt: Element, entry: CamtEntry, *, v8: bool) -> None:
    node = SubElement(stmt, "Ntry")
    _amount(node, "Amt", entry.amount, entry.currency)
    _add(node, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
    if entry.reversal:
        _add(node, "RvslInd", "true")
    if v8:
        _add(SubElement(node, "Sts"), "Cd", entry.status)
    else:
        _add(node, "Sts", entry.status)
    if entry.booking_date:
        _add(SubElement(node, "BookgDt"), "Dt", entry.booking_date.isoformat())
    if entry.value_date:
        _add(SubElement(node, "ValDt"), "Dt", entry.value_date.isoformat())
    if entry.acct_svcr_ref:
        _add(node, "AcctSvcrRef", entry.acct_svcr_ref)
    if entry.transactions:
        details = SubElement(node, "NtryDtls")
        if entry.batch_count is not None:
            _add(SubElement(details, "Btch"), "NbOfTxs", str(entry.batch_count))
        for tx in entry.transactions:
            _transaction(details, tx, entry, v8=v8)
    if entry.additional_info:
        _add(node, "AddtlNtryInf", entry.additional_info)


def _transaction(details: Element, tx: CamtTransaction, entry: CamtEntry, *, v8: bool) -> None:
    node = SubElement(details, "TxDtls")
    refs = SubElement(node, "Refs")
    if tx.acct_svcr_ref:
        _add(refs, "AcctSvcrRef", tx.acct_svcr_ref)
    _add(refs, "EndToEndId", tx.end_to_end_id or "NOTPROVIDED")
    _amount(SubElement(SubElement(node, "AmtDtls"), "TxAmt"), "Amt", tx.amount, tx.currency)
    if tx.debtor_name or tx.debtor_iban:
        parties = SubElement(node, "RltdPties")
        if tx.debtor_name:
            debtor = SubElement(parties, "Dbtr")
            _add(SubElement(debtor, "Pty") if v8 else debtor, "Nm", tx.debtor_name)
        if tx.debtor_iban:
            _add(SubElement(SubElement(parties, "DbtrAcct"), "Id"), "IBAN", tx.debtor_iban)
    if tx.structured_refs or tx.unstructured:
        remittance = SubElement(node, "RmtInf")
        if tx.unstructured:
            _add(remittance, "Ustrd", tx.unstructured[:140])
        for ref in tx.structured_refs:
            info = SubElement(SubElement(remittance, "Strd"), "CdtrRefInf")
            _add(SubElement(SubElement(info, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
            _add(info, "Ref", ref)
    if tx.return_reason:
        _add(SubElement(SubElement(node, "RtrInf"), "Rsn"), "Cd", tx.return_reason)
