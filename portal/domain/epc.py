"""EPC QR ("GiroCode", EPC069-12) payload text, built from typed inputs.

Pure: no QR library here. `portal.payments.qr` renders the text with segno (error level M,
version <= 13, byte mode). Rules (domain-rules.md §4.2, decisions.md "Payments"):

- EUR only; the amount is written as `EUR` + euros with a `.` decimal point.
- Line 10 (structured) carries ONLY an ISO 11649 RF reference. A Dutch betalingskenmerk or a
  Belgian OGM goes in line 11 (unstructured) together with the description, because not every
  bank reads them from line 10. Line 10 and line 11 are never both filled.
- Lines are joined by LF; trailing empty optional lines are dropped; at most 331 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.domain.money import Money
from portal.domain.references import ReferenceScheme
from portal.domain.references import display
from portal.domain.references import rf_is_valid

MAX_PAYLOAD_BYTES = 331
MIN_AMOUNT = 1  # EUR 0.01
MAX_AMOUNT = 99_999_999_999  # EUR 999999999.99
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_PURPOSE = re.compile(r"[A-Z0-9]{4}")


class EpcError(ValueError):
    """The inputs cannot make a valid EPC QR payload (wrong currency, too long, ...)."""


@dataclass(frozen=True)
class EpcTransfer:
    """One SEPA credit transfer as an EPC QR code describes it."""

    name: str
    iban: str
    amount: Money
    bic: str = ""
    #: an ISO 11649 RF reference (line 10) ...
    rf_reference: str = ""
    #: ... or unstructured remittance text (line 11), never both
    text: str = ""
    purpose: str = ""
    #: beneficiary-to-payer information (line 12)
    info: str = ""


def compact_iban(iban: str) -> str:
    return re.sub(r"\s", "", iban).upper()


def remittance(scheme: ReferenceScheme, reference: str, description: str) -> tuple[str, str]:
    """(line 10, line 11) for a claim's reference under `scheme`.

    An RF reference goes in line 10 (the description then has no line of its own: it may go in
    line 12 as information). Any other scheme goes in line 11 as "<printed reference>
    <description>", cut to 140 characters; the reference always comes first so it survives.
    """
    if scheme is ReferenceScheme.RF:
        return display(scheme, reference).replace(" ", ""), ""
    text = f"{display(scheme, reference)} {description}".strip()
    return "", text[:140].rstrip()


def amount_text(amount: Money) -> str:
    """Element 8: "EUR12.50" (two decimals, '.' as decimal point)."""
    return f"EUR{amount.to_decimal()}"


def epc_payload(transfer: EpcTransfer) -> str:
    """The EPC069-12 version 002 payload text, character set 1 (UTF-8); raises EpcError."""
    name = transfer.name.strip()
    iban = compact_iban(transfer.iban)
    bic = transfer.bic.strip().upper()
    if transfer.amount.currency != "EUR":
        raise EpcError("an EPC QR code carries euros only")
    if not MIN_AMOUNT <= transfer.amount.amount <= MAX_AMOUNT:
        raise EpcError("the amount must be between EUR 0.01 and EUR 999999999.99")
    if not 0 < len(name) <= 70:
        raise EpcError("the payee name is 1-70 characters")
    if len(iban) > 34 or not _IBAN.fullmatch(iban):
        raise EpcError("not an IBAN")
    if bic and not _BIC.fullmatch(bic):
        raise EpcError("a BIC is 8 or 11 characters")
    if transfer.purpose and not _PURPOSE.fullmatch(transfer.purpose):
        raise EpcError("a purpose code is 4 letters or digits")
    if transfer.rf_reference and transfer.text:
        raise EpcError("use the structured reference or the text, never both")
    if transfer.rf_reference and (
        len(transfer.rf_reference) > 35 or not rf_is_valid(transfer.rf_reference)
    ):
        raise EpcError("line 10 carries only a valid ISO 11649 RF reference")
    if len(transfer.text) > 140:
        raise EpcError("the remittance text is at most 140 characters")
    if len(transfer.info) > 70:
        raise EpcError("the information to the payer is at most 70 characters")
    for value in (name, transfer.text, transfer.info):
        if "\n" in value or "\r" in value:
            raise EpcError("no line breaks inside an element")
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic,
        name,
        iban,
        amount_text(transfer.amount),
        transfer.purpose,
        transfer.rf_reference,
        transfer.text,
        transfer.info,
    ]
    while lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise EpcError("the payload is longer than 331 bytes")
    return payload
