"""Social status flags from departments (issue 8, "proactive offers from social status").

One intake for the API, the CSV upload and the command line: `check_flag` checks a request
(all errors at once, nothing stored), `flag_social_status` stores it for a KNOWN debtor only
(an unknown debtor raises UnknownDebtor: a flag never creates a debtor), idempotent by the
department's own reference. Only a department holding a `SocialStatusRight` (granted by an
administrator with its legal basis, `grant_right`) may flag or end. Every write is audited;
audit details carry internal ids and codes only. The caller commits.

A flag is active from `valid_from` to `valid_until` (both included) unless ended; the clock
is always passed in (`as_of`), so an expired flag stops the offer by itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Debtor
from portal.models import Department
from portal.models.social_status import STATUS_KINDS
from portal.models.social_status import SocialStatus
from portal.models.social_status import SocialStatusRight
from portal.services import audit
from portal.services.audit import Actor
from portal.services.claim_checks import ISO_DATE
from portal.services.claim_checks import FieldError
from portal.services.claim_checks import SubmissionInvalid
from portal.services.claim_checks import business_number_error
from portal.services.claim_checks import compact_business_number
from portal.services.identity import InvalidNationalId
from portal.services.identity import hash_national_id
from portal.services.identity import normalise_national_id

#: a department's own id for a flag; no "/" so it can sit in a URL path
REFERENCE = re.compile(r"[A-Za-z0-9._:-]{1,80}")
FLAG_FIELDS = frozenset({"reference", "debtor", "kind", "valid_from", "valid_until", "legal_basis"})
DEBTOR_FIELDS = frozenset({"national_id", "business_number"})
#: the longest a flag may run before the department confirms it again
MAX_DAYS = 3 * 366
CONSENT = "consent"
SUBJECT = "social_status"


class UnknownDebtor(LookupError):
    """No debtor with this national id or business number: nothing is stored."""


class NoSocialStatusRight(PermissionError):
    """The department holds no (unrevoked) right to flag social status."""


class ReferenceConflict(ValueError):
    """The department already used this reference for a different flag."""

    def __init__(self, status: SocialStatus) -> None:
        super().__init__(f"reference already used for social status {status.id}")
        self.status = status


@dataclass(frozen=True)
class FlagRequest:
    """A checked flag: identifiers in compact form, dates real, kind from STATUS_KINDS."""

    reference: str
    kind: str
    valid_from: date
    valid_until: date
    national_id: str | None = None
    business_number: str | None = None
    legal_basis: str | None = None


@dataclass(frozen=True)
class FlagResult:
    status: SocialStatus
    created: bool


# -- the right -----------------------------------------------------------------------------------


def current_right(session: Session, department_id: int) -> SocialStatusRight | None:
    return session.scalar(
        select(SocialStatusRight).where(
            SocialStatusRight.department_id == department_id,
            SocialStatusRight.revoked_at.is_(None),
        )
    )


def grant_right(
    session: Session, department: Department, *, legal_basis: str, actor: Actor, now: datetime
) -> SocialStatusRight:
    """Record that `department` may flag social status, on `legal_basis` (or "consent")."""
    legal_basis = legal_basis.strip()
    if not legal_basis or len(legal_basis) > 200:
        raise ValueError("legal_basis must be 1-200 characters")
    right = session.scalar(
        select(SocialStatusRight).where(SocialStatusRight.department_id == department.id)
    )
    if right is None:
        right = SocialStatusRight(department_id=department.id, legal_basis=legal_basis)
        session.add(right)
    right.legal_basis = legal_basis
    right.granted_at = now
    right.granted_by_staff_id = actor.staff_user_id
    right.revoked_at = None
    session.flush()
    audit.record(
        session,
        actor,
        "social_status.right_granted",
        object_type="department",
        object_id=department.id,
        department=department.code,
    )
    return right


def revoke_right(session: Session, department: Department, *, actor: Actor, now: datetime) -> None:
    right = current_right(session, department.id)
    if right is None:
        return
    right.revoked_at = now
    audit.record(
        session,
        actor,
        "social_status.right_revoked",
        object_type="department",
        object_id=department.id,
        department=department.code,
    )


# -- checks --------------------------------------------------------------------------------------


def _day(data: Mapping[str, object], field: str, errors: list[FieldError]) -> date | None:
    value = data.get(field)
    if value is None or value == "":
        errors.append(FieldError(field, "required", "this field is required"))
        return None
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        errors.append(FieldError(field, "invalid_date", "must be a date as YYYY-MM-DD"))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(field, "invalid_date", "not a real date"))
        return None


def _identifier(
    country: str, value: object, errors: list[FieldError]
) -> tuple[str | None, str | None]:
    if not isinstance(value, Mapping):
        code = "required" if value is None else "type"
        errors.append(FieldError("debtor", code, "an object with national_id or business_number"))
        return None, None
    for key in sorted(set(map(str, value)) - DEBTOR_FIELDS):
        errors.append(FieldError(f"debtor.{key}", "unknown_field", "not part of a debtor here"))
    raw_id, raw_business = value.get("national_id"), value.get("business_number")
    raw_id = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else raw_id or None
    raw_business = (
        raw_business.strip() if isinstance(raw_business, str) and raw_business.strip() else None
    ) or None
    if (raw_id is None) == (raw_business is None):
        message = "give exactly one of national_id and business_number"
        errors.append(FieldError("debtor.national_id", "one_identifier", message))
        return None, None
    if raw_id is not None:
        if not isinstance(raw_id, str) or len(raw_id) > 40:
            errors.append(FieldError("debtor.national_id", "type", "must be a string"))
            return None, None
        try:
            return normalise_national_id(country, raw_id), None
        except InvalidNationalId:
            message = "fails the national check"
            errors.append(FieldError("debtor.national_id", "invalid_identifier", message))
            return None, None
    assert isinstance(raw_business, str)
    reason = business_number_error(country, raw_business)
    if reason is not None:
        errors.append(FieldError("debtor.business_number", "invalid_identifier", reason))
        return None, None
    return None, compact_business_number(country, raw_business)


def check_flag(country: str, data: object, *, as_of: date) -> FlagRequest:
    """Every check on a flag request, all errors at once. Raises SubmissionInvalid."""
    if not isinstance(data, Mapping):
        raise SubmissionInvalid([FieldError("", "type", "the body must be a JSON object")])
    errors = [
        FieldError(str(key), "unknown_field", "this field is not part of a social status flag")
        for key in sorted(set(map(str, data)) - FLAG_FIELDS)
    ]
    reference = data.get("reference")
    if reference is None or reference == "":
        errors.append(FieldError("reference", "required", "this field is required"))
    elif not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
        message = "1-80 characters: letters, digits and . _ : - only"
        errors.append(FieldError("reference", "invalid", message))
    national_id, business = _identifier(country, data.get("debtor"), errors)
    kind = data.get("kind")
    if kind not in STATUS_KINDS:
        code = "required" if kind is None or kind == "" else "invalid"
        errors.append(FieldError("kind", code, f"one of {', '.join(STATUS_KINDS)}"))
    valid_from = as_of if data.get("valid_from") in (None, "") else _day(data, "valid_from", errors)
    valid_until = _day(data, "valid_until", errors)
    if valid_from and valid_until:
        if valid_until < valid_from:
            message = "the end date is before the start date"
            errors.append(FieldError("valid_until", "before_valid_from", message))
        elif valid_until < as_of:
            errors.append(FieldError("valid_until", "in_past", "the end date has passed"))
        elif valid_until > valid_from + timedelta(days=MAX_DAYS):
            message = "at most 3 years after the start; send a new flag to extend"
            errors.append(FieldError("valid_until", "too_far", message))
    legal_basis = data.get("legal_basis")
    if legal_basis in (None, ""):
        legal_basis = None
    elif (
        not isinstance(legal_basis, str)
        or not legal_basis.strip()
        or len(legal_basis) > 200
        or not legal_basis.isprintable()
    ):
        message = '"consent" or your legal basis, at most 200 characters'
        errors.append(FieldError("legal_basis", "invalid", message))
    if errors:
        raise SubmissionInvalid(errors)
    assert valid_from is not None
    assert valid_until is not None
    return FlagRequest(
        reference=str(reference),
        kind=str(kind),
        valid_from=valid_from,
        valid_until=valid_until,
        national_id=national_id,
        business_number=business,
        legal_basis=legal_basis.strip() if isinstance(legal_basis, str) else None,
    )


# -- writes --------------------------------------------------------------------------------------


def find_debtor(session: Session, config: Config, request: FlagRequest) -> Debtor | None:
    if request.national_id is not None:
        id_hash = hash_national_id(config, request.national_id)
        return session.scalar(select(Debtor).where(Debtor.national_id_hash == id_hash))
    return session.scalar(select(Debtor).where(Debtor.business_number == request.business_number))


def find_flag(session: Session, department_id: int, reference: str) -> SocialStatus | None:
    return session.scalar(
        select(SocialStatus).where(
            SocialStatus.department_id == department_id, SocialStatus.reference == reference
        )
    )


def _require_right(session: Session, department: Department) -> SocialStatusRight:
    right = current_right(session, department.id)
    if right is None:
        raise NoSocialStatusRight(department.code)
    return right


def flag_social_status(
    session: Session,
    config: Config,
    department: Department,
    request: FlagRequest,
    *,
    actor: Actor,
    now: datetime,
    token_id: int | None = None,
    via: str = "cli",
) -> FlagResult:
    """Store a flag for a known debtor, or return the one sent before under this reference.

    `via` is "upload" for the staff page, "cli" for the command; with a token it is "api".
    Raises NoSocialStatusRight, UnknownDebtor or ReferenceConflict; nothing is stored then.
    """
    right = _require_right(session, department)
    debtor = find_debtor(session, config, request)
    if debtor is None:
        raise UnknownDebtor(request.reference)
    legal_basis = request.legal_basis or right.legal_basis
    existing = find_flag(session, department.id, request.reference)
    if existing is not None:
        same = (
            existing.debtor_id == debtor.id
            and existing.kind == request.kind
            and existing.valid_from == request.valid_from
            and existing.valid_until == request.valid_until
            and existing.legal_basis == legal_basis
        )
        if same:
            return FlagResult(existing, created=False)
        raise ReferenceConflict(existing)
    status = SocialStatus(
        debtor_id=debtor.id,
        kind=request.kind,
        legal_basis=legal_basis,
        department_id=department.id,
        reference=request.reference,
        valid_from=request.valid_from,
        valid_until=request.valid_until,
        recorded_at=now,
        recorded_via="api" if token_id is not None else via,
        recorded_by_token_id=token_id,
        recorded_by_staff_id=actor.staff_user_id,
    )
    session.add(status)
    session.flush()
    audit.record(
        session,
        actor,
        "social_status.flagged",
        object_type=SUBJECT,
        object_id=status.id,
        debtor_id=debtor.id,
        department=department.code,
        token_id=token_id,
        valid_until=request.valid_until.isoformat(),
    )
    return FlagResult(status, created=True)


def end_social_status(
    session: Session,
    department: Department,
    status: SocialStatus,
    *,
    actor: Actor,
    now: datetime,
    token_id: int | None = None,
) -> SocialStatus:
    """End a flag now (the department's own flags only). Ending it again changes nothing."""
    _require_right(session, department)
    if status.department_id != department.id:
        raise LookupError("not a flag of this department")
    if status.ended_at is not None:
        return status
    status.ended_at = now
    audit.record(
        session,
        actor,
        "social_status.ended",
        object_type=SUBJECT,
        object_id=status.id,
        debtor_id=status.debtor_id,
        department=department.code,
        token_id=token_id,
    )
    return status
