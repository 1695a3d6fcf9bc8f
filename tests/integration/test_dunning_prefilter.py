"""The dunning step's SQL pre-filter never leaves out a claim the rule would act on.

A grid of claims in each rule pack — every fee regime, on and around the first reminder day,
reminded just inside and just outside the minimum gap, at the maximum, paid, below and at the
minimum, cancelled, handed over, under a hold (ended, not yet started, the plan's own), with
the avoided fee already recorded — is decided by the pure rule WITHOUT the pre-filter. The
batch run must write exactly what those decisions say, and every claim the rule acts on must
be among the SQL candidates.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.dunning import Action
from portal.domain.dunning import fee_regime
from portal.domain.rules.base import RulePack
from portal.domain.rules.dunning_tables import dunning_table
from portal.models import Claim
from portal.models import ReminderRecord
from portal.models import SuppressedCharge
from portal.services import holds
from portal.services.dunning_batch import run_dunning
from portal.services.dunning_candidates import candidate_ids
from portal.services.dunning_candidates import decide
from portal.services.dunning_candidates import locked_facts
from portal.services.dunning_candidates import read_history
from tests.support.batch import claim_of
from tests.support.batch import pack
from tests.support.factories import make_debtor

AS_OF = date(2026, 11, 23)
HOLDS = ("none", "dispute", "dispute_ended", "dispute_later", "plan", "plan_and_dispute")
HISTORY = ("never", "inside_gap", "on_gap", "long_ago", "at_maximum")


def _one_type_per_regime(rules: RulePack) -> list[str]:
    seen: dict[object, str] = {}
    for spec in rules.claim_types:
        regime = fee_regime(rules.code, spec.legal_basis, spec.has_execution_right)
        seen.setdefault(regime, spec.code)
    return sorted(seen.values())


def _remind(session: Session, claim: Claim, count: int, last_sent: date) -> None:
    for sequence in range(1, count + 1):
        sent = last_sent - timedelta(days=30 * (count - sequence))
        session.add(
            ReminderRecord(
                claim_id=claim.id, sequence=sequence, due_on=sent, sent_on=sent, fee_amount=0
            )
        )
    claim.reminders_sent = count


def _hold(session: Session, claim: Claim, kind: str) -> None:
    spans = {
        "dispute": [(holds.DISPUTE, AS_OF - timedelta(days=5), None)],
        "dispute_ended": [(holds.DISPUTE, AS_OF - timedelta(days=30), AS_OF)],
        "dispute_later": [(holds.DISPUTE, AS_OF + timedelta(days=1), None)],
        "plan": [(holds.PLAN, AS_OF - timedelta(days=5), None)],
        "plan_and_dispute": [
            (holds.PLAN, AS_OF - timedelta(days=5), None),
            (holds.DISPUTE, AS_OF - timedelta(days=5), None),
        ],
    }
    for reason, starts_on, ends_on in spans.get(kind, []):
        holds.place_hold(
            session, claim.id, reason, starts_on=starts_on, ends_on=ends_on, source="test"
        )


def _grid(session: Session, rules: RulePack) -> list[Claim]:
    table = dunning_table(rules.code, AS_OF)
    first_day = AS_OF - timedelta(days=table.first_reminder_after_days.value)
    gap = table.min_gap_days.value
    debtor = make_debtor(session, "Grid Person")
    claims = []
    cases = itertools.product(
        _one_type_per_regime(rules),
        (first_day + timedelta(days=1), first_day, first_day - timedelta(days=90)),
        HISTORY,
        HOLDS,
        (False, True),  # the avoided fee of the next reminder is recorded already
    )
    for type_code, due, history, hold, recorded in cases:
        if history != "never" and due > first_day:
            continue  # reminded before the first reminder day: not a state the batch makes
        claim = claim_of(session, type_code, 60_000, due=due, debtor=debtor)
        spec = rules.claim_type(type_code)
        regime = table.regime(fee_regime(rules.code, spec.legal_basis, spec.has_execution_right))
        if history == "inside_gap":
            _remind(session, claim, 1, AS_OF - timedelta(days=gap - 1))
        elif history == "on_gap":
            _remind(session, claim, 1, AS_OF - timedelta(days=gap))
        elif history == "long_ago":
            _remind(session, claim, 1, AS_OF - timedelta(days=60))
        elif history == "at_maximum":
            _remind(session, claim, regime.max_reminders.value, AS_OF - timedelta(days=gap))
        _hold(session, claim, hold)
        if recorded:
            session.add(
                SuppressedCharge(
                    claim_id=claim.id,
                    amount=500,
                    currency=claim.currency,
                    reason="hold",
                    action_key=f"reminder:{claim.reminders_sent + 1}",
                    on_date=AS_OF - timedelta(days=1),
                )
            )
        claims.append(claim)
    # Balances on and around the minimum, paid, cancelled and handed over.
    oldest = first_day - timedelta(days=90)
    for type_code in _one_type_per_regime(rules):
        for amount in (rules.minimum_collected_amount - 1, rules.minimum_collected_amount):
            claims.append(claim_of(session, type_code, amount, due=oldest, debtor=debtor))
        paid = claim_of(session, type_code, 5_000, due=oldest, debtor=debtor)
        paid.principal_due = 0
        cancelled = claim_of(session, type_code, 5_000, due=oldest, debtor=debtor)
        cancelled.cancelled_on = oldest
        handed = claim_of(session, type_code, 5_000, due=oldest, debtor=debtor)
        handed.handed_over_on = oldest
        claims += [paid, cancelled, handed]
    session.flush()
    return claims


def _expected(
    session: Session, rules: RulePack, ids: list[int]
) -> tuple[set[tuple[int, int]], set[tuple[int, str]]]:
    """What the rule does when asked about EVERY claim: (claim, sequence) reminders sent and
    (claim, action key) avoided fees newly recorded."""
    facts = locked_facts(session, ids)
    history = read_history(session, ids, AS_OF)
    recorded = set(
        session.execute(
            select(SuppressedCharge.claim_id, SuppressedCharge.action_key).where(
                SuppressedCharge.claim_id.in_(ids)
            )
        ).all()
    )
    sent, suppressed = set(), set()
    for claim in facts:
        decision = decide(claim, history, rules, AS_OF)
        if decision is None:
            continue
        key = f"reminder:{decision.sequence}"
        if decision.action is Action.CHARGE:
            sent.add((claim.claim_id, decision.sequence))
        elif (
            decision.action is Action.SUPPRESS
            and decision.fee > 0
            and ((claim.claim_id, key) not in recorded)
        ):
            suppressed.add((claim.claim_id, key))
    return sent, suppressed


@pytest.mark.parametrize("code", ["nl", "dk", "be"])
def test_the_sql_prefilter_keeps_every_claim_the_rule_acts_on(
    make_app: Callable[..., Flask], db_session: Session, code: str
) -> None:
    with pack(make_app, db_session, code) as rules:
        claims = _grid(db_session, rules)
        ids = sorted(claim.id for claim in claims)
        sent, suppressed = _expected(db_session, rules, ids)
        table = dunning_table(rules.code, AS_OF)
        found = set(candidate_ids(db_session, rules, table, as_of=AS_OF)) & set(ids)
        before = {
            (row.claim_id, row.action_key)
            for row in db_session.scalars(
                select(SuppressedCharge).where(SuppressedCharge.claim_id.in_(ids))
            )
        }

        counts = run_dunning(db_session, rules, as_of=AS_OF)

    db_session.expire_all()
    written = {
        (row.claim_id, row.sequence)
        for row in db_session.scalars(
            select(ReminderRecord).where(
                ReminderRecord.claim_id.in_(ids), ReminderRecord.sent_on == AS_OF
            )
        )
    }
    avoided = {
        (row.claim_id, row.action_key)
        for row in db_session.scalars(
            select(SuppressedCharge).where(SuppressedCharge.claim_id.in_(ids))
        )
    } - before
    assert sent, "the grid has claims the rule sends a reminder for"
    assert suppressed, "the grid has held claims whose avoided fee the rule records"
    assert {claim_id for claim_id, _ in sent | suppressed} <= found
    assert written == sent
    assert avoided == suppressed
    assert counts["reminders"] >= len(sent)
    # The filter narrows: it leaves out claims that are not due, held ones that have nothing
    # left to record, paid, cancelled and handed over ones.
    assert len(found) < len(ids) / 2
