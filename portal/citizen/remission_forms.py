"""Forms and plain-language messages for the remission wizard (citizen pages).

Amounts are typed in major units ("1.234,50", "€ 650") and become integer minor units here;
an empty field or 0 is zero. The words for each error code live in one place (B1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import Field
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice

from portal.domain.money import InvalidAmount
from portal.domain.money import Money
from portal.domain.remission import MAX_CHILD_AGE
from portal.domain.remission import MAX_CHILDREN

#: Per error code: what to tell the citizen (the field's label is shown next to it).
AMOUNT_MESSAGES: Mapping[str, LazyString] = {
    "not_a_number": _l("Enter an amount in numbers, for example 650 or 650,50."),
    "negative": _l("Enter an amount of 0 or more, without a minus sign."),
    "too_many_decimals": _l("Enter an amount with at most 2 numbers after the comma."),
    "wrong_currency": _l("Enter the amount in the currency of your bills."),
    "too_large": _l("This amount is too large. Please check it."),
}
FIELD_MESSAGES: Mapping[tuple[str, str], LazyString] = {
    ("adults", "out_of_range"): _l("Choose whether you live alone or with a partner."),
    ("children_ages", "out_of_range"): _l(
        "Enter the ages of children under 18 only, as whole years from 0 to 17."
    ),
    ("children_ages", "too_many"): _l("Enter at most 15 children."),
    ("children_ages", "not_a_whole_number"): _l(
        "Enter each age as a whole number, separated by commas, for example 3, 7."
    ),
    ("housing_allowance", "above_cost"): _l(
        "Your rent benefit cannot be more than your rent. Please check both amounts."
    ),
    ("health_allowance", "above_cost"): _l(
        "Your health care benefit cannot be more than your premium. Please check both amounts."
    ),
}
GENERIC_MESSAGE = _l("Please check this answer.")


def message_for(field: str, reason: str) -> str:
    """The message for a domain ImplausibleApplication (field, reason)."""
    if (field, reason) in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[(field, reason)])
    return str(AMOUNT_MESSAGES.get(reason, GENERIC_MESSAGE))


def parse_amount(text: str | None, currency: str) -> int:
    """Minor units from what was typed; "" or 0 is 0. Raises InvalidAmount."""
    cleaned = (text or "").strip()
    if not cleaned:
        return 0
    if cleaned.startswith("-") or cleaned.startswith("−"):
        raise InvalidAmount("negative")
    try:
        return Money.parse(cleaned, currency).amount
    except InvalidAmount as error:
        if error.reason == "zero":
            return 0
        raise


def parse_ages(text: str | None) -> tuple[int, ...]:
    """ "3, 7" -> (3, 7). Raises ValueError with a FIELD_MESSAGES reason code."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if len(parts) > MAX_CHILDREN:
        raise ValueError("too_many")
    ages = []
    for part in parts:
        if not part.isdigit() or len(part) > 3:
            raise ValueError("not_a_whole_number")
        age = int(part)
        if age > MAX_CHILD_AGE:
            raise ValueError("out_of_range")
        ages.append(age)
    return tuple(ages)


def amount_text(minor: int | None) -> str:
    """A saved amount back in the field, in a form parse_amount reads in every locale."""
    if minor is None:
        return ""
    whole, cents = divmod(minor, 100)
    return str(whole) if cents == 0 else f"{whole},{cents:02d}"


def read_amounts(form: FlaskForm, names: tuple[str, ...], currency: str) -> dict[str, int] | None:
    """Parse the named amount fields; on a problem the message goes next to the field."""
    values: dict[str, int] = {}
    for name in names:
        field: Field = getattr(form, name)
        try:
            values[name] = parse_amount(field.data, currency)
        except InvalidAmount as error:
            field.errors = [str(AMOUNT_MESSAGES.get(error.reason, GENERIC_MESSAGE))]
    if any(getattr(form, name).errors for name in names):
        return None
    return values


INCOME_NAMES = ("net_income",)
COST_NAMES = ("rent", "housing_allowance", "health_premium", "health_allowance", "other_costs")
ASSET_AMOUNT_NAMES = ("bank_balance", "car_value", "other_assets")


class StartForm(FlaskForm):
    claims = SelectMultipleField(
        _l("Bills you ask us to waive"),
        coerce=int,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=False,
    )
    submission_key = HiddenField()


class HouseholdForm(FlaskForm):
    adults = RadioField(
        _l("Who do you live with?"),
        choices=[
            SelectChoice("1", _l("I live alone or only with my children")),
            SelectChoice("2", _l("I live with a partner")),
        ],
        validate_choice=False,
    )
    children_ages = StringField(_l("Ages of your children under 18 who live with you"))


class IncomeForm(FlaskForm):
    net_income = StringField(_l("Net income per month"))


class CostsForm(FlaskForm):
    rent = StringField(_l("Rent or mortgage interest per month"))
    housing_allowance = StringField(_l("Rent benefit per month"))
    health_premium = StringField(_l("Health insurance premium per month"))
    health_allowance = StringField(_l("Health care benefit per month"))
    other_costs = StringField(_l("Alimony you pay and payments on tax debts, per month"))


class AssetsForm(FlaskForm):
    bank_balance = StringField(_l("Money in all your bank accounts today"))
    car_value = StringField(_l("Value of your car"))
    car_needed = BooleanField(_l("I need my car for my work or because of a disability"))
    other_assets = StringField(_l("Value of other things you own, such as savings or shares"))


class ConsentForm(FlaskForm):
    consent = BooleanField(
        _l(
            "I agree that the municipality checks my answers with what its departments know "
            "about me and with the documents I send"
        )
    )


class EvidenceForm(FlaskForm):
    document = FileField(_l("Choose a file (PDF, JPG or PNG)"))


class ContinueForm(FlaskForm):
    """Only the CSRF token: the button is the whole form."""


STEP_FORMS: Mapping[str, type[FlaskForm]] = {
    "household": HouseholdForm,
    "income": IncomeForm,
    "costs": CostsForm,
    "assets": AssetsForm,
    "consent": ConsentForm,
    "evidence": ContinueForm,
}
STEP_TITLES: Mapping[str, LazyString] = {
    "household": _l("Your household"),
    "income": _l("Your income"),
    "costs": _l("Housing and health costs"),
    "assets": _l("Money and things you own"),
    "consent": _l("Permission to check"),
    "evidence": _l("Documents"),
}
UPLOAD_MESSAGES: Mapping[str, LazyString] = {
    "empty": _l("Choose a file first. Nothing was uploaded."),
    "too_large": _l("This file is too large. Send a file of at most %(size)s MB."),
    "wrong_type": _l(
        "We can only accept PDF, JPG or PNG files. This file is of another kind. "
        "Nothing was uploaded."
    ),
    "too_many": _l("You have sent the most files we accept. Call us if you need to send more."),
    "closed": _l("Your application is closed. You cannot add documents to it any more."),
}


def initial_values(step: str, application: Any) -> dict[str, Any]:
    """What to show in a step's fields when resuming."""
    if step == "household":
        adults = application.adults
        return {
            "adults": str(adults) if adults else None,
            "children_ages": ", ".join(str(a) for a in application.children),
        }
    if step == "consent":
        return {"consent": application.consent_at is not None}
    if step == "assets":
        return {
            "bank_balance": amount_text(application.bank_balance),
            "car_value": amount_text(application.car_value),
            "car_needed": bool(application.car_needed),
            "other_assets": amount_text(application.other_assets),
        }
    names = {"income": INCOME_NAMES, "costs": COST_NAMES}.get(step, ())
    return {name: amount_text(getattr(application, name)) for name in names}


#: Why a bill cannot be waived (domain ClaimReason), for the pre-check page.
CLAIM_REASON_TEXTS: Mapping[str, LazyString] = {
    "type_not_eligible": _l("The rules do not allow us to waive this kind of bill."),
    "nothing_to_pay": _l("There is nothing left to pay on this bill."),
    "with_collector": _l("This bill is with an external collector. Please contact them."),
    "already_applied": _l("You already asked us to waive this bill. We are looking at it."),
}
#: Why the citizen cannot apply (domain ApplicantReason).
APPLICANT_REASON_TEXTS: Mapping[str, LazyString] = {
    "business": _l(
        "Businesses cannot ask us to waive these bills. A business can make an agreement with "
        "all its creditors instead. Please call us to talk about it."
    ),
    "no_eligible_bills": _l(
        "None of your bills can be waived. If paying is hard for you, a payment plan can help."
    ),
    "already_pending": _l("You already asked us to waive your bills. We are looking at it."),
}
#: Rejection reason codes as the citizen reads them.
REJECTION_TEXTS: Mapping[str, LazyString] = {
    "capacity_to_pay": _l("Your income is high enough to pay the bills."),
    "assets": _l("You have savings or other things you own that can pay the bills."),
    "incomplete_data": _l("We did not get all the information we need."),
    "improvement_expected": _l("We expect your income to go up soon."),
    "other": _l("Another reason, explained below."),
}
#: Application states and decision codes in words (staff pages).
STATE_LABELS: Mapping[str, LazyString] = {
    "draft": _l("Draft"),
    "submitted": _l("Sent"),
    "pending_review": _l("To decide"),
    "more_info_requested": _l("Waiting for more information"),
    "granted": _l("Waived in full"),
    "partially_granted": _l("Waived in part"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "abandoned": _l("Stopped (dropout)"),
}
DECISION_LABELS: Mapping[str, LazyString] = {
    "auto_granted": _l("waived in full automatically (within policy)"),
    "granted": _l("waived in full by a caseworker"),
    "partially_granted": _l("waived in part by a caseworker"),
    **{code: _l("rejected: %(reason)s", reason=text) for code, text in REJECTION_TEXTS.items()},
}
