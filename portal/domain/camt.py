"""Bank statements (ISO 20022 camt.053 / camt.054) as plain values, and the pure rules a
reconciler applies to them (domain-rules.md §4.3).

The XML is read by `portal.payments.camt_parser`; everything here is I/O-free: the result
types, exact amount conversion, the idempotency keys, Stripe payout recognition and which
references in a transaction are worth looking up.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from portal.domain.money import CURRENCY_EXPONENTS
from portal.domain.references import ReferenceScheme
from portal.domain.references import find_references
from portal.domain.references import is_valid
from portal.domain.references import normalise

#: Message types and versions the parser accepts. .001.02 and .001.08 are what Dutch, Belgian
#: and Danish banks send today; the versions in between share the element paths we read.
SUPPORTED_VERSIONS: dict[str, frozenset[str]] = {
    "camt.053": frozenset({"001.02", "001.03", "001.04", "001.05", "001.06", "001.07", "001.08"}),
    "camt.054": frozenset({"001.02", "001.03", "001.04", "001.05", "001.06", "001.07", "001.08"}),
}
#: ISO 20022 amounts have at most 18 digits, 5 of them after the point.
_AMOUNT = re.compile(r"[0-9]{1,18}(\.[0-9]{1,5})?")
#: "NOTPROVIDED" is what banks put in EndToEndId when the payer gave none (§4.3).
NOT_PROVIDED = "NOTPROVIDED"


class CamtError(ValueError):
    """The file cannot be read as a supported bank statement. `reason` is a stable code:
    too_large, not_xml, forbidden_xml, not_camt, unknown_version, invalid_content."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class CamtTransaction:
    """One `TxDtls` (or the entry itself when the bank sent no details)."""

    index: int
    amount: int
    currency: str
    end_to_end_id: str | None = None
    acct_svcr_ref: str | None = None
    #: `RmtInf/Strd/CdtrRefInf/Ref` values, as written by the payer's bank
    structured_refs: tuple[str, ...] = ()
    #: `RmtInf/Ustrd` lines joined by a space
    unstructured: str = ""
    #: personal data: stored, shown to staff, never logged
    debtor_name: str | None = None
    debtor_iban: str | None = None
    return_reason: str | None = None


@dataclass(frozen=True)
class CamtEntry:
    """One `Ntry`: a booking on the account, possibly a batch of several transactions."""

    index: int
    amount: int
    currency: str
    credit: bool
    reversal: bool
    status: str
    booking_date: date | None
    value_date: date | None
    acct_svcr_ref: str | None
    additional_info: str = ""
    batch_count: int | None = None
    #: the `TxDtls`; empty when the bank sent none
    transactions: tuple[CamtTransaction, ...] = ()

    @property
    def is_booked(self) -> bool:
        """Only BOOK is final; PDNG and INFO entries may still change or vanish (§4.3)."""
        return self.status == "BOOK"


@dataclass(frozen=True)
class CamtStatement:
    """One `Stmt` (camt.053) or `Ntfctn` (camt.054)."""

    message_type: str
    version: str
    statement_id: str
    sequence_number: int | None
    account_iban: str
    created_at_text: str | None = None
    entries: tuple[CamtEntry, ...] = field(default=())


@dataclass(frozen=True)
class CamtDocument:
    message_type: str
    version: str
    message_id: str
    statements: tuple[CamtStatement, ...]


def parse_amount(text: str | None, currency: str) -> int:
    """Exact minor units from an ISO 20022 amount ("123.45" EUR -> 12345); never a float.

    More decimals than the currency has are refused unless they are zeros ("1.230" is fine).
    """
    raw = (text or "").strip()
    if not _AMOUNT.fullmatch(raw):
        raise CamtError("invalid_content", f"amount {raw[:30]!r} is not a camt amount")
    exponent = CURRENCY_EXPONENTS.get(currency.upper(), 2)
    try:
        scaled = Decimal(raw).scaleb(exponent)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise CamtError("invalid_content", "amount") from None
    if scaled != scaled.to_integral_value():
        raise CamtError("invalid_content", f"amount {raw!r} has more decimals than {currency}")
    return int(scaled)


def compact_iban(text: str | None) -> str:
    return re.sub(r"\s", "", text or "").upper()


def entry_key(
    account_iban: str,
    entry: CamtEntry,
    tx: CamtTransaction,
    *,
    booking_date: date | None = None,
) -> str:
    """The idempotency key of one transaction of one entry (also the payment's provider
    reference, so it fits in 120 characters).

    The bank's `AcctSvcrRef` + the transaction's position identifies a booking in camt.052,
    .054 and .053 alike (§4.3 pitfall 3). Without it, a hash of (IBAN, amount, date,
    EndToEndId, reference) stands in. A reversal gets its own key: some banks repeat the
    original's AcctSvcrRef on it, and it must not look like a duplicate of the credit.
    """
    account = compact_iban(account_iban)
    suffix = ":RV" if entry.reversal else ""
    ref = entry.acct_svcr_ref or tx.acct_svcr_ref
    if ref:
        return f"{account}:{ref[:35]}:{tx.index}{suffix}"
    day = booking_date or entry.booking_date or entry.value_date
    parts = [
        account,
        str(tx.amount),
        tx.currency,
        day.isoformat() if day else "",
        tx.end_to_end_id or "",
        "|".join(tx.structured_refs),
        tx.unstructured,
        "C" if entry.credit else "D",
        str(tx.index),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{account}:h:{digest}{suffix}"


_STRIPE = re.compile(r"\bSTRIPE\b", re.IGNORECASE)
_PAYOUT = re.compile(r"\b(PAYOUT|PAYOUTS|TRANSFER)\b", re.IGNORECASE)


def is_stripe_payout(*, credit: bool, reversal: bool, debtor_name: str | None, text: str) -> bool:
    """A Stripe payout: one lump credit for many card payments already booked by webhook
    (decisions.md "Payments"). Stripe's statement descriptor says "STRIPE" + "PAYOUT" (or
    "TRANSFER"), or the payer is Stripe itself. `text` is the remittance and entry info."""
    if not credit or reversal:
        return False
    if (debtor_name or "").strip().upper().startswith("STRIPE"):
        return True
    return bool(_STRIPE.search(text) and _PAYOUT.search(text))


def candidate_references(
    structured_refs: Sequence[str], unstructured: str, schemes: Collection[ReferenceScheme]
) -> tuple[list[str], list[str]]:
    """(structured, found in text): valid references of `schemes` in compact form.

    A structured reference that validates is taken as is; one that does not is searched like
    free text (banks pass on "+++010/8068/17183+++" or a FIK code line there too). The text
    search runs on `Ustrd` only; §4.3 pitfall 4.
    """
    structured: list[str] = []
    structured_refs = [_unwrap_fik(ref) for ref in structured_refs]
    unstructured = _unwrap_fik(unstructured)
    for ref in structured_refs:
        hit = _valid_as_is(ref, schemes)
        if hit is not None:
            structured.append(hit)
            continue
        structured.extend(r for _s, r in find_references(ref, schemes=schemes))
    found = [r for _s, r in find_references(unstructured, schemes=schemes)] if unstructured else []
    return _unique(structured), [r for r in _unique(found) if r not in structured]


#: A Danish FIK code line "+71<000000000000018+81234567<": the payment id is what matches
#: (domain-rules.md §2.6); the creditor number is ours and is dropped.
_FIK_LINE = re.compile(r"\+7[15]<\s*([0-9]{15,16})\s*\+\s*[0-9]{8}\s*<")


def _unwrap_fik(text: str) -> str:
    return _FIK_LINE.sub(lambda m: f" {m.group(1)} ", text)


def _valid_as_is(ref: str, schemes: Collection[ReferenceScheme]) -> str | None:
    for scheme in schemes:
        if is_valid(scheme, ref):
            return normalise(scheme, ref)
    return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
