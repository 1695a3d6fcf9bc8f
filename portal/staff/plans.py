"""Caseworker pages for payment plans (issue 4): the queue of proposals and the decision page.

Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py). Every
decision form carries the state the page showed (`expected_state`): when someone else decided
in the meantime the service raises StaleDecision and nothing changes. The general work queue
links here through `plan_decision_url` (WorkItem kind plan_decision, subject "plan").
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms import StringField
from wtforms import TextAreaField

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.citizen.plan_forms import AmountError
from portal.citizen.plan_forms import parse_amount
from portal.domain.plans import IllegalPlanTransition
from portal.domain.plans import PlanError
from portal.domain.plans import SameApproverRefused
from portal.domain.rules.base import RulePack
from portal.domain.schedule import InstallmentBelowMinimum
from portal.domain.schedule import InvalidSchedule
from portal.domain.schedule import ScheduleTooLong
from portal.extensions import db
from portal.i18n import money
from portal.services import plan_decisions as svc
from portal.services import plans as plan_svc
from portal.staff.views import bp

PERMISSION = "work.decide"
#: a note to the citizen is short plain text; longer is a letter, not a note
MAX_NOTE = 2000
Page = str | tuple[str, int]


class DecisionForm(FlaskForm):
    """Approve: only the state the page showed (and the CSRF token)."""

    expected_state = HiddenField()


class CounterForm(DecisionForm):
    monthly = StringField(_l("New amount per month"))
    note = TextAreaField(_l("Note to the citizen"))


class RejectForm(DecisionForm):
    #: rendered as a <select> of REJECTION_REASONS
    reason_code = StringField(_l("Reason"))
    note = TextAreaField(_l("Note to the citizen"))


def plan_decision_url(plan_id: int) -> str:
    """The decision page of a plan, for the general work queue (WorkItem plan_decision)."""
    return url_for("staff.plan_decision", plan_id=plan_id)


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _reason_choices() -> list[tuple[str, str]]:
    return [("", _("Choose a reason"))] + [
        (code, str(label)) for code, label in svc.REJECTION_REASONS.items()
    ]


def _forms(state: str) -> tuple[DecisionForm, CounterForm, RejectForm]:
    approve, counter, reject = (
        DecisionForm(formdata=None),
        CounterForm(formdata=None),
        RejectForm(formdata=None),
    )
    for form in (approve, counter, reject):
        form.expected_state.data = state
    return approve, counter, reject


@bp.get("/plans")
@staff_required(PERMISSION)
def plan_queue() -> str:
    """Plans waiting for a decision, oldest first, with their age in days."""
    rows = svc.review_queue(_session(), as_of=_today())
    return render_template("staff/plan_queue.html", rows=rows)


def _decision_page(
    plan_id: int,
    *,
    approve: DecisionForm | None = None,
    counter: CounterForm | None = None,
    reject: RejectForm | None = None,
    status: int = 200,
) -> Page:
    try:
        context = svc.decision_context(_session(), _rules(), plan_id, as_of=_today())
    except plan_svc.PlanNotFound:
        abort(404)
    defaults = _forms(context.plan.state)
    reject = reject or defaults[2]
    staff_id = current_staff().staff_user_id
    return render_template(
        "staff/plan_decision.html",
        ctx=context,
        plan=context.plan,
        approve_form=approve or defaults[0],
        counter_form=counter or defaults[1],
        reject_form=reject,
        reason_choices=_reason_choices(),
        gave_first_approval=context.first_approver_id == staff_id,
        in_review=context.plan.state in ("pending_review", "awaiting_second_approval"),
    ), status


@bp.get("/plans/<int:plan_id>")
@staff_required(PERMISSION)
def plan_decision(plan_id: int) -> Page:
    """Everything needed to decide: statement, capacity, claims, totals then and now, history."""
    return _decision_page(plan_id)


def _decided(plan_id: int, error: Exception | None, message: str) -> Response:
    """Commit and confirm, or roll back and say why nothing changed."""
    if error is None:
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("staff.plan_queue"))
    db.session.rollback()
    if isinstance(error, plan_svc.StaleDecision):
        flash(
            _(
                "Someone else changed this plan while you were looking at it. Nothing was "
                "changed. Please look at the plan again."
            ),
            "error",
        )
    elif isinstance(error, SameApproverRefused):
        flash(_("You gave the first approval. Another caseworker must approve it."), "error")
    elif isinstance(error, IllegalPlanTransition):
        flash(_("This plan is no longer waiting for a decision. Nothing was changed."), "error")
    else:
        flash(_("This could not be done. Nothing was changed."), "error")
    return redirect(url_for("staff.plan_decision", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/approve")
@staff_required(PERMISSION)
def plan_approve(plan_id: int) -> Page | Response:
    form = DecisionForm()
    if not form.validate():
        return _decision_page(plan_id, approve=form, status=400)
    error: Exception | None = None
    message = _("You approved the plan. The citizen will be told.")
    try:
        plan = svc.approve_plan(
            _session(),
            _rules(),
            plan_id,
            staff_user_id=current_staff().staff_user_id,
            expected_state=form.expected_state.data or "",
            as_of=_today(),
        )
    except plan_svc.PlanNotFound:
        abort(404)
    except (plan_svc.PlanServiceError, PlanError) as caught:
        error = caught
    else:
        if plan.state == "awaiting_second_approval":
            message = _("Your approval is recorded. A second caseworker must approve it too.")
    return _decided(plan_id, error, message)


@bp.post("/plans/<int:plan_id>/counter")
@staff_required(PERMISSION)
def plan_counter(plan_id: int) -> Page | Response:
    """Approve with changes: a new monthly amount the citizen accepts with one click."""
    form = CounterForm()
    monthly = None
    if form.validate():
        try:
            monthly = parse_amount(form.monthly.data, _rules().currency, allow_zero=False)
        except AmountError as problem:
            form.monthly.errors = [problem.message]
        else:
            if monthly is None:
                form.monthly.errors = [_("Enter the new amount per month.")]
    if monthly is None:
        return _decision_page(plan_id, counter=form, status=400)
    error: Exception | None = None
    message = _("Your proposal was sent to the citizen. They can accept it with one click.")
    try:
        plan = svc.counter_propose(
            _session(),
            _rules(),
            plan_id,
            staff_user_id=current_staff().staff_user_id,
            monthly=monthly,
            note=(form.note.data or "").strip()[:MAX_NOTE],
            expected_state=form.expected_state.data or "",
            as_of=_today(),
        )
    except plan_svc.PlanNotFound:
        abort(404)
    except InvalidSchedule as problem:
        db.session.rollback()
        form.monthly.errors = [_schedule_message(problem)]
        return _decision_page(plan_id, counter=form, status=400)
    except (plan_svc.PlanServiceError, PlanError) as caught:
        error = caught
    else:
        if plan.state == "awaiting_second_approval":
            message = _("Your proposal is recorded. A second caseworker must approve it too.")
    return _decided(plan_id, error, message)


def _schedule_message(problem: InvalidSchedule) -> str:
    if isinstance(problem, InstallmentBelowMinimum):
        return _(
            "The lowest amount per month is %(minimum)s.",
            minimum=money(problem.minimum, _rules().currency),
        )
    if isinstance(problem, ScheduleTooLong):
        return _(
            "With this amount the plan takes %(months)d months; at most %(max)d are allowed.",
            months=problem.months_needed,
            max=problem.max_months,
        )
    return _("Enter an amount above zero.")


@bp.post("/plans/<int:plan_id>/reject")
@staff_required(PERMISSION)
def plan_reject(plan_id: int) -> Page | Response:
    """Reject with a reason and a note; the citizen sees both, with what they can do next."""
    form = RejectForm()
    valid = form.validate()
    note = (form.note.data or "").strip()
    if form.reason_code.data not in svc.REJECTION_REASONS:
        form.reason_code.errors = [_("Choose a reason.")]
        valid = False
    if not note:
        form.note.errors = [_("Write a note to the citizen: what they can do next.")]
        valid = False
    elif len(note) > MAX_NOTE:
        form.note.errors = [_("Keep the note under %(max)d characters.", max=MAX_NOTE)]
        valid = False
    if not valid:
        return _decision_page(plan_id, reject=form, status=400)
    error: Exception | None = None
    try:
        svc.reject_plan(
            _session(),
            _rules(),
            plan_id,
            staff_user_id=current_staff().staff_user_id,
            reason_code=form.reason_code.data or "",
            note=note,
            expected_state=form.expected_state.data or "",
            as_of=_today(),
        )
    except plan_svc.PlanNotFound:
        abort(404)
    except (plan_svc.PlanServiceError, PlanError) as caught:
        error = caught
    return _decided(plan_id, error, _("You rejected the plan. The citizen will be told why."))
