"""Representatives (issue 9): staff register and end mandates; a representative acts for the
people on their list, within the mandate's scope, until it ends."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Debtor
from portal.models import OverviewDocument
from portal.models import Representation
from portal.services.audit import Actor
from portal.services.representations import end_representation
from tests.support.auth_helpers import csrf_from
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import make_staff
from tests.support.auth_helpers import post_form
from tests.support.auth_helpers import session_value
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.representatives import REPRESENTATIVE_BSN
from tests.support.representatives import login_representative
from tests.support.representatives import make_representation

pytestmark = pytest.mark.usefixtures("isolated_requests")


def _two_people(db_session: Session) -> tuple[Debtor, Debtor]:
    anna = make_debtor(db_session, "Anna Aalbers", national_id="111222333")
    bert = make_debtor(db_session, "Bert Bakker", national_id="123456782")
    make_claim(db_session, anna, 12_345, description="Anna's waste levy")
    make_claim(db_session, bert, 67_890, description="Bert's daycare bill")
    return anna, bert


def _act_for(client: FlaskClient, representation: Representation) -> None:
    listing = client.get("/representing")
    assert listing.status_code == 200
    response = client.post(
        f"/representing/{representation.id}", data={"csrf_token": csrf_from(listing)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/overview"


def _register_form(**changes: str) -> dict[str, str]:
    return {
        "name": "Bram Bewind",
        "national_id": REPRESENTATIVE_BSN,
        "kind": "bewindvoerder",
        "scope": "act",
        "evidence_kind": "court_decision",
        "evidence_reference": "C/13/123456",
        "letters_to": "both",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=365)).isoformat(),
        "address": "",
        "email": "",
        **changes,
    }


def test_staff_register_a_representative_from_the_debtor_page(
    client: FlaskClient, db_session: Session
) -> None:
    anna, _ = _two_people(db_session)
    staff = make_staff(db_session, role="caseworker")
    login_staff(client, staff.id)
    debtor_page = client.get(f"/staff/debtors/{anna.id}")
    assert f"/staff/debtors/{anna.id}/representatives" in debtor_page.get_data(as_text=True)
    url = f"/staff/debtors/{anna.id}/representatives"
    assert_page_ok(client.get(url), lang="en")
    response = post_form(client, url, _register_form())
    assert response.status_code == 302
    db_session.expire_all()
    representation = db_session.scalar(select(Representation))
    assert representation is not None
    assert (representation.debtor_id, representation.scope, representation.letters_to) == (
        anna.id,
        "act",
        "both",
    )
    assert representation.created_by == staff.id
    page = client.get(url).get_data(as_text=True)
    assert "Bram Bewind" in page
    assert REPRESENTATIVE_BSN[-4:] in page
    assert REPRESENTATIVE_BSN not in page


def test_an_invalid_citizen_number_is_refused_with_a_clear_message(
    client: FlaskClient, db_session: Session
) -> None:
    anna, _ = _two_people(db_session)
    login_staff(client, make_staff(db_session, role="desk").id)
    url = f"/staff/debtors/{anna.id}/representatives"
    response = post_form(client, url, _register_form(national_id="123456789"))
    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert "This is not a valid citizen number" in page.text
    assert page.find(role="alert") is not None
    assert db_session.scalar(select(func.count()).select_from(Representation)) == 0


def test_a_role_without_the_permission_cannot_register(
    client: FlaskClient, db_session: Session
) -> None:
    anna, _ = _two_people(db_session)
    login_staff(client, make_staff(db_session, role="finance", username="fin").id)
    assert client.get(f"/staff/debtors/{anna.id}/representatives").status_code == 403


def test_a_representative_sees_the_people_they_act_for_and_acts_for_both(
    client: FlaskClient, db_session: Session
) -> None:
    anna, bert = _two_people(db_session)
    for_anna = make_representation(db_session, anna)
    for_bert = make_representation(db_session, bert, scope="view")
    login_representative(client)
    listing = assert_page_ok(client.get("/representing"), lang="en")
    assert "Anna Aalbers" in listing.text
    assert "Bert Bakker" in listing.text

    _act_for(client, for_anna)
    overview = assert_page_ok(client.get("/overview"), lang="en")
    assert "You are acting for Anna Aalbers (may act)" in overview.text
    assert "Anna's waste levy" in overview.text
    assert "Bert's daycare bill" not in overview.text

    back = client.post(
        "/representing/back", data={"csrf_token": csrf_from(client.get("/overview"))}
    )
    assert back.headers["Location"] == "/representing"
    _act_for(client, for_bert)
    overview = assert_page_ok(client.get("/overview"), lang="en")
    assert "You are acting for Bert Bakker (view only)" in overview.text
    assert "Bert's daycare bill" in overview.text
    assert "Anna's waste levy" not in overview.text


def test_someone_else_cannot_use_a_mandate_that_is_not_theirs(
    client: FlaskClient, db_session: Session
) -> None:
    anna, _ = _two_people(db_session)
    representation = make_representation(db_session, anna)
    login_representative(client, national_id="100000022")
    listing = client.get("/representing")
    assert "Anna Aalbers" not in listing.get_data(as_text=True)
    response = client.post(
        f"/representing/{representation.id}", data={"csrf_token": csrf_from(listing)}
    )
    assert response.status_code == 403
    assert session_value(client, "_user_id") == "r:0"


def test_a_view_only_representative_cannot_change_anything(
    client: FlaskClient, db_session: Session
) -> None:
    anna, _ = _two_people(db_session)
    make_representation(db_session, anna, scope="view")
    login_representative(client)
    _act_for(client, db_session.scalar(select(Representation)))  # type: ignore[arg-type]
    page = client.get("/debt-overview")
    assert page.status_code == 200
    response = client.post("/debt-overview", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403
    refused = assert_page_ok(response, lang="en")
    assert "You may only look at this person's bills" in refused.text
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(OverviewDocument)) == 0
    # Going back to the list is still allowed.
    back = client.post("/representing/back", data={"csrf_token": csrf_from(page)})
    assert back.status_code == 302


def test_every_action_records_who_acted_for_whom(client: FlaskClient, db_session: Session) -> None:
    anna, _ = _two_people(db_session)
    representation = make_representation(db_session, anna)
    login_representative(client)
    _act_for(client, representation)
    page = client.get("/debt-overview")
    response = client.post("/debt-overview", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db_session.expire_all()
    events = {
        event.action: event
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.debtor_id == anna.id))
    }
    for action in ("representative.act_for", "overview_document.created"):
        assert events[action].actor_kind == "citizen"
        assert events[action].details["representation_id"] == representation.id


def test_ending_a_mandate_refuses_the_next_request_at_once(
    client: FlaskClient, db_session: Session
) -> None:
    anna, _ = _two_people(db_session)
    representation = make_representation(db_session, anna)
    login_representative(client)
    _act_for(client, representation)
    assert client.get("/overview").status_code == 200
    end_representation(db_session, representation.id, actor=Actor.system(), now=datetime.now(UTC))
    db_session.commit()
    response = client.get("/overview")
    assert response.status_code == 403
    assert "You can no longer act for this person" in assert_page_ok(response, lang="en").text
    # They are back on their own list, where Anna no longer appears.
    assert session_value(client, "_user_id") == "r:0"
    assert "Anna Aalbers" not in client.get("/representing").get_data(as_text=True)


def test_staff_end_a_mandate_from_the_page(client: FlaskClient, db_session: Session) -> None:
    anna, _ = _two_people(db_session)
    representation = make_representation(db_session, anna)
    staff = make_staff(db_session, role="supervisor")
    login_staff(client, staff.id)
    url = f"/staff/debtors/{anna.id}/representatives"
    response = post_form(client, f"/representations/{representation.id}/end", {}, form_url=url)
    assert response.status_code == 404  # the staff blueprint's prefix is required
    response = post_form(
        client, f"/staff/representations/{representation.id}/end", {}, form_url=url
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert representation.ended_at is not None
    assert representation.ended_by == staff.id


def test_a_mandate_past_its_end_date_is_refused(client: FlaskClient, db_session: Session) -> None:
    anna, _ = _two_people(db_session)
    representation = make_representation(db_session, anna)
    login_representative(client)
    _act_for(client, representation)
    representation.starts_on = TODAY - timedelta(days=400)
    representation.ends_on = TODAY - timedelta(days=370)
    db_session.commit()
    assert client.get("/overview").status_code == 403


def test_a_representative_who_is_a_debtor_too_can_see_their_own_bills(
    client: FlaskClient, db_session: Session
) -> None:
    anna, _ = _two_people(db_session)
    make_representation(db_session, anna)
    own = make_debtor(db_session, "Bram Bewind", national_id=REPRESENTATIVE_BSN)
    make_claim(db_session, own, 5_000, description="Bram's own parking fine")
    login_representative(client, own_debtor_id=own.id)
    listing = client.get("/representing")
    response = client.post("/representing/own", data={"csrf_token": csrf_from(listing)})
    assert response.status_code == 302
    overview = assert_page_ok(client.get("/overview"), lang="en")
    assert "Bram's own parking fine" in overview.text
    assert "Back to the people you act for" in overview.text


def test_a_representative_reaches_no_staff_page(client: FlaskClient, db_session: Session) -> None:
    anna, _ = _two_people(db_session)
    representation = make_representation(db_session, anna)
    login_representative(client)
    assert client.get("/staff/").status_code in {302, 403}
    assert client.get(f"/staff/debtors/{anna.id}").status_code in {302, 403}
    _act_for(client, representation)
    assert client.get("/staff/").status_code == 403
    assert client.get(f"/staff/debtors/{anna.id}/representatives").status_code == 403


def test_the_demo_login_offers_the_representative(client: FlaskClient, db_session: Session) -> None:
    anna, bert = _two_people(db_session)
    make_representation(db_session, anna)
    make_representation(db_session, bert)
    page = client.get("/login/demo")
    text = assert_page_ok(page, lang="en").text
    assert "Administrator (bewindvoerder) acting for 2 people" in text
    representation = db_session.scalar(select(Representation))
    assert representation is not None
    response = client.post(
        "/login/demo/representative",
        data={"csrf_token": csrf_from(page), "representation_id": str(representation.id)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/representing"
    listing = client.get("/representing").get_data(as_text=True)
    assert "Anna Aalbers" in listing
    assert "Bert Bakker" in listing


def test_staff_can_attach_a_scan_of_the_evidence_and_a_wrong_file_is_refused(
    client: FlaskClient, db_session: Session
) -> None:
    import io

    anna, _ = _two_people(db_session)
    login_staff(client, make_staff(db_session, role="caseworker").id)
    url = f"/staff/debtors/{anna.id}/representatives"
    wrong = post_form(
        client,
        url,
        {**_register_form(), "evidence_file": (io.BytesIO(b"MZ program"), "decision.pdf")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400
    assert "Please send a PDF, JPEG or PNG file." in wrong.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Representation)) == 0
    right = post_form(
        client,
        url,
        {**_register_form(), "evidence_file": (io.BytesIO(b"%PDF-1.7\n%x"), "decision.pdf")},
        content_type="multipart/form-data",
    )
    assert right.status_code == 302
    db_session.expire_all()
    representation = db_session.scalar(select(Representation))
    assert representation is not None
    assert representation.evidence_content_type == "application/pdf"


def test_the_start_page_takes_a_representative_who_has_not_chosen_back_to_their_list(
    client: FlaskClient,
) -> None:
    login_representative(client)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/representing"
