"""Interest: DK gebyrloven 1 % per started month (domain-rules.md §2.2); none in NL/BE."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.interest import DK_GEBYRLOVEN
from portal.domain.interest import add_months
from portal.domain.interest import divide_half_up
from portal.domain.interest import dk_started_months
from portal.domain.interest import interest_due
from portal.domain.interest import interest_rule
from portal.domain.interest import interest_to_post
from portal.domain.rules import get_rule_pack

JAN_15 = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("due", "on", "months"),
    [
        (JAN_15, date(2026, 3, 20), 3),  # domain-rules.md §2.2 example
        (JAN_15, JAN_15, 1),  # the first month starts on the due date itself
        (JAN_15, date(2026, 1, 14), 0),
        (JAN_15, date(2026, 2, 14), 1),
        (JAN_15, date(2026, 2, 15), 2),
        (JAN_15, date(2026, 3, 14), 2),
        (JAN_15, date(2026, 3, 15), 3),
        (JAN_15, date(2027, 1, 15), 13),
        (date(2026, 1, 31), date(2026, 2, 27), 1),
        (date(2026, 1, 31), date(2026, 2, 28), 2),  # no 31 Feb: the month starts on the 28th
        (date(2026, 1, 31), date(2026, 3, 30), 2),
        (date(2026, 1, 31), date(2026, 3, 31), 3),
        (date(2024, 1, 31), date(2024, 2, 29), 2),  # leap year
    ],
)
def test_started_months_run_from_the_due_date(due: date, on: date, months: int) -> None:
    assert dk_started_months(due, on) == months


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_the_domain_rules_example_5000_kr_three_months_is_150_kr() -> None:
    assert interest_due(500_000, JAN_15, date(2026, 3, 20), DK_GEBYRLOVEN) == 15_000


def test_no_interest_while_the_claim_is_not_yet_overdue() -> None:
    assert interest_due(500_000, JAN_15, JAN_15, DK_GEBYRLOVEN) == 0
    assert interest_due(500_000, JAN_15, JAN_15 - timedelta(days=20), DK_GEBYRLOVEN) == 0


def test_the_first_day_overdue_costs_the_first_started_month() -> None:
    assert interest_due(500_000, JAN_15, JAN_15 + timedelta(days=1), DK_GEBYRLOVEN) == 5_000


@pytest.mark.parametrize(("principal", "expected"), [(49, 0), (50, 1), (150, 2), (149, 1)])
def test_interest_rounds_half_up_to_whole_ore(principal: int, expected: int) -> None:
    assert interest_due(principal, JAN_15, date(2026, 1, 16), DK_GEBYRLOVEN) == expected


def test_no_rule_means_no_interest() -> None:
    assert interest_due(500_000, JAN_15, date(2027, 1, 1), None) == 0


def test_interest_is_on_principal_only_and_never_compounds() -> None:
    year = interest_due(100_000, JAN_15, date(2027, 1, 14), DK_GEBYRLOVEN)
    assert year == 12 * 1_000  # 12 started months, 1 % of the same principal each


@pytest.mark.parametrize(
    ("pack", "execution", "bears", "expected"),
    [
        ("dk", True, True, DK_GEBYRLOVEN),
        ("DK", True, True, DK_GEBYRLOVEN),
        ("dk", True, False, None),  # the council did not decide to charge interest
        ("dk", False, True, None),  # renteloven § 5 rate table not loaded
        ("nl", True, True, None),
        ("nl", False, True, None),
        ("be", True, True, None),
        ("be", False, True, None),
    ],
)
def test_interest_rule_only_for_dk_udpantningsret_claims(
    pack: str, execution: bool, bears: bool, expected: object
) -> None:
    assert interest_rule(pack, has_execution_right=execution, bears_interest=bears) == expected


def test_dk_pack_property_tax_bears_gebyrloven_interest() -> None:
    spec = get_rule_pack("dk").claim_type("property_tax")
    rule = interest_rule(
        "dk", has_execution_right=spec.has_execution_right, bears_interest=spec.bears_interest
    )
    assert rule is DK_GEBYRLOVEN
    assert rule.rate_bp == 100
    assert "[GBL]" in rule.source


def test_interest_to_post_posts_only_the_difference() -> None:
    on = date(2026, 3, 20)
    assert interest_to_post(0, 500_000, JAN_15, on, DK_GEBYRLOVEN) == 15_000
    assert interest_to_post(10_000, 500_000, JAN_15, on, DK_GEBYRLOVEN) == 5_000
    assert interest_to_post(15_000, 500_000, JAN_15, on, DK_GEBYRLOVEN) == 0


def test_interest_to_post_never_reverses_after_a_part_payment() -> None:
    # 10,000 posted on 5,000 kr; the principal is now 1,000 kr: nothing more, nothing back.
    assert interest_to_post(10_000, 100_000, JAN_15, date(2026, 3, 20), DK_GEBYRLOVEN) == 0


def test_interest_to_post_refuses_a_negative_posted_amount() -> None:
    with pytest.raises(ValueError, match="already_posted"):
        interest_to_post(-1, 100_000, JAN_15, date(2026, 3, 20), DK_GEBYRLOVEN)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 7, 0), (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (1, 3, 0), (2, 3, 1)],
)
def test_divide_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert divide_half_up(numerator, denominator) == expected


@pytest.mark.parametrize(("numerator", "denominator"), [(-1, 10), (1, 0)])
def test_divide_half_up_refuses_negative_or_zero(numerator: int, denominator: int) -> None:
    with pytest.raises(ValueError, match="divide_half_up"):
        divide_half_up(numerator, denominator)


@given(
    principal=st.integers(min_value=0, max_value=10**9),
    due=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    steps=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=20),
)
def test_catching_up_in_any_steps_posts_the_same_total(
    principal: int, due: date, steps: list[int]
) -> None:
    posted, day = 0, due - timedelta(days=5)
    for step in steps:
        day += timedelta(days=step)
        posted += interest_to_post(posted, principal, due, day, DK_GEBYRLOVEN)
        # A second run on the same day posts nothing (idempotent per day).
        assert interest_to_post(posted, principal, due, day, DK_GEBYRLOVEN) == 0
    assert posted == interest_due(principal, due, day, DK_GEBYRLOVEN)


@given(
    due=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    gap=st.integers(min_value=0, max_value=2_000),
    extra=st.integers(min_value=0, max_value=400),
)
def test_started_months_never_go_down_and_grow_at_most_one_per_month_start(
    due: date, gap: int, extra: int
) -> None:
    on = due + timedelta(days=gap)
    later = on + timedelta(days=extra)
    assert dk_started_months(due, later) >= dk_started_months(due, on) >= 1
    assert (
        add_months(due, dk_started_months(due, on) - 1)
        <= on
        < add_months(due, dk_started_months(due, on))
    )
