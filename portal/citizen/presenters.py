"""Plain words for what the overview service returns as codes (B1, never threatening).

The service speaks in codes (statuses, ledger causes); the words live here so they are
translated in one place and the same badge reads the same on every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask import url_for
from flask.sansio.app import App
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from portal.domain.rules.base import localised_name
from portal.domain.status import CitizenStatus
from portal.i18n import current_locale
from portal.i18n import lazy_text

STATUS_LABELS: Mapping[CitizenStatus, LazyString] = {
    CitizenStatus.OPEN: _l("To pay"),
    CitizenStatus.OVERDUE: _l("Past the due date"),
    CitizenStatus.REMINDED: _l("Reminder sent"),
    CitizenStatus.PAYMENT_PENDING: _l("Payment in progress"),
    CitizenStatus.IN_PLAN: _l("In a payment plan"),
    CitizenStatus.PAUSED: _l("On hold"),
    CitizenStatus.WITH_COLLECTOR: _l("With an external collector"),
    CitizenStatus.PAID: _l("Paid"),
    CitizenStatus.REMITTED: _l("Waived"),
    CitizenStatus.WRITTEN_OFF: _l("Written off"),
    CitizenStatus.CANCELLED: _l("Cancelled"),
}

#: One sentence per status for the claim page: what it means and what to do.
STATUS_EXPLANATIONS: Mapping[CitizenStatus, LazyString] = {
    CitizenStatus.OPEN: _l("Please pay this bill by the due date."),
    CitizenStatus.OVERDUE: _l(
        "The due date has passed. Please pay as soon as you can. "
        "If you cannot pay, contact us and we will look for a solution together."
    ),
    CitizenStatus.REMINDED: _l(
        "We sent you a reminder for this bill. Please pay as soon as you can, "
        "or ask us for help if you cannot pay."
    ),
    CitizenStatus.PAYMENT_PENDING: _l(
        "We are processing your payment. You do not need to pay again."
    ),
    CitizenStatus.IN_PLAN: _l(
        "This bill is part of your payment plan. Keep paying your monthly amount."
    ),
    CitizenStatus.PAUSED: _l(
        "We have paused collection of this bill for now. No costs are added while it is paused."
    ),
    CitizenStatus.WITH_COLLECTOR: _l("This bill is now with an external collector."),
    CitizenStatus.PAID: _l("This bill is paid. Thank you!"),
    CitizenStatus.REMITTED: _l("This bill was waived. You do not need to pay it."),
    CitizenStatus.WRITTEN_OFF: _l("We have written off this bill. You do not need to pay it."),
    CitizenStatus.CANCELLED: _l("This bill was cancelled. You do not need to pay it."),
}

#: Why a paused claim is paused, for the claim page (reasons from CollectionHold).
HOLD_EXPLANATIONS: Mapping[str, LazyString] = {
    "remission": _l("We are looking at your application to have your debt waived."),
    "debt_help": _l("You are getting help with your debts. We wait while that runs."),
    "dispute": _l("You told us you do not agree with this bill. We are looking into it."),
    "legal_wsnp": _l("A legal debt arrangement is running. We wait while that runs."),
    "legal_collective_debt_settlement": _l(
        "A legal debt arrangement is running. We wait while that runs."
    ),
    "legal_gaeldssanering": _l("A legal debt arrangement is running. We wait while that runs."),
    "death": _l("We have paused this bill while the estate is being settled."),
}

#: Ledger causes as a citizen reads them on the claim page.
HISTORY_LABELS: Mapping[str, LazyString] = {
    "issued": _l("Bill sent"),
    "reminder_fee": _l("Reminder fee added"),
    "interest": _l("Interest added"),
    "payment": _l("Payment received, thank you"),
    "remission": _l("Part of the bill was waived"),
    "write_off": _l("Written off"),
    "correction": _l("Corrected"),
    "refund": _l("Refunded"),
    "cancellation": _l("Cancelled"),
}

#: The eID a citizen uses to see everything, per rule pack.
EID_NAMES: Mapping[str, str] = {"nl": "DigiD", "dk": "MitID", "be": "itsme"}


@dataclass(frozen=True)
class ComingSoon:
    title: LazyString
    what_comes: LazyString
    meanwhile: LazyString


#: Pages whose issues have not landed yet. When one lands, add its endpoint to
#: FEATURE_ENDPOINTS: every link made by `feature_url` follows. The entry may stay, so old
#: links keep working.
COMING_SOON: Mapping[str, ComingSoon] = {
    "pay": ComingSoon(
        _l("Paying online"),
        _l("Soon you can pay your bills online on this website."),
        _l(
            "You can pay by bank transfer now. Always use the payment reference of the bill, "
            "so your payment goes to the right bill."
        ),
    ),
    "plan": ComingSoon(
        _l("Payment plan"),
        _l(
            "Soon you can set up a payment plan here. You then pay your bills in monthly "
            "amounts that you can afford."
        ),
        _l("Call us or visit the desk. We will make a payment plan with you."),
    ),
    "remission": ComingSoon(
        _l("Remission: asking us to waive your debt"),
        _l(
            "Soon you can apply here to have some of your bills waived if your income is low. "
            "This is called remission."
        ),
        _l("Call us or visit the desk. We will help you apply."),
    ),
    "debt-overview": ComingSoon(
        _l("Overview of your debts"),
        _l(
            "Soon you can download a document here that lists all your debts to us. "
            "You can give it to a debt counsellor."
        ),
        _l("Call us and we will send you the overview."),
    ),
    "debt-help": ComingSoon(
        _l("Help with your debts"),
        _l(
            "Soon you can ask here for %(debt_help)s: free help from someone who looks at all "
            "your debts with you."
        ),
        _l("Call us or visit the desk. We will put you in touch with %(debt_help)s."),
    ),
}

#: Features with a real page: feature -> endpoint. A link made by `feature_url` goes there once
#: the endpoint is registered (its issue has landed), and to the coming-soon page until then.
FEATURE_ENDPOINTS: Mapping[str, str] = {
    "pay": "payments.pay_claim",
    "debt-overview": "citizen.debt_overview",
    "plan": "citizen.plan_start",
    "remission": "citizen.remission_start",
}


def feature_url(feature: str, **values: Any) -> str:
    """The link for a feature: its real page once it exists, the coming-soon page until then."""
    endpoint = FEATURE_ENDPOINTS.get(feature)
    if endpoint is not None and endpoint in current_app.view_functions:
        try:
            return url_for(endpoint, **values)
        except BuildError:
            pass  # e.g. a pay link without a claim: the coming-soon page explains bank transfer
    return url_for("citizen.coming_soon", feature=feature)


def status_label(status: CitizenStatus | str) -> str:
    return lazy_text(STATUS_LABELS[CitizenStatus(status)])


def localised(names: Mapping[str, str] | None) -> str:
    """A name per locale (rule-pack names) in the current language, English as fallback."""
    if not names:
        return ""
    return str(localised_name(names, current_locale()) or "")


def register_template_helpers(app: App) -> None:
    """Badges and feature links are used on staff and payment pages too, so they are global."""
    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["feature_url"] = feature_url
    app.jinja_env.filters["localised"] = localised
