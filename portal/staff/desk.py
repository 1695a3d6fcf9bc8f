"""Desk mode: find the citizen at the counter, start with a reason and an identity check, see
their own pages as they would, pay at the desk, end. Registered on the `staff` blueprint.

The staff login stays; the assisted debtor's id sits in the staff session
(portal.auth.principals.DESK_SESSION_KEY) and `citizen_required` pages accept it
(portal.auth.guards.current_citizen / current_actor).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import has_request_context
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import current_staff
from portal.auth.guards import desk_debtor_id
from portal.auth.guards import staff_required
from portal.auth.principals import DESK_SESSION_KEY
from portal.config import Config
from portal.domain.money import InvalidAmount
from portal.domain.money import Money
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import money
from portal.models import Debtor
from portal.services import debtor_file
from portal.services import desk as svc
from portal.staff.views import bp

SEARCH_BY: Mapping[str, str] = {
    debtor_file.SearchBy.NAME.value: _l("Name"),
    debtor_file.SearchBy.REFERENCE.value: _l("Payment reference"),
    debtor_file.SearchBy.NATIONAL_ID.value: _l("National id number"),
}
SEARCH_ERRORS: Mapping[str, str] = {
    "too_short": _l("Type at least 2 letters or digits."),
    "too_long": _l("This is too long. Type at most 200 characters."),
    "invalid_national_id": _l("This is not a valid national id number. Please check it."),
}
VISIT_REASONS: Mapping[str, str] = {
    "pay": _l("To pay"),
    "question": _l("A question about a bill"),
    "plan": _l("To pay in parts"),
    "overview": _l("To get a debt overview"),
    "remission": _l("To apply for remission"),
    "dispute": _l("Says a bill is wrong"),
    "other": _l("Something else"),
}
CHECK_METHODS: Mapping[str, str] = {
    "id_card": _l("ID card"),
    "passport": _l("Passport"),
    "driving_licence": _l("Driving licence"),
    "known": _l("Known to us"),
}
DESK_METHODS: Mapping[str, str] = {
    "desk_card": _l("Card, on the desk terminal"),
    "desk_cash": _l("Cash"),
}
PAYMENT_ERRORS: Mapping[str, str] = {
    "bad_amount": _l("Type the amount that was paid, for example 25,00."),
    "bad_method": _l("Choose how the citizen paid."),
    "bad_receipt": _l("Type the receipt number (at most 40 characters)."),
    "receipt_used": _l(
        "This receipt number was already registered for another payment. Nothing was booked. "
        "Please check the number."
    ),
}


def _choices(names: Mapping[str, str], *, placeholder: Any = None) -> list[SelectChoice]:
    first = [SelectChoice("", placeholder)] if placeholder else []
    return first + [SelectChoice(code, label) for code, label in names.items()]


class DeskSearchForm(FlaskForm):
    by = SelectField(_l("Search by"), choices=_choices(SEARCH_BY), default="name")
    query = StringField(
        _l("Search for"),
        validators=[InputRequired(_l("Type what you are looking for.")), Length(max=200)],
    )


class DeskStartForm(FlaskForm):
    visit_reason = SelectField(
        _l("Reason for the visit"),
        choices=_choices(VISIT_REASONS, placeholder=_l("Choose a reason")),
        validators=[InputRequired(_l("Choose the reason for the visit."))],
    )
    identity_check = RadioField(
        _l("How did you check who they are?"),
        choices=_choices(CHECK_METHODS),
        validators=[InputRequired(_l("Choose how you checked who the citizen is."))],
    )


class DeskPaymentForm(FlaskForm):
    amount = StringField(
        _l("Amount paid"), validators=[InputRequired(_l("Type the amount that was paid."))]
    )
    desk_method = RadioField(
        _l("How did they pay?"),
        choices=_choices(DESK_METHODS),
        validators=[InputRequired(_l("Choose how the citizen paid."))],
    )
    receipt_number = StringField(
        _l("Receipt number"),
        validators=[
            InputRequired(_l("Type the receipt number.")),
            Length(max=svc.MAX_RECEIPT, message=_l("At most 40 characters.")),
        ],
    )


@dataclass(frozen=True)
class DeskVisit:
    debtor_id: int
    name: str


@bp.app_context_processor
def _desk_banner() -> dict[str, DeskVisit | None]:
    """Every page shows "You are assisting <name>" while desk mode is on
    (templates/components/desk_banner.html)."""
    if not has_request_context():
        return {"desk_visit": None}
    debtor_id = desk_debtor_id()
    debtor = db.session.get(Debtor, debtor_id) if debtor_id is not None else None
    return {"desk_visit": DeskVisit(debtor.id, debtor.name) if debtor is not None else None}


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _expired(form: FlaskForm) -> str | None:
    if form.csrf_token.errors:
        return _("This form had expired. Nothing was changed. Please try again.")
    return None


@bp.route("/desk", methods=["GET", "POST"])
@staff_required("debtor.act_for")
def desk() -> tuple[str, int]:
    """Find the citizen at the desk (POST, so a national id never reaches a URL)."""
    form = DeskSearchForm()
    hits: list[debtor_file.DebtorHit] | None = None
    message, status = None, 200
    if form.is_submitted():
        if form.validate():
            try:
                hits = debtor_file.search_debtors(
                    db.session(),
                    _rules(),
                    _config(),
                    by=debtor_file.SearchBy(form.by.data),
                    query=form.query.data or "",
                )
            except debtor_file.InvalidSearch as error:
                message = str(SEARCH_ERRORS.get(error.reason, SEARCH_ERRORS["too_short"]))
                status = 400
        else:
            message, status = _expired(form), 400
        if form.by.data == debtor_file.SearchBy.NATIONAL_ID.value:
            form.query.data = ""  # never show the number back, not even in the field
    return render_template("staff/desk.html", form=form, hits=hits, message=message), status


@bp.route("/desk/start/<int:debtor_id>", methods=["GET", "POST"])
@staff_required("debtor.act_for")
def desk_start(debtor_id: int) -> Response | tuple[str, int]:
    """Why they came and how their identity was checked; then act as them (audited)."""
    debtor = db.session.get(Debtor, debtor_id)
    if debtor is None:
        abort(404)
    form = DeskStartForm()
    status = 200
    if form.validate_on_submit():
        staff = current_staff()
        previous = desk_debtor_id()
        if previous is not None:
            svc.end_visit(
                db.session(), staff_user_id=staff.staff_user_id, debtor_id=previous, how="switched"
            )
        svc.start_visit(
            db.session(),
            staff_user_id=staff.staff_user_id,
            debtor_id=debtor.id,
            reason=form.visit_reason.data or "",
            check_method=form.identity_check.data or "",
        )
        db.session.commit()
        session[DESK_SESSION_KEY] = {"debtor_id": debtor.id, "staff_user_id": staff.staff_user_id}
        return redirect(url_for("citizen.overview"))
    if form.is_submitted():
        status = 400
    return render_template(
        "staff/desk_start.html", form=form, debtor=debtor, message=_expired(form)
    ), status


@bp.post("/desk/end")
@staff_required("debtor.act_for")
def desk_end() -> Response:
    """End desk mode and go back to the staff home page."""
    debtor_id = desk_debtor_id()
    if debtor_id is not None:
        svc.end_visit(
            db.session(), staff_user_id=current_staff().staff_user_id, debtor_id=debtor_id
        )
        db.session.commit()
        flash(_("Desk mode has ended."), "success")
    session.pop(DESK_SESSION_KEY, None)
    return redirect(url_for("staff.home"))


@bp.route("/desk/payment", methods=["GET", "POST"])
@staff_required("debtor.act_for")
def desk_payment() -> Response | tuple[str, int]:
    """Register money paid at the desk (cash or the card terminal), booked once per receipt."""
    debtor_id = desk_debtor_id()
    if debtor_id is None:
        flash(_("Start desk mode first: find the citizen and say why they came."), "error")
        return redirect(url_for("staff.desk"))
    rules = _rules()
    form = DeskPaymentForm()
    message, status = _expired(form), 200
    if form.validate_on_submit():
        try:
            amount = Money.parse(form.amount.data or "", rules.currency).amount
            result = svc.register_desk_payment(
                db.session(),
                rules,
                staff_user_id=current_staff().staff_user_id,
                debtor_id=debtor_id,
                amount=amount,
                method=form.desk_method.data or "",
                receipt_number=form.receipt_number.data or "",
                received_on=_today(),
            )
        except InvalidAmount:
            form.amount.errors = [str(PAYMENT_ERRORS["bad_amount"])]
        except svc.DeskError as error:
            field = {"bad_amount": form.amount, "bad_method": form.desk_method}.get(
                error.reason, form.receipt_number
            )
            field.errors = [str(PAYMENT_ERRORS.get(error.reason, PAYMENT_ERRORS["bad_amount"]))]
        else:
            db.session.commit()
            text = money(result.payment.amount, result.payment.currency)
            if result.created:
                flash(
                    _("The payment of %(amount)s is registered. Thank you.", amount=text), "success"
                )
            else:
                flash(
                    _(
                        "This receipt was registered before (%(amount)s). "
                        "Nothing was booked twice.",
                        amount=text,
                    ),
                    "success",
                )
            return redirect(url_for("citizen.overview"))
    if form.is_submitted():
        status = 400
    return render_template("staff/desk_payment.html", form=form, message=message), status
