"""The overview context builder: derived statuses, grouping, scope, history, query budget."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.domain.status import CitizenStatus
from portal.extensions import db
from portal.models import Claim
from portal.services.holds import place_hold
from portal.services.ledger import append_entry
from portal.services.online_payments import start_attempt
from portal.services.overview import build_claim_detail
from portal.services.overview import build_overview
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _rules(app: Flask) -> RulePack:
    rules: RulePack = app.config["RULE_PACK"]
    return rules


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (Indico's count_queries)."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _claim(session: Session, debtor: Any, amount: int = 10_000, **kw: Any) -> Claim:
    return make_claim(session, debtor, amount, **kw)


def test_overview_of_thirty_claims_takes_at_most_five_queries(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    rules = _rules(app)
    codes = [spec.code for spec in rules.claim_types]
    claims = [
        _claim(db_session, debtor, 1_000 + i, claim_type_code=codes[i % len(codes)])
        for i in range(30)
    ]
    for claim in claims[:3]:
        pay(db_session, debtor, claim.balance, claim=claim)
    place_hold(db_session, claims[5].id, "dispute", starts_on=TODAY, source="staff:1")
    claims[6].handed_over_on = TODAY
    pay(db_session, debtor, 50_000)  # more than all: the rest becomes credit
    db_session.flush()

    with count_queries() as statements:
        overview = build_overview(
            db_session, rules, debtor_id=debtor.id, claim_scope=None, as_of=TODAY, now=NOW
        )

    assert len(statements) <= 5, statements
    # the bill with the collector is not ours to allocate to; the other 29 are paid
    assert overview.open_count == 1
    assert len(overview.paid_recently) == 29
    assert overview.credit_balance > 0


def test_statuses_are_derived_from_ledger_holds_and_hand_over(
    app: Flask, db_session: Session
) -> None:
    rules = _rules(app)
    debtor = make_debtor(db_session)
    future = TODAY + timedelta(days=10)
    open_claim = _claim(db_session, debtor, issue_date=TODAY, due_date=future)
    overdue = _claim(db_session, debtor)
    reminded = _claim(db_session, debtor)
    reminded.reminders_sent = 1
    in_plan = _claim(db_session, debtor)
    place_hold(db_session, in_plan.id, "plan", starts_on=TODAY, source="plan:1")
    paused = _claim(db_session, debtor)
    place_hold(db_session, paused.id, "debt_help", starts_on=TODAY, source="staff:1")
    with_collector = _claim(db_session, debtor)
    with_collector.handed_over_on = TODAY - timedelta(days=3)
    paid = _claim(db_session, debtor, 2_500)
    pay(db_session, debtor, 2_500, claim=paid)
    remitted = _claim(db_session, debtor, 3_000)
    append_entry(
        db_session,
        remitted,
        component="principal",
        amount=-3_000,
        cause="remission",
        effective_date=TODAY,
    )
    db_session.flush()

    overview = build_overview(db_session, rules, debtor_id=debtor.id, claim_scope=None, as_of=TODAY)

    status = {c.claim_id: c.status for g in overview.groups for c in g.cards}
    status.update({c.claim_id: c.status for c in overview.paid_recently})
    assert status == {
        open_claim.id: CitizenStatus.OPEN,
        overdue.id: CitizenStatus.OVERDUE,
        reminded.id: CitizenStatus.REMINDED,
        in_plan.id: CitizenStatus.IN_PLAN,
        paused.id: CitizenStatus.PAUSED,
        with_collector.id: CitizenStatus.WITH_COLLECTOR,
        paid.id: CitizenStatus.PAID,
        remitted.id: CitizenStatus.REMITTED,
    }
    assert overview.has_collector_claims
    cards = {c.claim_id: c for g in overview.groups for c in g.cards}
    assert cards[with_collector.id].collector_names == dict(rules.collector_names)
    assert not cards[with_collector.id].actionable
    assert cards[overdue.id].actionable
    assert not cards[in_plan.id].actionable
    assert {c.claim_id for c in overview.paid_recently} == {paid.id, remitted.id}
    # six open claims of 10 000 each; paid and remitted ones do not count
    assert overview.total_owed == 60_000


def test_next_due_is_the_earliest_bill_the_citizen_can_pay(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    early_but_paused = _claim(db_session, debtor, due_date=TODAY - timedelta(days=40))
    place_hold(db_session, early_but_paused.id, "dispute", starts_on=TODAY, source="staff:1")
    first_payable = _claim(db_session, debtor, 4_200, due_date=TODAY - timedelta(days=5))
    _claim(db_session, debtor, issue_date=TODAY, due_date=TODAY + timedelta(days=20))

    overview = build_overview(
        db_session, _rules(app), debtor_id=debtor.id, claim_scope=None, as_of=TODAY
    )

    assert overview.next_due is not None
    assert overview.next_due.claim_id == first_payable.id
    assert overview.next_due.amount_due_now == 4_200


def test_claims_are_grouped_by_department_in_rule_pack_order_with_subtotals(
    app: Flask, db_session: Session
) -> None:
    rules = _rules(app)
    debtor = make_debtor(db_session)
    _claim(db_session, debtor, 1_000, claim_type_code="parking_assessment")
    _claim(db_session, debtor, 2_000, claim_type_code="waste_levy")
    _claim(db_session, debtor, 3_000, claim_type_code="ozb_residential")

    overview = build_overview(db_session, rules, debtor_id=debtor.id, claim_scope=None, as_of=TODAY)

    assert [g.department_code for g in overview.groups] == ["tax", "parking"]
    assert [g.subtotal for g in overview.groups] == [5_000, 1_000]
    assert overview.groups[0].name("nl") == "Belastingen"


def test_a_letter_code_scope_shows_only_its_claims_and_no_credit(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    in_letter = _claim(db_session, debtor, 1_000)
    _claim(db_session, debtor, 2_000)
    pay(db_session, debtor, 10_000)  # pays both, rest is credit

    scoped = build_overview(
        db_session,
        _rules(app),
        debtor_id=debtor.id,
        claim_scope=frozenset({in_letter.id}),
        as_of=TODAY,
    )

    assert scoped.scoped
    assert [c.claim_id for c in scoped.paid_recently] == [in_letter.id]
    assert scoped.credit_balance == 0


def test_bills_settled_over_a_year_ago_drop_out_of_the_paid_section(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    old = _claim(db_session, debtor, 1_000, issue_date=TODAY - timedelta(days=500))
    pay(db_session, debtor, 1_000, claim=old, on=TODAY - timedelta(days=400))
    recent = _claim(db_session, debtor, 1_000)
    pay(db_session, debtor, 1_000, claim=recent)

    overview = build_overview(
        db_session, _rules(app), debtor_id=debtor.id, claim_scope=None, as_of=TODAY
    )

    assert [c.claim_id for c in overview.paid_recently] == [recent.id]
    assert overview.paid_recently[0].settled_on == TODAY


def test_claim_detail_is_none_for_another_debtor_or_outside_the_scope(
    app: Flask, db_session: Session
) -> None:
    rules = _rules(app)
    mine, theirs = make_debtor(db_session, "Mine"), make_debtor(db_session, "Theirs")
    my_claim = _claim(db_session, mine)
    other_of_mine = _claim(db_session, mine)
    their_claim = _claim(db_session, theirs)

    def detail(claim_id: int, scope: frozenset[int] | None = None) -> object:
        return build_claim_detail(
            db_session, rules, debtor_id=mine.id, claim_scope=scope, claim_id=claim_id, as_of=TODAY
        )

    assert detail(my_claim.id) is not None
    assert detail(their_claim.id) is None
    assert detail(other_of_mine.id, frozenset({my_claim.id})) is None
    assert detail(10**9) is None


def test_history_adds_up_to_the_balance_and_a_payment_is_one_line(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = _claim(db_session, debtor, 10_000, issue_date=TODAY - timedelta(days=60))
    append_entry(
        db_session,
        claim,
        component="fee",
        amount=1_500,
        cause="reminder_fee",
        effective_date=TODAY - timedelta(days=20),
    )
    pay(db_session, debtor, 4_000, claim=claim, on=TODAY - timedelta(days=2))
    db_session.flush()

    detail = build_claim_detail(
        db_session,
        _rules(app),
        debtor_id=debtor.id,
        claim_scope=None,
        claim_id=claim.id,
        as_of=TODAY,
    )

    assert detail is not None
    kinds = [line.kind for line in detail.history]
    assert kinds == ["issued", "reminder_fee", "payment"]
    assert [line.amount for line in detail.history] == [10_000, 1_500, -4_000]
    assert [line.running_balance for line in detail.history] == [10_000, 11_500, 7_500]
    assert detail.history[-1].running_balance == detail.card.amount_due_now == claim.balance


def test_cancelled_claim_is_closed_and_not_counted(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    cancelled = _claim(db_session, debtor, 9_000)
    append_entry(
        db_session,
        cancelled,
        component="principal",
        amount=-9_000,
        cause="cancellation",
        effective_date=TODAY,
    )
    cancelled.cancelled_on = TODAY
    db_session.flush()

    overview = build_overview(
        db_session, _rules(app), debtor_id=debtor.id, claim_scope=None, as_of=TODAY
    )

    assert overview.total_owed == 0
    assert overview.groups == ()
    assert [c.status for c in overview.paid_recently] == [CitizenStatus.CANCELLED]
    assert overview.paid_recently[0].settled_on == TODAY
    assert overview.next_due is None


def test_reference_is_shown_in_its_printed_form(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    claim = _claim(db_session, debtor)

    overview = build_overview(
        db_session, _rules(app), debtor_id=debtor.id, claim_scope=None, as_of=TODAY
    )

    shown = overview.groups[0].cards[0].reference_display
    assert claim.reference is not None
    assert shown.replace(" ", "") == claim.reference
    assert " " in shown


def test_cards_are_frozen_values(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    _claim(db_session, debtor)
    overview = build_overview(
        db_session, _rules(app), debtor_id=debtor.id, claim_scope=None, as_of=TODAY
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        overview.groups[0].cards[0].amount_due_now = 0  # type: ignore[misc]


def test_a_started_online_payment_shows_as_pending_until_its_checkout_expires(
    app: Flask, db_session: Session
) -> None:
    rules = _rules(app)
    debtor = make_debtor(db_session)
    claim = _claim(db_session, debtor, 4_000)
    start_attempt(db_session, claim, provider="sandbox", amount=4_000, now=NOW)
    db_session.flush()

    def status_at(moment: datetime) -> CitizenStatus:
        overview = build_overview(
            db_session, rules, debtor_id=debtor.id, claim_scope=None, as_of=TODAY, now=moment
        )
        return overview.groups[0].cards[0].status

    assert status_at(NOW) is CitizenStatus.PAYMENT_PENDING
    detail = build_claim_detail(
        db_session,
        rules,
        debtor_id=debtor.id,
        claim_scope=None,
        claim_id=claim.id,
        as_of=TODAY,
        now=NOW,
    )
    assert detail is not None
    assert detail.card.status is CitizenStatus.PAYMENT_PENDING
    # The checkout expires after about half an hour: nobody is told to wait forever.
    assert status_at(NOW + timedelta(hours=1)) is CitizenStatus.OVERDUE
