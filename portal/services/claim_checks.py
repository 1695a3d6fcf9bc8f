"""Checks on a claim a department submits (API body or CSV row), all errors at once.

Issue 7 and decisions.md "Identity and privacy": national ids per country through
`portal.services.identity`; business numbers: KvK format only, CVR and KBO with their check
digits. Every error has a field, a machine-readable code and an English message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.be import vat as be_vat
from stdnum.dk import cvr as dk_cvr
from stdnum.exceptions import ValidationError

from portal.config import SUPPORTED_LOCALES
from portal.domain.rules.base import RulePack
from portal.models import ClaimType
from portal.models import Department
from portal.services.identity import InvalidNationalId
from portal.services.identity import normalise_national_id

MAX_AMOUNT = 10**12
EXTERNAL_ID = re.compile(r"[A-Za-z0-9._:/-]{1,80}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
CLAIM_FIELDS = frozenset(
    {
        "external_id",
        "claim_type",
        "amount",
        "currency",
        "issue_date",
        "due_date",
        "description",
        "debtor",
    }
)
DEBTOR_FIELDS = frozenset(
    {"national_id", "business_number", "name", "email", "address", "preferred_locale"}
)


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class SubmissionInvalid(ValueError):
    """The submission fails one or more checks; nothing was stored."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class DebtorData:
    name: str
    national_id: str | None = None
    business_number: str | None = None
    email: str | None = None
    address: str | None = None
    preferred_locale: str | None = None


@dataclass(frozen=True)
class Submission:
    """A checked submission: identifiers are in their compact form."""

    external_id: str
    claim_type: ClaimType
    amount: int
    currency: str
    issue_date: date
    due_date: date
    description: str
    debtor: DebtorData


# -- field checks --------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def text(
        self, data: Mapping[str, Any], field: str, *, path: str, max_length: int, required: bool
    ) -> str | None:
        value = data.get(field)
        name = f"{path}{field}"
        if value is None:
            if required:
                self.add(name, "required", "this field is required")
            return None
        if not isinstance(value, str):
            self.add(name, "type", "must be a string")
            return None
        value = value.strip()
        if not value:
            if required:
                self.add(name, "required", "this field is required")
            return None
        if len(value) > max_length:
            self.add(name, "too_long", f"at most {max_length} characters")
            return None
        if not value.isprintable() or not _utf8(value):
            self.add(name, "invalid_characters", "contains control or invalid characters")
            return None
        return value

    def day(self, data: Mapping[str, Any], field: str) -> date | None:
        value = data.get(field)
        if value is None:
            self.add(field, "required", "this field is required")
            return None
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            self.add(field, "invalid_date", "must be a date as YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(field, "invalid_date", "not a real date")
            return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _amount(collector: _Collector, value: object) -> int | None:
    if value is None:
        collector.add("amount", "required", "this field is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        collector.add("amount", "not_integer", "must be a whole number of minor units (cents)")
        return None
    if value <= 0:
        collector.add("amount", "not_positive", "must be more than zero")
        return None
    if value > MAX_AMOUNT:
        collector.add("amount", "too_large", f"at most {MAX_AMOUNT} minor units")
        return None
    return value


def business_number_error(country: str, raw: str) -> str | None:
    """None when valid, else why. KvK: format only; CVR and KBO: with their check digits."""
    if len(raw) > 20:
        return "too long to be a business number"
    try:
        if country == "NL":
            compact = re.sub(r"[\s.]", "", raw)
            return None if re.fullmatch(r"[0-9]{8}", compact) else "a KvK number has 8 digits"
        if country == "DK":
            dk_cvr.validate(raw)
            return None
        if country == "BE":
            be_vat.validate(raw)
            return None
    except (ValidationError, ValueError) as error:
        return str(error) or "fails its check"
    return f"no business number scheme for {country}"


def compact_business_number(country: str, raw: str) -> str:
    if country == "DK":
        return str(dk_cvr.compact(raw))
    if country == "BE":
        return str(be_vat.compact(raw))
    return re.sub(r"[\s.]", "", raw)


def _debtor(collector: _Collector, country: str, value: object) -> DebtorData | None:
    if value is None:
        collector.add("debtor", "required", "this field is required")
        return None
    if not isinstance(value, Mapping):
        collector.add("debtor", "type", "must be an object")
        return None
    for key in sorted(set(map(str, value)) - DEBTOR_FIELDS):
        collector.add(f"debtor.{key}", "unknown_field", "this field is not part of a debtor")
    text = collector.text
    name = text(value, "name", path="debtor.", max_length=200, required=True)
    national_id = text(value, "national_id", path="debtor.", max_length=40, required=False)
    business = text(value, "business_number", path="debtor.", max_length=20, required=False)
    email = text(value, "email", path="debtor.", max_length=200, required=False)
    address = text(value, "address", path="debtor.", max_length=300, required=False)
    locale = text(value, "preferred_locale", path="debtor.", max_length=5, required=False)
    ok = True
    if (national_id is None) == (business is None):
        if "debtor.national_id" not in {e.field for e in collector.errors}:
            collector.add(
                "debtor.national_id",
                "one_identifier",
                "give exactly one of national_id and business_number",
            )
        ok = False
    if national_id is not None:
        try:
            national_id = normalise_national_id(country, national_id)
        except InvalidNationalId:
            collector.add("debtor.national_id", "invalid_identifier", "fails the national check")
            ok = False
    if business is not None:
        reason = business_number_error(country, business)
        if reason is not None:
            collector.add("debtor.business_number", "invalid_identifier", reason)
            ok = False
        else:
            business = compact_business_number(country, business)
    if email is not None and not EMAIL.fullmatch(email):
        collector.add("debtor.email", "invalid_email", "not an e-mail address")
        ok = False
    if locale is not None and locale not in SUPPORTED_LOCALES:
        collector.add(
            "debtor.preferred_locale", "unknown_locale", f"one of {', '.join(SUPPORTED_LOCALES)}"
        )
        ok = False
    if not ok or name is None:
        return None
    return DebtorData(
        name=name,
        national_id=national_id,
        business_number=business,
        email=email,
        address=address,
        preferred_locale=locale,
    )


def check_submission(
    session: Session, rules: RulePack, department: Department, data: object
) -> Submission:
    """Every check on a submitted claim, all errors at once. Raises SubmissionInvalid."""
    collector = _Collector()
    if not isinstance(data, Mapping):
        raise SubmissionInvalid([FieldError("", "type", "the body must be a JSON object")])
    for key in sorted(set(map(str, data)) - CLAIM_FIELDS):
        collector.add(key, "unknown_field", "this field is not part of a claim")
    external_id = data.get("external_id")
    if external_id is None:
        collector.add("external_id", "required", "this field is required")
    elif not isinstance(external_id, str) or not EXTERNAL_ID.fullmatch(external_id):
        collector.add(
            "external_id", "invalid", "1-80 characters: letters, digits and . _ : / - only"
        )
    claim_type: ClaimType | None = None
    type_code = collector.text(data, "claim_type", path="", max_length=60, required=True)
    if type_code is not None:
        claim_type = session.scalar(select(ClaimType).where(ClaimType.code == type_code))
        if claim_type is None or claim_type.department_id != department.id:
            collector.add("claim_type", "unknown_claim_type", "not a claim type of your department")
            claim_type = None
    amount = _amount(collector, data.get("amount"))
    currency = data.get("currency")
    if currency is None:
        collector.add("currency", "required", "this field is required")
    elif currency != rules.currency:
        collector.add("currency", "wrong_currency", f"this installation bills in {rules.currency}")
    issue_date = collector.day(data, "issue_date")
    due_date = collector.day(data, "due_date")
    if issue_date and due_date and due_date < issue_date:
        collector.add("due_date", "before_issue_date", "the due date is before the issue date")
    description = collector.text(data, "description", path="", max_length=300, required=True)
    debtor = _debtor(collector, rules.country, data.get("debtor"))
    if collector.errors:
        raise SubmissionInvalid(collector.errors)
    # all set when no error was collected (the checks above return None only with an error)
    assert claim_type is not None
    assert amount is not None
    assert issue_date is not None
    assert due_date is not None
    assert description is not None
    assert debtor is not None
    return Submission(
        external_id=str(external_id),
        claim_type=claim_type,
        amount=amount,
        currency=rules.currency,
        issue_date=issue_date,
        due_date=due_date,
        description=description,
        debtor=debtor,
    )
