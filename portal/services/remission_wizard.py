"""The remission wizard (save and resume): start a draft for the chosen bills, save one step
at a time, and preview the preliminary outcome with every step of the calculation.
Impossible data raises the domain's ImplausibleApplication and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.remission import RemissionCalculation
from portal.domain.remission import RemissionInput
from portal.domain.remission import calculate_remission
from portal.domain.remission_states import RemissionState
from portal.domain.rules.base import RulePack
from portal.models import RemissionApplication
from portal.models import RemissionClaim
from portal.services import audit
from portal.services import remission_prefill
from portal.services.audit import Actor
from portal.services.remission import SUBJECT_TYPE
from portal.services.remission import ApplicationNotEditable
from portal.services.remission import ClaimsNotAllowed
from portal.services.remission import ConsentRequired
from portal.services.remission import IncompleteApplication
from portal.services.remission import NotEligible
from portal.services.remission import eligible_claims
from portal.services.remission import open_application
from portal.services.remission import policy_for
from portal.services.remission_precheck import precheck

#: The wizard's steps in order, and the fields each one saves.
STEPS: tuple[str, ...] = ("household", "income", "costs", "assets", "consent", "evidence")


STEP_FIELDS: Mapping[str, tuple[str, ...]] = {
    "household": ("adults", "children_ages"),
    "income": ("net_income",),
    "costs": ("rent", "housing_allowance", "health_premium", "health_allowance", "other_costs"),
    "assets": ("bank_balance", "car_value", "car_needed", "other_assets"),
    "consent": ("consent",),
    "evidence": (),
}


def start_application(
    session: Session,
    rules: RulePack,
    *,
    debtor_id: int,
    claim_ids: Iterable[int],
    submission_key: str,
    actor: Actor,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """A new draft for the chosen bills. The same `submission_key` returns the first draft;
    an open application of the debtor is returned instead of a second one."""
    if not submission_key or len(submission_key) > 64:
        raise ValueError("submission_key must be 1-64 characters")
    existing = session.scalar(
        select(RemissionApplication).where(RemissionApplication.submission_key == submission_key)
    )
    if existing is not None:
        if existing.debtor_id != debtor_id:
            raise ClaimsNotAllowed("submission key of another debtor")
        return existing
    current = open_application(session, debtor_id)
    if current is not None:
        return current
    check = precheck(session, rules, debtor_id=debtor_id, as_of=as_of)
    if check.eligibility.applicant_reason is not None:
        raise NotEligible(check.eligibility.applicant_reason.value)
    chosen = sorted(set(claim_ids))
    if not chosen:
        raise ClaimsNotAllowed("no bills chosen")
    if not set(chosen) <= set(check.eligible_ids):
        raise ClaimsNotAllowed("a chosen bill is not the debtor's or does not qualify")
    balances = {claim.id: claim.balance for claim in check.claims}
    application = RemissionApplication(
        debtor_id=debtor_id,
        state=RemissionState.DRAFT.value,
        currency=rules.currency,
        submission_key=submission_key,
        entered_by_staff_id=actor.staff_user_id,
        created_at=now,
        updated_at=now,
        claims=[RemissionClaim(claim_id=i, amount_at_application=balances[i]) for i in chosen],
    )
    session.add(application)
    remission_prefill.record_known_status(session, rules, application, as_of=as_of)
    session.flush()
    audit.record(
        session,
        actor,
        "remission.started",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=debtor_id,
        claims=chosen,
    )
    return application


def _require_draft(application: RemissionApplication) -> None:
    if application.remission_state is not RemissionState.DRAFT:
        raise ApplicationNotEditable(f"application {application.id} is {application.state}")


def input_of(application: RemissionApplication, **changes: Any) -> RemissionInput:
    """The domain input from what is saved (missing values as zero), with `changes` on top.
    Raises ImplausibleApplication for impossible data."""
    values: dict[str, Any] = {
        "adults": application.adults or 1,
        "children_ages": application.children,
        "net_income": application.net_income or 0,
        "rent": application.rent or 0,
        "housing_allowance": application.housing_allowance or 0,
        "health_premium": application.health_premium or 0,
        "health_allowance": application.health_allowance or 0,
        "other_costs": application.other_costs or 0,
        "bank_balance": application.bank_balance or 0,
        "car_value": application.car_value or 0,
        "car_needed": bool(application.car_needed),
        "other_assets": application.other_assets or 0,
    }
    values.update(changes)
    return RemissionInput(**values)


def save_step(
    session: Session,
    application: RemissionApplication,
    step: str,
    values: Mapping[str, Any],
    *,
    actor: Actor,
    now: datetime,
) -> RemissionApplication:
    """Save one wizard step of a draft. Impossible data raises ImplausibleApplication and
    changes nothing; a step without its consent raises ConsentRequired."""
    _require_draft(application)
    if step not in STEP_FIELDS:
        raise ValueError(f"unknown step {step!r}")
    fields = STEP_FIELDS[step]
    if set(values) != set(fields):
        raise ValueError(f"step {step} takes {fields}")
    if step == "consent":
        if values["consent"] is not True:
            raise ConsentRequired("consent is required")
        application.consent_at = now
    else:
        input_of(application, **values)  # validates the whole picture before storing
        for name, value in values.items():
            if name == "children_ages":
                value = ",".join(str(age) for age in value)
            setattr(application, name, value)
    application.step = _furthest(application.step, step)
    application.updated_at = now
    if actor.staff_user_id is not None:  # desk mode: who typed it in with the citizen
        application.entered_by_staff_id = actor.staff_user_id
    session.flush()
    audit.record(
        session,
        actor,
        "remission.step_saved",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
        step=step,
    )
    return application


def _furthest(saved: str | None, step: str) -> str:
    if saved is None or STEPS.index(step) > STEPS.index(saved):
        return step
    return saved


def missing_step(application: RemissionApplication) -> str | None:
    """The first step without its data, or None when everything needed is there."""
    required = {
        "household": application.adults,
        "income": application.net_income,
        "costs": application.rent,
        "assets": application.bank_balance,
        "consent": application.consent_at,
    }
    for step, value in required.items():
        if value is None:
            return step
    return None


def preview(
    session: Session, rules: RulePack, application: RemissionApplication, *, on: date
) -> RemissionCalculation:
    """The preliminary outcome with every step. Raises IncompleteApplication."""
    step = missing_step(application)
    if step is not None:
        raise IncompleteApplication(step)
    return calculate_remission(
        input_of(application), eligible_claims(session, application), policy_for(rules), on=on
    )
