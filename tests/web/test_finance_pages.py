"""The finance page (/staff/finance) and its CSV downloads: the finance role, languages, the
period filter, the reconciliation table, an empty period and bad input."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.auth.roles import role_has_permission
from portal.services.finance_exports import JOURNAL_HEADER
from tests.support.bank import camt_fixture
from tests.support.bank import run_import
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.page_checks import assert_page_ok
from tests.support.workspace import logged_in_staff

PAGE = "/staff/finance"
BANK_DAY = {"date_from": "2026-11-20", "date_to": "2026-11-20"}
EMPTY = {"date_from": "2001-01-01", "date_to": "2001-01-31"}


def _import_a_day(session: Session) -> None:
    claim = make_claim(session, make_debtor(session, "Finance Page Person"), 50_000)
    run_import(session, camt_fixture("single_credit.053.v02.xml", claim))
    run_import(session, camt_fixture("payout.053.v02.xml", claim))
    run_import(session, camt_fixture("unmatched_credit.053.v02.xml"))


def test_the_finance_role_exists_and_may_export_as_may_supervisors() -> None:
    assert role_has_permission("finance", "finance.export")
    assert role_has_permission("supervisor", "finance.export")
    assert role_has_permission("finance", "staff.home")
    assert not role_has_permission("caseworker", "finance.export")


def test_finance_staff_see_a_balanced_reconciliation_for_a_bank_day(
    client: FlaskClient, db_session: Session
) -> None:
    _import_a_day(db_session)
    logged_in_staff(client, db_session, "finance")

    response = client.get(PAGE, query_string=BANK_DAY)

    assert response.status_code == 200
    page = assert_page_ok(response, lang="en")
    assert page.find("p", **{"data-balanced": "yes"}) is not None
    credits = page.find("td", **{"data-total": "credits"})
    assert credits is not None
    assert "391.75" in credits.text
    assert page.find("a", href="/staff/finance/journal.csv?date_from=2026-11-20&date_to=2026-11-20")


def test_the_staff_home_links_to_the_finance_page(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session, "finance")

    page = assert_page_ok(client.get("/staff/"), lang="en")

    assert page.find("a", href=PAGE) is not None


def test_a_period_without_data_says_no_movements_and_gives_a_header_only_csv(
    client: FlaskClient, db_session: Session
) -> None:
    logged_in_staff(client, db_session, "finance")

    page = assert_page_ok(client.get(PAGE, query_string=EMPTY), lang="en")
    body = client.get("/staff/finance/journal.csv", query_string=EMPTY).get_data()

    assert page.find("p", **{"data-empty": "journal"}) is not None
    assert "No movements" in page.text
    assert page.find("p", **{"data-empty": "reconciliation"}) is not None
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == [list(JOURNAL_HEADER)]


def test_the_journal_download_is_a_utf8_csv_of_the_periods_movements(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    claim = make_claim(db_session, make_debtor(db_session, "Journal Download Person"), 8_800)
    logged_in_staff(client, db_session, "supervisor")
    today = datetime.now(ZoneInfo(app.config["RULE_PACK"].timezone)).date().isoformat()

    response = client.get(
        "/staff/finance/journal.csv", query_string={"date_from": today, "date_to": today}
    )

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    mine = [row for row in rows if row["claim_id"] == str(claim.id)]
    assert [(row["cause"], row["debit"]) for row in mine] == [("issued", "88.00")]


def test_the_reconciliation_download_balances(client: FlaskClient, db_session: Session) -> None:
    _import_a_day(db_session)
    logged_in_staff(client, db_session, "finance")

    response = client.get("/staff/finance/reconciliation.csv", query_string=BANK_DAY)

    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    totals = {row[3]: row[4] for row in rows[1:] if row[3].startswith("total_")}
    assert totals["total_credits"] == "391.75"
    assert totals["total_difference"] == "0.00"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-13-45"}, "Enter a real date"),
        ({"date_from": "2026-11-20", "date_to": "2026-11-01"}, "before the start date"),
        ({"date_from": "2026-01-01", "date_to": "2026-03-01"}, "at most 31 days"),
    ],
)
def test_bad_dates_give_a_clear_message_and_a_400(
    client: FlaskClient, db_session: Session, query: dict[str, str], message: str
) -> None:
    logged_in_staff(client, db_session, "finance")

    response = client.get(PAGE, query_string=query)
    download = client.get("/staff/finance/journal.csv", query_string=query)

    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert page.find("div", role="alert") is not None
    assert message in page.text
    assert download.status_code == 400
    assert message in download.get_data(as_text=True)


@pytest.mark.parametrize("role", ["caseworker", "desk", "admin", "department_clerk"])
def test_other_roles_may_not_see_the_finance_page(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    logged_in_staff(client, db_session, role)

    assert client.get(PAGE).status_code == 403
    assert client.get("/staff/finance/journal.csv").status_code == 403


@pytest.mark.parametrize("locale", ["da", "nl", "en"])
def test_the_finance_page_renders_in_every_language(
    client: FlaskClient, db_session: Session, locale: str
) -> None:
    _import_a_day(db_session)
    logged_in_staff(client, db_session, "finance")
    client.get(f"/language/{locale}?next={PAGE}")

    response = client.get(PAGE, query_string=BANK_DAY)

    assert response.status_code == 200
    assert_page_ok(response, lang=locale)


def test_the_default_period_is_yesterday(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    logged_in_staff(client, db_session, "finance")
    yesterday = datetime.now(ZoneInfo(app.config["RULE_PACK"].timezone)).date() - timedelta(days=1)

    page = assert_page_ok(client.get(PAGE), lang="en")

    field = page.find("input", id="date_from")
    assert field is not None
    assert field.attrs["value"] == yesterday.isoformat()
