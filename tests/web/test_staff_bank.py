"""Staff bank pages: statement upload, the unmatched queue, search and assign."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import BankEntry
from portal.models import BankStatement
from portal.models import Payment
from portal.models import WorkItem
from portal.payments.camt_parser import MAX_FILE_BYTES
from tests.support.auth_helpers import csrf_token
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import make_staff
from tests.support.bank import FIXTURES
from tests.support.bank import camt_fixture
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.payments import count

pytestmark = pytest.mark.usefixtures("isolated_requests")

IMPORT = "/staff/bank/import"
QUEUE = "/staff/bank/unmatched"


def _caseworker(client: FlaskClient, session: Session, role: str = "caseworker") -> int:
    user = make_staff(session, role=role)
    login_staff(client, user.id)
    return user.id


def _upload(client: FlaskClient, data: bytes, name: str = "statement.xml") -> TestResponse:
    token = csrf_token(client, IMPORT)
    return client.post(
        IMPORT,
        data={"csrf_token": token, "statement": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_caseworker_uploads_a_statement_and_sees_the_summary(
    client: FlaskClient, db_session: Session
) -> None:
    _caseworker(client, db_session)
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    response = _upload(client, camt_fixture("batch.053.v02.xml", claim, claim))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<h1>") == 1
    assert 'data-count="read">3<' in page
    assert 'data-count="booked">2<' in page
    assert 'data-count="unmatched">1<' in page
    db_session.expire_all()
    assert count(db_session, Payment) == 2


def test_uploading_the_same_statement_again_says_already_imported(
    client: FlaskClient, db_session: Session
) -> None:
    _caseworker(client, db_session)
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    data = camt_fixture("single_credit.053.v02.xml", claim)
    _upload(client, data)
    page = _upload(client, data).get_data(as_text=True)
    assert "already imported" in page
    assert 'data-count="booked">0<' in page
    db_session.expire_all()
    assert count(db_session, Payment) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("billion_laughs.xml", "refuse for safety"),
        ("external_entity.xml", "refuse for safety"),
        ("truncated.053.v02.xml", "not complete"),
        ("unknown_version.053.v13.xml", "version is not supported"),
        ("not_camt.pain001.xml", "not a camt.053"),
        ("other_account.053.v02.xml", "for another account"),
    ],
)
def test_a_bad_file_gets_400_with_a_message_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, name: str, message: str
) -> None:
    _caseworker(client, db_session)
    response = _upload(client, (FIXTURES / name).read_bytes())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page
    db_session.expire_all()
    assert count(db_session, BankStatement) == 0


def test_a_file_over_20_mb_is_refused_with_a_message(
    client: FlaskClient, db_session: Session
) -> None:
    _caseworker(client, db_session)
    response = _upload(client, b"<" + b"x" * (MAX_FILE_BYTES + 10))
    assert response.status_code == 400
    assert "at most 20 MB" in response.get_data(as_text=True)


def test_an_upload_without_a_file_shows_the_error_next_to_the_field(
    client: FlaskClient, db_session: Session
) -> None:
    _caseworker(client, db_session)
    token = csrf_token(client, IMPORT)
    response = client.post(IMPORT, data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'id="statement-error"' in response.get_data(as_text=True)


def test_an_upload_without_csrf_token_is_refused(client: FlaskClient, db_session: Session) -> None:
    _caseworker(client, db_session)
    data = (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes()
    response = client.post(
        IMPORT,
        data={"statement": (io.BytesIO(data), "s.xml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "This form had expired" in response.get_data(as_text=True)
    db_session.expire_all()
    assert count(db_session, BankStatement) == 0


@pytest.mark.parametrize("path", [IMPORT, QUEUE])
@pytest.mark.parametrize("role", ["desk", "department_clerk", "admin"])
def test_roles_without_the_permission_get_403(
    client: FlaskClient, db_session: Session, path: str, role: str
) -> None:
    _caseworker(client, db_session, role=role)
    assert client.get(path).status_code == 403


def test_a_citizen_gets_403(client: FlaskClient, db_session: Session) -> None:
    login_citizen(client, make_debtor(db_session).id)
    assert client.get(IMPORT).status_code == 403
    assert client.get(QUEUE).status_code == 403


def test_nobody_logged_in_is_sent_to_the_staff_login(
    client: FlaskClient, db_session: Session
) -> None:
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_search_and_assign_books_the_payment_and_closes_the_work_item(
    client: FlaskClient, db_session: Session
) -> None:
    staff_id = _caseworker(client, db_session, role="supervisor")
    debtor = make_debtor(db_session, "Kees Onbekend")
    claim = make_claim(db_session, debtor, 10_000, description="Parkeervergunning 2026")
    _upload(client, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    db_session.expire_all()
    entry = db_session.scalar(select(BankEntry))
    assert entry is not None

    queue = client.get(QUEUE).get_data(as_text=True)
    assert f'data-entry-id="{entry.id}"' in queue
    found = client.get(f"{QUEUE}/{entry.id}?q=onbekend")
    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "Parkeervergunning 2026" in page
    token = csrf_token(client, f"{QUEUE}/{entry.id}?q=onbekend")
    response = client.post(
        f"{QUEUE}/{entry.id}/assign", data={"csrf_token": token, "claim_id": str(claim.id)}
    )
    assert response.status_code == 302
    db_session.expire_all()
    entry = db_session.get(BankEntry, entry.id)
    assert entry is not None
    assert (entry.state, entry.assigned_by_id) == ("assigned", staff_id)
    item = db_session.scalar(select(WorkItem).where(WorkItem.subject_id == entry.id))
    assert item is not None
    assert (item.state, item.outcome) == ("done", "matched")
    assert "There are no unmatched payments." in client.get(QUEUE).get_data(as_text=True)


def test_assigning_twice_shows_a_message_and_books_once(
    client: FlaskClient, db_session: Session
) -> None:
    _caseworker(client, db_session)
    claim = make_claim(db_session, make_debtor(db_session, "Kees Onbekend"), 10_000)
    _upload(client, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    db_session.expire_all()
    entry = db_session.scalar(select(BankEntry))
    assert entry is not None
    url = f"{QUEUE}/{entry.id}"
    for _ in range(2):
        token = csrf_token(client, IMPORT)
        client.post(f"{url}/assign", data={"csrf_token": token, "claim_id": str(claim.id)})
    page = client.get(url).get_data(as_text=True)
    assert "already handled" in page
    db_session.expire_all()
    assert count(db_session, Payment) == 1


def test_assigning_to_an_unknown_claim_is_404(client: FlaskClient, db_session: Session) -> None:
    _caseworker(client, db_session)
    _upload(client, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    db_session.expire_all()
    entry = db_session.scalar(select(BankEntry))
    assert entry is not None
    token = csrf_token(client, IMPORT)
    response = client.post(
        f"{QUEUE}/{entry.id}/assign", data={"csrf_token": token, "claim_id": "999999"}
    )
    assert response.status_code == 404


def test_the_staff_home_links_to_the_bank_pages_for_caseworkers_only(
    client: FlaskClient, db_session: Session
) -> None:
    _caseworker(client, db_session)
    assert "/staff/bank/unmatched" in client.get("/staff/").get_data(as_text=True)
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    desk = make_staff(db_session, role="desk", username="dirk")
    login_staff(client, desk.id)
    assert "/staff/bank/unmatched" not in client.get("/staff/").get_data(as_text=True)


def test_every_bank_page_passes_the_page_checks(client: FlaskClient, db_session: Session) -> None:
    _caseworker(client, db_session)
    claim = make_claim(db_session, make_debtor(db_session, "Kees Onbekend"), 10_000)
    summary_page = _upload(client, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    assert_page_ok(summary_page)
    assert_page_ok(_upload(client, (FIXTURES / "truncated.053.v02.xml").read_bytes()))
    db_session.expire_all()
    entry = db_session.scalar(select(BankEntry))
    assert entry is not None
    assert_page_ok(client.get(QUEUE))
    found = client.get(f"{QUEUE}/{entry.id}?q=onbekend")
    assert_page_ok(found)
    assert claim.description in found.get_data(as_text=True)
