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

LOCALE_NAMES = {
    "da": "Dansk",
    "nl": "Nederlands",
    "en": "English",
    "nl_BE": "Nederlands",
    "fr": "Français",
}


def select_locale() -> str:
    """The language of this request, in this order:

    1. an explicit choice made with the language switcher (kept in the session);
    2. the logged-in person's preferred language;
    3. the browser's Accept-Language;
    4. the installation's default (the rule pack's language).
    """
    pack = current_app.config["RULE_PACK"]
    for candidate in (session.get("locale"), _preferred_locale_of_current_user()):
        if candidate in SUPPORTED_LOCALES and (offered := pack.offered_variant(candidate)):
            return str(offered)
    # werkzeug's best_match would not map a plain "nl" to nl_BE, so walk the header itself
    for asked, _quality in request.accept_languages if request else ():
        if offered := pack.offered_variant(asked):
            return str(offered)
    return str(pack.offered_variant(pack.default_locale))


def _preferred_locale_of_current_user() -> str | None:
    from flask_login import current_user

    return getattr(current_user, "preferred_locale", None)


def current_locale() -> str:
    return str(get_locale() or "en")


def html_lang(code: str | None = None) -> str:
    """A locale as a BCP 47 tag for lang attributes: nl_BE -> nl-BE."""
    return (code or current_locale()).replace("_", "-")


def offered_locales() -> list[tuple[str, str]]:
    """(code, name) for the language switcher: the installation's languages, in its order."""
    return [(code, LOCALE_NAMES[code]) for code in current_app.config["RULE_PACK"].offered_locales]


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
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["offered_locales"] = offered_locales
    app.jinja_env.add_extension("jinja2.ext.i18n")
