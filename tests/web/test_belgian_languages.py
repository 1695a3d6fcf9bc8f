"""Issue 9: a Belgian installation speaks Flemish (nl_BE) by default and French on request.

The Flemish catalog uses Belgium's words where they differ from the Netherlands'
(gestructureerde mededeling, afbetalingsplan, domiciliëring); a Dutch installation keeps
the Netherlands' words and offers no French.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]
HEADING = "Log in to see what you owe"
#: the test client asks for English by default; German is offered nowhere
NO_PREFERENCE = {"Accept-Language": "de"}


def _catalog(locale: str) -> Catalog:
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _translated(locale: str, msgid: str) -> str:
    message = _catalog(locale).get(msgid)
    assert message is not None
    assert message.string
    return str(message.string)


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def belgian(make_app) -> FlaskClient:  # type: ignore[no-untyped-def]
    return make_app(rules="be").test_client()


def test_a_belgian_installation_speaks_flemish_by_default(belgian: FlaskClient) -> None:
    html = belgian.get("/login", headers=NO_PREFERENCE).get_data(as_text=True)

    assert _lang(html) == "nl-BE"
    assert _translated("nl_BE", HEADING) in html


def test_a_browser_asking_for_dutch_gets_flemish_in_belgium(belgian: FlaskClient) -> None:
    html = belgian.get("/login", headers={"Accept-Language": "nl,en;q=0.5"}).get_data(as_text=True)

    assert _lang(html) == "nl-BE"


def test_a_browser_asking_for_french_gets_french(belgian: FlaskClient) -> None:
    html = belgian.get("/login", headers={"Accept-Language": "fr-BE,fr;q=0.9"}).get_data(
        as_text=True
    )

    assert _lang(html) == "fr"
    assert _translated("fr", HEADING) in html


def test_the_switcher_offers_flemish_french_english_and_danish_in_belgium(
    belgian: FlaskClient,
) -> None:
    html = belgian.get("/login", headers=NO_PREFERENCE).get_data(as_text=True)
    offered = re.findall(r'hreflang="([^"]+)"', html)

    assert offered == ["fr", "en", "da"]  # nl-BE is the current one, shown without a link
    assert 'aria-current="true" lang="nl-BE">Nederlands' in html


def test_choosing_french_then_dutch_keeps_belgian_words(belgian: FlaskClient) -> None:
    belgian.get("/language/fr?next=/login")
    assert _lang(belgian.get("/login", headers=NO_PREFERENCE).get_data(as_text=True)) == "fr"

    belgian.get("/language/nl?next=/login")
    assert _lang(belgian.get("/login", headers=NO_PREFERENCE).get_data(as_text=True)) == "nl-BE"


def test_a_dutch_installation_offers_no_french(client: FlaskClient) -> None:
    html = client.get("/login", headers=NO_PREFERENCE).get_data(as_text=True)

    assert "Français" not in html
    assert _lang(html) == "nl"
    client.get("/language/fr?next=/login")
    assert _lang(client.get("/login", headers=NO_PREFERENCE).get_data(as_text=True)) == "nl"


def test_the_flemish_catalog_uses_belgian_words() -> None:
    catalog = _catalog("nl_BE")
    texts = [
        " ".join(m.string) if isinstance(m.string, tuple) else str(m.string)
        for m in catalog
        if m.id
    ]
    joined = "\n".join(texts).lower()

    assert "betalingskenmerk" not in joined
    assert "betalingsregeling" not in joined
    assert "gestructureerde mededeling" in joined
    assert "afbetalingsplan" in joined
    # and it is the Netherlands catalog that keeps the Dutch words
    assert "betalingsregeling" in "\n".join(str(m.string) for m in _catalog("nl") if m.id)
