"""Collection holds (half-open day ranges) and suppressed charges ("costs avoided")."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CollectionHold
from portal.models import SuppressedCharge
from portal.models.work import HOLD_REASONS
from portal.services.holds import UnknownHoldReason
from portal.services.holds import active_hold_reasons
from portal.services.holds import active_holds
from portal.services.holds import collection_paused
from portal.services.holds import place_hold
from portal.services.holds import record_suppressed_charge
from portal.services.holds import release_hold
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor

D1 = date(2026, 12, 1)
D2 = date(2026, 12, 10)


@pytest.fixture
def claim_id(db_session: Session) -> int:
    return make_claim(db_session, make_debtor(db_session)).id


@pytest.mark.parametrize(
    ("day", "paused"),
    [
        (D1 - timedelta(days=1), False),  # before the start
        (D1, True),  # the start day is inside
        (D2 - timedelta(days=1), True),  # the last day inside
        (D2, False),  # ends_on is exclusive
        (D2 + timedelta(days=5), False),
    ],
)
def test_a_hold_is_active_from_its_start_until_the_day_before_its_end(
    db_session: Session, claim_id: int, day: date, paused: bool
) -> None:
    place_hold(db_session, claim_id, "dispute", starts_on=D1, ends_on=D2, source="staff:1")
    assert collection_paused(db_session, claim_id, day) is paused


def test_an_open_ended_hold_lasts_until_released(db_session: Session, claim_id: int) -> None:
    hold = place_hold(db_session, claim_id, "plan", starts_on=D1, source="plan:1")
    assert collection_paused(db_session, claim_id, D1 + timedelta(days=3650))

    release_hold(db_session, hold, on=D2)

    assert hold.ends_on == D2
    assert collection_paused(db_session, claim_id, D2 - timedelta(days=1))
    assert not collection_paused(db_session, claim_id, D2)


def test_releasing_never_deletes_and_never_extends(db_session: Session, claim_id: int) -> None:
    hold = place_hold(db_session, claim_id, "remission", starts_on=D1, source="remission:4")
    release_hold(db_session, hold, on=D2)
    release_hold(db_session, hold, on=D2 + timedelta(days=10))  # later release: no extension

    assert hold.ends_on == D2
    assert db_session.scalar(select(func.count()).select_from(CollectionHold)) == 1


def test_a_hold_released_before_it_started_never_applied(
    db_session: Session, claim_id: int
) -> None:
    hold = place_hold(db_session, claim_id, "debt_help", starts_on=D2, source="referral:2")
    release_hold(db_session, hold, on=D1)

    assert hold.ends_on == D2
    assert not collection_paused(db_session, claim_id, D2)


def test_placing_the_same_open_hold_again_returns_it(db_session: Session, claim_id: int) -> None:
    first = place_hold(db_session, claim_id, "plan", starts_on=D1, source="plan:9")
    again = place_hold(db_session, claim_id, "plan", starts_on=D2, source="plan:9")
    other_plan = place_hold(db_session, claim_id, "plan", starts_on=D1, source="plan:10")

    assert again.id == first.id
    assert other_plan.id != first.id


def test_after_release_the_same_hold_can_be_placed_again(
    db_session: Session, claim_id: int
) -> None:
    first = place_hold(db_session, claim_id, "dispute", starts_on=D1, source="staff:3")
    release_hold(db_session, first, on=D2)
    second = place_hold(db_session, claim_id, "dispute", starts_on=D2, source="staff:3")

    assert second.id != first.id


@pytest.mark.parametrize("reason", ["", "holiday", "PLAN"])
def test_an_unknown_reason_is_refused(db_session: Session, claim_id: int, reason: str) -> None:
    with pytest.raises(UnknownHoldReason):
        place_hold(db_session, claim_id, reason, starts_on=D1, source="staff:1")


@pytest.mark.parametrize("ends_on", [D1, D1 - timedelta(days=1)])
def test_a_hold_must_end_after_it_starts(db_session: Session, claim_id: int, ends_on: date) -> None:
    with pytest.raises(ValueError, match="ends after it starts"):
        place_hold(db_session, claim_id, "dispute", starts_on=D1, ends_on=ends_on, source="s:1")


def test_every_reason_the_database_accepts_can_be_placed(
    db_session: Session, claim_id: int
) -> None:
    for reason in HOLD_REASONS:
        place_hold(db_session, claim_id, reason, starts_on=D1, source="test", reference="ref-1")
    reasons = active_hold_reasons(db_session, [claim_id], D1)
    assert reasons == {claim_id: frozenset(HOLD_REASONS)}
    assert len(active_holds(db_session, claim_id, D1)) == len(HOLD_REASONS)


def test_active_hold_reasons_for_many_claims_in_one_query(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    paused, free, ended = (make_claim(db_session, debtor) for _ in range(3))
    place_hold(db_session, paused.id, "plan", starts_on=D1, source="plan:1")
    place_hold(db_session, paused.id, "dispute", starts_on=D1, source="staff:1")
    place_hold(db_session, paused.id, "dispute", starts_on=D1, source="staff:2")  # same reason
    place_hold(
        db_session,
        ended.id,
        "remission",
        starts_on=D1 - timedelta(days=30),
        ends_on=D1,
        source="remission:1",
    )
    place_hold(db_session, free.id, "death", starts_on=D2, source="staff:4")  # not yet
    db_session.flush()

    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        reasons = active_hold_reasons(db_session, [paused.id, free.id, ended.id, paused.id], D1)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert reasons == {
        paused.id: frozenset({"plan", "dispute"}),
        free.id: frozenset(),
        ended.id: frozenset(),
    }
    assert len(statements) == 1
    assert active_hold_reasons(db_session, [], D1) == {}


def test_a_suppressed_charge_is_recorded_once_per_claim_and_action(
    db_session: Session, claim_id: int
) -> None:
    first = record_suppressed_charge(
        db_session,
        claim_id,
        amount=4000,
        currency="EUR",
        reason="hold:plan",
        action_key="reminder:2",
        on_date=TODAY,
    )
    again = record_suppressed_charge(
        db_session,
        claim_id,
        amount=4100,
        currency="EUR",
        reason="hold:plan",
        action_key="reminder:2",
        on_date=TODAY + timedelta(days=1),
    )
    other = record_suppressed_charge(
        db_session,
        claim_id,
        amount=4000,
        currency="EUR",
        reason="hold:plan",
        action_key="reminder:3",
        on_date=TODAY,
    )

    assert again.id == first.id
    assert (again.amount, again.on_date) == (4000, TODAY)
    assert other.id != first.id
    total = db_session.scalar(select(func.sum(SuppressedCharge.amount)))
    assert total == 8000


@pytest.mark.parametrize(
    ("amount", "currency", "reason", "action_key"),
    [
        (-1, "EUR", "hold:plan", "reminder:1"),
        (True, "EUR", "hold:plan", "reminder:1"),
        (100, "EURO", "hold:plan", "reminder:1"),
        (100, "EUR", "", "reminder:1"),
        (100, "EUR", "hold:plan", ""),
        (100, "EUR", "hold:plan", "x" * 61),
    ],
)
def test_a_suppressed_charge_with_bad_values_is_refused(
    db_session: Session, claim_id: int, amount: int, currency: str, reason: str, action_key: str
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        record_suppressed_charge(
            db_session,
            claim_id,
            amount=amount,
            currency=currency,
            reason=reason,
            action_key=action_key,
            on_date=TODAY,
        )
    assert db_session.scalar(select(func.count()).select_from(SuppressedCharge)) == 0
