"""Read camt.053 / camt.054 files (ISO 20022) safely into `portal.domain.camt` values.

defusedxml refuses DTDs (so entity expansion such as "billion laughs"), entities and external
references before anything is expanded; nothing is fetched from the network. Elements are
matched on their local names, so every supported version works with the same code; the
version comes from the namespace and unknown ones are refused (domain-rules.md §4.3).
"""

from __future__ import annotations

import re
from datetime import date
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from portal.domain.camt import SUPPORTED_VERSIONS
from portal.domain.camt import CamtDocument
from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtError
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.camt import compact_iban
from portal.domain.camt import parse_amount

#: Larger files are refused before parsing (a month of a busy account is a few MB).
MAX_FILE_BYTES = 20 * 1024 * 1024

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[0-9])\.([0-9]{3}\.[0-9]{2})")
#: message type -> (document child, statement element)
_ROOTS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_MAX_TEXT = 1000


def parse_camt(data: bytes) -> CamtDocument:
    """Parse a camt.053 or camt.054 file. Raises CamtError with a reason code."""
    if len(data) > MAX_FILE_BYTES:
        raise CamtError("too_large", f"{len(data)} bytes")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CamtError("forbidden_xml", type(exc).__name__) from None
    except ParseError as exc:
        raise CamtError("not_xml", str(exc)[:200]) from None
    namespace, local = _split(root.tag)
    if local != "Document":
        raise CamtError("not_camt", f"root element {local[:40]!r}")
    match = _NAMESPACE.fullmatch(namespace)
    body = next(iter(root), None)
    body_name = _split(body.tag)[1] if body is not None else ""
    message_type = next((t for t, (child, _s) in _ROOTS.items() if child == body_name), None)
    if message_type is None:
        raise CamtError("not_camt", f"message {body_name[:40]!r}")
    if match is None or match.group(1) != message_type:
        raise CamtError("unknown_version", namespace[:80] or "no namespace")
    version = match.group(2)
    if version not in SUPPORTED_VERSIONS[message_type]:
        raise CamtError("unknown_version", f"{message_type}.{version}")
    assert body is not None  # noqa: S101 - message_type was found from it
    statements = tuple(
        _statement(node, message_type, version) for node in _children(body, _ROOTS[message_type][1])
    )
    if not statements:
        raise CamtError("invalid_content", "no statement in the file")
    return CamtDocument(
        message_type=message_type,
        version=version,
        message_id=_text(body, "GrpHdr", "MsgId") or "",
        statements=statements,
    )


# -- element helpers (local names only) ------------------------------------------------------


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _children(node: Element, name: str) -> list[Element]:
    return [child for child in node if _split(child.tag)[1] == name]


def _find(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        node = next((child for child in node if _split(child.tag)[1] == name), None)
    return node


def _text(node: Element | None, *path: str) -> str | None:
    found = _find(node, *path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text[:_MAX_TEXT] if text else None


def _date(node: Element | None, name: str) -> date | None:
    """`BookgDt/Dt` or `BookgDt/DtTm` (the date part)."""
    raw = _text(node, name, "Dt") or (_text(node, name, "DtTm") or "")[:10] or None
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CamtError("invalid_content", f"{name} {raw[:20]!r} is not a date") from None


def _amount(node: Element | None) -> tuple[int, str]:
    if node is None:
        raise CamtError("invalid_content", "an entry has no amount")
    currency = (node.get("Ccy") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise CamtError("invalid_content", "an amount has no currency")
    return parse_amount(node.text, currency), currency


# -- statement, entry, transaction -----------------------------------------------------------


def _statement(node: Element, message_type: str, version: str) -> CamtStatement:
    statement_id = _text(node, "Id")
    if not statement_id:
        raise CamtError("invalid_content", "a statement has no Id")
    iban = compact_iban(_text(node, "Acct", "Id", "IBAN"))
    if not iban:
        raise CamtError("invalid_content", "a statement has no account IBAN")
    sequence_text = _text(node, "ElctrncSeqNb")
    if sequence_text is not None and not sequence_text.isdigit():
        raise CamtError("invalid_content", "ElctrncSeqNb is not a number")
    return CamtStatement(
        message_type=message_type,
        version=version,
        statement_id=statement_id[:35],
        sequence_number=int(sequence_text[:18]) if sequence_text else None,
        account_iban=iban,
        created_at_text=_text(node, "CreDtTm"),
        entries=tuple(_entry(e, i) for i, e in enumerate(_children(node, "Ntry"))),
    )


def _entry(node: Element, index: int) -> CamtEntry:
    amount, currency = _amount(_find(node, "Amt"))
    direction = _text(node, "CdtDbtInd")
    if direction not in ("CRDT", "DBIT"):
        raise CamtError("invalid_content", "CdtDbtInd must be CRDT or DBIT")
    # Up to v7 `Sts` holds the code; from v8 it is `Sts/Cd` (or `Sts/Prtry`).
    status = _text(node, "Sts", "Cd") or _text(node, "Sts", "Prtry") or _text(node, "Sts") or ""
    batch_text = _text(node, "NtryDtls", "Btch", "NbOfTxs")
    details = [tx for d in _children(node, "NtryDtls") for tx in _children(d, "TxDtls")]
    return CamtEntry(
        index=index,
        amount=amount,
        currency=currency,
        credit=direction == "CRDT",
        reversal=(_text(node, "RvslInd") or "").lower() in ("true", "1"),
        status=status.upper(),
        booking_date=_date(node, "BookgDt"),
        value_date=_date(node, "ValDt"),
        acct_svcr_ref=(_text(node, "AcctSvcrRef") or "")[:35] or None,
        additional_info=_text(node, "AddtlNtryInf") or "",
        batch_count=int(batch_text) if batch_text and batch_text.isdigit() else None,
        transactions=tuple(
            _transaction(tx, i, amount, currency, single=len(details) == 1)
            for i, tx in enumerate(details)
        ),
    )


def _transaction(
    node: Element, index: int, entry_amount: int, entry_currency: str, *, single: bool
) -> CamtTransaction:
    # An Element without children is falsy, so no `or` between look-ups.
    tx_amount = _find(node, "AmtDtls", "TxAmt", "Amt")
    if tx_amount is None:
        tx_amount = _find(node, "Amt")
    if tx_amount is not None:
        amount, currency = _amount(tx_amount)
    elif single:
        amount, currency = entry_amount, entry_currency
    else:
        raise CamtError("invalid_content", "a transaction in a batch has no amount")
    remittance = _find(node, "RmtInf")
    structured = tuple(
        ref[:35]
        for strd in (_children(remittance, "Strd") if remittance is not None else [])
        if (ref := _text(strd, "CdtrRefInf", "Ref"))
    )
    unstructured = " ".join(
        (u.text or "").strip()
        for u in (_children(remittance, "Ustrd") if remittance is not None else [])
        if u.text
    )
    parties = _find(node, "RltdPties")
    # v8+: Dbtr/Pty/Nm; before: Dbtr/Nm
    name = _text(parties, "Dbtr", "Pty", "Nm") or _text(parties, "Dbtr", "Nm")
    return CamtTransaction(
        index=index,
        amount=amount,
        currency=currency,
        end_to_end_id=(_text(node, "Refs", "EndToEndId") or "")[:35] or None,
        acct_svcr_ref=(_text(node, "Refs", "AcctSvcrRef") or "")[:35] or None,
        structured_refs=structured,
        unstructured=unstructured[:_MAX_TEXT],
        debtor_name=name[:140] if name else None,
        debtor_iban=compact_iban(_text(parties, "DbtrAcct", "Id", "IBAN")) or None,
        return_reason=_text(node, "RtrInf", "Rsn", "Cd"),
    )
