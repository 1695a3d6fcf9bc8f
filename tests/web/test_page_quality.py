"""Every citizen page passes the shared page checks (tests/support/page_checks.py) in every
language: parses, one h1, a title, unique ids, labelled fields, CSRF in POST forms, a skip
link, and <html lang> set to the current language."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.citizen.presenters import COMING_SOON
from portal.services.holds import place_hold
from tests.support.citizen_ui import debtor_with_six_bills
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.factories import pay
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import page_problems

LOCALES = ("da", "nl", "en")


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)


def _citizen_paths(db_session: Session, client: FlaskClient) -> list[str]:
    data = debtor_with_six_bills(db_session)
    paid, paused, collector = data.claims[1], data.claims[2], data.claims[3]
    pay(db_session, data.debtor, paid.balance, claim=paid)
    place_hold(db_session, paused.id, "remission", starts_on=TODAY, source="remission:1")
    collector.handed_over_on = TODAY
    db_session.flush()
    login_citizen(client, data.debtor.id)
    return (
        ["/overview", "/help"]
        + [f"/claims/{c.id}" for c in data.claims]
        + [f"/soon/{feature}" for feature in sorted(COMING_SOON)]
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_citizen_page_passes_the_page_checks(
    client: FlaskClient, db_session: Session, locale: str
) -> None:
    paths = _citizen_paths(db_session, client)
    client.get(f"/language/{locale}?next=/overview")

    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_page_ok(response, lang=locale)


def test_a_letter_code_overview_passes_the_page_checks(
    client: FlaskClient, db_session: Session
) -> None:
    data = debtor_with_six_bills(db_session)
    login_citizen(client, data.debtor.id, scope=[data.claims[0].id], method="login_code")

    assert_page_ok(client.get("/overview"))


def test_public_pages_pass_the_page_checks_without_login(client: FlaskClient) -> None:
    for path in ["/help"] + [f"/soon/{feature}" for feature in sorted(COMING_SOON)]:
        assert_page_ok(client.get(path))


def test_the_page_checks_catch_common_mistakes() -> None:
    broken = """<!doctype html><html><head></head><body>
      <h1>One</h1><h1>Two</h1><div id="x"></div><span id="x"></span>
      <form method="post"><input name="amount" id="amount"></form>
      <p style="color:red">inline</p><div><span></div>
    </body></html>"""

    problems = "\n".join(page_problems(broken, lang="en"))

    for expected in (
        "no lang attribute",
        "exactly one non-empty <title>",
        "2 <h1> elements",
        "the id 'x' is used 2 times",
        "<input name='amount'> has no <label for>",
        "has no csrf_token",
        "inline style attribute",
        "<span> is not closed before </div>",
        "no skip link",
    ):
        assert expected in problems


def test_the_stylesheet_is_served_and_stays_small(client: FlaskClient) -> None:
    response = client.get("/static/css/saldo.css")

    assert response.status_code == 200
    css = response.get_data(as_text=True)
    response.close()
    assert ":focus-visible" in css
    assert ".skip-link:focus" in css
    assert "overflow-wrap: anywhere" in css
    assert len(css.splitlines()) <= 400
