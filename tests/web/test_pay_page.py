"""The citizen's pay page: amount choice, bank transfer details, EPC QR, sandbox checkout,
payment pending, result pages and receipts."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.references import ReferenceScheme
from portal.domain.references import display
from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.models import Payment
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.payments import attempts_count
from tests.support.payments import csrf_from
from tests.support.payments import payments_count


@pytest.fixture
def claim(db_session: Session) -> Claim:
    debtor = make_debtor(db_session, "Ria de Vries")
    claim = make_claim(db_session, debtor, 12_345, description="Afvalstoffenheffing 2026")
    db_session.commit()
    return claim


def _pay(client: FlaskClient, claim: Claim, **data: str) -> tuple[int, str, str]:
    path = f"/claims/{claim.id}/pay"
    token = csrf_from(client, path)
    response = client.post(path, data={"csrf_token": token, **data})
    return (
        response.status_code,
        response.headers.get("Location", ""),
        response.get_data(as_text=True),
    )


def test_pay_page_shows_balance_bank_details_reference_and_country_methods(
    client: FlaskClient, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id)
    response = client.get(f"/claims/{claim.id}/pay")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert 'data-balance="12345"' in html
    assert "NL91 ABNA 0417 1643 00" in html  # grouped by 4 for reading
    assert "ABNANL2A" in html
    assert "Gemeente Voorbeeld" in html
    assert display(ReferenceScheme.NL_BETALINGSKENMERK, claim.reference or "") in html
    assert "iDEAL" in html
    assert "Credit or debit card" in html
    assert "<script" not in html
    assert "style=" not in html
    assert 'alt="QR code for your banking app: pay' in html


def test_the_epc_qr_code_decodes_to_a_valid_epc069_12_payload(
    client: FlaskClient, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id)
    response = client.get(f"/claims/{claim.id}/pay/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    result = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))[0]
    payload = result.bytes.decode("utf-8")
    lines = payload.split("\n")
    kenmerk = display(ReferenceScheme.NL_BETALINGSKENMERK, claim.reference or "")
    assert lines == [
        "BCD",  # service tag
        "002",  # version: BIC optional
        "1",  # character set UTF-8
        "SCT",
        "ABNANL2A",
        "Gemeente Voorbeeld",
        "NL91ABNA0417164300",  # compact IBAN
        "EUR123.45",
        "",  # purpose
        "",  # line 10: only an RF may go here, a betalingskenmerk does not
        f"{kenmerk} Afvalstoffenheffing 2026",  # line 11
    ]
    assert not payload.endswith("\n")
    assert len(result.bytes) <= 331
    assert "\r" not in payload


def test_without_login_the_pay_page_sends_to_the_login_page(
    client: FlaskClient, claim: Claim
) -> None:
    anonymous = client.get(f"/claims/{claim.id}/pay")
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]


def test_someone_elses_claim_is_404(client: FlaskClient, db_session: Session, claim: Claim) -> None:
    other = make_debtor(db_session, "Someone Else")
    make_claim(db_session, other, 500)
    db_session.commit()
    login_citizen(client, other.id)
    assert client.get(f"/claims/{claim.id}/pay").status_code == 404
    assert client.get(f"/claims/{claim.id}/pay/qr.png").status_code == 404
    assert client.get("/claims/999999/pay").status_code == 404


def test_a_claim_outside_the_letter_scope_is_404(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id, scope=[claim.id + 1000], method="login_code")
    assert client.get(f"/claims/{claim.id}/pay").status_code == 404


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter the amount in numbers"),
        ("-5", "Enter an amount above zero"),
        ("0", "Enter an amount above zero"),
        ("10,5555", "no more than two digits after the decimal point"),
        ("200", "You can pay at most"),
        ("0,10", "The smallest amount you can pay online is"),
    ],
)
def test_bad_amounts_get_a_clear_message_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, claim: Claim, amount: str, message: str
) -> None:
    login_citizen(client, claim.debtor_id)
    before = attempts_count(db_session)
    status, _location, html = _pay(client, claim, choice="part", amount=amount)
    assert status == 400
    assert message in html
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert attempts_count(db_session) == before


def test_a_post_without_csrf_token_is_refused(client: FlaskClient, claim: Claim) -> None:
    login_citizen(client, claim.debtor_id)
    response = client.post(f"/claims/{claim.id}/pay", data={"choice": "full"})
    assert response.status_code == 400


def _start_and_press(client: FlaskClient, claim: Claim, action: str, amount: str = "40") -> str:
    status, location, _html = _pay(client, claim, choice="part", amount=amount)
    assert status == 303
    assert location.startswith("/payments/sandbox/")
    token = csrf_from(client, location)
    response = client.post(location, data={"csrf_token": token, "action": action})
    assert response.status_code == 303
    result = client.get(response.headers["Location"])
    assert result.status_code == 200
    return result.get_data(as_text=True)


def test_paying_a_part_with_the_sandbox_books_it_and_lowers_the_balance(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id)
    html = _start_and_press(client, claim, "paid")
    assert "Thank you, we have received your payment" in html
    assert 'data-payment-state="paid"' in html
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).balance == 12_345 - 4_000  # type: ignore[union-attr]
    payment = db_session.scalar(select(Payment).where(Payment.earmarked_claim_id == claim.id))
    assert payment is not None
    assert payment.amount == 4_000
    assert payment.provider == "sandbox"
    match = re.search(r'href="(/payments/\d+/receipt)"', html)
    assert match
    assert match.group(1) == f"/payments/{payment.id}/receipt"


@pytest.mark.parametrize(
    ("action", "text"),
    [("failed", "The payment failed. Nothing was paid."), ("cancelled", "You stopped the payment")],
)
def test_a_failed_or_cancelled_sandbox_payment_tells_the_truth(
    client: FlaskClient, db_session: Session, claim: Claim, action: str, text: str
) -> None:
    login_citizen(client, claim.debtor_id)
    before = payments_count(db_session)
    html = _start_and_press(client, claim, action)
    assert text in html
    assert payments_count(db_session) == before
    # Nothing pending any more: the pay page shows no warning.
    assert "data-payment-pending" not in client.get(f"/claims/{claim.id}/pay").get_data(
        as_text=True
    )


def test_a_started_payment_shows_pending_and_paying_twice_needs_a_confirmation(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id)
    before = attempts_count(db_session)
    status, location, _ = _pay(client, claim, choice="full")
    assert status == 303
    page = client.get(f"/claims/{claim.id}/pay").get_data(as_text=True)
    assert "We are checking your payment." in page
    assert "data-payment-pending" in page

    status, _, html = _pay(client, claim, choice="full")
    assert status == 400
    assert "Tick the box if you really want to pay again" in html
    assert attempts_count(db_session) == before + 1

    status, location, _ = _pay(client, claim, choice="full", pay_again="y")
    assert status == 303
    assert location.startswith("/payments/sandbox/")
    assert attempts_count(db_session) == before + 2


def test_the_return_page_says_we_are_checking_until_the_payment_is_booked(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id)
    _status, location, _ = _pay(client, claim, choice="full")
    attempt = db_session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.claim_id == claim.id))
    assert attempt is not None
    html = client.get(f"/payments/return/{attempt.public_id}").get_data(as_text=True)
    assert "We are checking your payment" in html
    assert 'data-payment-state="pending"' in html
    assert client.get("/payments/return/not-a-real-id").status_code == 404


def test_the_receipt_is_for_the_payer_only(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id)
    _start_and_press(client, claim, "paid", amount="123,45")
    payment = db_session.scalar(select(Payment).where(Payment.earmarked_claim_id == claim.id))
    assert payment is not None
    receipt = client.get(f"/payments/{payment.id}/receipt")
    html = receipt.get_data(as_text=True)
    assert receipt.status_code == 200
    assert 'data-receipt-amount="12345"' in html
    assert "Afvalstoffenheffing 2026" in html
    assert html.count("<h1") == 1

    other = make_debtor(db_session, "Someone Else")
    make_claim(db_session, other, 500)
    db_session.commit()
    login_citizen(client, other.id)
    assert client.get(f"/payments/{payment.id}/receipt").status_code == 404
    assert client.get("/payments/999999/receipt").status_code == 404


def test_a_paid_claim_has_nothing_to_pay(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_citizen(client, claim.debtor_id)
    _start_and_press(client, claim, "paid", amount="123,45")
    html = client.get(f"/claims/{claim.id}/pay").get_data(as_text=True)
    assert "Nothing to pay here" in html
    assert client.get(f"/claims/{claim.id}/pay/qr.png").status_code == 404


def test_the_sandbox_page_is_only_for_sandbox_checkouts(client: FlaskClient) -> None:
    assert client.get("/payments/sandbox/unknown").status_code == 404


def test_a_danish_pay_page_shows_the_fik_code_line_and_a_link_qr_instead_of_epc(
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
        response = client.get(f"/claims/{claim.id}/pay")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f"+71&lt;{claim.reference}+81234567&lt;" in html
        assert "data-epc-qr" not in html
        assert "MobilePay" in html
        match = re.search(
            r'<img src="(data:image/png;base64,[^"]+)" alt="([^"]+)" data-link-qr', html
        )
        assert match
        assert "QR code" in match.group(2)
        import base64

        png = base64.b64decode(match.group(1).split(",", 1)[1])
        url = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text
        assert re.fullmatch(r"http://127\.0\.0\.1:5000/p/[A-Za-z0-9_-]{43}", url)
        assert client.get(url.removeprefix("http://127.0.0.1:5000")).status_code == 200
        assert client.get(f"/claims/{claim.id}/pay/qr.png").status_code == 404
