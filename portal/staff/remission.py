"""Caseworker pages for remission: the queue of applications and the decision page.

Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py). Every
decision form carries the state the page showed (`expected_state`): when someone else decided
in the meantime the service raises StaleDecision and nothing changes. The general work queue
links here (WorkItem kind remission_decision, subject "remission_application").
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import DateField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.citizen.remission_common import evidence_response
from portal.citizen.remission_common import norms_date
from portal.citizen.remission_forms import DECISION_LABELS
from portal.citizen.remission_forms import REJECTION_TEXTS
from portal.citizen.remission_forms import STATE_LABELS
from portal.citizen.remission_forms import parse_amount
from portal.citizen.remission_prefill import data_used_view
from portal.citizen.remission_prefill import known_status_view
from portal.documents.delivery import get_delivery_adapter
from portal.domain.money import InvalidAmount
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Debtor
from portal.models import RemissionApplication
from portal.services import remission as svc
from portal.services import remission_decisions as decisions
from portal.services import remission_evidence as evidence_svc
from portal.services import remission_letters
from portal.services.audit import Actor
from portal.staff.views import bp

PERMISSION = "work.decide"
_F = TypeVar("_F", bound=FlaskForm)
Page = str | tuple[str, int]
HOUSEHOLD_LABELS = {
    "single": _l("single"),
    "single_parent": _l("single parent"),
    "couple": _l("couple"),
}
QUEUE_STATES = ("pending_review", "more_info_requested")

DECISION_MESSAGES = {
    ("note", "required"): _l("Write a short explanation for the citizen."),
    ("note", "too_long"): _l("Keep the explanation under 2,000 characters."),
    ("reason", "unknown"): _l("Choose a reason."),
    ("amount", "zero"): _l("Enter an amount to waive above zero."),
    ("amount", "full"): _l("This waives everything: use 'Waive in full' instead."),
    ("amount", "above_open"): _l("You cannot waive more than is still open on a bill."),
    ("amount", "negative"): _l("Enter an amount of 0 or more."),
    ("amount", "one_of_total_or_per_claim"): _l(
        "Enter either a total or an amount per bill, not both."
    ),
    ("amount", "unknown_claim"): _l("This bill is not part of the application."),
    ("deadline", "past"): _l("Choose a deadline after today."),
    ("deadline", "too_far"): _l("Choose a deadline within three months."),
}


class DecisionForm(FlaskForm):
    expected_state = HiddenField()
    note = TextAreaField(_l("Explanation for the citizen"))


class PartialForm(DecisionForm):
    total = StringField(_l("Total to waive (spread over the bills)"))


class RejectForm(DecisionForm):
    reason = SelectField(_l("Reason"), validate_choice=False)


class InfoForm(DecisionForm):
    deadline = DateField(_l("Deadline"), validators=[Optional()])


def _ids(form: _F, prefix: str) -> _F:
    """Four forms share the page: unique element ids, the same field names (csrf_token...)."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id
    return form


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _now() -> datetime:
    return datetime.now(UTC)


def _load(application_id: int) -> RemissionApplication:
    try:
        return svc.get_application(_session(), application_id)
    except svc.NoSuchApplication:
        abort(404)


@bp.get("/remission")
@staff_required(PERMISSION)
def remission_queue() -> str:
    """Applications waiting for a decision (or for evidence), oldest first."""
    rows = (
        _session()
        .execute(
            select(RemissionApplication, Debtor.name)
            .join(Debtor, Debtor.id == RemissionApplication.debtor_id)
            .where(RemissionApplication.state.in_(QUEUE_STATES))
            .order_by(RemissionApplication.submitted_at, RemissionApplication.id)
        )
        .all()
    )
    today = _today()
    return render_template("staff/remission_queue.html", rows=rows, today=today)


def _reasons() -> list[SelectChoice]:
    return [SelectChoice("", _("Choose a reason"))] + [
        SelectChoice(code, str(REJECTION_TEXTS[code])) for code in decisions.REJECTION_REASONS
    ]


def _page(
    application: RemissionApplication,
    *,
    forms: dict[str, FlaskForm] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Page:
    forms = dict(forms or {})
    defaults = {
        "grant": _ids(DecisionForm(formdata=None), "grant"),
        "partial": _ids(PartialForm(formdata=None), "partial"),
        "reject": _ids(RejectForm(formdata=None), "reject"),
        "info": _ids(InfoForm(formdata=None), "info"),
    }
    for name, form in defaults.items():
        if name not in forms:
            form.expected_state.data = application.state
            forms[name] = form
    forms["reject"].reason.choices = _reasons()
    session = _session()
    return render_template(
        "staff/remission_decision.html",
        application=application,
        debtor=session.get(Debtor, application.debtor_id),
        claims=svc.claims_of(session, application),
        calc=application.calculation,
        norms_date=norms_date(application.calculation),
        forms=forms,
        message=message,
        open_for_decision=application.state in QUEUE_STATES,
        rejection_texts=REJECTION_TEXTS,
        state_labels=STATE_LABELS,
        decision_labels=DECISION_LABELS,
        household_labels=HOUSEHOLD_LABELS,
        known=known_status_view(session, _rules(), application, on=_today()),
        data_used=data_used_view(session, application.calculation),
    ), status


@bp.get("/remission/<int:application_id>")
@staff_required(PERMISSION)
def remission_decision(application_id: int) -> Page:
    """The application, its evidence, the calculation and data used, and the decisions."""
    return _page(_load(application_id))


def _decided(application: RemissionApplication, message: str) -> Response:
    db.session.commit()
    remission_letters.deliver_decision_letters(
        _session(),
        get_delivery_adapter(current_app.config["SALDO"]),
        debtor_id=application.debtor_id,
        now=_now(),
    )
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("staff.remission_decision", application_id=application.id))


def _stale(application: RemissionApplication) -> Page:
    # The services check the state before they change anything: nothing to roll back.
    return _page(
        application,
        message=_(
            "Someone else changed this application while you were looking at it. "
            "Nothing was changed. Please look at it again."
        ),
        status=409,
    )


def _invalid(
    application: RemissionApplication, name: str, form: FlaskForm, error: decisions.InvalidDecision
) -> Page:
    text = str(DECISION_MESSAGES.get((error.field, error.reason), _("Please check this answer.")))
    field = getattr(form, {"amount": "total"}.get(error.field, error.field), None)
    if field is not None:
        field.errors = [text]
        return _page(application, forms={name: form}, status=400)
    return _page(application, forms={name: form}, message=text, status=400)


def _expired(application: RemissionApplication, name: str, form: FlaskForm) -> Page:
    message = _("This form had expired. Nothing was changed. Please try again.")
    return _page(application, forms={name: form}, message=message, status=400)


@bp.post("/remission/<int:application_id>/grant")
@staff_required(PERMISSION)
def remission_grant(application_id: int) -> Response | Page:
    """Waive everything still open on the bills applied for."""
    application, form = _load(application_id), _ids(DecisionForm(), "grant")
    if not form.validate_on_submit():
        return _expired(application, "grant", form)
    try:
        decisions.grant_in_full(
            _session(),
            _rules(),
            application,
            staff_user_id=current_staff().staff_user_id,
            expected_state=form.expected_state.data or "",
            note=form.note.data,
            now=_now(),
            as_of=_today(),
        )
    except svc.StaleDecision:
        return _stale(application)
    except decisions.InvalidDecision as error:
        return _invalid(application, "grant", form, error)
    return _decided(application, _("The bills are waived in full. The citizen gets a letter."))


def _per_claim(application: RemissionApplication) -> dict[int, int] | None:
    """Amounts per bill from fields named claim-<id>; None when all are empty."""
    amounts: dict[int, int] = {}
    for item in application.claims:
        raw = request.form.get(f"claim-{item.claim_id}", "").strip()
        if raw:
            amounts[item.claim_id] = parse_amount(raw, application.currency)
    return amounts or None


@bp.post("/remission/<int:application_id>/partial")
@staff_required(PERMISSION)
def remission_partial(application_id: int) -> Response | Page:
    """Waive part: a total spread over the bills, or an amount per bill."""
    application, form = _load(application_id), _ids(PartialForm(), "partial")
    if not form.validate_on_submit():
        return _expired(application, "partial", form)
    try:
        total_text = (form.total.data or "").strip()
        total = parse_amount(total_text, application.currency) if total_text else None
        per_claim = _per_claim(application)
    except InvalidAmount:
        form.total.errors = [_("Enter amounts in numbers, for example 120 or 120,50.")]
        return _page(application, forms={"partial": form}, status=400)
    try:
        decisions.grant_partially(
            _session(),
            _rules(),
            application,
            staff_user_id=current_staff().staff_user_id,
            expected_state=form.expected_state.data or "",
            note=form.note.data,
            per_claim=per_claim,
            total=total,
            now=_now(),
            as_of=_today(),
        )
    except svc.StaleDecision:
        return _stale(application)
    except decisions.InvalidDecision as error:
        return _invalid(application, "partial", form, error)
    return _decided(application, _("Part of the bills is waived. The citizen gets a letter."))


@bp.post("/remission/<int:application_id>/reject")
@staff_required(PERMISSION)
def remission_reject(application_id: int) -> Response | Page:
    """Reject, with a reason and an explanation (both required)."""
    application, form = _load(application_id), _ids(RejectForm(), "reject")
    form.reason.choices = _reasons()
    if not form.validate_on_submit():
        return _expired(application, "reject", form)
    try:
        decisions.reject_application(
            _session(),
            _rules(),
            application,
            staff_user_id=current_staff().staff_user_id,
            expected_state=form.expected_state.data or "",
            reason=form.reason.data or "",
            note=form.note.data,
            now=_now(),
            as_of=_today(),
        )
    except svc.StaleDecision:
        return _stale(application)
    except decisions.InvalidDecision as error:
        return _invalid(application, "reject", form, error)
    return _decided(application, _("The application is rejected. The citizen gets a letter."))


@bp.post("/remission/<int:application_id>/more-info")
@staff_required(PERMISSION)
def remission_more_info(application_id: int) -> Response | Page:
    """Ask the citizen for more evidence by a deadline (a task on their page and a letter)."""
    application, form = _load(application_id), _ids(InfoForm(), "info")
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _expired(application, "info", form)
        form.deadline.errors = [_("Enter a date like 2026-12-31.")]
        return _page(application, forms={"info": form}, status=400)
    try:
        decisions.request_more_information(
            _session(),
            _rules(),
            application,
            staff_user_id=current_staff().staff_user_id,
            expected_state=form.expected_state.data or "",
            note=form.note.data,
            deadline=form.deadline.data,
            now=_now(),
            as_of=_today(),
        )
    except svc.StaleDecision:
        return _stale(application)
    except decisions.InvalidDecision as error:
        return _invalid(application, "info", form, error)
    return _decided(application, _("We asked the citizen for more information."))


@bp.get("/remission/<int:application_id>/evidence/<int:evidence_id>")
@staff_required(PERMISSION)
def remission_evidence(application_id: int, evidence_id: int) -> Response:
    """A document the citizen sent, as a download. Every download is audited."""
    application = _load(application_id)
    try:
        item = evidence_svc.get_evidence(_session(), evidence_id, debtor_id=application.debtor_id)
    except svc.NoSuchApplication:
        abort(404)
    if item.application_id != application.id:
        abort(404)
    actor = Actor.staff(current_staff().staff_user_id)
    evidence_svc.record_evidence_viewed(_session(), item, actor=actor)
    db.session.commit()
    return evidence_response(item)
