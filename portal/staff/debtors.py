"""Find a debtor, and everything about them on one page (/staff/debtors, /staff/debtors/<id>),
with the forms to log a contact and to make a warm referral to debt help.
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py).

The national id is only ever typed into a POST form: it is never put in a URL, never shown
back (not even in the search field), and never logged."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
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
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.citizen.presenters import localised
from portal.config import SUPPORTED_LOCALES
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import current_locale
from portal.i18n import long_date
from portal.models import Debtor
from portal.services import contact_log
from portal.services import debtor_file as svc
from portal.services import referrals

PERMISSION = "debtor.view"
REFERRAL_PERMISSION = "debtor.act_for"

SEARCH_BY = {
    svc.SearchBy.NAME.value: _l("Name"),
    svc.SearchBy.REFERENCE.value: _l("Payment reference"),
    svc.SearchBy.CLAIM.value: _l("Bill number"),
    svc.SearchBy.NATIONAL_ID.value: _l("National id number"),
}
SEARCH_ERRORS: Mapping[str, str] = {
    "too_short": _l("Type at least 2 letters or digits."),
    "too_long": _l("This is too long. Type at most 200 characters."),
    "invalid_national_id": _l("This is not a valid national id number. Please check it."),
}
CHANNEL_NAMES: Mapping[str, str] = {
    "phone": _l("Phone call"),
    "desk": _l("Desk visit"),
    "letter": _l("Letter"),
    "email": _l("E-mail"),
}
OUTCOME_NAMES: Mapping[str, str] = {
    "reached": _l("Reached, we talked"),
    "plan_agreed": _l("Payment plan agreed"),
    "remission_started": _l("Remission application started"),
    "referred_to_debt_help": _l("Referred to debt help"),
    "declined": _l("Did not want help"),
    "unreachable": _l("Could not reach them"),
    "other": _l("Other"),
}
#: why a debtor is on the early-signalling list, in plain words
SIGNAL_REASON_NAMES: Mapping[str, str] = {
    "several_arrears": _l("Several bills are past their due date"),
    "plan_defaulted": _l("A payment plan was not kept"),
    "remission_dropout": _l("A remission application was started but not finished"),
    "large_debt_no_contact": _l("A large debt and no contact for a long time"),
    "returned_debit": _l("A direct debit came back unpaid"),
}
HOLD_REASON_NAMES: Mapping[str, str] = {
    "plan": _l("Payment plan"),
    "remission": _l("Remission application pending"),
    "debt_help": _l("Referred to debt help"),
    "dispute": _l("The citizen disputes the bill"),
    "legal_wsnp": _l("Legal stop: Wsnp (Dutch debt rescheduling)"),
    "legal_collective_debt_settlement": _l("Legal stop: collective debt settlement"),
    "legal_gaeldssanering": _l("Legal stop: gældssanering (debt relief)"),
    "death": _l("The debtor has died (estate)"),
    "payment_pending": _l("Payment in progress"),
}
CONSENT_CHANNELS = {
    "phone": _l("On the phone"),
    "desk": _l("At the desk"),
    "letter": _l("In writing"),
}
LEDGER_CAUSES: Mapping[str, str] = {
    "issued": _l("Billed"),
    "reminder_fee": _l("Reminder fee"),
    "interest": _l("Interest"),
    "payment": _l("Payment"),
    "remission": _l("Remission"),
    "write_off": _l("Write-off"),
    "correction": _l("Correction"),
    "refund": _l("Refund"),
    "cancellation": _l("Cancellation"),
}
COMPONENTS: Mapping[str, str] = {
    "principal": _l("Amount billed"),
    "fee": _l("Costs"),
    "interest": _l("Interest"),
}
LETTER_KINDS: Mapping[str, str] = {
    "login_code": _l("Login code"),
    "receipt": _l("Receipt"),
    "reminder": _l("Reminder"),
    "plan_confirmation": _l("Payment plan confirmation"),
    "debt_overview": _l("Debt overview"),
    "decision": _l("Decision"),
}
ACTOR_KINDS: Mapping[str, str] = {
    "citizen": _l("The citizen"),
    "system": _l("The system"),
    "api": _l("A department's system"),
    "staff": _l("Staff"),
}
CONTACT_ERRORS: Mapping[str, str] = {
    "signal": _l("This signal is not one of this person's. Nothing was saved."),
    "note_too_long": _l("The note is too long. Write at most 4000 characters."),
}


def choices(names: Mapping[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in names.items()]


class SearchForm(FlaskForm):
    by = SelectField(_l("Search by"), choices=choices(SEARCH_BY), default=svc.SearchBy.NAME.value)
    query = StringField(
        _l("Search for"),
        validators=[InputRequired(_l("Type what you are looking for.")), Length(max=200)],
    )


class ContactForm(FlaskForm):
    contact_channel = SelectField(
        _l("How"), choices=choices(CHANNEL_NAMES), validators=[InputRequired()]
    )
    contact_outcome = SelectField(
        _l("Outcome"), choices=choices(OUTCOME_NAMES), validators=[InputRequired()]
    )
    contact_signal = SelectField(
        _l("Early signal this answers"), choices=[], coerce=str, validate_choice=False
    )
    contact_note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=4000, message=CONTACT_ERRORS["note_too_long"])],
    )


class ReferralForm(FlaskForm):
    referral_consent = BooleanField(
        _l("The citizen agreed to be referred and to share their debt overview"),
        validators=[InputRequired(_l("Only refer someone who agreed to it."))],
    )
    referral_channel = RadioField(
        _l("How the citizen agreed"),
        choices=choices(CONSENT_CHANNELS),
        validators=[InputRequired(_l("Choose how the citizen agreed."))],
    )
    referral_pause_days = IntegerField(
        _l("Pause collection for (days)"),
        validators=[
            InputRequired(_l("Type a number of days.")),
            NumberRange(1, referrals.MAX_PAUSE_DAYS, _l("Type a number from 1 to 365.")),
        ],
    )


# Imported after the words and forms above, which signals.py and audit_log.py import: importing
# views imports those pages, so the names must exist before these lines run.
from portal.staff import queue as queue_pages  # noqa: E402
from portal.staff.views import bp  # noqa: E402


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def local_time(moment: datetime) -> str:
    """A moment as the installation's local date and time, in the page's language."""
    zone = ZoneInfo(_rules().timezone)
    return format_datetime(moment.astimezone(zone), "short", tzinfo=zone, locale=current_locale())


def _today(rules: RulePack) -> date:
    return datetime.now(ZoneInfo(rules.timezone)).date()


@bp.route("/debtors", methods=["GET", "POST"])
@staff_required(PERMISSION)
def debtors() -> tuple[str, int]:
    """Search by name, payment reference, bill number or national id (POST only)."""
    form = SearchForm()
    hits: list[svc.DebtorHit] | None = None
    message: str | None = None
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                hits = svc.search_debtors(
                    _session(),
                    _rules(),
                    _config(),
                    by=svc.SearchBy(form.by.data),
                    query=form.query.data or "",
                )
            except svc.InvalidSearch as error:
                message, status = (
                    str(SEARCH_ERRORS.get(error.reason, SEARCH_ERRORS["too_short"])),
                    400,
                )
        else:
            status = 400
        if form.by.data == svc.SearchBy.NATIONAL_ID.value:
            form.query.data = ""  # never show the number back, not even in the field
    return render_template(
        "staff/debtor_search.html", form=form, hits=hits, message=message
    ), status


def _contact_form(debtor_file: svc.DebtorFile, formdata: bool = True) -> ContactForm:
    form = ContactForm() if formdata else ContactForm(formdata=None)
    form.contact_signal.choices = [SelectChoice("", str(_l("None")))] + [
        SelectChoice(str(s.id), str(SIGNAL_REASON_NAMES.get(s.reason, s.reason)))
        for s in debtor_file.open_signals
    ]
    return form


def _referral_form(formdata: bool = True) -> ReferralForm:
    if formdata:
        return ReferralForm()
    return ReferralForm(formdata=None, referral_pause_days=referrals.pause_days_of(_config()))


def _file(debtor_id: int) -> svc.DebtorFile:
    rules = _rules()
    try:
        return svc.build_debtor_file(_session(), rules, debtor_id=debtor_id, as_of=_today(rules))
    except svc.DebtorNotFound:
        abort(404)


def _expired(form: FlaskForm) -> str | None:
    if "csrf_token" not in form.errors:
        return None
    return str(_l("This form had expired. Nothing was saved. Please try again."))


def _page(
    debtor_file: svc.DebtorFile,
    contact: ContactForm,
    referral: ReferralForm,
    status: int = 200,
    message: str | None = None,
) -> tuple[str, int]:
    return render_template(
        "staff/debtor.html",
        file=debtor_file,
        contact=contact,
        referral=referral,
        message=message,
        kinds=queue_pages.KIND_NAMES,
        item_url=queue_pages.item_url,
        channel_names=CHANNEL_NAMES,
        outcome_names=OUTCOME_NAMES,
        signal_reasons=SIGNAL_REASON_NAMES,
        hold_reasons=HOLD_REASON_NAMES,
        ledger_causes=LEDGER_CAUSES,
        components=COMPONENTS,
        letter_kinds=LETTER_KINDS,
        actor_kinds=ACTOR_KINDS,
        debt_help_name=localised(_rules().debt_help_names),
        decision_endpoints=current_app.view_functions,
        local_time=local_time,
    ), status


@bp.get("/debtors/<int:debtor_id>")
@staff_required(PERMISSION)
def debtor(debtor_id: int) -> tuple[str, int]:
    """Everything about one debtor. Opening it is recorded in the audit log."""
    debtor_file = _file(debtor_id)
    svc.record_debtor_view(
        _session(), staff_user_id=current_staff().staff_user_id, debtor_id=debtor_id
    )
    db.session.commit()
    return _page(debtor_file, _contact_form(debtor_file, False), _referral_form(False))


@bp.post("/debtors/<int:debtor_id>/contact")
@staff_required(PERMISSION)
def debtor_contact(debtor_id: int) -> Response | tuple[str, int]:
    """Log a call, desk visit, letter or e-mail; with a signal chosen, that signal closes."""
    debtor_file = _file(debtor_id)
    form = _contact_form(debtor_file)
    if not form.validate_on_submit():
        return _page(debtor_file, form, _referral_form(False), 400, _expired(form))
    signal = form.contact_signal.data
    try:
        contact_log.log_contact(
            _session(),
            debtor_id=debtor_id,
            staff_user_id=current_staff().staff_user_id,
            channel=form.contact_channel.data or "",
            outcome=form.contact_outcome.data or "",
            note=form.contact_note.data or "",
            signal_id=int(signal) if signal and signal.isdigit() else None,
            now=datetime.now(UTC),
        )
    except contact_log.SignalNotOpen:
        db.session.rollback()
        flash(_("Someone has already closed this signal. Nothing was saved."), "error")
        return redirect(url_for("staff.debtor", debtor_id=debtor_id))
    except contact_log.InvalidContact as error:
        db.session.rollback()
        message = str(CONTACT_ERRORS.get(error.reason, CONTACT_ERRORS["signal"]))
        return _page(debtor_file, form, _referral_form(False), 400, message)
    db.session.commit()
    flash(_("The contact was saved."), "success")
    return redirect(url_for("staff.debtor", debtor_id=debtor_id) + "#contact-log")


@bp.post("/debtors/<int:debtor_id>/referral")
@staff_required(REFERRAL_PERMISSION)
def debtor_referral(debtor_id: int) -> Response | tuple[str, int]:
    """Refer to debt help with the citizen's consent: attach the debt overview, pause collection."""
    debtor_file = _file(debtor_id)
    form = _referral_form()
    if not form.validate_on_submit() or not form.referral_consent.data:
        return _page(debtor_file, _contact_form(debtor_file, False), form, 400, _expired(form))
    rules = _rules()
    debtor: Debtor = debtor_file.debtor
    locale = debtor.preferred_locale
    referral = referrals.make_referral(
        _session(),
        rules,
        _config(),
        debtor_id=debtor_id,
        staff_user_id=current_staff().staff_user_id,
        consent=True,
        consent_channel=form.referral_channel.data or "",
        pause_days=form.referral_pause_days.data or 0,
        locale=locale if locale in SUPPORTED_LOCALES else rules.default_locale,
        now=datetime.now(UTC),
        as_of=_today(rules),
    )
    db.session.commit()
    flash(
        _(
            "The referral to %(organisation)s was saved. Collection is paused until %(date)s.",
            organisation=referral.organisation,
            date=long_date(referral.pause_until),
        ),
        "success",
    )
    return redirect(url_for("staff.debtor", debtor_id=debtor_id) + "#referrals")
