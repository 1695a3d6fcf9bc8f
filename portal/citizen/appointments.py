"""Desk appointments and phone call-backs for citizens (issue 8): /appointments and /call-back.

Registered on the `citizen` blueprint (imported at the bottom of portal/citizen/views.py).
In desk mode a staff member books for the citizen; both are recorded (current_actor).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from itertools import groupby

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
from wtforms import RadioField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.citizen import views
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import current_locale
from portal.services import appointments as svc
from portal.services import callbacks

bp = views.bp

TOPIC_NAMES: Mapping[str, str] = {
    "bills": _l("My bills"),
    "plan": _l("A payment plan"),
    "remission": _l("Remission (having a debt waived)"),
    "other": _l("Something else"),
}
PART_NAMES: Mapping[str, str] = {
    "morning": _l("Morning (9:00 to 12:00)"),
    "afternoon": _l("Afternoon (13:00 to 16:00)"),
}
BOOKING_ERRORS: Mapping[str, str] = {
    "full": _l(
        "Sorry, this time is now fully booked. Nothing was changed. Please choose another time."
    ),
    "past": _l(
        "This time can no longer be booked. Nothing was changed. Please choose another time."
    ),
    "no_such_slot": _l(
        "We could not find this time. Nothing was changed. Please choose another time."
    ),
    "already_booked": _l(
        "You already have an appointment. Change or cancel it first. Nothing was changed."
    ),
    "topic": _l("Choose what you want to talk about."),
    "no_such_appointment": _l("We could not find this appointment. Nothing was changed."),
}
CALLBACK_ERRORS: Mapping[str, str] = {
    "day": _l("Choose one of the days in the list."),
    "part_of_day": _l("Choose morning or afternoon."),
    "phone": _l(
        "Enter a phone number with digits only, for example 06 12345678 or +31 6 12345678."
    ),
    "topic": _l("Choose what you want to talk about."),
    "already_open": _l(
        "You already asked us to call you. We will call you soon. Nothing was changed."
    ),
}


class BookForm(FlaskForm):
    slot = RadioField(
        _l("Choose a time"),
        choices=[],
        coerce=str,
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a time."))],
    )
    topic = RadioField(
        _l("What do you want to talk about?"),
        choices=[SelectChoice(k, v) for k, v in TOPIC_NAMES.items()],
        validate_choice=False,  # the service checks it, with a plain message
        validators=[InputRequired(message=_l("Choose what you want to talk about."))],
    )
    rebook = HiddenField()


class CancelForm(FlaskForm):
    """Only the CSRF token."""


class CallbackForm(FlaskForm):
    day = RadioField(
        _l("Which day?"),
        choices=[],
        coerce=str,
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a day."))],
    )
    part_of_day = RadioField(
        _l("When on that day?"),
        choices=[SelectChoice(k, v) for k, v in PART_NAMES.items()],
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose morning or afternoon."))],
    )
    phone = StringField(
        _l("Your phone number"),
        validators=[
            InputRequired(message=_l("Enter your phone number.")),
            Length(max=40, message=_l("Enter a phone number of at most 40 characters.")),
        ],
    )
    topic = RadioField(
        _l("What do you want to talk about?"),
        choices=[SelectChoice(k, v) for k, v in TOPIC_NAMES.items()],
        validate_choice=False,  # the service checks it, with a plain message
        validators=[InputRequired(message=_l("Choose what you want to talk about."))],
    )


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return views._today(_rules())  # noqa: SLF001 - the blueprint's one "today"


def _appointments_page(
    form: BookForm, status: int = 200, message: str | None = None
) -> tuple[str, int]:
    citizen, today = current_citizen(), _today()
    free = svc.free_slots(_session(), today=today)
    days = [(day, list(group)) for day, group in groupby(free, key=lambda item: item.slot.day)]
    current = svc.open_appointment(_session(), citizen.debtor_id, today=today)
    return render_template(
        "citizen/appointments.html",
        form=form,
        cancel_form=CancelForm(formdata=None),
        days=days,
        current=current,
        topics=TOPIC_NAMES,
        message=message,
    ), status


@bp.route("/appointments", methods=["GET", "POST"])
@citizen_required
def appointments() -> Response | tuple[str, int]:
    """Book a time at the desk, or change or cancel the one you booked."""
    form = BookForm()
    if not form.is_submitted():
        return _appointments_page(form)
    if not form.validate():
        return _appointments_page(form, 400)
    citizen = current_citizen()
    try:
        slot_id = int(form.slot.data)
    except (TypeError, ValueError):
        return _appointments_page(form, 400, str(BOOKING_ERRORS["no_such_slot"]))
    try:
        booking = svc.book_appointment(
            _session(),
            _rules(),
            debtor_id=citizen.debtor_id,
            slot_id=slot_id,
            topic=form.topic.data or "",
            actor=current_actor(),
            now=_now(),
            today=_today(),
            rebook=form.rebook.data == "1",
            locale=current_locale(),
        )
    except svc.AppointmentError as error:
        db.session.rollback()
        status = 409 if error.reason in ("full", "already_booked") else 400
        return _appointments_page(form, status, str(BOOKING_ERRORS[error.reason]))
    db.session.commit()
    if svc.deliver_stored_letter(_session(), booking.letter):
        db.session.commit()
    flash(_("Your appointment is booked. We sent you a letter with the details."), "success")
    return redirect(url_for("citizen.appointments"))


@bp.post("/appointments/<int:appointment_id>/cancel")
@citizen_required
def cancel_appointment(appointment_id: int) -> Response | tuple[str, int]:
    """Cancel your appointment; the place is free for someone else."""
    if not CancelForm().validate_on_submit():
        return _appointments_page(
            BookForm(formdata=None),
            400,
            _("This form had expired. Nothing was changed. Please try once more."),
        )
    try:
        svc.cancel_appointment(
            _session(),
            debtor_id=current_citizen().debtor_id,
            appointment_id=appointment_id,
            actor=current_actor(),
            now=_now(),
        )
    except svc.NoSuchAppointment:
        return _appointments_page(
            BookForm(formdata=None), 404, str(BOOKING_ERRORS["no_such_appointment"])
        )
    db.session.commit()
    flash(_("Your appointment is cancelled."), "success")
    return redirect(url_for("citizen.appointments"))


def _callback_page(
    form: CallbackForm, status: int = 200, message: str | None = None
) -> tuple[str, int]:
    days = callbacks.callback_days(_today())
    form.day.choices = [SelectChoice(day.isoformat(), day.isoformat()) for day in days]
    current = callbacks.open_request(_session(), current_citizen().debtor_id)
    return render_template(
        "citizen/callback.html",
        form=form,
        days=days,
        current=current,
        topics=TOPIC_NAMES,
        parts=PART_NAMES,
        message=message,
    ), status


@bp.route("/call-back", methods=["GET", "POST"])
@citizen_required
def callback() -> Response | tuple[str, int]:
    """Ask us to phone you on a working day, in the morning or the afternoon."""
    form = CallbackForm()
    if not form.is_submitted():
        return _callback_page(form)
    if not form.validate():
        return _callback_page(form, 400)
    try:
        day = date.fromisoformat(form.day.data or "")
    except ValueError:
        form.day.errors = [str(CALLBACK_ERRORS["day"])]
        return _callback_page(form, 400)
    try:
        callbacks.request_callback(
            _session(),
            debtor_id=current_citizen().debtor_id,
            day=day,
            part_of_day=form.part_of_day.data or "",
            phone=form.phone.data or "",
            topic=form.topic.data or "",
            actor=current_actor(),
            now=_now(),
            today=_today(),
        )
    except callbacks.InvalidCallback as error:
        db.session.rollback()
        field = getattr(form, error.reason, None)
        if field is None:
            return _callback_page(form, 409, str(CALLBACK_ERRORS[error.reason]))
        field.errors = [str(CALLBACK_ERRORS[error.reason])]
        return _callback_page(form, 400)
    db.session.commit()
    flash(_("Thank you. We will call you on the day and part of the day you chose."), "success")
    return redirect(url_for("citizen.callback"))
