"""The one queue: open work of every kind, oldest first, filters, target times, assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Department
from portal.models import WorkItem
from portal.models.base import utcnow
from portal.services import staff_queue
from portal.services import work
from portal.staff.queue import WORK_ITEM_LINKS
from portal.staff.queue import item_url
from tests.support.factories import ensure_catalogue
from tests.support.factories import make_debtor
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html
from tests.support.workspace import logged_in_staff
from tests.support.workspace import post_with_token


def _item(
    session: Session,
    kind: str,
    subject_id: int,
    *,
    days_old: int,
    debtor_id: int | None = None,
    department_id: int | None = None,
) -> WorkItem:
    return work.open_work_item(
        session,
        kind,
        "test",
        subject_id,
        debtor_id=debtor_id,
        department_id=department_id,
        now=utcnow() - timedelta(days=days_old, hours=1),
    )


def _row_ids(html: str) -> list[int]:
    page = parse_html(html)
    return [
        int(row.attrs["data-item-id"]) for row in page.find_all("tr") if "data-item-id" in row.attrs
    ]


def test_the_queue_lists_open_work_of_every_kind_oldest_first(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Queue Person")
    newer = _item(db_session, work.CALL_BACK, 1, days_old=1, debtor_id=debtor.id)
    older = _item(db_session, work.PLAN_DECISION, 2, days_old=9, debtor_id=debtor.id)
    done = _item(db_session, work.DISPUTE, 3, days_old=20)
    work.close_work_item(db_session, done, outcome="upheld", staff_user_id=None, now=utcnow())
    logged_in_staff(client, db_session)

    response = client.get("/staff/queue")

    page = assert_page_ok(response, lang="en")
    assert _row_ids(response.get_data(as_text=True)) == [older.id, newer.id]
    assert "Queue Person" in page.text
    # The plan decision is 9 days old against a target of 5: marked in words, not colour only.
    plan_row = page.find("tr", **{"data-item-id": str(older.id)})
    assert plan_row is not None
    assert plan_row.find("span", **{"data-over-target": ""}) is not None
    assert "9 days" in plan_row.text
    assert "aim: 5 days" in plan_row.text
    call_row = page.find("tr", **{"data-item-id": str(newer.id)})
    assert call_row is not None
    assert call_row.find("span", **{"data-over-target": ""}) is None


def test_the_queue_filters_by_kind_and_department(client: FlaskClient, db_session: Session) -> None:
    ensure_catalogue(db_session)
    departments = list(db_session.scalars(select(Department).order_by(Department.id)).all())
    first, second = departments[0], departments[1]
    plan = _item(db_session, work.PLAN_DECISION, 1, days_old=3, department_id=first.id)
    call = _item(db_session, work.CALL_BACK, 2, days_old=2, department_id=second.id)
    logged_in_staff(client, db_session)

    by_kind = client.get("/staff/queue", query_string={"kind": work.CALL_BACK})
    by_department = client.get("/staff/queue", query_string={"department": first.id})

    assert _row_ids(by_kind.get_data(as_text=True)) == [call.id]
    assert _row_ids(by_department.get_data(as_text=True)) == [plan.id]


def test_an_unknown_kind_is_a_clear_400_showing_all_work(
    client: FlaskClient, db_session: Session
) -> None:
    item = _item(db_session, work.CALL_BACK, 1, days_old=0)
    logged_in_staff(client, db_session)

    response = client.get("/staff/queue", query_string={"kind": "<script>", "department": "x"})

    assert response.status_code == 400
    assert "This type of work does not exist" in response.get_data(as_text=True)
    assert _row_ids(response.get_data(as_text=True)) == [item.id]


def test_assign_to_me_and_unassign_are_audited(client: FlaskClient, db_session: Session) -> None:
    item = _item(db_session, work.CALL_BACK, 1, days_old=0)
    staff = logged_in_staff(client, db_session)

    taken = post_with_token(client, f"/staff/queue/{item.id}/assign", page="/staff/queue")
    assert taken.status_code == 302
    db_session.expire_all()
    assert db_session.get(WorkItem, item.id).assigned_to_id == staff.id
    mine = client.get("/staff/queue", query_string={"mine": "1"})
    assert _row_ids(mine.get_data(as_text=True)) == [item.id]
    assert "You" in parse_html(mine.get_data(as_text=True)).text

    given_back = post_with_token(client, f"/staff/queue/{item.id}/unassign", page="/staff/queue")
    assert given_back.status_code == 302
    db_session.expire_all()
    assert db_session.get(WorkItem, item.id).assigned_to_id is None
    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "work_item", AuditEvent.object_id == item.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["work_item.assigned", "work_item.unassigned"]
    assert client.get("/staff/queue", query_string={"mine": "1"}).status_code == 200


def test_assigning_an_item_someone_finished_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    item = _item(db_session, work.CALL_BACK, 1, days_old=0)
    logged_in_staff(client, db_session)
    page = client.get("/staff/queue")  # the form as the caseworker saw it
    work.close_work_item(db_session, item, outcome="done", staff_user_id=None, now=utcnow())
    db_session.commit()  # the view rolls back its own changes only, as in production
    token = parse_html(page.get_data(as_text=True)).find("input", name="csrf_token")
    assert token is not None

    response = client.post(
        f"/staff/queue/{item.id}/assign",
        data={"csrf_token": token.attrs["value"]},
        follow_redirects=True,
    )

    assert "Someone has already finished this item" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(WorkItem, item.id).assigned_to_id is None


def test_assigning_a_missing_item_is_404_and_a_form_without_token_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    item = _item(db_session, work.CALL_BACK, 1, days_old=0)
    logged_in_staff(client, db_session)

    assert post_with_token(client, "/staff/queue/999999/assign").status_code == 404
    assert client.post(f"/staff/queue/{item.id}/assign").status_code == 400
    db_session.expire_all()
    assert db_session.get(WorkItem, item.id).assigned_to_id is None


def test_items_link_to_their_decision_page_or_the_debtor_page(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    bank = _item(db_session, work.UNMATCHED_PAYMENT, 7, days_old=0)
    bank.subject_type = "bank_entry"
    call = _item(db_session, work.CALL_BACK, 8, days_old=0, debtor_id=debtor.id)
    plan = _item(db_session, work.PLAN_DECISION, 9, days_old=0, debtor_id=debtor.id)
    handover = _item(db_session, work.HANDOVER_CHECK, 10, days_old=0, debtor_id=debtor.id)
    orphan = _item(db_session, work.WRITE_OFF_PROPOSAL, 12, days_old=0)
    write_off = _item(db_session, work.WRITE_OFF_PROPOSAL, 11, days_old=0, debtor_id=debtor.id)

    with app.test_request_context():
        assert item_url(bank) == "/staff/bank/unmatched/7"
        assert item_url(call) == "/staff/callbacks"
        assert item_url(write_off) == f"/staff/debtors/{debtor.id}"
        if "staff.plan_decision" in app.view_functions:
            assert item_url(plan) == WORK_ITEM_LINKS[work.PLAN_DECISION](plan)
        else:
            assert item_url(plan) == f"/staff/debtors/{debtor.id}"
        assert item_url(handover) == "/staff/handover"
        assert item_url(orphan) is None


def test_target_times_come_from_the_table_or_the_installation(db_session: Session) -> None:
    assert staff_queue.target_days(work.PLAN_DECISION) == 5
    assert staff_queue.target_days(work.PLAN_DECISION, {work.PLAN_DECISION: 2}) == 2
    assert staff_queue.target_days("new_kind") == staff_queue.DEFAULT_TARGET_DAYS
    assert set(staff_queue.TARGET_DAYS) <= set(work.WORK_KINDS)
    assert all(staff_queue.target_days(kind) > 0 for kind in work.WORK_KINDS)


@pytest.mark.parametrize("role", ["desk", "department_clerk", "admin"])
def test_roles_without_work_decide_cannot_open_the_queue(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    logged_in_staff(client, db_session, role)
    assert client.get("/staff/queue").status_code == 403
