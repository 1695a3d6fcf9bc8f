"""Helpers for the representative and business tests (issue 9)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import Debtor
from portal.models import Representation
from portal.services.audit import Actor
from portal.services.identity import hash_national_id
from portal.services.representations import NewRepresentation
from portal.services.representations import register_representation
from tests.support.factories import TODAY

#: valid BSNs of representatives (not debtors)
REPRESENTATIVE_BSN = "100000009"
OTHER_REPRESENTATIVE_BSN = "100000010"


def make_representation(
    session: Session,
    debtor: Debtor,
    *,
    national_id: str = REPRESENTATIVE_BSN,
    name: str = "Bram Bewind",
    scope: str = "act",
    letters_to: str = "representative",
    starts_on: date = TODAY - timedelta(days=30),
    ends_on: date = TODAY + timedelta(days=365),
    today: date = TODAY,
) -> Representation:
    return register_representation(
        session,
        current_app.config["SALDO"],
        current_app.config["RULE_PACK"].country,
        NewRepresentation(
            debtor_id=debtor.id,
            national_id=national_id,
            name=name,
            kind="bewindvoerder",
            scope=scope,
            evidence_kind="court_decision",
            evidence_reference="C/13/123456",
            starts_on=starts_on,
            ends_on=ends_on,
            letters_to=letters_to,
            address="Kade 1, 1000 AA Voorbeeld",
            email="bewind@example.org",
        ),
        actor=Actor.system(),
        today=today,
    )


def person_hash(national_id: str = REPRESENTATIVE_BSN) -> str:
    return hash_national_id(current_app.config["SALDO"], national_id)


def login_representative(
    client: FlaskClient, national_id: str = REPRESENTATIVE_BSN, own_debtor_id: int | None = None
) -> None:
    """What the eID login leaves behind for a representative: the list, nobody chosen yet."""
    with client.session_transaction() as session:
        session["_user_id"] = "r:0"
        session["_fresh"] = True
        session["representative"] = {
            "person_hash": person_hash(national_id),
            "own_debtor_id": own_debtor_id,
        }
