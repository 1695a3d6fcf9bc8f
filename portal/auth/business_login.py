"""Business debtors log in through the same OIDC broker (issue 9).

eHerkenning (NL), MitID Erhverv (DK) and CSAM (BE) put the company number in an ID-token
claim (`Config.oidc_business_claim`; empty means kvk / cvr / kbo by rule pack). The broker has
checked that the person may act for the company; we match the business debtor by its number
(checked like every business number, services/claim_checks) and record the acting person (a
keyed hash, never the number) on every action. Several people can act for one company; the
session is bound to that one company's debtor id, so nobody sees another company.
"""

from __future__ import annotations

import logging

from flask import redirect
from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.login_session import eid_name
from portal.auth.login_session import fresh_session
from portal.auth.login_session import rule_pack
from portal.auth.login_session import saldo_config
from portal.auth.login_session import start_citizen_session
from portal.auth.principals import CitizenPrincipal
from portal.extensions import db
from portal.models import Debtor
from portal.services import audit
from portal.services.audit import Actor
from portal.services.claim_checks import business_number_error
from portal.services.claim_checks import compact_business_number

log = logging.getLogger(__name__)

#: the claim that names the company, per country, when Config.oidc_business_claim is empty
DEFAULT_BUSINESS_CLAIMS = {"NL": "kvk", "DK": "cvr", "BE": "kbo"}
#: what people call the number
BUSINESS_NUMBER_NAMES = {"NL": "KvK", "DK": "CVR", "BE": "KBO"}


def business_claim_name() -> str:
    return saldo_config().oidc_business_claim or DEFAULT_BUSINESS_CLAIMS.get(
        rule_pack().country, ""
    )


def find_business(raw: object) -> Debtor | None:
    """The business debtor with this company number; None when invalid or unknown."""
    if not isinstance(raw, str | int) or isinstance(raw, bool) or len(str(raw)) > 20:
        return None
    country = rule_pack().country
    if business_number_error(country, str(raw)) is not None:
        return None
    number = compact_business_number(country, str(raw))
    return db.session.scalar(
        select(Debtor).where(Debtor.kind == "business", Debtor.business_number == number)
    )


def start_business_session(debtor: Debtor, acting_person: str, method: str) -> None:
    audit.record(
        db.session(),
        Actor.citizen(debtor.id, acting_person=acting_person),
        "citizen.login",
        method=method,
    )
    db.session.commit()
    start_citizen_session(
        CitizenPrincipal(
            debtor_id=debtor.id,
            method=method,
            claim_scope=None,
            preferred_locale=debtor.preferred_locale,
            acting_person=acting_person,
        )
    )


def business_login(raw_number: object, acting_person: str | None) -> ResponseReturnValue:
    """Back from the broker with a company number: open that company's bills."""
    if acting_person is None:
        log.warning("business login without a person identifier")
        return _error(_("We could not see who is logging in. Please try again."), 400)
    debtor = find_business(raw_number)
    if debtor is None:
        log.info("business login: no business debtor for the number given")
        fresh_session()
        return render_template("auth/no_bills.html", eid_name=eid_name())
    start_business_session(debtor, acting_person, "business")
    return redirect("/overview")


def _error(message: str, status: int) -> tuple[str, int]:
    return render_template("auth/eid_error.html", message=message, eid_name=eid_name()), status
