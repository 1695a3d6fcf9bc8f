"""Read a pain.002 (CustomerPaymentStatusReport) safely: which of our debits the bank
rejected before settlement (issue 8).

defusedxml refuses DTDs, entities and external references, as in `camt_parser`. Elements are
matched on local names, so pain.002.001.03 to .001.10 read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_FILE_BYTES = 5 * 1024 * 1024
_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.[0-9]{2}")


class Pain002Error(ValueError):
    """The file is not a readable pain.002; `reason`: too_large, not_xml, forbidden_xml,
    not_pain002."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TransactionStatus:
    end_to_end_id: str
    #: ACCP, ACSC, RJCT, PDNG, ...
    status: str
    #: the ISO reason code (AC04, AM04, MD01, ...), when given
    reason: str | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(node: Element, *path: str) -> str | None:
    current: Element | None = node
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    if current is None or current.text is None:
        return None
    return current.text.strip()[:35] or None


def parse_pain002(data: bytes) -> list[TransactionStatus]:
    """Every transaction status in the report (group and payment-block statuses are not
    per debit and are left out)."""
    if len(data) > MAX_FILE_BYTES:
        raise Pain002Error("too_large")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise Pain002Error("forbidden_xml") from None
    except ParseError:
        raise Pain002Error("not_xml") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if _local(root.tag) != "Document" or not _NAMESPACE.fullmatch(namespace):
        raise Pain002Error("not_pain002")
    statuses = []
    for node in root.iter():
        if _local(node.tag) != "TxInfAndSts":
            continue
        end_to_end = _child_text(node, "OrgnlEndToEndId")
        status = _child_text(node, "TxSts")
        if end_to_end and status:
            statuses.append(
                TransactionStatus(
                    end_to_end_id=end_to_end,
                    status=status.upper(),
                    reason=_child_text(node, "StsRsnInf", "Rsn", "Cd"),
                )
            )
    return statuses
