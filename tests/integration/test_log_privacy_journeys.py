"""Logs carry internal ids only (decisions: privacy). A debtor with a known name, IBAN and
national id goes through the main journeys while every logger records at DEBUG; no captured
log record, nor its JSON line, may contain any of them."""

from __future__ import annotations

import logging
import random
from datetime import date
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.identifiers import make_bsn
from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.models import Claim
from portal.models import Debtor
from portal.payments.camt_writer import write_camt
from portal.structured_log import JsonFormatter
from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.api.helpers import make_token
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import letter_code
from tests.support.auth_helpers import post_form
from tests.support.bank import IBAN as PAYEE_IBAN
from tests.support.bank import run_import
from tests.support.factories import make_claim
from tests.support.login import login_citizen

NAME = "Zebulon Quartermaine-Okafor"
NATIONAL_ID = make_bsn(random.Random(4242))
PAYER_IBAN = "NL67INGB0006543210"
PLANTED = (NAME, "Quartermaine", NATIONAL_ID, PAYER_IBAN, "NL67 INGB 0006 5432 10")
#: SQL echo prints statement parameters; it is a developer's switch, never on in production
QUIET = ("sqlalchemy",)


def _everything_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    for name in QUIET:  # first: each set_level also sets the capture handler's level
        caplog.set_level(logging.WARNING, logger=name)
    for name in list(logging.root.manager.loggerDict):
        if not name.startswith(QUIET):
            caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)


def _statement(claim: Claim, on: date) -> bytes:
    def entry(index: int, amount: int, refs: tuple[str, ...]) -> CamtEntry:
        return CamtEntry(
            index=index,
            amount=amount,
            currency="EUR",
            credit=True,
            reversal=False,
            status="BOOK",
            booking_date=on,
            value_date=on,
            acct_svcr_ref=f"PRIV{index}",
            transactions=(
                CamtTransaction(
                    index=0,
                    amount=amount,
                    currency="EUR",
                    end_to_end_id=f"E2E-PRIV-{index}",
                    structured_refs=refs,
                    unstructured=f"{NAME} {NATIONAL_ID}",
                    debtor_name=NAME,
                    debtor_iban=PAYER_IBAN,
                ),
            ),
        )

    statement = CamtStatement(
        message_type="camt.053",
        version="001.02",
        statement_id="PRIV-1",
        sequence_number=1,
        account_iban=PAYEE_IBAN,
        entries=(entry(0, 1_000, (claim.reference or "",)), entry(1, 777, ())),
    )
    return write_camt(statement, message_id="PRIV-1", created=f"{on}T18:00:00")


@pytest.mark.usefixtures("isolated_requests")
def test_no_log_record_of_the_main_journeys_holds_a_name_iban_or_national_id(
    client: FlaskClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    _everything_at_debug(caplog)
    # A department sends a claim for a new debtor: name and national id in the body.
    token = make_token(db_session, "children")
    body = claim_body(debtor={"national_id": NATIONAL_ID, "name": NAME})
    created = client.post("/api/v1/claims", json=body, headers=auth(token))
    assert created.status_code == 201, created.get_json()
    debtor = db_session.scalars(select(Debtor).where(Debtor.name == NAME)).one()
    api_claim = db_session.get(Claim, created.get_json()["id"])
    assert api_claim is not None
    tax = make_claim(
        db_session,
        debtor,
        30_000,
        claim_type_code="ozb_residential",
        issue_date=date.today() - timedelta(days=90),
        due_date=date.today() - timedelta(days=45),
    )
    db_session.commit()

    # The payer's bank sends a statement with the name and IBAN: one match, one unmatched.
    run_import(db_session, _statement(tax, date.today()))

    # Letter-code login, then the claim the letter is about.
    code = letter_code(db_session, debtor, [tax]).plain_code
    db_session.commit()
    login = post_form(client, "/login/code", {"reference": tax.reference, "code": code})
    assert login.status_code == 302
    assert client.get(f"/claims/{tax.id}").status_code == 200
    client.post("/logout", data={})  # no token: refused, and logged as a 400 only

    # Full (eID) login: overview, claims, pay, debt overview, plan pages.
    login_citizen(client, debtor.id)
    for path in (
        "/",
        "/overview",
        f"/claims/{tax.id}",
        f"/claims/{api_claim.id}",
        f"/claims/{tax.id}/pay",
        f"/claims/{tax.id}/pay/qr.png",
        "/help",
        "/plan",
        "/plan/afford",
        "/plan/statement",
        "/debt-overview",
    ):
        assert client.get(path).status_code in (200, 302), path
    made = post_form(client, "/debt-overview", {})
    assert made.status_code == 302
    assert client.get(made.headers["Location"]).status_code == 200
    afford = post_form(client, "/plan/afford", {"monthly_amount": "not a number"})
    assert afford.status_code in (200, 400)
    client.get("/no/such/page")

    records = caplog.records
    assert any(r.name == "portal.request" for r in records)
    formatter = JsonFormatter()
    for record in records:
        texts = (record.getMessage(), formatter.format(record), repr(vars(record)))
        for planted in PLANTED:
            for text in texts:
                assert planted not in text, (record.name, record.levelname, planted)
