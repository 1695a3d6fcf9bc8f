"""Read camt.053 / camt.054 files (ISO 20022) safely into `portal.domain.camt` values.

defusedxml refuses DTDs (so entity expansion such as "billion laughs"), entities and external
references before anything is expanded; nothing is fetched from the network. Elements are
matched on their local names, so every supported version works with the same code; the
version comes from the namespace and unknown ones are refused (domain-rules.md §4.3).

The file is read as a stream (`iter_camt`): each `Ntry` is turned into a value as soon as it
is complete and then dropped from the tree, so memory stays bounded by one entry, not by the
file (a bank's daily file of 100,000 transactions is ~95 MB). `parse_camt` collects the same
stream into one `CamtDocument` for small files (the upload page, tests).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from typing import IO
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from portal.domain.camt import SUPPORTED_VERSIONS
from portal.domain.camt import CamtDocument
from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtError
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.camt import compact_iban
from portal.domain.camt import parse_amount

#: Larger files are refused before parsing (a month of a busy account is a few MB). The
#: upload page keeps this cap; the CLI (the bank's daily file drop) reads up to MAX_STREAM_BYTES.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: The cap for a file read as a stream from disk (`flask import-statement`): a day of a whole
#: city is ~1 KB per transaction, so this leaves room for ~500,000 transactions.
MAX_STREAM_BYTES = 512 * 1024 * 1024

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[0-9])\.([0-9]{3}\.[0-9]{2})")
#: message type -> (document child, statement element)
_ROOTS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_MAX_TEXT = 1000
_READ_BYTES = 64 * 1024


def parse_camt(data: bytes, *, max_bytes: int | None = None) -> CamtDocument:
    """Parse a camt.053 or camt.054 file. Raises CamtError with a reason code."""
    stream = CamtStream(data, max_bytes=MAX_FILE_BYTES if max_bytes is None else max_bytes)
    statements: list[CamtStatement] = []
    entries: list[CamtEntry] = []
    for item in stream:
        if isinstance(item, CamtStatement):
            if statements:
                statements[-1] = _with_entries(statements[-1], entries)
            statements.append(item)
            entries = []
        else:
            entries.append(item)
    statements[-1] = _with_entries(statements[-1], entries)
    return CamtDocument(
        message_type=stream.message_type,
        version=stream.version,
        message_id=stream.message_id,
        statements=tuple(statements),
    )


def _with_entries(statement: CamtStatement, entries: list[CamtEntry]) -> CamtStatement:
    return CamtStatement(
        message_type=statement.message_type,
        version=statement.version,
        statement_id=statement.statement_id,
        sequence_number=statement.sequence_number,
        account_iban=statement.account_iban,
        created_at_text=statement.created_at_text,
        entries=tuple(entries),
    )


class _Capped(io.RawIOBase):
    """A reader that refuses to go past `limit` bytes (CamtError "too_large")."""

    def __init__(self, source: IO[bytes], limit: int) -> None:
        self._source = source
        self._left = limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(_READ_BYTES if size is None or size < 0 else size)
        self._left -= len(data)
        if self._left < 0:
            raise CamtError("too_large", "over the size limit")
        return data


class CamtStream:
    """Iterate over a camt file: each statement's header (a `CamtStatement` without entries)
    comes first, then its `CamtEntry` values one by one. `message_type`, `version` and
    `message_id` are set once the group header has been read.

    Everything is checked while reading; a CamtError can come at any point of the iteration
    (a truncated file only shows at its end), so a caller that stores while reading must be
    ready to undo it (the import stores inside one savepoint)."""

    def __init__(self, source: bytes | IO[bytes], *, max_bytes: int = MAX_FILE_BYTES) -> None:
        if isinstance(source, bytes | bytearray):
            if len(source) > max_bytes:
                raise CamtError("too_large", f"{len(source)} bytes")
            source = io.BytesIO(source)
        self._source: IO[bytes] = source
        self._max_bytes = max_bytes
        self.message_type = ""
        self.version = ""
        self.message_id = ""

    def __iter__(self) -> Iterator[CamtStatement | CamtEntry]:
        try:
            yield from self._items()
        except DefusedXmlException as exc:
            raise CamtError("forbidden_xml", type(exc).__name__) from None
        except ParseError as exc:
            raise CamtError("not_xml", str(exc)[:200]) from None

    def _items(self) -> Iterator[CamtStatement | CamtEntry]:
        events = iterparse(
            _Capped(self._source, self._max_bytes),
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
        path: list[Element] = []  # the open elements, root first
        statement_name = ""
        in_statement = False
        header: CamtStatement | None = None
        index = 0
        statements = 0
        for event, node in events:
            if event == "start":
                path.append(node)
                depth = len(path)
                if depth == 1:
                    if _split(node.tag)[1] != "Document":
                        raise CamtError("not_camt", f"root element {_split(node.tag)[1][:40]!r}")
                elif depth == 2 and not self.message_type:
                    statement_name = self._message(path[0], node)
                elif depth == 3:
                    in_statement = _split(node.tag)[1] == statement_name
                    header, index = None, 0
                elif depth == 4 and in_statement and header is None and _is(node, "Ntry"):
                    header = _statement(path[2], self.message_type, self.version)
                    yield header
                continue
            path.pop()
            depth = len(path) + 1
            if depth == 4 and header is not None and _is(node, "Ntry"):
                yield _entry(node, index)
                index += 1
                path[-1].remove(node)  # done with it: memory stays bounded
            elif depth == 3 and in_statement:
                in_statement = False
                if header is None:
                    yield _statement(node, self.message_type, self.version)
                statements += 1
                header = None
                path[-1].remove(node)
            elif depth == 3 and _split(node.tag)[1] == "GrpHdr" and not self.message_id:
                self.message_id = _text(node, "MsgId") or ""
            elif depth == 1:
                if not self.message_type:
                    raise CamtError("not_camt", "message ''")
                if statements == 0:
                    raise CamtError("invalid_content", "no statement in the file")

    def _message(self, root: Element, body: Element) -> str:
        """Check the message type and version from the document's first child; returns the
        name of its statement element (Stmt or Ntfctn)."""
        body_name = _split(body.tag)[1]
        message_type = next((t for t, (child, _s) in _ROOTS.items() if child == body_name), None)
        if message_type is None:
            raise CamtError("not_camt", f"message {body_name[:40]!r}")
        namespace = _split(root.tag)[0]
        match = _NAMESPACE.fullmatch(namespace)
        if match is None or match.group(1) != message_type:
            raise CamtError("unknown_version", namespace[:80] or "no namespace")
        version = match.group(2)
        if version not in SUPPORTED_VERSIONS[message_type]:
            raise CamtError("unknown_version", f"{message_type}.{version}")
        self.message_type, self.version = message_type, version
        return _ROOTS[message_type][1]


def iter_camt(
    source: bytes | IO[bytes], *, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[CamtStatement | CamtEntry]:
    """`CamtStream` as a plain iterator (statement headers, each followed by its entries)."""
    return iter(CamtStream(source, max_bytes=max_bytes))


# -- element helpers (local names only) ------------------------------------------------------


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _is(node: Element, name: str) -> bool:
    return _split(node.tag)[1] == name


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
