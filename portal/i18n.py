"""Languages: which one a request gets, and how money and dates are shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Flask
from flask import current_app
from flask import request
from flask import session
from flask_babel import format_currency
from flask_babel import format_date
from flask_babel import get_locale

from portal.config import SUPPORTED_LOCALES
from portal.domain.money import CURRENCY_EXPONENTS

LOCALE_NAMES = {"da": "Dansk", "nl": "Nederlands", "en": "English"}


def select_locale() -> str:
    """The language of this request, in this order:

    1. an explicit choice made with the language switcher (kept in the session);
    2. the logged-in person's preferred language;
    3. the browser's Accept-Language;
    4. the installation's default (the rule pack's language).
    """
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    preferred = _preferred_locale_of_current_user()
    if preferred in SUPPORTED_LOCALES:
        return str(preferred)
    best = request.accept_languages.best_match(SUPPORTED_LOCALES) if request else None
    if best:
        return best
    return str(current_app.config["RULE_PACK"].default_locale)


def _preferred_locale_of_current_user() -> str | None:
    from flask_login import current_user

    return getattr(current_user, "preferred_locale", None)


def current_locale() -> str:
    return str(get_locale() or "en")


def money(amount: int, currency: str) -> str:
    """Minor units to a localised amount, e.g. 123456 EUR -> '€ 1.234,56' under nl."""
    exponent = CURRENCY_EXPONENTS[currency]
    return str(format_currency(Decimal(amount).scaleb(-exponent), currency))


def long_date(value: date) -> str:
    return str(format_date(value, format="long"))


def register_i18n(app: Flask) -> None:
    app.jinja_env.filters["money"] = lambda amount, currency: money(amount, currency)
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals["LOCALE_NAMES"] = LOCALE_NAMES
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.add_extension("jinja2.ext.i18n")
