"""Forms of the plan pages (issue 4) and how typed amounts become minor units.

Amounts are typed as a citizen writes money in their language ("1.250,00", "1,250.00",
"€ 25,-"); `Money.parse` reads them. A form never saves anything itself: the views call a
service only when every field is valid, so bad input changes nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import HiddenField
from wtforms import StringField

from portal.domain.affordability import MAX_CHILD_AGE
from portal.domain.affordability import MAX_CHILDREN
from portal.domain.affordability import MAX_MONTHLY_AMOUNT
from portal.domain.money import InvalidAmount
from portal.domain.money import Money
from portal.i18n import current_locale

#: The statement's money fields, in the order the form asks for them (domain AMOUNT_FIELDS).
STATEMENT_AMOUNTS = (
    "net_income",
    "housing_cost",
    "health_insurance",
    "childcare",
    "other_debt_payments",
    "other_fixed_costs",
)
_AGE_SEPARATORS = re.compile(r"[,;\s]+")


class AmountError(ValueError):
    """A typed amount that cannot be used; `message` is shown next to the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _example() -> str:
    return str(format_decimal(1250, format="#,##0.00", locale=current_locale()))


def _message(reason: str, currency: str) -> str:
    messages = {
        "too_many_decimals": _(
            "Enter the amount with no more than two digits after the decimal point."
        ),
        "negative": _("Enter an amount of 0 or more. Do not use a minus sign."),
        "wrong_currency": _("Enter the amount in %(currency)s.", currency=currency),
        "too_large": _(
            "This amount is too high for one month. Check it, and enter the amount per month."
        ),
    }
    return messages.get(
        reason, _("Enter the amount in numbers, for example %(example)s.", example=_example())
    )


def parse_amount(text: str | None, currency: str, *, allow_zero: bool) -> int | None:
    """Minor units of a typed monthly amount; None when nothing was typed.

    Raises AmountError: not a number, negative, too many decimals, zero (when not allowed),
    or more than 1,000,000 a month (a typing error, not an income).
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Money.parse(text, currency).amount
    except InvalidAmount as error:
        if error.reason == "zero" and allow_zero:
            return 0
        if error.reason == "zero":
            raise AmountError(_("Enter an amount above zero.")) from None
        raise AmountError(_message(error.reason, currency)) from None
    if value > MAX_MONTHLY_AMOUNT:
        raise AmountError(_message("too_large", currency))
    return value


def parse_ages(text: str | None) -> tuple[int, ...]:
    """Children's ages typed as "3, 7"; raises AmountError with a message for the field."""
    parts = [p for p in _AGE_SEPARATORS.split((text or "").strip()) if p]
    if len(parts) > MAX_CHILDREN:
        raise AmountError(_("Enter at most %(count)d ages.", count=MAX_CHILDREN))
    ages = []
    for part in parts:
        if not part.isdigit() or int(part) > MAX_CHILD_AGE:
            raise AmountError(
                _(
                    "Enter each age as a whole number from 0 to %(max)d, for example 3, 7.",
                    max=MAX_CHILD_AGE,
                )
            )
        ages.append(int(part))
    return tuple(ages)


def _set_error(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


class AffordForm(FlaskForm):
    """Step 2: a statement, or an amount the citizen already knows they can pay."""

    #: "statement" or "own_offer"; the template renders two radio buttons
    choice = StringField(_l("How do you want to tell us what you can pay?"))
    monthly = StringField(_l("Amount you can pay each month"))

    def chosen(self, currency: str) -> tuple[str, int | None] | None:
        """(basis, monthly) when valid; otherwise the errors are on the fields."""
        choice = self.choice.data
        if choice not in ("statement", "own_offer"):
            _set_error(self.choice, _("Choose one of the two ways."))
            return None
        if choice == "statement":
            return choice, None
        try:
            monthly = parse_amount(self.monthly.data, currency, allow_zero=False)
        except AmountError as error:
            _set_error(self.monthly, error.message)
            return None
        if monthly is None:
            _set_error(self.monthly, _("Enter the amount you can pay each month."))
            return None
        return choice, monthly


class StatementForm(FlaskForm):
    """Step 2a: the short income-and-expenses statement (saved as a draft on request)."""

    #: rendered as radio buttons (ADULT_CHOICES)
    adults = StringField(_l("Who lives in your household?"))
    ADULT_CHOICES = (
        ("1", _l("Only me (and my children, if any)")),
        ("2", _l("Me and my partner (and our children, if any)")),
    )
    children_ages = StringField(_l("Ages of the children under 18 who live with you"))
    net_income = StringField(_l("Net income per month"))
    housing_cost = StringField(_l("Rent or mortgage per month"))
    health_insurance = StringField(_l("Health insurance per month"))
    childcare = StringField(_l("Childcare per month"))
    other_debt_payments = StringField(_l("Payments on other debts per month"))
    other_fixed_costs = StringField(_l("Other fixed costs per month"))

    def values(self, currency: str, *, complete: bool) -> dict[str, object] | None:
        """The typed values as ints (None where empty), or None with errors on the fields.

        `complete`: every question must have an answer (to go on to the proposal); a draft
        may have gaps.
        """
        values: dict[str, object] = {}
        adults = self.adults.data
        if adults in ("1", "2"):
            values["adults"] = int(adults)
        elif adults not in (None, "", "None"):
            _set_error(self.adults, _("Choose who lives in your household."))
        else:
            values["adults"] = None
            if complete:
                _set_error(self.adults, _("Choose who lives in your household."))
        try:
            values["children_ages"] = parse_ages(self.children_ages.data)
        except AmountError as error:
            _set_error(self.children_ages, error.message)
        for name in STATEMENT_AMOUNTS:
            field = self[name]
            try:
                amount = parse_amount(field.data, currency, allow_zero=True)
            except AmountError as error:
                _set_error(field, error.message)
                continue
            if amount is None and complete:
                _set_error(field, _("Enter an amount, or 0 if you have none."))
            values[name] = amount
        if any(field.errors for field in self):
            return None
        return values


class MonthlyForm(FlaskForm):
    """Change the monthly amount on the proposal page (the schedule is quoted again)."""

    monthly = StringField(_l("Amount per month"))

    def amount(self, currency: str) -> int | None:
        try:
            monthly = parse_amount(self.monthly.data, currency, allow_zero=False)
        except AmountError as error:
            _set_error(self.monthly, error.message)
            return None
        if monthly is None:
            _set_error(self.monthly, _("Enter the amount you want to pay each month."))
        return monthly


class ConfirmForm(FlaskForm):
    """Confirm the proposal. The key is made when the page renders: a second click on the
    same page sends the same key, and the service returns the plan the first click made."""

    monthly = HiddenField()
    submission_key = HiddenField()


class PlanActionForm(FlaskForm):
    """Accept or decline a counter-proposal, or withdraw a proposal: only the CSRF token."""


def amount_text(minor: int | None) -> str:
    """An amount put back into a field, written the way the citizen's language writes it."""
    if minor is None:
        return ""
    return str(
        format_decimal(Decimal(minor).scaleb(-2), format="#,##0.00", locale=current_locale())
    )
