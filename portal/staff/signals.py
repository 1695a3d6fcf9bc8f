"""The early-signalling worklist (/staff/signals): open signals oldest first, the reason in plain
words, and a form per signal to record the contact attempt and its outcome (which closes it).
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.extensions import db
from portal.models import Debtor
from portal.models import Signal
from portal.services import contact_log
from portal.staff.debtors import CHANNEL_NAMES
from portal.staff.debtors import OUTCOME_NAMES
from portal.staff.debtors import SIGNAL_REASON_NAMES
from portal.staff.debtors import choices
from portal.staff.views import bp

PERMISSION = "work.decide"
#: the page shows the oldest signals first, at most this many
LIST_LIMIT = 100


class SignalContactForm(FlaskForm):
    channel = SelectField(_l("How"), choices=choices(CHANNEL_NAMES), validators=[InputRequired()])
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


def _open_signals(session: Session) -> list[tuple[Signal, str]]:
    return [
        (signal, name)
        for signal, name in session.execute(
            select(Signal, Debtor.name)
            .join(Debtor, Debtor.id == Signal.debtor_id)
            .where(Signal.state == "open")
            .order_by(Signal.raised_at, Signal.id)
            .limit(LIST_LIMIT)
        ).all()
    ]


def _page(
    form: SignalContactForm | None = None, failed_id: int | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "staff/signals.html",
        signals=_open_signals(_session()),
        reasons=SIGNAL_REASON_NAMES,
        form=form or SignalContactForm(formdata=None),
        failed_id=failed_id,
        now=datetime.now(UTC),
        limit=LIST_LIMIT,
    ), status


@bp.get("/signals")
@staff_required(PERMISSION)
def signals() -> tuple[str, int]:
    """Who to contact before costs pile up, oldest signal first."""
    return _page()


@bp.post("/signals/<int:signal_id>/contact")
@staff_required(PERMISSION)
def signal_contact(signal_id: int) -> Response | tuple[str, int]:
    """Record the contact attempt and outcome; the signal closes with that outcome."""
    signal = _session().get(Signal, signal_id) or abort(404)
    form = SignalContactForm()
    if not form.validate_on_submit():
        return _page(form, signal_id, 400)
    try:
        contact_log.log_contact(
            _session(),
            debtor_id=signal.debtor_id,
            staff_user_id=current_staff().staff_user_id,
            channel=form.channel.data or "",
            outcome=form.outcome.data or "",
            note=form.note.data or "",
            signal_id=signal.id,
            now=datetime.now(UTC),
        )
    except contact_log.SignalNotOpen:
        db.session.rollback()
        flash(_("Someone has already closed this signal. Nothing was saved."), "error")
        return redirect(url_for("staff.signals"))
    db.session.commit()
    flash(_("The contact was saved and the signal is closed."), "success")
    return redirect(url_for("staff.signals"))
