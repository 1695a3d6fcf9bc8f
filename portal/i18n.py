"""Languages: which one a request gets, and how money and dates are shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from gettext import NullTranslations
from typing import Any

import flask_babel
from babel import Locale
from flask import Flask
from flask import current_app
from flask import request
from flask import session
from flask.globals import _cv_app
from flask_babel import format_currency
from flask_babel import format_date
from flask_babel import get_locale
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

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


def _request_locale() -> Locale | None:
    """The request's locale as flask-babel chose it, read without its per-call overhead.

    flask-babel keeps the chosen locale on `g._flask_babel` (force_locale swaps it, refresh
    deletes it); reading it straight from the app context saves several context-local lookups
    per call, which add up over the ~100 strings, amounts and dates of a page.
    """
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        locale = getattr(app_ctx.g.__dict__.get("_flask_babel"), "babel_locale", None)
        if isinstance(locale, Locale):
            return locale
    return get_locale()


def current_locale() -> str:
    return str(_request_locale() or "en")


def html_lang(code: str | None = None) -> str:
    """A locale as a BCP 47 tag for lang attributes: nl_BE -> nl-BE."""
    return (code or current_locale()).replace("_", "-")


def offered_locales() -> list[tuple[str, str]]:
    """(code, name) for the language switcher: the installation's languages, in its order."""
    return [(code, LOCALE_NAMES[code]) for code in current_app.config["RULE_PACK"].offered_locales]


def money(amount: int, currency: str) -> str:
    """Minor units to a localised amount, e.g. 123456 EUR -> '€ 1.234,56' under nl."""
    locale = _request_locale()
    if locale is None or type(amount) is not int:
        return _format_money(amount, currency)
    return _cached_money(str(locale), amount, currency)


def _format_money(amount: int, currency: str) -> str:
    exponent = CURRENCY_EXPONENTS[currency]
    return str(format_currency(Decimal(amount).scaleb(-exponent), currency))


@lru_cache(maxsize=8192)
def _cached_money(locale: str, amount: int, currency: str) -> str:
    """Babel's formatting is the costly part of a page full of amounts; the result depends
    only on (locale, amount, currency), and `locale` is the request's locale when called."""
    return _format_money(amount, currency)


def long_date(value: date) -> str:
    locale = _request_locale()
    if locale is None or type(value) is not date:  # a datetime depends on the time zone too
        return str(format_date(value, format="long"))
    return _cached_long_date(str(locale), value)


@lru_cache(maxsize=4096)
def _cached_long_date(locale: str, value: date) -> str:
    return str(format_date(value, format="long"))


def _request_translations() -> NullTranslations:
    """The request's catalogue, looked up once per request and locale instead of per string."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()
    state = app_ctx.g.__dict__
    babel_state = state.get("_flask_babel")
    locale = getattr(babel_state, "babel_locale", None)
    domain = getattr(babel_state, "babel_domain", None)
    cached = state.get("_saldo_translations")
    if locale is not None and cached is not None and cached[0] is locale and cached[1] is domain:
        translations: NullTranslations = cached[2]
        return translations
    translations = get_translations()
    babel_state = state.get("_flask_babel")
    state["_saldo_translations"] = (
        getattr(babel_state, "babel_locale", None),
        getattr(babel_state, "babel_domain", None),
        translations,
    )
    return translations


def lazy_text(text: Any) -> str:
    """`str(text)` for a `lazy_gettext` label, through the request's cached catalogue (the same
    translation without flask-babel's per-call lookups; a page of cards asks for dozens)."""
    if (
        isinstance(text, LazyString)
        and text._func is flask_babel.gettext  # noqa: SLF001 - plain lazy_gettext("...") only
        and len(text._args) == 1  # noqa: SLF001
        and not text._kwargs  # noqa: SLF001
        and _cv_app.get(None) is not None
    ):
        return _template_gettext(text._args[0])  # noqa: SLF001
    return str(text)


def _template_gettext(string: str) -> str:
    return str(_request_translations().ugettext(string))  # type: ignore[attr-defined]


@pass_context
def _template_underscore(context: Context, string: str, /, **variables: Any) -> str:
    """`_()` in templates: what jinja2.ext.i18n's newstyle gettext does, without its two
    context lookups per string (the alias resolves `gettext`, which calls the callable)."""
    translated: str = _request_translations().ugettext(string)  # type: ignore[attr-defined]
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - our own catalogue, as jinja2.ext.i18n does
    if not variables and "%" not in translated:
        return translated  # what `% {}` would give, without formatting it
    return translated % variables


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return str(_request_translations().ungettext(singular, plural, n))  # type: ignore[attr-defined]


def _template_pgettext(context: str, string: str) -> str:
    return str(_request_translations().upgettext(context, string))  # type: ignore[attr-defined]


def _template_npgettext(context: str, singular: str, plural: str, n: int) -> str:
    translations: Any = _request_translations()
    return str(translations.unpgettext(context, singular, plural, n))


def register_i18n(app: Flask) -> None:
    app.jinja_env.filters["money"] = lambda amount, currency: money(amount, currency)
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals["LOCALE_NAMES"] = LOCALE_NAMES
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["offered_locales"] = offered_locales
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # flask-babel's callables, minus its per-string catalogue lookup (same catalogue, same
    # locale rules: force_locale and refresh still take effect, see _request_translations).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
        newstyle=True,
    )
    app.jinja_env.globals["_"] = _template_underscore
