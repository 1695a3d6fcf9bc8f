"""Plain words for the plan services' codes (B1, never threatening), for citizen and staff.

The services speak in codes (plan states, excluded-claim reasons, rejection reasons, approval
reasons); the words live here so they are translated in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any

from flask import current_app
from flask import url_for
from flask.sansio.app import App
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from portal.citizen.plan_forms import STATEMENT_AMOUNTS
from portal.citizen.plan_forms import StatementForm
from portal.citizen.plan_forms import amount_text
from portal.domain.plans import ApprovalReason
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.domain.schedule import build_schedule
from portal.domain.schedule import months_needed
from portal.models.plan import HouseholdStatementRecord
from portal.models.plan import Plan
from portal.services import plans as plan_svc
from portal.services.plan_decisions import REJECTION_REASONS
from portal.services.plans import PlanProgress

#: Working days within which a caseworker decides on a proposal, when neither the rule pack's
#: plan policy (`review_working_days`) nor the installation (`SALDO_EXTRA` key
#: `plan_review_working_days`) says otherwise. Example — set by the municipality.
DEFAULT_REVIEW_WORKING_DAYS = 5

PLAN_STATE_LABELS: Mapping[str, LazyString] = {
    PlanState.PROPOSED: _l("Proposed"),
    PlanState.PENDING_REVIEW: _l("Waiting for a decision"),
    PlanState.AWAITING_SECOND_APPROVAL: _l("Waiting for a second approval"),
    PlanState.COUNTER_PROPOSED: _l("New proposal sent to the citizen"),
    PlanState.ACTIVE: _l("Active"),
    PlanState.COMPLETED: _l("Completed"),
    PlanState.DEFAULTED: _l("Stopped: installments missed"),
    PlanState.SUPERSEDED: _l("Replaced by a new plan"),
    PlanState.REJECTED: _l("Rejected"),
    PlanState.CANCELLED: _l("Cancelled"),
}

#: Why a claim cannot go into the plan, and where the citizen can go for it instead.
EXCLUDED_REASONS: Mapping[str, tuple[LazyString, LazyString]] = {
    "with_collector": (
        _l("This bill is with an external collector."),
        _l("Please contact %(collector)s about this bill."),
    ),
    "ongoing": (
        _l("This is a regular bill that comes back every period."),
        _l("Keep paying it as usual. Contact us if that is hard for you."),
    ),
    "in_other_plan": (
        _l("This bill is already in another payment plan."),
        _l("Keep paying that plan. Contact us if you want to change it."),
    ),
    "on_hold": (
        _l("We have paused collection of this bill."),
        _l("You do not need to do anything for it now. We will tell you what happens next."),
    ),
}

#: When a rejection's code is unknown (the codes and their words are
#: portal.services.plan_decisions.REJECTION_REASONS, shown to citizen and caseworker alike).
DEFAULT_REJECTION = _l("We could not agree to this proposal.")

#: Why a proposal needs a caseworker (domain ApprovalReason), for the citizen and staff.
APPROVAL_REASONS: Mapping[str, LazyString] = {
    ApprovalReason.TOTAL_OVER_LIMIT: _l("The total is above what we can approve at once."),
    ApprovalReason.TOO_LONG: _l("The plan takes longer than we can approve at once."),
    ApprovalReason.BELOW_MINIMUM: _l("The monthly amount is below the minimum."),
    ApprovalReason.BELOW_CAPACITY_AND_NOT_CLEARING_IN_TIME: _l(
        "The monthly amount is below what the statement shows can be paid."
    ),
    ApprovalReason.RECENT_BROKEN_PLAN: _l("An earlier plan was stopped recently."),
}

#: Audit actions on the decision page's history, for caseworkers.
HISTORY_ACTIONS: Mapping[str, LazyString] = {
    "plan.proposed": _l("Plan proposed"),
    "plan.submit": _l("Sent to a caseworker"),
    "plan.auto_approve": _l("Approved at once (within policy)"),
    "plan.approve": _l("Approved"),
    "plan.activated": _l("Plan started"),
    "plan.counter_propose": _l("Different amount proposed to the citizen"),
    "plan.accept_counter": _l("Citizen accepted the proposal"),
    "plan.decline_counter": _l("Citizen declined the proposal"),
    "plan.reject": _l("Rejected"),
    "plan.cancel": _l("Cancelled"),
    "plan.default": _l("Stopped: installments missed"),
    "plan.complete": _l("Paid off"),
    "plan.supersede": _l("Replaced by a new plan"),
    "plan.payment_applied": _l("Payment received for the plan"),
    "plan_statement.saved": _l("Statement saved as a draft"),
    "plan_statement.submitted": _l("Statement completed"),
}

#: Installment states as a citizen reads them.
INSTALLMENT_LABELS: Mapping[str, LazyString] = {
    "due": _l("To pay"),
    "paid": _l("Paid"),
    "missed": _l("Not paid yet"),
}


def state_label(state: str) -> str:
    label = PLAN_STATE_LABELS.get(state)
    return str(label) if label is not None else state


def rejection_explanation(code: str | None) -> str:
    return str(REJECTION_REASONS.get(code or "", DEFAULT_REJECTION))


def review_working_days(rules: RulePack) -> int:
    """How many working days a caseworker takes to decide: policy, then settings, then default."""
    from_policy = getattr(rules.plan_policy, "review_working_days", None)
    if isinstance(from_policy, int) and from_policy > 0:
        return from_policy
    extra: Mapping[str, Any] = getattr(current_app.config["SALDO"], "extra", {}) or {}
    try:
        from_config = int(extra.get("plan_review_working_days", 0))
    except (TypeError, ValueError):
        from_config = 0
    return from_config if from_config > 0 else DEFAULT_REVIEW_WORKING_DAYS


def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`; public holidays are not counted."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


# -- context builders --------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterTerms:
    """A caseworker's counter-proposal as the citizen reads it."""

    monthly: int
    months: int
    last_amount: int
    first_due: date
    last_due: date
    expires_on: date | None


@dataclass(frozen=True)
class PlanView:
    """Everything a plan page shows about one plan, by state."""

    plan: Plan
    state_label: str
    progress: PlanProgress | None = None
    decision_by: date | None = None
    counter: CounterTerms | None = None
    rejection: str | None = None
    pay_urls: Mapping[int, str] = field(default_factory=dict)


def installment_pay_url(installment_id: int) -> str | None:
    """The payments engineer's "pay this installment" page, once it exists."""
    if "payments.pay_installment" not in current_app.view_functions:
        return None
    try:
        return url_for("payments.pay_installment", installment_id=installment_id)
    except BuildError:
        return None


def counter_terms(plan: Plan) -> CounterTerms | None:
    if plan.counter_monthly is None or plan.total <= 0:
        return None
    schedule = build_schedule(
        plan.total,
        plan.counter_monthly,
        plan.first_due_date,
        max_months=months_needed(plan.total, plan.counter_monthly),
        minimum_installment=1,
    )
    return CounterTerms(
        monthly=plan.counter_monthly,
        months=schedule.months,
        last_amount=schedule.last_amount,
        first_due=schedule.first_due,
        last_due=schedule.last_due,
        expires_on=plan.counter_expires_on,
    )


def plan_view(session: Session, rules: RulePack, plan: Plan, *, today: date) -> PlanView:
    state = plan.state
    progress = None
    pay_urls: dict[int, str] = {}
    if state in (PlanState.ACTIVE, PlanState.DEFAULTED, PlanState.COMPLETED):
        progress = plan_svc.plan_progress(session, plan, as_of=today)
        for installment in progress.installments:
            url = installment_pay_url(installment.id) if installment.state != "paid" else None
            if url is not None:
                pay_urls[installment.id] = url
    decision_by = None
    if state in (PlanState.PENDING_REVIEW, PlanState.AWAITING_SECOND_APPROVAL):
        decision_by = add_working_days(plan.proposed_on, review_working_days(rules))
    return PlanView(
        plan=plan,
        state_label=state_label(state),
        progress=progress,
        decision_by=decision_by,
        counter=counter_terms(plan) if state == PlanState.COUNTER_PROPOSED else None,
        rejection=rejection_explanation(plan.decision_reason)
        if state == PlanState.REJECTED
        else None,
        pay_urls=pay_urls,
    )


def ended_plan(session: Session, debtor_id: int) -> Plan | None:
    """The debtor's newest plan when it was rejected, so /plan can say why and what next.

    (REQUESTS FROM plans-ui: a service `latest_plan`; until then this one read-only query.)
    """
    plan = session.scalar(
        select(Plan).where(Plan.debtor_id == debtor_id).order_by(Plan.id.desc()).limit(1)
    )
    return plan if plan is not None and plan.state == PlanState.REJECTED else None


def fill_statement_form(form: StatementForm, record: HouseholdStatementRecord | None) -> None:
    """Show a saved draft again, amounts written as the citizen's language writes them."""
    if record is None:
        return
    form.adults.data = str(record.adults) if record.adults else None
    form.children_ages.data = ", ".join(
        part for part in (record.children_ages or "").split(",") if part
    )
    for name in STATEMENT_AMOUNTS:
        form[name].data = amount_text(getattr(record, name))


def statement_error(form: StatementForm, error: Exception) -> None:
    """A value the service refuses (after the form's own checks) as a message on its field."""
    names = getattr(error, "missing", None) or (getattr(error, "field", "net_income"),)
    for name in names:
        field_name = name if name in form else "net_income"
        form[field_name].errors = [
            *form[field_name].errors,
            str(_l("Please check this answer. It does not look right.")),
        ]


def excluded_reason(code: str, collector: str) -> str:
    """Why a bill stays out of the plan, and where to go for it, in one or two sentences."""
    why, where = EXCLUDED_REASONS.get(code, EXCLUDED_REASONS["on_hold"])
    return f"{why} {str(where) % {'collector': collector}}"


def installment_label(state: str) -> str:
    label = INSTALLMENT_LABELS.get(state)
    return str(label) if label is not None else state


def history_label(action: str) -> str:
    label = HISTORY_ACTIONS.get(action)
    return str(label) if label is not None else action


def register_plan_helpers(app: App) -> None:
    """Plan words are used on citizen and staff pages, so they are template globals."""
    app.jinja_env.globals.update(
        plan_state_label=state_label,
        installment_label=installment_label,
        excluded_reason=excluded_reason,
        rejection_explanation=rejection_explanation,
        plan_history_label=history_label,
    )
