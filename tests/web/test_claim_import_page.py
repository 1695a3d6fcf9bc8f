"""/staff/claims/import: a clerk uploads a CSV of claims, checks it or imports it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Department
from portal.services.staff_accounts import create_staff_user
from portal.staff.claim_import import MAX_ROWS
from portal.staff.claim_import import MAX_UPLOAD_BYTES
from tests.support.auth_helpers import STAFF_PASSWORD
from tests.support.auth_helpers import csrf_token
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.factories import ensure_catalogue
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html

pytestmark = pytest.mark.usefixtures("isolated_requests")

PAGE = "/staff/claims/import"
MIXED = (Path(__file__).parents[1] / "fixtures" / "claims" / "mixed.csv").read_bytes()
HEADER = b"external_id,claim_type,amount,currency,issue_date,due_date,description,"
HEADER += b"national_id,business_number,name\n"


def _login(
    client: FlaskClient,
    session: Session,
    role: str = "department_clerk",
    department: str | None = "children",
) -> int:
    ensure_catalogue(session)
    department_id = None
    if department is not None:
        department_id = session.scalar(select(Department.id).where(Department.code == department))
    user = create_staff_user(
        session,
        current_app.config["SALDO"],
        username=f"user-{role}",
        display_name="Test User",
        role=role,
        password=STAFF_PASSWORD,
        department_id=department_id,
    )
    session.commit()
    login_staff(client, user.id)
    return user.id


def _upload(
    client: FlaskClient,
    data: bytes,
    *,
    mode: str = "dry_run",
    name: str = "claims.csv",
    department: str | None = None,
) -> TestResponse:
    fields: dict[str, object] = {
        "csrf_token": csrf_token(client, PAGE),
        "mode": mode,
        "claims_file": (io.BytesIO(data), name),
    }
    if department is not None:
        fields["department"] = department
    return client.post(PAGE, data=fields, content_type="multipart/form-data")


def _claims(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Claim.id))) or 0


def _outcomes(response: TestResponse) -> dict[int, str]:
    page = parse_html(response.get_data(as_text=True))
    return {
        int(row.attrs["data-line"]): row.attrs["data-outcome"]
        for row in page.find_all("tr")
        if "data-line" in row.attrs
    }


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_the_upload_page_and_its_report_pass_the_page_checks_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    _login(client, db_session)
    client.get(f"/language/{language}")
    assert_page_ok(client.get(PAGE), lang=language)
    report = _upload(client, MIXED)
    assert report.status_code == 200
    assert_page_ok(report, lang=language)
    refused = _upload(client, b"\x89PNG\r\n\x1a\n\x00\x00", name="claims.csv")
    assert refused.status_code == 400
    assert_page_ok(refused, lang=language)


def test_a_dry_run_reports_every_row_and_stores_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    _login(client, db_session)
    before = _claims(db_session)
    response = _upload(client, MIXED, mode="dry_run")
    assert response.status_code == 200
    assert _outcomes(response) == {
        2: "would_create",
        3: "rejected",
        4: "rejected",
        5: "rejected",
        6: "would_create",
        7: "rejected",
        8: "would_create",
    }
    text = response.get_data(as_text=True)
    assert "Nothing was stored" in text
    assert "Write the amount in cents" in text
    assert "The due date is before the issue date." in text
    assert _claims(db_session) == before


def test_an_import_stores_the_good_rows_and_reports_the_bad_ones(
    client: FlaskClient, db_session: Session
) -> None:
    clerk = _login(client, db_session)
    before = _claims(db_session)
    response = _upload(client, MIXED, mode="import")
    assert response.status_code == 200
    outcomes = _outcomes(response)
    assert sorted(line for line, kind in outcomes.items() if kind == "created") == [2, 6, 8]
    assert _claims(db_session) == before + 3
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "department.claims_imported")
    )
    assert event is not None
    assert event.staff_user_id == clerk
    assert event.details["created"] == 3
    assert event.details["rejected"] == 4
    again = _upload(client, MIXED, mode="import")
    assert sorted(k for k, v in _outcomes(again).items() if v == "unchanged") == [2, 6, 8]
    assert _claims(db_session) == before + 3


def test_the_report_is_in_the_users_language(client: FlaskClient, db_session: Session) -> None:
    _login(client, db_session)
    client.get("/language/en")
    english = _upload(client, MIXED).get_data(as_text=True)
    client.get("/language/nl")
    dutch = _upload(client, MIXED).get_data(as_text=True)
    assert 'lang="nl"' in dutch
    assert "Write the amount in cents" in english
    assert english != dutch


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"just some words\nwithout the columns\n", "claims.csv", "Missing: external_id"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "claims.csv", "not a CSV text file"),
        ("external_id;naïve".encode("latin-1") + b"\xff\xfe", "claims.csv", "not UTF-8"),
        (HEADER, "claims.csv", "no rows under the header"),
        (b"", "claims.csv", "The file is empty."),
        (b"\n\n", "claims.csv", "The file is empty."),
    ],
)
def test_a_bad_upload_gets_a_clear_message_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, data: bytes, name: str, expected: str
) -> None:
    _login(client, db_session)
    before = _claims(db_session)
    response = _upload(client, data, name=name, mode="import")
    assert response.status_code == 400
    page = assert_page_ok(response)
    assert expected in response.get_data(as_text=True)
    assert page.find_all(role="alert")
    assert _claims(db_session) == before


def test_a_file_over_the_size_limit_is_refused(client: FlaskClient, db_session: Session) -> None:
    _login(client, db_session)
    before = _claims(db_session)
    big = MIXED + b"x" * (MAX_UPLOAD_BYTES + 10)
    response = _upload(client, big, mode="import")
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)
    assert _claims(db_session) == before


def test_a_file_with_too_many_rows_is_refused(client: FlaskClient, db_session: Session) -> None:
    _login(client, db_session)
    before = _claims(db_session)
    line = b"X-%d,childcare_contribution,100,EUR,2026-11-01,2026-12-01,x,291417772,,A B\n"
    data = HEADER + b"".join(line % number for number in range(MAX_ROWS + 1))
    response = _upload(client, data, mode="import")
    assert response.status_code == 400
    assert "more than 1,000 rows" in response.get_data(as_text=True)
    assert _claims(db_session) == before


def test_a_post_without_the_csrf_token_stores_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    _login(client, db_session)
    before = _claims(db_session)
    response = client.post(
        PAGE,
        data={"mode": "import", "claims_file": (io.BytesIO(MIXED), "claims.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert _claims(db_session) == before


def test_a_clerk_cannot_import_into_another_department(
    client: FlaskClient, db_session: Session
) -> None:
    _login(client, db_session, department="children")
    before = _claims(db_session)
    parking = HEADER + (
        b"P-1,parking_assessment,6500,EUR,2026-11-01,2026-12-01,Parking,291417772,,Anna de Vries\n"
    )
    response = _upload(client, parking, mode="import", department="parking")
    assert response.status_code == 200
    assert _outcomes(response) == {2: "rejected"}
    assert "not a claim type of the department" in response.get_data(as_text=True)
    assert _claims(db_session) == before


def test_a_supervisor_chooses_the_department(client: FlaskClient, db_session: Session) -> None:
    _login(client, db_session, role="supervisor", department=None)
    before = _claims(db_session)
    missing = _upload(client, MIXED, mode="import")
    assert missing.status_code == 400
    assert "Choose the department" in missing.get_data(as_text=True)
    assert _claims(db_session) == before
    response = _upload(client, MIXED, mode="import", department="children")
    assert response.status_code == 200
    assert _claims(db_session) == before + 3


def test_a_clerk_without_a_department_cannot_import(
    client: FlaskClient, db_session: Session
) -> None:
    _login(client, db_session, department=None)
    page = client.get(PAGE).get_data(as_text=True)
    assert "not linked to a department" in page
    response = client.post(
        PAGE,
        data={"mode": "import", "claims_file": (io.BytesIO(MIXED), "claims.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["caseworker", "desk", "admin"])
def test_only_clerks_and_supervisors_import(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    _login(client, db_session, role=role, department=None)
    assert client.get(PAGE).status_code == 403
