"""Demo: one citizen whose bill is ready for the external collector (issue 8), so a newcomer
finds it on /staff/handover, approves it and runs the hand-over to a non-empty file.

The bill is built like the batch would have built it: issued, its reminders sent (with their
real reminder letters) long enough ago for the notice period to have passed, and a
`handover_check` on the caseworker's list. Not a persona: a citizen with one small bill, so no
early-signalling rule puts them on the signal list (which would block the hand-over).
"""

from __future__ import annotations

import random
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.config import Config
from portal.demo.bills import reminder_fee
from portal.demo.people import PeopleFactory
from portal.domain.rules.base import RulePack
from portal.domain.rules.dunning_tables import dunning_table
from portal.models import Claim
from portal.models import ReminderRecord
from portal.services import work
from portal.services.audit import Actor
from portal.services.claims import NewClaim
from portal.services.claims import issue_claim
from portal.services.debtors import NewDebtor
from portal.services.debtors import register_debtor
from portal.services.ledger import append_entry
from portal.services.letter_batch import make_reminder_letter

AMOUNT = 18_500  # minor units: €185 or 185 kr (above the DK minimum of 100 kr)
#: the last reminder was this many days before "today": past every pack's notice period
LAST_REMINDER_DAYS = 30
REMINDER_GAP_DAYS = 14


def seed_handover(
    session: Session, config: Config, rules: RulePack, *, seed: int, today: date
) -> Claim:
    table = dunning_table(rules.code, today)
    reminders = max(1, table.handover_required_reminders.value)
    spec = next(s for s in rules.claim_types if not s.preferential)
    first_reminder = today - timedelta(
        days=LAST_REMINDER_DAYS + REMINDER_GAP_DAYS * (reminders - 1)
    )
    issued = first_reminder - timedelta(days=rules.payment_term_days + 7)
    people = PeopleFactory(rules.country, random.Random(seed + 8))  # noqa: S311 - demo data
    person = people.person(today.year)
    debtor = register_debtor(
        session,
        config,
        rules.country,
        NewDebtor(
            name=person.name,
            national_id=person.national_id,
            email=person.email,
            phone=person.phone,
            address=person.address,
            preferred_locale=rules.default_locale,
        ),
    )
    claim = issue_claim(
        session,
        rules,
        NewClaim(
            debtor_id=debtor.id,
            claim_type_code=spec.code,
            amount=AMOUNT,
            issue_date=issued,
            due_date=issued + timedelta(days=rules.payment_term_days),
            description=f"{spec.name(rules.default_locale)} {issued.year}",
        ),
        actor=Actor.system(),
    )
    now = datetime.now(UTC)
    for sequence in range(1, reminders + 1):
        sent_on = first_reminder + timedelta(days=REMINDER_GAP_DAYS * (sequence - 1))
        fee = reminder_fee(rules, spec, claim.original_amount, sequence)
        if fee:
            append_entry(
                session,
                claim,
                component="fee",
                amount=fee,
                cause="reminder_fee",
                effective_date=sent_on,
                source=f"demo:reminder:{sequence}",
            )
        record = ReminderRecord(
            claim_id=claim.id, sequence=sequence, due_on=sent_on, sent_on=sent_on, fee_amount=fee
        )
        session.add(record)
        session.flush()
        record.letter_id = make_reminder_letter(session, config, rules, record, claim, now=now).id
        claim.reminders_sent = sequence
    work.open_work_item(
        session,
        work.HANDOVER_CHECK,
        "claim",
        claim.id,
        debtor_id=debtor.id,
        department_id=claim.department_id,
        now=now,
    )
    session.flush()
    return claim
