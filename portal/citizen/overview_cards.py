"""The words and links of one claim card, made in Python once per card.

templates/components/claim_card.html used to ask for each of these itself (two links, three
names, two amounts, a date and a status label, each a template call with its own lookups);
on the overview, the page every citizen opens first, that was most of the page's cost. The
card template now reads them from one `CardText`: the same words, made in one call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import g
from flask import url_for
from flask.sansio.app import App
from flask_babel import lazy_gettext as _l

from portal.citizen.presenters import STATUS_LABELS
from portal.citizen.presenters import feature_url
from portal.citizen.presenters import localised
from portal.i18n import current_locale
from portal.i18n import lazy_text
from portal.i18n import long_date
from portal.i18n import money
from portal.services.overview import ClaimCard

#: The card's fixed words, translated once per request (not once per card).
CARD_LABELS = {
    "amount_of_bill": _l("Amount of the bill"),
    "closed_on": _l("Closed on"),
    "to_pay_now": _l("To pay now"),
    "due_date": _l("Due date"),
    "payment_reference": _l("Payment reference"),
    "pay": _l("Pay"),
    "view_details": _l("View details"),
    "direct_debit": _l("Paid automatically from your account (direct debit)."),
}


def card_labels() -> Mapping[str, str]:
    """CARD_LABELS in the request's language, made once per request and language."""
    locale = current_locale()
    cached: tuple[str, Mapping[str, str]] | None = g.get("_saldo_card_labels")
    if cached is None or cached[0] != locale:
        cached = (locale, {key: lazy_text(text) for key, text in CARD_LABELS.items()})
        g._saldo_card_labels = cached
    return cached[1]


@dataclass(frozen=True)
class CardText:
    type_name: str
    #: the claim page
    url: str
    #: the pay page ("" when the claim cannot be paid now)
    pay_url: str
    amount_due_now: str
    original_amount: str
    due_date: str
    settled_on: str
    status_label: str
    #: the badge's CSS modifier: "with_collector" -> "with-collector"
    status_class: str
    #: the external collector's name ("" unless the claim is with them)
    collector: str


def card_text(card: ClaimCard) -> CardText:
    return CardText(
        type_name=localised(card.claim_type_names),
        url=url_for("citizen.claim", claim_id=card.claim_id),
        pay_url=feature_url("pay", claim_id=card.claim_id) if card.actionable else "",
        amount_due_now=money(card.amount_due_now, card.currency),
        original_amount=money(card.original_amount, card.currency),
        due_date=long_date(card.due_date),
        settled_on=long_date(card.settled_on) if card.settled_on else "",
        status_label=lazy_text(STATUS_LABELS[card.status]),
        status_class=card.status.replace("_", "-"),
        collector=localised(card.collector_names) if card.collector_names else "",
    )


def register_card_text(app: App) -> None:
    app.jinja_env.globals["card_text"] = card_text
    app.jinja_env.globals["card_labels"] = card_labels
