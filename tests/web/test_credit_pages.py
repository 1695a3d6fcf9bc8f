"""Staff pages for credit: the list, applying credit to a bill, asking for a refund, and the
supervisor's four-eyes approval with the pain.001 file."""

from __future__ import annotations

import itertools
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Debtor
from portal.models import Refund
from portal.models import RefundExport
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.credit import credit_balance
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import make_staff
from tests.support.workspace import csrf_of
from tests.support.workspace import logged_in_staff
from tests.support.workspace import staff_token

_refs = itertools.count(1)
IBAN = "NL02ABNA0123456789"


def with_credit(session: Session, app: Flask, credit: int = 5_000) -> tuple[Debtor, Claim]:
    """A debtor with `credit` left after an online payment, and a second open bill."""
    debtor = make_debtor(session, "Credit Person")
    paid = make_claim(session, debtor, 10_000)
    book_payment(
        session,
        app.config["RULE_PACK"],
        IncomingPayment(
            provider="sandbox",
            provider_reference=f"sbx_pi_credit_page_{next(_refs)}",
            amount=10_000 + credit,
            currency="EUR",
            method="card",
            debtor_id=debtor.id,
            received_on=date(2026, 11, 20),
            earmarked_claim_id=paid.id,
        ),
        actor=Actor.system(),
    )
    # issued after the payment, so it is still open
    open_claim = make_claim(session, debtor, 3_000)
    session.commit()
    return debtor, open_claim


def page(debtor: Debtor) -> str:
    return f"/staff/credits/{debtor.id}"


def _refund_form(client: FlaskClient, debtor: Debtor) -> dict[str, str]:
    html = client.get(page(debtor)).get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    assert key
    token = re.search(r'id="refund-csrf" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    return {"csrf_token": token.group(1), "submission_key": key.group(1)}


def ask_refund(client: FlaskClient, debtor: Debtor, amount: str, **data: str) -> tuple[int, str]:
    form = {
        "refund_amount": amount,
        "method": "bank",
        "iban": IBAN,
        "account_holder": "Credit Person",
        **data,
    }
    response = client.post(f"{page(debtor)}/refund", data={**_refund_form(client, debtor), **form})
    return response.status_code, response.get_data(as_text=True)


def refunds_of(session: Session, debtor: Debtor) -> list[Refund]:
    session.expire_all()
    return list(session.scalars(select(Refund).where(Refund.debtor_id == debtor.id)))


def test_the_credit_list_shows_debtors_with_credit(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, _claim = with_credit(db_session, app)
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    response = client.get("/staff/credits")
    assert response.status_code == 200
    assert_page_ok(response)
    html = response.get_data(as_text=True)
    assert f'data-debtor-id="{debtor.id}"' in html
    assert page(debtor) in html
    assert_page_ok(client.get(page(debtor)))


def test_a_caseworker_applies_credit_to_an_open_bill(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, claim = with_credit(db_session, app)
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    token = csrf_of(client.get(page(debtor)))
    response = client.post(
        f"{page(debtor)}/apply",
        data={"csrf_token": token, "claim_id": str(claim.id), "amount": "20,00"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).balance == 1_000  # type: ignore[union-attr]
    assert credit_balance(db_session, debtor.id, "EUR") == 3_000


def test_applying_more_than_the_bill_owes_gets_a_clear_message_and_changes_nothing(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, claim = with_credit(db_session, app)
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    token = csrf_of(client.get(page(debtor)))
    response = client.post(
        f"{page(debtor)}/apply",
        data={"csrf_token": token, "claim_id": str(claim.id), "amount": "40.00"},
    )
    assert response.status_code == 400
    assert "more than the bill still owes" in response.get_data(as_text=True)
    assert_page_ok(response)
    db_session.expire_all()
    assert credit_balance(db_session, debtor.id, "EUR") == 5_000


def test_asking_a_refund_sets_the_credit_aside_and_a_double_click_makes_one(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, _claim = with_credit(db_session, app)
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    form = _refund_form(client, debtor)
    data = {
        **form,
        "refund_amount": "30.00",
        "method": "bank",
        "iban": "NL02 ABNA 0123 4567 89",
        "account_holder": "Credit Person",
        "note": "Paid twice",
    }
    first = client.post(f"{page(debtor)}/refund", data=data)
    second = client.post(f"{page(debtor)}/refund", data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    [refund] = refunds_of(db_session, debtor)
    assert (refund.amount, refund.state, refund.iban) == (3_000, "requested", IBAN)
    html = client.get(page(debtor)).get_data(as_text=True)
    assert 'data-available="2000"' in html


def test_a_refund_of_more_than_the_credit_gets_a_clear_message_and_nothing_changes(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, _claim = with_credit(db_session, app)
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    status, html = ask_refund(client, debtor, amount="50.01")
    assert status == 400
    assert "more than the credit that is free" in html
    assert_page_ok(html)
    status, html = ask_refund(client, debtor, amount="10.00", iban="NL02ABNA0123456780")
    assert status == 400
    assert "Enter a valid IBAN" in html
    status, html = ask_refund(client, debtor, amount="ten")
    assert status == 400
    assert refunds_of(db_session, debtor) == []


def test_a_caseworker_may_not_open_the_approval_page(
    client: FlaskClient, db_session: Session
) -> None:
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    assert client.get("/staff/refunds").status_code == 403


def test_four_eyes_the_requester_cannot_approve_another_supervisor_can_and_exports(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, _claim = with_credit(db_session, app)
    requester = logged_in_staff(client, db_session, "supervisor")
    db_session.commit()  # the views roll back on refusal
    assert ask_refund(client, debtor, amount="30.00")[0] == 303
    [refund] = refunds_of(db_session, debtor)

    response = client.get("/staff/refunds")
    assert_page_ok(response)
    assert "data-own-request" in response.get_data(as_text=True)
    token = staff_token(client)
    refused = client.post(
        f"/staff/refunds/{refund.id}/approve",
        data={"csrf_token": token, "expected_state": "requested"},
    )
    assert refused.status_code == 400
    assert "Another person must approve" in refused.get_data(as_text=True)
    assert refunds_of(db_session, debtor)[0].state == "requested"

    approver = make_staff(db_session, "supervisor")
    db_session.commit()
    assert approver.id != requester.id
    login_staff(client, approver.id)
    token = staff_token(client)
    approved = client.post(
        f"/staff/refunds/{refund.id}/approve",
        data={"csrf_token": token, "expected_state": "requested"},
    )
    assert approved.status_code == 303
    # the same click again (stale form): refused, nothing changes
    again = client.post(
        f"/staff/refunds/{refund.id}/approve",
        data={"csrf_token": token, "expected_state": "requested"},
    )
    assert again.status_code == 409
    assert refunds_of(db_session, debtor)[0].state == "approved"

    made = client.post("/staff/refunds/exports", data={"csrf_token": token})
    assert made.status_code == 303
    export = db_session.scalar(select(RefundExport).order_by(RefundExport.id.desc()))
    assert export is not None
    download = client.get(f"/staff/refunds/exports/{export.id}.xml")
    assert download.status_code == 200
    assert download.mimetype == "application/xml"
    assert b"pain.001.001.03" in download.data
    assert IBAN.encode() in download.data
    assert credit_balance(db_session, debtor.id, "EUR") == 5_000

    sent = client.post(f"/staff/refunds/exports/{export.id}/sent", data={"csrf_token": token})
    assert sent.status_code == 303
    twice = client.post(f"/staff/refunds/exports/{export.id}/sent", data={"csrf_token": token})
    assert twice.status_code == 409
    db_session.expire_all()
    assert credit_balance(db_session, debtor.id, "EUR") == 2_000
    assert refunds_of(db_session, debtor)[0].state == "executed"


def test_a_rejection_needs_a_reason_and_frees_the_credit(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, _claim = with_credit(db_session, app)
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    assert ask_refund(client, debtor, amount="10.00")[0] == 303
    [refund] = refunds_of(db_session, debtor)
    logged_in_staff(client, db_session, "supervisor")
    db_session.commit()  # the views roll back on refusal
    token = staff_token(client)
    url = f"/staff/refunds/{refund.id}/reject"
    no_reason = client.post(url, data={"csrf_token": token, "expected_state": "requested"})
    assert no_reason.status_code == 400
    assert "Write why" in no_reason.get_data(as_text=True)
    rejected = client.post(
        url, data={"csrf_token": token, "expected_state": "requested", "reason": "Wrong IBAN"}
    )
    assert rejected.status_code == 303
    assert refunds_of(db_session, debtor)[0].state == "rejected"
    count = db_session.scalar(select(func.count()).where(Refund.state == "requested"))
    assert count == 0


def test_a_card_refund_is_paid_back_through_the_sandbox_on_approval(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    debtor, _claim = with_credit(db_session, app)
    logged_in_staff(client, db_session)
    db_session.commit()  # the views roll back on refusal
    html = client.get(page(debtor)).get_data(as_text=True)
    method = re.search(r'value="(payment:\d+)"', html)
    assert method
    assert ask_refund(client, debtor, amount="50.00", method=method.group(1))[0] == 303
    [refund] = refunds_of(db_session, debtor)
    logged_in_staff(client, db_session, "supervisor")
    db_session.commit()  # the views roll back on refusal
    token = staff_token(client)
    response = client.post(
        f"/staff/refunds/{refund.id}/approve",
        data={"csrf_token": token, "expected_state": "requested"},
    )
    assert response.status_code == 303
    [refund] = refunds_of(db_session, debtor)
    assert refund.state == "executed"
    assert refund.provider_refund_id == f"sbx_re_saldo-refund-{refund.id}"
    assert credit_balance(db_session, debtor.id, "EUR") == 0
