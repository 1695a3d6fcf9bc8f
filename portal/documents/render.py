"""render_document: a Jinja template from templates/documents/ to a tagged PDF (WeasyPrint).

The template is rendered with the app's Jinja environment inside `force_locale(locale)`, so
`_()`, `money` and `long_date` speak the letter's language, not the request's. Documents use
StrictUndefined: a missing value stops the letter instead of printing a blank.

Every document gets `locale` and `letterhead` (the municipality's name and contact details from
the config). A template that extends base_letter.html also needs `recipient` (a
`portal.documents.delivery.Recipient`) and `letter_date` (a date: the clock is passed in).

The PDF is PDF/UA-1 (WeasyPrint 70 `pdf_variant="pdf/ua-1"`): tagged, with the document
language from <html lang> and the title from <title> shown as the window title.
"""

from __future__ import annotations

import gc
import re
import threading
import warnings
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment
from jinja2 import StrictUndefined
from jinja2 import TemplateNotFound

from portal.config import SUPPORTED_LOCALES
from portal.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = PROJECT_ROOT / "static"
PRINT_CSS = STATIC_DIR / "css" / "print.css"
#: WeasyPrint's option for tagged, accessible PDFs (PDF/UA-1 implies pdf_tags=True).
PDF_VARIANT = "pdf/ua-1"

_TEMPLATE_NAME = re.compile(r"[a-z0-9_]+\.html")
_ENV_KEY = "saldo.documents_env"
#: One WeasyPrint FontConfiguration per thread, reused for every render (see _font_config).
_fonts = threading.local()


class UnknownDocumentTemplate(ValueError):
    """No such template in templates/documents/ (or a name that is not a plain file name)."""


@dataclass(frozen=True)
class Letterhead:
    """Who the letter is from and how to reach them (installation settings)."""

    name: str
    address: str
    phone: str
    email: str
    desk_hours: str
    debt_help_url: str

    @classmethod
    def from_config(cls, config: Config) -> Letterhead:
        return cls(
            name=config.municipality_name,
            address=config.contact_address,
            phone=config.contact_phone,
            email=config.contact_email,
            desk_hours=config.desk_hours,
            debt_help_url=config.debt_help_url,
        )


def _documents_env(app: Flask) -> Environment:
    """The app's environment (filters, globals, i18n) with StrictUndefined, made once per app."""
    env: Environment | None = app.extensions.get(_ENV_KEY)
    if env is None:
        env = app.jinja_env.overlay(undefined=StrictUndefined)
        app.extensions[_ENV_KEY] = env
    return env


def render_document_html(template: str, context: Mapping[str, Any], locale: str) -> str:
    """The document's HTML in `locale` (what the PDF is made from). Needs an app context."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    if not _TEMPLATE_NAME.fullmatch(template):
        raise UnknownDocumentTemplate(f"not a document template name: {template!r}")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    env = _documents_env(app)
    try:
        compiled = env.get_template(f"documents/{template}")
    except TemplateNotFound as error:
        raise UnknownDocumentTemplate(f"no document template {template!r}") from error
    values = {
        "locale": locale,
        "letterhead": Letterhead.from_config(app.config["SALDO"]),
        **context,
    }
    with force_locale(locale):
        return compiled.render(values)


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF/UA-1 from document HTML, styled by static/css/print.css."""
    weasyprint = _weasyprint()
    with _collector_paused():
        document = weasyprint.HTML(
            string=html, base_url=str(PROJECT_ROOT), url_fetcher=_static_only_fetcher_class()()
        )
        pdf: bytes = document.write_pdf(
            stylesheets=[_print_css()], pdf_variant=PDF_VARIANT, font_config=_font_config()
        )
    return pdf


def render_document(template: str, context: Mapping[str, Any], locale: str) -> bytes:
    """Render templates/documents/<template> in `locale` to PDF bytes. Needs an app context."""
    return html_to_pdf(render_document_html(template, context, locale))


@cache
def _weasyprint() -> Any:
    # WeasyPrint 70 warns at import when Debian's libharfbuzz-subset0 is missing (it then
    # subsets fonts with fontTools, which works). The test suite turns warnings into errors.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        import weasyprint

    return weasyprint


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector is off while WeasyPrint renders.

    A render allocates hundreds of thousands of objects (boxes, styles, layouts), so the
    collector runs dozens of times during it, and about every third render of a 50-bill overview
    it runs a full collection over the whole process (the app, SQLAlchemy, Babel, WeasyPrint):
    ~15 % of the CPU per render on average in the app (issue 5). Nothing is lost: the render's
    cyclic garbage is collected by the first young collection after it. Restores the previous
    state, so a caller that switched the collector off keeps it off; with threads, another
    thread's render may switch it back on early, which only costs that render the speed-up.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _font_config() -> Any:
    """The thread's FontConfiguration, made on its first render.

    Without one, WeasyPrint makes a new configuration per document: fontconfig loads its
    configuration again and Pango starts from an empty font map, so every render opens and
    measures the fonts afresh (about a fifth of a 50-bill overview's time, issue 5). Documents
    use installed fonts only (no @font-face), so one configuration serves every document. Pango
    font maps are not meant to be shared between threads, hence one per thread.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        _weasyprint()  # imported with its warnings filtered
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()
        _fonts.config = config
    return config


@cache
def _print_css() -> Any:
    return _weasyprint().CSS(filename=str(PRINT_CSS))


@cache
def _static_only_fetcher_class() -> Any:
    """A URL fetcher class that loads files from static/ and data: URIs, nothing else.

    Letters carry personal data; a document must never make a network request or read a file
    outside static/, whatever a template or a value in it contains.
    """
    weasyprint = _weasyprint()
    static_prefix = STATIC_DIR.as_uri() + "/"

    class StaticOnlyFetcher(weasyprint.urls.URLFetcher):  # type: ignore[name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            allowed = url.startswith("data:") or (url.startswith(static_prefix) and ".." not in url)
            if not allowed:
                raise ValueError(f"documents may only load files from static/: {url[:80]}")
            return super().fetch(url, headers)

    # A class, not an instance: a fetcher keeps per-request state, so each render gets its own.
    return StaticOnlyFetcher
