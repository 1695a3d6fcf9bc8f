"""The report page (/staff/reports) and its CSV files: roles, languages, the period filter,
figures on the page, CSV content and the formula-injection guard."""

from __future__ import annotations

import csv
import io
from datetime import date
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import Claim
from portal.models import Debtor
from portal.models import Department
from portal.services.ledger import append_entry
from portal.staff.reports import CSV_TABLES
from portal.staff.reports import decimal_amount
from portal.staff.reports import safe_cell
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.login import login_citizen
from tests.support.page_checks import Node
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html
from tests.support.workspace import logged_in_staff

PAGE = "/staff/reports"
PERIOD = {"date_from": "2019-01-01", "date_to": "2019-06-30"}
END = date(2019, 6, 30)


def _claim(session: Session, amount: int, due: date, code: str = "waste_levy") -> Claim:
    debtor = make_debtor(session, "Report Page Person")
    return make_claim(
        session,
        debtor,
        amount,
        claim_type_code=code,
        issue_date=due - timedelta(days=30),
        due_date=due,
    )


def _known_data(session: Session) -> tuple[Claim, Claim]:
    """Two open claims on 30 June 2019 (tax, 40 days past due; parking, 400 days), a payment
    in March, a write-off in May."""
    tax = _claim(session, 123_456, END - timedelta(days=40))
    parking = _claim(session, 50_000, END - timedelta(days=400), "parking_assessment")
    debtor = session.get(Debtor, tax.debtor_id)
    assert debtor is not None
    pay(session, debtor, 3_456, claim=tax, on=date(2019, 3, 15))
    append_entry(
        session,
        parking,
        component="principal",
        amount=-10_000,
        cause="write_off",
        effective_date=date(2019, 5, 2),
    )
    return tax, parking


def _csv_rows(response: TestResponse) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _row(page: Node, **attrs: str) -> list[str]:
    row = page.find("tr", **attrs)
    assert row is not None, attrs
    return [cell.text.strip() for cell in row.iter() if cell.tag in ("th", "td")]


def _department(session: Session, claim: Claim) -> Department:
    department = session.get(Department, claim.department_id)
    assert department is not None
    return department


# --- who may see it ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "caseworker", "admin"])
def test_managers_caseworkers_and_admins_see_the_reports(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    logged_in_staff(client, db_session, role)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert_page_ok(response, lang="en")
    home = parse_html(client.get("/staff/").get_data(as_text=True))
    assert home.find("a", href=PAGE) is not None


@pytest.mark.parametrize("role", ["desk", "department_clerk"])
def test_desk_staff_and_department_clerks_are_refused(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    logged_in_staff(client, db_session, role)

    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/outstanding.csv").status_code == 403
    home = parse_html(client.get("/staff/").get_data(as_text=True))
    assert home.find("a", href=PAGE) is None


def test_a_citizen_session_cannot_reach_the_reports(
    client: FlaskClient, db_session: Session
) -> None:
    login_citizen(client, make_debtor(db_session).id)

    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/costs.csv").status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_staff_login(client: FlaskClient) -> None:
    response = client.get(PAGE)

    assert response.status_code == 302
    assert "/staff/login" in (response.location or "")


# --- the page ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["da", "nl", "en"])
def test_the_page_renders_with_charts_and_tables_in_every_language(
    client: FlaskClient, db_session: Session, locale: str
) -> None:
    _known_data(db_session)
    logged_in_staff(client, db_session, "supervisor")
    client.get(f"/language/{locale}?next={PAGE}")

    response = client.get(PAGE, query_string=PERIOD)

    assert response.status_code == 200
    page = assert_page_ok(response, lang=locale)
    charts = page.find_all("svg")
    # no signals in the period: six charts (outstanding, collected, plans, remission,
    # write-offs, costs), each an image named by its own title and description
    assert len(charts) == 6
    for chart in charts:
        assert chart.attrs["role"] == "img"
        title, desc = chart.attrs["aria-labelledby"].split()
        assert page.find("title", id=title) is not None
        assert page.find("desc", id=desc) is not None
    regions = page.find_all("div", role="region")
    assert len(regions) == 6
    for region in regions:
        assert region.attrs["tabindex"] == "0"
        assert page.find(id=region.attrs["aria-labelledby"]) is not None
        assert region.find("table") is not None


def test_the_tables_show_the_figures_of_the_period(
    client: FlaskClient, db_session: Session
) -> None:
    tax, parking = _known_data(db_session)
    logged_in_staff(client, db_session, "supervisor")

    page = parse_html(client.get(PAGE, query_string=PERIOD).get_data(as_text=True))

    tax_name = _department(db_session, tax).name("en")
    parking_name = _department(db_session, parking).name("en")
    assert _row(page, **{"data-department": tax_name}) == [
        tax_name,
        "€0.00 0 bills",
        "€0.00 0 bills",
        "€1,200.00 1 bill",
        "€0.00 0 bills",
        "€0.00 0 bills",
        "€1,200.00 1 bill",
    ]
    outstanding = page.find("section", **{"data-report": "outstanding"})
    assert outstanding is not None
    assert _row(outstanding, **{"data-total": "EUR"})[-1] == "€1,600.00 2 bills"
    assert _row(page, **{"data-month": "2019-03"}) == ["March 2019", "1", "€34.56"]
    assert _row(page, **{"data-month": "2019-04"}) == ["April 2019", "0", "€0.00"]
    write_offs = page.find("section", **{"data-report": "write-offs"})
    assert write_offs is not None
    assert _row(write_offs, **{"data-department": parking_name}) == [
        parking_name,
        "1",
        "€100.00",
    ]
    assert "No signals were raised in this period." in page.text
    assert "January 1, 2019 to June 30, 2019" in page.find("p", **{"data-period": ""}).text  # type: ignore[union-attr]


def test_without_dates_the_period_is_this_year_to_date(
    client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.staff.reports._today", lambda rules: END)
    _known_data(db_session)
    logged_in_staff(client, db_session, "caseworker")

    page = parse_html(client.get(PAGE).get_data(as_text=True))

    assert page.find("input", id="date_from").attrs["value"] == "2019-01-01"  # type: ignore[union-attr]
    assert page.find("input", id="date_to").attrs["value"] == "2019-06-30"  # type: ignore[union-attr]
    assert _row(page, **{"data-month": "2019-03"}) == ["March 2019", "1", "€34.56"]
    link = page.find("a", href=f"{PAGE}/outstanding.csv?date_from=2019-01-01&date_to=2019-06-30")
    assert link is not None


def test_every_table_links_its_csv_file_for_the_same_period(
    client: FlaskClient, db_session: Session
) -> None:
    _known_data(db_session)
    logged_in_staff(client, db_session, "supervisor")

    page = parse_html(client.get(PAGE, query_string=PERIOD).get_data(as_text=True))

    links = {
        a.attrs["href"]
        for a in page.find_all("a")
        if a.attrs.get("href", "").endswith(".csv") or ".csv?" in a.attrs.get("href", "")
    }
    # signals (two tables) are left out when no signal was raised in the period
    expected = set(CSV_TABLES) - {"signals", "signal-outcomes"}
    assert links == {
        f"{PAGE}/{name}.csv?date_from=2019-01-01&date_to=2019-06-30" for name in expected
    }
    for href in links:
        assert client.get(href).status_code == 200, href


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-02-30"}, "Enter a real date, for example 2026-01-31."),
        ({"date_to": "next tuesday"}, "Enter a real date, for example 2026-01-31."),
        (
            {"date_from": "2026-03-01", "date_to": "2026-02-01"},
            "The end date is before the start date.",
        ),
        (
            {"date_from": "0001-01-01", "date_to": "2026-02-01"},
            "Choose dates between 1900 and 2999.",
        ),
        (
            {"date_from": "2000-01-01", "date_to": "2026-02-01"},
            "Choose a period of at most 10 years.",
        ),
    ],
)
def test_bad_dates_get_a_clear_message_and_no_report(
    client: FlaskClient, db_session: Session, query: dict[str, str], message: str
) -> None:
    logged_in_staff(client, db_session, "supervisor")

    response = client.get(PAGE, query_string=query)

    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    summary = page.find("div", role="alert")
    assert summary is not None
    assert message in summary.text
    assert page.find("svg") is None
    assert page.find("section") is None

    csv_response = client.get(f"{PAGE}/costs.csv", query_string=query)
    assert csv_response.status_code == 400
    assert csv_response.mimetype == "text/plain"
    assert message in csv_response.get_data(as_text=True)


def test_an_unknown_csv_table_is_not_found(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session, "supervisor")

    assert client.get(f"{PAGE}/claims.csv").status_code == 404
    assert client.get(f"{PAGE}/999999.csv").status_code == 404


# --- CSV --------------------------------------------------------------------------------


def test_the_outstanding_csv_has_decimal_amounts_a_currency_and_a_byte_order_mark(
    client: FlaskClient, db_session: Session
) -> None:
    tax, parking = _known_data(db_session)
    logged_in_staff(client, db_session, "supervisor")

    response = client.get(f"{PAGE}/outstanding.csv", query_string=PERIOD)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="saldo-outstanding-2019-01-01-2019-06-30.csv"'
    )
    rows = _csv_rows(response)
    assert rows[0] == ["Department", "Days past the due date", "Bills", "Amount", "Currency"]
    tax_name = _department(db_session, tax).name("en")
    parking_name = _department(db_session, parking).name("en")
    assert [tax_name, "31–90 days", "1", "1200.00", "EUR"] in rows
    assert [tax_name, "Not yet due", "0", "0.00", "EUR"] in rows
    assert [parking_name, "More than 365 days", "1", "400.00", "EUR"] in rows
    assert len(rows) == 1 + 2 * 5


def test_the_collected_and_costs_csv_follow_the_period(
    client: FlaskClient, db_session: Session
) -> None:
    _known_data(db_session)
    logged_in_staff(client, db_session, "supervisor")

    collected = _csv_rows(
        client.get(
            f"{PAGE}/collected.csv",
            query_string={"date_from": "2019-03-01", "date_to": "2019-04-30"},
        )
    )
    costs = _csv_rows(client.get(f"{PAGE}/costs.csv", query_string=PERIOD))

    assert collected == [
        ["Month", "Payments", "Amount", "Currency"],
        ["2019-03", "1", "34.56", "EUR"],
        ["2019-04", "0", "0.00", "EUR"],
    ]
    assert costs[0] == ["Costs", "Number", "Amount", "Currency"]
    assert [row[1:] for row in costs[1:]] == [["0", "0.00", "EUR"]] * 3


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+1", "-1+1", "@SUM(A1)", "\t=1"])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_leading_quote(
    client: FlaskClient, db_session: Session, name: str
) -> None:
    tax, _parking = _known_data(db_session)
    department = _department(db_session, tax)
    department.names = {**department.names, "en": name}
    db_session.flush()
    logged_in_staff(client, db_session, "supervisor")

    rows = _csv_rows(client.get(f"{PAGE}/outstanding.csv", query_string=PERIOD))

    cells = [row[0] for row in rows[1:]]
    assert "'" + name in cells
    assert name not in cells


def test_the_formula_guard_keeps_plain_numbers_and_quotes_everything_else() -> None:
    assert safe_cell("-12.50") == "-12.50"
    assert safe_cell(-3) == "-3"
    assert safe_cell(42) == "42"
    assert safe_cell("Parking") == "Parking"
    assert safe_cell("-12.50+1") == "'-12.50+1"
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@cmd") == "'@cmd"
    assert safe_cell("\r=1") == "'\r=1"


def test_amounts_are_plain_decimals_in_the_currency() -> None:
    assert decimal_amount(123_456, "EUR") == "1234.56"
    assert decimal_amount(5, "DKK") == "0.05"
    assert decimal_amount(0, "EUR") == "0.00"
    assert decimal_amount(-1_000, "EUR") == "-10.00"


def test_department_names_in_the_csv_follow_the_language(
    client: FlaskClient, db_session: Session
) -> None:
    tax, _parking = _known_data(db_session)
    logged_in_staff(client, db_session, "supervisor")
    client.get(f"/language/nl?next={PAGE}")

    rows = _csv_rows(client.get(f"{PAGE}/outstanding.csv", query_string=PERIOD))

    dutch = _department(db_session, tax).name("nl")
    assert dutch in {row[0] for row in rows[1:]}
    assert _department(db_session, tax).name("en") not in {row[0] for row in rows[1:]}
