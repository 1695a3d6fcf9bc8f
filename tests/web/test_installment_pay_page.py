"""The citizen pays one installment of their plan on the same pay page as a bill; the DKK pay
page reuses its payment link instead of making a new one on every view."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC
from datetime import datetime
from typing import Any

import zxingcpp
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.references import ReferenceScheme
from portal.domain.references import display
from portal.models import Payment
from portal.models import PaymentLink
from portal.models import Plan
from portal.models import PlanInstallment
from portal.services import online_payments as svc
from portal.services import plans
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.payments import attempts_count
from tests.support.payments import csrf_from
from tests.support.payments import payments_count
from tests.support.plans import make_plan


def _plan(db_session: Session) -> tuple[Plan, PlanInstallment]:
    plan = make_plan(db_session)
    db_session.commit()
    return plan, plan.installments[0]


def _path(installment: PlanInstallment) -> str:
    return f"/plan/installments/{installment.id}/pay"


def test_the_installment_pay_page_shows_its_amount_reference_and_bank_details(
    client: FlaskClient, db_session: Session
) -> None:
    plan, installment = _plan(db_session)
    login_citizen(client, plan.debtor_id)
    response = client.get(_path(installment))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Pay an installment" in html
    assert f'data-balance="{installment.amount}"' in html
    first_claim = plans.plan_claims(db_session, plan)[0]
    assert display(ReferenceScheme.NL_BETALINGSKENMERK, first_claim.reference or "") in html
    assert "NL91 ABNA 0417 1643 00" in html
    assert f'action="{_path(installment)}"' in html
    assert "<script" not in html
    assert "style=" not in html


def test_the_installment_qr_code_carries_the_installment_amount(
    client: FlaskClient, db_session: Session
) -> None:
    plan, installment = _plan(db_session)
    login_citizen(client, plan.debtor_id)
    response = client.get(f"{_path(installment)}/qr.png")
    assert response.status_code == 200
    payload = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))[0].bytes.decode()
    lines = payload.split("\n")
    euros = f"{installment.amount // 100}.{installment.amount % 100:02d}"
    assert lines[7] in (f"EUR{euros}", f"EUR{euros.rstrip('0').rstrip('.')}")


def test_someone_elses_or_an_unknown_installment_is_404(
    client: FlaskClient, db_session: Session
) -> None:
    _plan_, installment = _plan(db_session)
    other = make_debtor(db_session, "Someone Else")
    make_claim(db_session, other, 5_000)
    db_session.commit()
    login_citizen(client, other.id)
    assert client.get(_path(installment)).status_code == 404
    assert client.get(f"{_path(installment)}/qr.png").status_code == 404
    assert client.get("/plan/installments/999999/pay").status_code == 404


def test_without_login_the_installment_page_sends_to_login(
    client: FlaskClient, db_session: Session
) -> None:
    _plan_, installment = _plan(db_session)
    response = client.get(_path(installment))
    assert response.status_code in (302, 303)


def test_more_than_the_installment_or_less_than_the_minimum_is_refused_and_nothing_stored(
    client: FlaskClient, db_session: Session
) -> None:
    plan, installment = _plan(db_session)
    login_citizen(client, plan.debtor_id)
    before = attempts_count(db_session)
    too_much = f"{(installment.amount + 100) / 100:.2f}"
    for amount, text in ((too_much, "You can pay at most"), ("0.10", "The smallest amount")):
        token = csrf_from(client, _path(installment))
        response = client.post(
            _path(installment), data={"csrf_token": token, "choice": "part", "amount": amount}
        )
        assert response.status_code == 400
        assert text in response.get_data(as_text=True)
    assert attempts_count(db_session) == before


def test_paying_an_installment_with_the_sandbox_books_it_on_the_plan_and_marks_it_paid(
    client: FlaskClient, db_session: Session
) -> None:
    plan, installment = _plan(db_session)
    login_citizen(client, plan.debtor_id)
    before = payments_count(db_session)
    token = csrf_from(client, _path(installment))
    response = client.post(_path(installment), data={"csrf_token": token, "choice": "full"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/payments/sandbox/")
    sandbox_token = csrf_from(client, location)
    pressed = client.post(location, data={"csrf_token": sandbox_token, "action": "paid"})
    assert pressed.status_code == 303
    result = client.get(pressed.headers["Location"]).get_data(as_text=True)
    assert 'data-payment-state="paid"' in result
    assert 'href="/plan"' in result
    db_session.expire_all()
    assert payments_count(db_session) == before + 1
    payment = db_session.scalar(select(Payment).where(Payment.plan_id == plan.id))
    assert payment is not None
    assert payment.amount == installment.amount
    assert db_session.get(PlanInstallment, installment.id).state == "paid"  # type: ignore[union-attr]
    # Paid: the page now says there is nothing to pay.
    assert "Nothing to pay here" in client.get(_path(installment)).get_data(as_text=True)


def test_a_started_installment_payment_shows_pending(
    client: FlaskClient, db_session: Session
) -> None:
    plan, installment = _plan(db_session)
    login_citizen(client, plan.debtor_id)
    token = csrf_from(client, _path(installment))
    client.post(_path(installment), data={"csrf_token": token, "choice": "full"})
    html = client.get(_path(installment)).get_data(as_text=True)
    assert "data-payment-pending" in html
    assert svc.installment_pending(db_session, installment.id, datetime.now(UTC))


def _links(db_session: Session) -> int:
    return int(db_session.scalar(select(func.count()).select_from(PaymentLink)) or 0)


def test_a_danish_pay_page_reuses_its_payment_link_on_every_view(
    make_app: Any, db_session: Session
) -> None:
    from portal.services.catalogue import sync_catalogue

    dk_app = make_app(rules="dk", payee_iban="DK5000400440116243", payee_bic="DABADKKK")
    with dk_app.app_context():
        rules = dk_app.config["RULE_PACK"]
        sync_catalogue(db_session, rules)
        debtor = make_debtor(db_session, "Mette Hansen")
        claim = make_claim(db_session, debtor, 45_000, claim_type_code=rules.claim_types[0].code)
        db_session.commit()
        client = dk_app.test_client()
        login_citizen(client, debtor.id)
        before = _links(db_session)
        urls = set()
        for _ in range(3):
            html = client.get(f"/claims/{claim.id}/pay").get_data(as_text=True)
            match = re.search(r'<img src="data:image/png;base64,([^"]+)"[^>]*data-link-qr', html)
            assert match
            png = base64.b64decode(match.group(1))
            urls.add(zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text)
        db_session.expire_all()
        assert _links(db_session) == before + 1
        assert len(urls) == 1
