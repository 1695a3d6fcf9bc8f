"""Demo: one representative acting for two demo people (issue 9).

A made-up administrator (NL/BE bewindvoerder, DK værge) holds two mandates: for the persona
with a low income (letters to the representative) and the one with a large debt (letters to
both). On the demo login page they appear as "acting for 2 people". A separate random stream
keeps the rest of the demo data exactly as it was.
"""

from __future__ import annotations

import random
from datetime import date
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.models import Debtor
from portal.models import Representation
from portal.services.audit import Actor
from portal.services.representations import NewRepresentation
from portal.services.representations import register_representation

#: (persona situation, letters_to)
MANDATES = (("low_income", "representative"), ("large_debt", "both"))
KIND_BY_COUNTRY = {"NL": "bewindvoerder", "BE": "bewindvoerder", "DK": "guardian"}


def seed_representatives(
    session: Session,
    config: Config,
    rules: RulePack,
    personas: dict[str, Debtor],
    *,
    seed: int,
    today: date,
) -> list[Representation]:
    from portal.demo.people import PeopleFactory

    rng = random.Random(f"saldo-demo-representatives:{seed}:{rules.code}")  # noqa: S311 - demo data must be reproducible
    person = PeopleFactory(rules.country, rng).person(today.year)
    created = []
    for situation, letters_to in MANDATES:
        debtor = personas.get(situation)
        if debtor is None:
            continue
        created.append(
            register_representation(
                session,
                config,
                rules.country,
                NewRepresentation(
                    debtor_id=debtor.id,
                    national_id=person.national_id,
                    name=person.name,
                    kind=KIND_BY_COUNTRY.get(rules.country, "bewindvoerder"),
                    scope="act",
                    evidence_kind="court_decision",
                    evidence_reference=f"Demo court decision {today.year - 1}/{1000 + debtor.id}",
                    starts_on=today - timedelta(days=90),
                    ends_on=today + timedelta(days=2 * 365),
                    letters_to=letters_to,
                    address=person.address,
                    email=person.email,
                ),
                actor=Actor.system(),
                today=today,
            )
        )
    return created
