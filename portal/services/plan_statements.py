"""The household statement (issue 4, step 2): saved as a draft so a person can stop and resume.

Field names follow the domain `HouseholdStatement` (housing_cost, not "housing"). Amounts are
minor units per month; None means "not filled in yet" (allowed while a draft).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.affordability import AMOUNT_FIELDS
from portal.domain.affordability import CapacityResult
from portal.domain.affordability import HouseholdStatement
from portal.domain.affordability import ImplausibleStatement
from portal.domain.affordability import payment_capacity
from portal.domain.rules.base import RulePack
from portal.models import Debtor
from portal.models import HouseholdStatementRecord
from portal.services import audit
from portal.services.audit import Actor


class StatementError(ValueError):
    """Base class of the statement errors."""


class IncompleteStatement(StatementError):
    """A field needed for the calculation is not filled in."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(f"statement incomplete: {', '.join(missing)}")
        self.missing = missing


class UnknownStatementDebtor(StatementError):
    """No debtor with this id."""


@dataclass(frozen=True)
class StatementInput:
    """What the form sends. Every field may be None while the statement is a draft."""

    adults: int | None = None
    children_ages: tuple[int, ...] | None = None
    net_income: int | None = None
    housing_cost: int | None = None
    health_insurance: int | None = None
    childcare: int | None = None
    other_debt_payments: int | None = None
    other_fixed_costs: int | None = None
    #: True: the citizen confirms the statement (state "submitted"); it must then be complete
    #: and plausible. False: saved as a draft, checked only for impossible values.
    submit: bool = False


#: Fields that must be filled in before a capacity can be computed (costs default to 0).
REQUIRED_FIELDS = ("adults", "net_income")


def draft_statement(session: Session, debtor_id: int) -> HouseholdStatementRecord | None:
    """The debtor's latest statement (draft or submitted), to resume or reuse; None if none."""
    return session.scalar(
        select(HouseholdStatementRecord)
        .where(HouseholdStatementRecord.debtor_id == debtor_id)
        .order_by(HouseholdStatementRecord.id.desc())
        .limit(1)
    )


def save_statement(
    session: Session, debtor_id: int, values: StatementInput, *, actor: Actor
) -> HouseholdStatementRecord:
    """Save the statement: updates the debtor's latest draft, or starts a new one.

    A statement that was submitted (and perhaps used by a plan) is never changed: saving again
    starts a new record. Raises ImplausibleStatement (domain) for negative, absurd or
    non-numeric values, and IncompleteStatement when `values.submit` and a field is missing.
    """
    if session.get(Debtor, debtor_id) is None:
        raise UnknownStatementDebtor(f"no debtor {debtor_id}")
    _check_values(values)
    record = draft_statement(session, debtor_id)
    if record is None or record.state != "draft":
        record = HouseholdStatementRecord(
            debtor_id=debtor_id,
            state="draft",
            currency=current_app.config["RULE_PACK"].currency,
        )
        session.add(record)
    record.adults = values.adults
    record.children_ages = (
        None if values.children_ages is None else ",".join(str(age) for age in values.children_ages)
    )
    for name in AMOUNT_FIELDS:
        setattr(record, name, getattr(values, name))
    if actor.kind == "staff":
        record.entered_by_staff_id = actor.staff_user_id
    if values.submit:
        to_domain(record)  # complete and plausible, or raises
        record.state = "submitted"
    session.flush()
    audit.record(
        session,
        actor,
        "plan_statement.submitted" if values.submit else "plan_statement.saved",
        object_type="household_statement",
        object_id=record.id,
        debtor_id=debtor_id,
    )
    return record


def _check_values(values: StatementInput) -> None:
    """Refuse impossible values even in a draft (nothing is stored that the domain refuses)."""
    for item in fields(values):
        value = getattr(values, item.name)
        if item.name in ("submit", "children_ages") or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ImplausibleStatement(item.name, "not_a_whole_number")
    probe = HouseholdStatement(
        adults=values.adults if values.adults is not None else 1,
        children_ages=values.children_ages or (),
        net_income=values.net_income or 0,
        **{name: getattr(values, name) or 0 for name in AMOUNT_FIELDS if name != "net_income"},
    )
    del probe  # constructing it ran the domain's plausibility checks


def children_ages(record: HouseholdStatementRecord) -> tuple[int, ...]:
    if not record.children_ages:
        return ()
    return tuple(int(part) for part in record.children_ages.split(","))


def to_domain(record: HouseholdStatementRecord) -> HouseholdStatement:
    """The domain statement; raises IncompleteStatement or ImplausibleStatement."""
    missing = tuple(name for name in REQUIRED_FIELDS if getattr(record, name) is None)
    if missing:
        raise IncompleteStatement(missing)
    adults = record.adults
    net_income = record.net_income
    assert adults is not None  # noqa: S101 - checked above, for mypy
    assert net_income is not None  # noqa: S101
    return HouseholdStatement(
        adults=adults,
        children_ages=children_ages(record),
        net_income=net_income,
        **{name: getattr(record, name) or 0 for name in AMOUNT_FIELDS if name != "net_income"},
    )


def statement_capacity(
    rules: RulePack, record: HouseholdStatementRecord, *, as_of: date
) -> CapacityResult:
    """What the household could pay each month under the rule pack's floor, with the sum
    that explains it. Raises ImplausibleStatement / IncompleteStatement."""
    return payment_capacity(to_domain(record), rules.plan_policy.capacity_floor, on=as_of)


__all__ = [
    "REQUIRED_FIELDS",
    "IncompleteStatement",
    "StatementError",
    "StatementInput",
    "UnknownStatementDebtor",
    "children_ages",
    "draft_statement",
    "save_statement",
    "statement_capacity",
    "to_domain",
]
