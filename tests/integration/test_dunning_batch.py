"""The dunning step: reminders with the fee of each rule pack's legal basis, once per action,
caught up after a gap without stacking reminders on one day, and avoided fees under holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from portal.services import holds
from portal.services.dunning_batch import run_dunning
from tests.support.batch import DUE
from tests.support.batch import claim_of
from tests.support.batch import done
from tests.support.batch import fees_of
from tests.support.batch import ledger_count
from tests.support.batch import pack
from tests.support.batch import reminders_of
from tests.support.batch import suppressed_of
from tests.support.plans import rules as nl_rules

MakeApp = Callable[..., Flask]
FIRST = DUE + timedelta(days=7)  # every pack: the first reminder 7 days after the due date


def _days(n: int) -> date:
    return DUE + timedelta(days=n)


def test_dk_claim_with_execution_right_gets_250_kr_per_reminder_10_days_apart(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 120_000)

        assert done(run_dunning(db_session, rules, as_of=FIRST - timedelta(days=1))) == {}
        first = run_dunning(db_session, rules, as_of=FIRST)
        assert done(first) == {"reminders": 1, "fees_charged": 1, "fee_amount": 25_000}
        assert claim.reminders_sent == 1
        assert claim.fee_due == 25_000

        assert done(run_dunning(db_session, rules, as_of=FIRST + timedelta(days=9))) == {}
        run_dunning(db_session, rules, as_of=FIRST + timedelta(days=10))
        run_dunning(db_session, rules, as_of=FIRST + timedelta(days=20))
        run_dunning(db_session, rules, as_of=FIRST + timedelta(days=40))

        assert fees_of(db_session, claim) == [
            (FIRST, 25_000),
            (FIRST + timedelta(days=10), 25_000),
            (FIRST + timedelta(days=20), 25_000),
        ]
        assert [(r.sequence, r.sent_on, r.fee_amount) for r in reminders_of(db_session, claim)] == [
            (1, FIRST, 25_000),
            (2, FIRST + timedelta(days=10), 25_000),
            (3, FIRST + timedelta(days=20), 25_000),
        ]
        assert claim.reminders_sent == 3


def test_dk_private_law_claim_gets_at_most_three_reminders_of_100_kr(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "rent", 500_000)
        for day in range(7, 120, 1):
            run_dunning(db_session, rules, as_of=_days(day))

        assert [amount for _, amount in fees_of(db_session, claim)] == [10_000, 10_000, 10_000]
        sent = [r.sent_on for r in reminders_of(db_session, claim)]
        assert all(
            (later - earlier).days >= 10 for earlier, later in zip(sent, sent[1:], strict=False)
        )


def test_running_twice_on_the_same_day_changes_nothing(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 80_000)
        run_dunning(db_session, rules, as_of=FIRST)
        entries = ledger_count(db_session)

        again = run_dunning(db_session, rules, as_of=FIRST)

        assert done(again) == {}
        assert ledger_count(db_session) == entries
        assert len(reminders_of(db_session, claim)) == 1
        assert claim.fee_due == 25_000


def test_after_a_gap_the_batch_sends_the_one_reminder_due_and_spaces_the_rest(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 80_000)
        late = _days(90)  # by the calendar all three reminders are overdue

        counts = run_dunning(db_session, rules, as_of=late)

        assert done(counts) == {"reminders": 1, "fees_charged": 1, "fee_amount": 25_000}
        (record,) = reminders_of(db_session, claim)
        assert (record.sequence, record.due_on, record.sent_on) == (1, FIRST, late)
        assert done(run_dunning(db_session, rules, as_of=late + timedelta(days=9))) == {}
        assert (
            done(run_dunning(db_session, rules, as_of=late + timedelta(days=10)))["reminders"] == 1
        )
        second = reminders_of(db_session, claim)[1]
        assert (second.due_on, second.sent_on) == (late + timedelta(days=10),) * 2


def test_a_claim_under_a_hold_gets_no_reminder_and_its_fee_is_recorded_as_avoided_once(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 80_000)
        hold = holds.place_hold(
            db_session, claim.id, holds.DISPUTE, starts_on=DUE, source="test:dispute"
        )
        entries = ledger_count(db_session)

        counts = run_dunning(db_session, rules, as_of=FIRST)
        run_dunning(db_session, rules, as_of=FIRST + timedelta(days=1))

        assert done(counts) == {"fees_suppressed": 1}
        assert ledger_count(db_session) == entries
        assert reminders_of(db_session, claim) == []
        assert claim.reminders_sent == 0
        assert suppressed_of(db_session, claim) == [("reminder:1", "hold", 25_000)]

        holds.release_hold(db_session, hold, on=FIRST + timedelta(days=5))
        after = run_dunning(db_session, rules, as_of=FIRST + timedelta(days=5))
        assert done(after) == {"reminders": 1, "fees_charged": 1, "fee_amount": 25_000}


def test_a_claim_in_a_plan_gets_no_fee_when_the_pack_charges_none_during_plans(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        assert rules.fees_during_plan is False
        claim = claim_of(db_session, "rent", 80_000)
        holds.place_hold(db_session, claim.id, holds.PLAN, starts_on=DUE, source="plan:1")

        counts = run_dunning(db_session, rules, as_of=FIRST)

        assert done(counts) == {"fees_suppressed": 1}
        assert fees_of(db_session, claim) == []
        assert suppressed_of(db_session, claim) == [("reminder:1", "in_plan", 10_000)]


def test_a_balance_below_the_minimum_gets_no_reminder(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        small = claim_of(db_session, "waste_fee", rules.minimum_collected_amount - 1)
        enough = claim_of(db_session, "waste_fee", rules.minimum_collected_amount)

        run_dunning(db_session, rules, as_of=FIRST)

        assert reminders_of(db_session, small) == []
        assert small.fee_due == 0
        assert len(reminders_of(db_session, enough)) == 1


def test_cancelled_and_handed_over_claims_get_no_reminder(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        cancelled = claim_of(db_session, "waste_fee", 80_000)
        cancelled.cancelled_on = DUE
        handed_over = claim_of(db_session, "waste_fee", 80_000)
        handed_over.handed_over_on = DUE
        db_session.flush()

        assert done(run_dunning(db_session, rules, as_of=FIRST)) == {}


def test_a_dk_public_law_claim_without_execution_right_is_reminded_without_a_fee(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "parking_charge", 80_000)

        counts = run_dunning(db_session, rules, as_of=FIRST)

        assert done(counts) == {"reminders": 1}
        assert fees_of(db_session, claim) == []
        assert [r.fee_amount for r in reminders_of(db_session, claim)] == [0]


def test_be_retributie_first_reminder_is_free_then_25_euro_after_the_boek_xix_wait(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "be") as rules:
        claim = claim_of(db_session, "waste_charge", 40_000)
        tax = claim_of(db_session, "vacancy_tax", 40_000)
        for day in range(7, 80):
            run_dunning(db_session, rules, as_of=_days(day))

        records = reminders_of(db_session, claim)
        assert [(r.sequence, r.fee_amount) for r in records] == [(1, 0), (2, 2_500)]
        assert (records[1].sent_on - records[0].sent_on).days >= 17
        assert fees_of(db_session, claim) == [(records[1].sent_on, 2_500)]
        assert [r.fee_amount for r in reminders_of(db_session, tax)] == [0, 0]
        assert fees_of(db_session, tax) == []


def test_be_fee_stays_under_the_boek_xix_cap_on_a_small_claim(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "be") as rules:
        claim = claim_of(db_session, "childcare_fee", 10_000)  # €100: the cap is €20
        for day in range(7, 80):
            run_dunning(db_session, rules, as_of=_days(day))

        assert [amount for _, amount in fees_of(db_session, claim)] == [2_000]


def test_nl_tax_gets_the_kostenwet_aanmaning_and_private_law_the_free_letter_then_wik(
    db_session: Session,
) -> None:
    rules = nl_rules()
    tax = claim_of(db_session, "ozb_residential", 30_000)
    big_tax = claim_of(db_session, "ozb_residential", 60_000)
    private = claim_of(db_session, "childcare_contribution", 30_000)
    for day in range(7, 60):
        run_dunning(db_session, rules, as_of=_days(day))

    assert [amount for _, amount in fees_of(db_session, tax)] == [800]
    assert [amount for _, amount in fees_of(db_session, big_tax)] == [1_800]
    records = reminders_of(db_session, private)
    assert [(r.sequence, r.fee_amount) for r in records] == [(1, 0), (2, 4_500)]
    assert (records[1].sent_on - records[0].sent_on).days == 14
