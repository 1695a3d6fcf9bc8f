"""Reminder fees and sequence per rule pack (domain-rules.md §1.3, §2.1, §3.1-3.2; decisions.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from datetime import timedelta
from typing import Any

import pytest

from portal.domain.dunning import Action
from portal.domain.dunning import DunningFacts
from portal.domain.dunning import ReminderDecision
from portal.domain.dunning import SkipReason
from portal.domain.dunning import SuppressReason
from portal.domain.dunning import add_working_days
from portal.domain.dunning import boek_xix_cap
from portal.domain.dunning import fee_regime
from portal.domain.dunning import next_reminder
from portal.domain.dunning import nl_aanmaning_fee
from portal.domain.dunning import wik_amount
from portal.domain.rules import get_rule_pack
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.dunning_tables import DUNNING_TABLES
from portal.domain.rules.dunning_tables import FeeRegime
from portal.domain.rules.dunning_tables import Figure
from portal.domain.rules.dunning_tables import NoDunningTable
from portal.domain.rules.dunning_tables import RegimeTable
from portal.domain.rules.dunning_tables import dunning_table

TAX = LegalBasis.TAX
PUBLIC = LegalBasis.PUBLIC_LAW
PRIVATE = LegalBasis.PRIVATE_LAW
DUE = date(2026, 1, 12)  # a Monday
FIRST = DUE + timedelta(days=7)  # first reminder: 7 days after the due date (example)


def facts(**changes: Any) -> DunningFacts:
    base = DunningFacts(
        legal_basis=TAX,
        has_execution_right=True,
        balance=100_000,
        principal=100_000,
        due_date=DUE,
    )
    return dataclasses.replace(base, **changes)


def sent(previous: DunningFacts, decision: ReminderDecision, on: date) -> DunningFacts:
    """What the batch records after sending a reminder."""
    return dataclasses.replace(
        previous,
        reminders_sent=previous.reminders_sent + 1,
        last_reminder_on=on,
        balance=previous.balance + decision.fee,
        fees_charged=previous.fees_charged + decision.fee,
    )


def charge(sequence: int, fee: int) -> ReminderDecision:
    return ReminderDecision(Action.CHARGE, sequence, fee)


def skip(sequence: int, reason: SkipReason) -> ReminderDecision:
    return ReminderDecision(Action.SKIP, sequence, 0, reason)


# -- WIK, Boek XIX, Kostenwet ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (0, 0),
        (1, 4_000),  # minimum €40
        (10_000, 4_000),  # 15 % of €100 = €15 → €40
        (26_667, 4_000),  # 15 % = €40.0005 → €40.00
        (30_000, 4_500),  # €300 → €45
        (100_000, 15_000),  # €1,000 → €150
        (100_003, 15_000),  # 15,000.45 cents → down
        (100_010, 15_002),  # 15,001.5 cents → half up
        (250_000, 37_500),  # €2,500 → €375
        (500_000, 62_500),  # €5,000 → 375 + 250
        (1_000_000, 87_500),  # €10,000 → 375 + 250 + 250
        (20_000_000, 277_500),  # €200,000 → + 1,900
        (100_000_000, 677_500),  # €1,000,000 → + 4,000 = €6,775
        (500_000_000, 677_500),  # capped at €6,775
    ],
)
def test_wik_amount_follows_the_scale(principal: int, expected: int) -> None:
    assert wik_amount(principal) == expected


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        (0, 0),
        (1, 2_000),
        (15_000, 2_000),  # ≤ €150 → €20
        (15_001, 3_000),  # €150.01 → €30 + 0.1 cent → €30.00
        (15_005, 3_001),  # 0.5 cent rounds half up
        (40_000, 5_500),  # domain-rules.md §3.2: €400 → €55
        (50_000, 6_500),  # €500 → €30 + €35
        (100_000, 9_000),  # domain-rules.md §3.2: €1,000 → €90
        (3_920_000, 200_000),  # €39,200 → €65 + €1,935 = €2,000
        (10_000_000, 200_000),  # at most €2,000
    ],
)
def test_boek_xix_cap_matches_the_examples(balance: int, expected: int) -> None:
    assert boek_xix_cap(balance) == expected


@pytest.mark.parametrize(("principal", "fee"), [(1, 800), (45_399, 800), (45_400, 1_800)])
def test_kostenwet_aanmaning_bands_2022(principal: int, fee: int) -> None:
    assert nl_aanmaning_fee(principal) == fee


@pytest.mark.parametrize(
    ("country", "basis", "execution", "regime"),
    [
        ("dk", TAX, True, FeeRegime.DK_EXECUTION),
        ("dk", PUBLIC, True, FeeRegime.DK_EXECUTION),
        ("dk", PRIVATE, False, FeeRegime.DK_PRIVATE),
        ("dk", PUBLIC, False, FeeRegime.DK_NO_FEE),
        ("nl", TAX, True, FeeRegime.NL_TAX),
        ("nl", PRIVATE, False, FeeRegime.NL_PRIVATE),
        ("nl", PUBLIC, True, FeeRegime.NL_NO_FEE),
        ("be", PRIVATE, True, FeeRegime.BE_XIX),
        ("be", TAX, True, FeeRegime.BE_NO_FEE),
        ("be", PUBLIC, True, FeeRegime.BE_NO_FEE),
        (" DK ", PRIVATE, False, FeeRegime.DK_PRIVATE),
    ],
)
def test_fee_regime_follows_legal_basis(
    country: str, basis: LegalBasis, execution: bool, regime: FeeRegime
) -> None:
    assert fee_regime(country, basis, execution) is regime


def test_fee_regime_refuses_an_unknown_pack() -> None:
    with pytest.raises(ValueError, match="unknown rule pack"):
        fee_regime("se", TAX, True)


def test_every_pack_claim_type_has_a_regime_table() -> None:
    for code, tables in DUNNING_TABLES.items():
        for spec in get_rule_pack(code).claim_types:
            regime = fee_regime(code, spec.legal_basis, spec.has_execution_right)
            for table in tables:
                assert isinstance(table.regime(regime), RegimeTable)


# -- the calendar ---------------------------------------------------------------------------


def test_nothing_is_due_before_the_first_reminder_day() -> None:
    assert next_reminder(facts(), "dk", as_of=DUE) is None
    assert next_reminder(facts(), "dk", as_of=FIRST - timedelta(days=1)) is None


def test_first_reminder_is_due_seven_days_after_the_due_date() -> None:
    assert next_reminder(facts(), "dk", as_of=FIRST) == charge(1, 25_000)


def test_a_late_batch_catches_up_with_the_first_reminder() -> None:
    assert next_reminder(facts(), "dk", as_of=FIRST + timedelta(days=90)) == charge(1, 25_000)


# -- Denmark --------------------------------------------------------------------------------


def test_dk_udpantningsret_charges_250_kr_per_reminder_up_to_three() -> None:
    claim, day = facts(), FIRST
    for sequence in (1, 2, 3):
        decision = next_reminder(claim, "dk", as_of=day)
        assert decision == charge(sequence, 25_000)
        claim = sent(claim, decision, day)
        day += timedelta(days=10)
    assert next_reminder(claim, "dk", as_of=day) == skip(4, SkipReason.MAX_REMINDERS)


def test_dk_private_law_charges_100_kr_ten_days_apart() -> None:
    claim = facts(legal_basis=PRIVATE, has_execution_right=False)
    first = next_reminder(claim, "dk", as_of=FIRST)
    assert first == charge(1, 10_000)
    claim = sent(claim, first, FIRST)
    assert next_reminder(claim, "dk", as_of=FIRST + timedelta(days=9)) is None
    assert next_reminder(claim, "dk", as_of=FIRST + timedelta(days=10)) == charge(2, 10_000)


def test_dk_private_law_stops_after_three_reminders() -> None:
    claim = facts(
        legal_basis=PRIVATE, has_execution_right=False, reminders_sent=3, last_reminder_on=FIRST
    )
    later = FIRST + timedelta(days=30)
    assert next_reminder(claim, "dk", as_of=later) == skip(4, SkipReason.MAX_REMINDERS)


def test_dk_public_law_without_udpantningsret_reminds_for_free() -> None:
    claim = facts(legal_basis=PUBLIC, has_execution_right=False)
    assert next_reminder(claim, "dk", as_of=FIRST) == charge(1, 0)


@pytest.mark.parametrize(("balance", "expected"), [(2_499, "skip"), (2_500, "charge")])
def test_dk_sends_no_reminder_below_25_kr(balance: int, expected: str) -> None:
    decision = next_reminder(facts(balance=balance, principal=balance), "dk", as_of=FIRST)
    assert decision is not None
    assert decision.action == expected
    if expected == "skip":
        assert decision.reason is SkipReason.BELOW_MINIMUM


# -- the Netherlands ------------------------------------------------------------------------


@pytest.mark.parametrize(("principal", "fee"), [(20_000, 800), (45_400, 1_800), (90_000, 1_800)])
def test_nl_tax_aanmaning_costs_follow_the_kostenwet_band(principal: int, fee: int) -> None:
    claim = facts(balance=principal, principal=principal)
    assert next_reminder(claim, "nl", as_of=FIRST) == charge(1, fee)


def test_nl_tax_sends_one_aanmaning_then_stops() -> None:
    claim = facts(reminders_sent=1, last_reminder_on=FIRST)
    later = FIRST + timedelta(days=14)
    assert next_reminder(claim, "nl", as_of=later) == skip(2, SkipReason.MAX_REMINDERS)


def test_nl_private_law_sends_a_free_14_day_letter_then_the_wik_amount() -> None:
    claim = facts(legal_basis=PRIVATE, has_execution_right=False)
    letter = next_reminder(claim, "nl", as_of=FIRST)
    assert letter == charge(1, 0)
    claim = sent(claim, letter, FIRST)
    assert next_reminder(claim, "nl", as_of=FIRST + timedelta(days=13)) is None
    assert next_reminder(claim, "nl", as_of=FIRST + timedelta(days=14)) == charge(2, 15_000)


def test_nl_wik_is_charged_once_in_total() -> None:
    claim = facts(
        legal_basis=PRIVATE,
        has_execution_right=False,
        balance=110_000,
        fees_charged=10_000,
        reminders_sent=1,
        last_reminder_on=FIRST,
    )
    decision = next_reminder(claim, "nl", as_of=FIRST + timedelta(days=14))
    assert decision == charge(2, 5_000)  # €150 WIK minus €100 already charged


def test_nl_public_law_reminders_are_free() -> None:
    claim = facts(legal_basis=PUBLIC)
    assert next_reminder(claim, "nl", as_of=FIRST) == charge(1, 0)


def test_nl_has_no_table_before_2022() -> None:
    with pytest.raises(NoDunningTable):
        next_reminder(facts(due_date=date(2021, 1, 1)), "nl", as_of=date(2021, 6, 1))


# -- Belgium --------------------------------------------------------------------------------


def be_retributie(**changes: Any) -> DunningFacts:
    return facts(legal_basis=PRIVATE, **changes)


def test_be_first_reminder_is_free() -> None:
    assert next_reminder(be_retributie(), "be", as_of=FIRST) == charge(1, 0)


@pytest.mark.parametrize(
    ("principal", "fees_charged", "fee"),
    [
        (40_000, 0, 2_500),  # cap €55: the full €25
        (10_000, 0, 2_000),  # cap €20 below €150: €20, not €25
        (10_000, 2_000, 0),  # the cap is used up
        (40_000, 4_000, 1_500),  # €55 cap, €40 charged: €15 left
    ],
)
def test_be_registered_aanmaning_is_25_euro_within_the_boek_xix_cap(
    principal: int, fees_charged: int, fee: int
) -> None:
    claim = be_retributie(
        principal=principal,
        balance=principal + fees_charged,
        fees_charged=fees_charged,
        reminders_sent=1,
        last_reminder_on=FIRST,  # a Monday: 3rd working day is Thursday, + 14 = day 17
    )
    assert next_reminder(claim, "be", as_of=FIRST + timedelta(days=17)) == charge(2, fee)


def test_be_waits_17_days_between_reminders() -> None:
    claim = be_retributie(reminders_sent=1, last_reminder_on=FIRST)
    assert next_reminder(claim, "be", as_of=FIRST + timedelta(days=16)) is None


def test_be_counts_working_days_across_a_weekend() -> None:
    thursday = date(2026, 1, 22)
    assert thursday.weekday() == 3
    assert add_working_days(thursday, 3) == date(2026, 1, 27)  # Fri, Mon, Tue
    claim = be_retributie(reminders_sent=1, last_reminder_on=thursday)
    too_soon = next_reminder(claim, "be", as_of=thursday + timedelta(days=17))
    assert too_soon == skip(2, SkipReason.TOO_SOON)
    assert next_reminder(claim, "be", as_of=thursday + timedelta(days=19)) == charge(2, 2_500)


@pytest.mark.parametrize("basis", [TAX, PUBLIC])
def test_be_taxes_and_fines_carry_no_reminder_fee(basis: LegalBasis) -> None:
    claim = facts(legal_basis=basis, reminders_sent=1, last_reminder_on=FIRST)
    assert next_reminder(claim, "be", as_of=FIRST + timedelta(days=17)) == charge(2, 0)


def test_be_stops_after_the_aanmaning() -> None:
    claim = be_retributie(reminders_sent=2, last_reminder_on=FIRST)
    later = FIRST + timedelta(days=30)
    assert next_reminder(claim, "be", as_of=later) == skip(3, SkipReason.MAX_REMINDERS)


# -- holds, plans and stops -----------------------------------------------------------------


def test_a_hold_suppresses_the_fee_and_the_letter() -> None:
    decision = next_reminder(facts(paused=True), "dk", as_of=FIRST)
    assert decision == ReminderDecision(Action.SUPPRESS, 1, 25_000, SuppressReason.HOLD)
    assert decision is not None
    assert not decision.sends_letter


def test_a_plan_suppresses_the_fee_when_the_pack_charges_none_during_plans() -> None:
    decision = next_reminder(facts(in_plan=True), "dk", as_of=FIRST)
    assert decision == ReminderDecision(Action.SUPPRESS, 1, 25_000, SuppressReason.IN_PLAN)


def test_a_plan_lets_the_fee_through_when_the_pack_allows_fees_during_plans() -> None:
    decision = next_reminder(facts(in_plan=True, fees_during_plan=True), "dk", as_of=FIRST)
    assert decision == charge(1, 25_000)


def test_a_hold_wins_over_a_plan_that_allows_fees() -> None:
    claim = facts(paused=True, in_plan=True, fees_during_plan=True)
    decision = next_reminder(claim, "dk", as_of=FIRST)
    assert decision is not None
    assert decision.reason is SuppressReason.HOLD


def test_a_suppressed_free_reminder_records_zero() -> None:
    decision = next_reminder(be_retributie(paused=True), "be", as_of=FIRST)
    assert decision == ReminderDecision(Action.SUPPRESS, 1, 0, SuppressReason.HOLD)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"cancelled": True}, SkipReason.CANCELLED),
        ({"handed_over": True}, SkipReason.HANDED_OVER),
        ({"balance": 0, "principal": 0}, SkipReason.ZERO_BALANCE),
        ({"balance": 100, "principal": 100}, SkipReason.BELOW_MINIMUM),
        ({"cancelled": True, "paused": True}, SkipReason.CANCELLED),
        ({"handed_over": True, "in_plan": True}, SkipReason.HANDED_OVER),
    ],
)
def test_no_reminder_at_all_for_a_stopped_claim(
    changes: dict[str, Any], reason: SkipReason
) -> None:
    assert next_reminder(facts(**changes), "dk", as_of=FIRST) == skip(1, reason)


def test_the_same_day_after_recording_returns_none() -> None:
    claim = facts()
    decision = next_reminder(claim, "dk", as_of=FIRST)
    assert decision is not None
    assert next_reminder(sent(claim, decision, FIRST), "dk", as_of=FIRST) is None


# -- facts and tables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"balance": -1},
        {"principal": -1},
        {"principal": 200_000},  # more than the balance
        {"fees_charged": -1},
        {"reminders_sent": -1},
        {"reminders_sent": 1},  # without last_reminder_on
        {"last_reminder_on": FIRST},  # without a reminder sent
    ],
)
def test_inconsistent_facts_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 — several messages, one error type
        facts(**changes)


def all_figures(value: object) -> list[Figure]:
    """Every Figure in a table, its regime tables and mappings."""
    if isinstance(value, Figure):
        return [value]
    if isinstance(value, Mapping):
        return [f for item in value.values() for f in all_figures(item)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return [f for fld in fields for f in all_figures(getattr(value, fld.name))]
    return []


@pytest.mark.parametrize("code", sorted(DUNNING_TABLES))
def test_every_number_in_a_table_names_its_source(code: str) -> None:
    for table in DUNNING_TABLES[code]:
        figures = all_figures(table)
        assert len(figures) >= 10
        assert all(f.source.strip() for f in figures)
        assert table.valid_from_source.strip()


@pytest.mark.parametrize("code", sorted(DUNNING_TABLES))
def test_a_flat_fee_never_exceeds_its_legal_cap(code: str) -> None:
    for table in DUNNING_TABLES[code]:
        for rules in table.regimes.values():
            if rules.cap is not None:
                assert rules.fee.value <= rules.cap.value
            assert rules.free_reminders.value <= rules.max_reminders.value


def test_a_figure_needs_a_source_and_a_whole_non_negative_value() -> None:
    with pytest.raises(ValueError, match="source"):
        Figure(1, " ")
    with pytest.raises(ValueError, match="whole number"):
        Figure(-1, "x")


def test_the_table_in_force_is_the_latest_that_started() -> None:
    assert dunning_table("nl", date(2026, 5, 1)).valid_from == date(2022, 1, 1)
    assert dunning_table(" BE ", date(2023, 9, 1)).pack_code == "be"
    with pytest.raises(NoDunningTable):
        dunning_table("be", date(2023, 8, 31))
    with pytest.raises(NoDunningTable):
        dunning_table("se", date(2026, 1, 1))
