"""Properties of `next_reminder` that must hold for every claim, pack and day."""

from __future__ import annotations

import dataclasses
from datetime import date
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from portal.domain.dunning import Action
from portal.domain.dunning import DunningFacts
from portal.domain.dunning import ReminderDecision
from portal.domain.dunning import boek_xix_cap
from portal.domain.dunning import fee_regime
from portal.domain.dunning import next_reminder
from portal.domain.dunning import wik_amount
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.dunning_tables import DK_EXECUTION_CAP
from portal.domain.rules.dunning_tables import DK_PRIVATE_CAP
from portal.domain.rules.dunning_tables import NL_AANMANING_HIGH
from portal.domain.rules.dunning_tables import WIK_MAXIMUM
from portal.domain.rules.dunning_tables import XIX_MAXIMUM
from portal.domain.rules.dunning_tables import FeeRegime
from portal.domain.rules.dunning_tables import dunning_table

countries = st.sampled_from(["dk", "nl", "be"])
amounts = st.integers(min_value=0, max_value=300_000_000)  # up to 3,000,000.00
#: A flag that is usually off, so that most drawn claims reach the fee rules.
rarely = st.sampled_from((False, False, False, False, True))


@st.composite
def claims(draw: st.DrawFn) -> tuple[DunningFacts, str, date]:
    """(facts, pack code, as_of) — consistent facts, dates from 2024 on (every table valid)."""
    principal = draw(amounts)
    fees_charged = draw(st.one_of(st.just(0), st.integers(min_value=0, max_value=1_000_000)))
    interest = draw(st.integers(min_value=0, max_value=1_000_000))
    due = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
    reminders = draw(st.integers(min_value=0, max_value=4))
    last = None
    if reminders:
        last = due + timedelta(days=draw(st.integers(min_value=0, max_value=200)))
    start = last or due
    as_of = start + timedelta(days=draw(st.integers(min_value=-5, max_value=120)))
    facts = DunningFacts(
        legal_basis=draw(st.sampled_from(list(LegalBasis))),
        has_execution_right=draw(st.booleans()),
        balance=principal + fees_charged + interest,
        principal=principal,
        due_date=due,
        reminders_sent=reminders,
        last_reminder_on=last,
        paused=draw(rarely),
        in_plan=draw(rarely),
        fees_during_plan=draw(st.booleans()),
        handed_over=draw(rarely) and draw(rarely),
        cancelled=draw(rarely) and draw(rarely),
        fees_charged=fees_charged,
    )
    return facts, draw(countries), as_of


Claim = tuple[DunningFacts, str, date]


def regime_of(facts: DunningFacts, country: str) -> FeeRegime:
    return fee_regime(country, facts.legal_basis, facts.has_execution_right)


def recorded(facts: DunningFacts, decision: ReminderDecision, on: date) -> DunningFacts:
    return dataclasses.replace(
        facts,
        reminders_sent=facts.reminders_sent + 1,
        last_reminder_on=on,
        balance=facts.balance + decision.fee,
        fees_charged=facts.fees_charged + decision.fee,
    )


@given(claims())
def test_a_fee_is_never_negative_nor_above_the_legal_cap(claim: Claim) -> None:
    facts, country, as_of = claim
    decision = next_reminder(facts, country, as_of=as_of)
    if decision is None:
        return
    assert decision.fee >= 0
    regime = regime_of(facts, country)
    if regime is FeeRegime.DK_EXECUTION:
        assert decision.fee <= DK_EXECUTION_CAP.value
    elif regime is FeeRegime.DK_PRIVATE:
        assert decision.fee <= DK_PRIVATE_CAP.value
    elif regime is FeeRegime.NL_TAX:
        assert decision.fee <= NL_AANMANING_HIGH.value
    elif regime is FeeRegime.NL_PRIVATE:
        assert decision.fee <= max(0, wik_amount(facts.principal) - facts.fees_charged)
        assert decision.fee <= WIK_MAXIMUM.value
    elif regime is FeeRegime.BE_XIX:
        assert decision.fee <= max(0, boek_xix_cap(facts.principal) - facts.fees_charged)
        assert decision.fee <= min(2_500, XIX_MAXIMUM.value)
    else:
        assert decision.fee == 0


@given(claims())
def test_no_reminder_beyond_the_maximum_count(claim: Claim) -> None:
    facts, country, as_of = claim
    decision = next_reminder(facts, country, as_of=as_of)
    limit = dunning_table(country, as_of).regime(regime_of(facts, country)).max_reminders.value
    if decision is not None and decision.action is not Action.SKIP:
        assert decision.sequence <= limit


@given(claims())
def test_no_fee_is_charged_while_paused_or_in_a_plan_without_plan_fees(claim: Claim) -> None:
    facts, country, as_of = claim
    decision = next_reminder(facts, country, as_of=as_of)
    if decision is None:
        return
    if facts.paused or (facts.in_plan and not facts.fees_during_plan):
        assert decision.action is not Action.CHARGE
    if decision.action is Action.SUPPRESS:
        assert facts.paused or (facts.in_plan and not facts.fees_during_plan)


@given(claims())
def test_a_skip_carries_no_fee_and_every_decision_is_about_the_next_number(claim: Claim) -> None:
    facts, country, as_of = claim
    decision = next_reminder(facts, country, as_of=as_of)
    if decision is None:
        return
    assert decision.sequence == facts.reminders_sent + 1
    if decision.action is Action.SKIP:
        assert decision.fee == 0
        assert decision.reason is not None
    if decision.action is Action.CHARGE:
        assert not facts.cancelled
        assert not facts.handed_over
        assert facts.balance > 0


@given(claims())
def test_next_reminder_is_deterministic(claim: Claim) -> None:
    facts, country, as_of = claim
    assert next_reminder(facts, country, as_of=as_of) == next_reminder(facts, country, as_of=as_of)


@given(claims())
def test_after_the_batch_records_a_reminder_the_same_day_gives_none(claim: Claim) -> None:
    facts, country, as_of = claim
    decision = next_reminder(facts, country, as_of=as_of)
    if decision is None or decision.action is not Action.CHARGE:
        return
    assert next_reminder(recorded(facts, decision, as_of), country, as_of=as_of) is None


@given(claims(), st.integers(min_value=1, max_value=40))
def test_a_daily_batch_sends_in_order_spaced_and_never_beyond_the_maximum(
    claim: Claim, stride: int
) -> None:
    """Run the batch every `stride` days for a year, recording what it sends."""
    facts, country, _ = claim
    facts = dataclasses.replace(facts, reminders_sent=0, last_reminder_on=None, fees_charged=0)
    table = dunning_table(country, facts.due_date)
    limit = table.regime(regime_of(facts, country)).max_reminders.value
    sent_on: list[date] = []
    day = facts.due_date
    while day <= facts.due_date + timedelta(days=365):
        decision = next_reminder(facts, country, as_of=day)
        if decision is not None and decision.action is Action.CHARGE:
            assert decision.sequence == len(sent_on) + 1
            facts = recorded(facts, decision, day)
            sent_on.append(day)
        day += timedelta(days=stride)
    assert len(sent_on) <= limit
    gaps = [(b - a).days for a, b in zip(sent_on, sent_on[1:], strict=False)]
    assert all(gap >= table.min_gap_days.value for gap in gaps)
    if sent_on:
        assert (sent_on[0] - facts.due_date).days >= table.first_reminder_after_days.value
