"""Staff side of issue 8: desk appointments and slots (/staff/appointments), the call-back list
(/staff/callbacks) and citizen feedback (/staff/feedback).

Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

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
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.citizen.appointments import PART_NAMES
from portal.citizen.appointments import TOPIC_NAMES
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Debtor
from portal.services import appointments as svc
from portal.services import callbacks
from portal.services import feedback as feedback_svc
from portal.services.contact_log import InvalidContact
from portal.staff.debtors import OUTCOME_NAMES
from portal.staff.debtors import choices
from portal.staff.views import bp

SLOT_ERRORS: Mapping[str, str] = {
    "past": _l("This day is in the past. Choose today or a later day. Nothing was added."),
    "duration": _l("A slot lasts 5 to 240 minutes. Nothing was added."),
    "capacity": _l("A slot has room for 1 to 50 people. Nothing was added."),
    "place": _l("Enter the place (at most 120 characters). Nothing was added."),
    "range": _l("No slot fits between these times. Check the times and the length."),
}
JOURNEY_NAMES: Mapping[str, str] = {
    "payment": _l("Payment"),
    "plan": _l("Payment plan"),
    "overview_document": _l("Debt overview"),
    "remission": _l("Remission"),
}
_REQUIRED = _l("Fill in this field.")


class SlotForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(message=_REQUIRED)])
    start = TimeField(_l("Start time"), validators=[InputRequired(message=_REQUIRED)])
    duration = IntegerField(
        _l("Length in minutes"),
        default=15,
        validators=[InputRequired(message=_REQUIRED), NumberRange(min=5, max=240)],
    )
    place = StringField(_l("Place"), validators=[InputRequired(message=_REQUIRED), Length(max=120)])
    capacity = IntegerField(
        _l("Places"),
        default=1,
        validators=[InputRequired(message=_REQUIRED), NumberRange(min=1, max=50)],
    )


class DayForm(FlaskForm):
    """Its fields carry the prefix "bulk-" (it shares the page with SlotForm); the CSRF token
    is the plain one, checked for every POST by the app-wide CSRFProtect."""

    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[InputRequired(message=_REQUIRED)])
    start = TimeField(_l("From"), validators=[InputRequired(message=_REQUIRED)])
    end = TimeField(_l("To"), validators=[InputRequired(message=_REQUIRED)])
    length = IntegerField(
        _l("Length of each slot in minutes"),
        default=15,
        validators=[InputRequired(message=_REQUIRED), NumberRange(min=5, max=240)],
    )
    place = StringField(_l("Place"), validators=[InputRequired(message=_REQUIRED), Length(max=120)])
    capacity = IntegerField(
        _l("Places per slot"),
        default=1,
        validators=[InputRequired(message=_REQUIRED), NumberRange(min=1, max=50)],
    )


class CallLogForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"), choices=choices(OUTCOME_NAMES), validators=[InputRequired()]
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=4000, message=_l("Write at most 4000 characters."))],
    )


def _session() -> Session:
    session: Session = db.session()
    return session


def _today() -> date:
    rules: RulePack = current_app.config["RULE_PACK"]
    return datetime.now(ZoneInfo(rules.timezone)).date()


def _now() -> datetime:
    return datetime.now(UTC)


def _names(debtor_ids: set[int]) -> dict[int, str]:
    if not debtor_ids:
        return {}
    rows = _session().execute(select(Debtor.id, Debtor.name).where(Debtor.id.in_(debtor_ids)))
    return {debtor_id: name for debtor_id, name in rows}


def _page(
    slot_form: SlotForm, day_form: DayForm, status: int = 200, failed: str | None = None
) -> tuple[str, int]:
    today = _today()
    booked = svc.appointments_from(_session(), day=today)
    return render_template(
        "staff/appointments.html",
        today=today,
        appointments=booked,
        names=_names({item.debtor_id for item in booked}),
        slots=svc.slots_from(_session(), day=today),
        slot_form=slot_form,
        day_form=day_form,
        topics=TOPIC_NAMES,
        failed=failed,
    ), status


@bp.route("/appointments", methods=["GET", "POST"])
@staff_required("appointments.manage")
def appointments() -> Response | tuple[str, int]:
    """Today's and upcoming desk appointments, the slots, and forms to add slots."""
    form = SlotForm()
    if not form.is_submitted():
        return _page(form, DayForm(formdata=None, prefix="bulk"))
    if not form.validate():
        return _page(form, DayForm(formdata=None, prefix="bulk"), 400, "slot")
    try:
        svc.add_slot(
            _session(),
            day=form.day.data,
            start=form.start.data,
            duration_minutes=form.duration.data or 0,
            place=form.place.data or "",
            capacity=form.capacity.data or 0,
            staff_user_id=current_staff().staff_user_id,
            today=_today(),
        )
    except svc.InvalidSlot as error:
        db.session.rollback()
        form.day.errors = [str(SLOT_ERRORS[error.reason])]
        return _page(form, DayForm(formdata=None, prefix="bulk"), 400, "slot")
    db.session.commit()
    flash(_("The slot was added."), "success")
    return redirect(url_for("staff.appointments"))


@bp.post("/appointments/day")
@staff_required("appointments.manage")
def add_appointment_day() -> Response | tuple[str, int]:
    """Add back-to-back slots for one day, from a start to an end time."""
    form = DayForm(prefix="bulk")
    if not form.validate():
        return _page(SlotForm(formdata=None), form, 400, "day")
    try:
        added = svc.add_slots_for_day(
            _session(),
            day=form.day.data,
            start=form.start.data,
            end=form.end.data,
            length_minutes=form.length.data or 0,
            place=form.place.data or "",
            capacity=form.capacity.data or 0,
            staff_user_id=current_staff().staff_user_id,
            today=_today(),
        )
    except svc.InvalidSlot as error:
        db.session.rollback()
        form.day.errors = [str(SLOT_ERRORS[error.reason])]
        return _page(SlotForm(formdata=None), form, 400, "day")
    db.session.commit()
    flash(_("%(num)d slots were added.", num=len(added)), "success")
    return redirect(url_for("staff.appointments"))


def _callbacks_page(
    form: CallLogForm, status: int = 200, failed_id: int | None = None
) -> tuple[str, int]:
    requests = callbacks.open_requests(_session())
    return render_template(
        "staff/callbacks.html",
        requests=requests,
        names=_names({item.debtor_id for item in requests}),
        form=form,
        failed_id=failed_id,
        topics=TOPIC_NAMES,
        parts=PART_NAMES,
    ), status


@bp.get("/callbacks", endpoint="callbacks")
@staff_required("work.decide")
def callbacks_list() -> tuple[str, int]:
    """Citizens who asked us to call them, the earliest day first."""
    return _callbacks_page(CallLogForm(formdata=None))


@bp.post("/callbacks/<int:request_id>/log")
@staff_required("work.decide")
def log_callback(request_id: int) -> Response | tuple[str, int]:
    """Write the call to the contact log; the call-back is then done."""
    form = CallLogForm()
    if not form.validate():
        return _callbacks_page(form, 400, request_id)
    try:
        callbacks.log_callback(
            _session(),
            request_id=request_id,
            staff_user_id=current_staff().staff_user_id,
            outcome=form.outcome.data or "",
            note=form.note.data or "",
            now=_now(),
        )
    except (callbacks.InvalidCallback, InvalidContact):
        db.session.rollback()
        flash(_("This call-back is already done or does not exist. Nothing was saved."), "error")
        return redirect(url_for("staff.callbacks"))
    db.session.commit()
    flash(_("The call was added to the contact log."), "success")
    return redirect(url_for("staff.callbacks"))


@bp.get("/feedback")
@staff_required("feedback.view")
def feedback() -> str:
    """What citizens said: average score and count by journey and month, and the free texts."""
    page = request.args.get("page", "1")
    texts = feedback_svc.feedback_texts(_session(), page=int(page) if page.isdigit() else 1)
    return render_template(
        "staff/feedback.html",
        summary=feedback_svc.feedback_summary(_session()),
        texts=texts,
        journeys=JOURNEY_NAMES,
    )
