"""The remission calculation (domain/remission.py), against domain-rules.md §1.1 and cases of
our own, plus properties that must hold for any input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.remission import ClaimGrant
from portal.domain.remission import EligibleClaim
from portal.domain.remission import ImplausibleApplication
from portal.domain.remission import RemissionInput
from portal.domain.remission import RemissionOutcome
from portal.domain.remission import allocate_grant
from portal.domain.remission import automatic_grant_allowed
from portal.domain.remission import calculate_remission
from portal.domain.rules.remission_norms import NL
from portal.domain.rules.remission_norms import NoRemissionNorms
from portal.domain.rules.remission_norms import RemissionPolicy
from portal.domain.rules.remission_norms import remission_policy

JULY_2020 = date(2020, 8, 1)
ASSESSMENT = (EligibleClaim(claim_id=1, amount=45_000),)

#: domain-rules.md §1.1 worked example: single, net €1,300, rent €650 with €230 huurtoeslag,
#: premium €140 with €100 zorgtoeslag, an assessment of €450.
WORKED = RemissionInput(
    adults=1,
    children_ages=(),
    net_income=130_000,
    rent=65_000,
    housing_allowance=23_000,
    health_premium=14_000,
    health_allowance=10_000,
)


def test_the_worked_example_at_the_100_percent_norm_waives_165_07() -> None:
    result = calculate_remission(WORKED, ASSESSMENT, NL, on=JULY_2020)
    assert result.norms_valid_from == date(2020, 7, 1)
    assert result.housing_correction == 20_429
    assert result.health_correction == 700
    assert result.disposable_income == 108_871
    assert result.cost_of_living == 105_903
    assert result.monthly_capacity == 2_968
    assert result.yearly_capacity == 35_616
    assert result.to_pay_from_income == 28_493
    assert result.to_pay == 28_493
    assert result.remitted == 16_507
    assert result.outcome is RemissionOutcome.PARTIAL
    assert result.grants == (ClaimGrant(1, 45_000, 16_507),)


def test_the_worked_example_at_the_90_percent_norm_waives_nothing() -> None:
    policy = replace(NL, norm_percent=90)
    result = calculate_remission(WORKED, ASSESSMENT, policy, on=JULY_2020)
    assert result.cost_of_living == 95_313
    assert result.monthly_capacity == 13_558
    assert result.to_pay_from_income == 130_157
    assert result.remitted == 0
    assert result.outcome is RemissionOutcome.NONE


def test_the_worked_example_bank_balance_ceiling_is_1600_32() -> None:
    result = calculate_remission(WORKED, ASSESSMENT, NL, on=JULY_2020)
    assert result.bank_allowance == 160_032
    richer = calculate_remission(
        replace(WORKED, bank_balance=160_032 + 5_000), ASSESSMENT, NL, on=JULY_2020
    )
    assert richer.counted_bank == 5_000
    assert richer.remitted == 16_507 - 5_000


def test_no_capacity_and_no_assets_waives_everything() -> None:
    poor = replace(WORKED, net_income=100_000)
    result = calculate_remission(poor, ASSESSMENT, NL, on=JULY_2020)
    assert result.monthly_capacity == 0
    assert result.remitted == 45_000
    assert result.outcome is RemissionOutcome.FULL
    assert automatic_grant_allowed(result, NL)


def test_a_full_grant_above_the_automatic_limit_needs_a_person() -> None:
    poor = replace(WORKED, net_income=100_000)
    big = (EligibleClaim(1, NL.auto_grant_limit + 1),)
    result = calculate_remission(poor, big, NL, on=JULY_2020)
    assert result.outcome is RemissionOutcome.FULL
    assert not automatic_grant_allowed(result, NL)


def test_guidance_packs_never_grant_automatically() -> None:
    dk = remission_policy("dk")
    data = RemissionInput(adults=1, children_ages=(), net_income=0)
    result = calculate_remission(data, (EligibleClaim(1, 10_000),), dk, on=date(2026, 1, 1))
    assert result.outcome is RemissionOutcome.FULL
    assert not result.binding
    assert not automatic_grant_allowed(result, dk)


def test_a_car_counts_above_its_allowance_unless_it_is_needed() -> None:
    car = replace(WORKED, net_income=100_000, car_value=300_000)
    counted = calculate_remission(car, ASSESSMENT, NL, on=JULY_2020)
    assert counted.counted_car == 300_000
    assert counted.remitted == 0
    needed = calculate_remission(replace(car, car_needed=True), ASSESSMENT, NL, on=JULY_2020)
    assert needed.counted_car == 0
    assert needed.remitted == 45_000


def test_a_couple_uses_the_couple_norm_and_two_norm_premiums() -> None:
    couple = replace(WORKED, adults=2, net_income=160_000, health_premium=28_000)
    result = calculate_remission(couple, ASSESSMENT, NL, on=JULY_2020)
    assert result.household_type == "couple"
    assert result.cost_of_living == 151_290
    assert result.health_correction == 28_000 - 6_600 - 10_000


def test_the_snapshot_is_json_ready() -> None:
    snapshot = calculate_remission(WORKED, ASSESSMENT, NL, on=JULY_2020).to_snapshot()
    assert snapshot["norms_valid_from"] == "2020-07-01"
    assert snapshot["outcome"] == "partial"
    assert snapshot["grants"] == [{"claim_id": 1, "amount": 45_000, "granted": 16_507}]


def test_a_date_before_every_table_has_no_norms() -> None:
    with pytest.raises(NoRemissionNorms):
        calculate_remission(WORKED, ASSESSMENT, NL, on=date(2019, 1, 1))


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"adults": 0}, "adults", "out_of_range"),
        ({"adults": 3}, "adults", "out_of_range"),
        ({"children_ages": (4, 19)}, "children_ages", "out_of_range"),
        ({"children_ages": (-1,)}, "children_ages", "out_of_range"),
        ({"children_ages": tuple(range(16))}, "children_ages", "too_many"),
        ({"net_income": -1}, "net_income", "negative"),
        ({"rent": 100_000_001}, "rent", "too_large"),
        ({"bank_balance": 10_000_000_001}, "bank_balance", "too_large"),
        ({"net_income": 1.5}, "net_income", "not_a_whole_number"),
        ({"housing_allowance": 70_000}, "housing_allowance", "above_cost"),
        ({"health_allowance": 20_000}, "health_allowance", "above_cost"),
    ],
)
def test_impossible_data_is_refused_with_the_field_and_a_reason(
    changes: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(ImplausibleApplication) as caught:
        replace(WORKED, **changes)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.reason) == (field, reason)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"norm_percent": 89}, "norm_percent"),
        ({"capacity_percent": 79}, "capacity_percent"),
        ({"calculation_binding": False}, "automatically"),
    ],
)
def test_a_policy_outside_the_law_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(NL, **changes)  # type: ignore[arg-type]


def test_every_pack_has_a_policy_in_its_currency() -> None:
    assert {remission_policy(code).currency for code in ("nl", "be")} == {"EUR"}
    assert remission_policy("dk").currency == "DKK"
    with pytest.raises(NoRemissionNorms):
        remission_policy("xx")


def test_allocation_spreads_pro_rata_and_sums_exactly() -> None:
    claims = (EligibleClaim(1, 29_870), EligibleClaim(2, 40_260), EligibleClaim(3, 18_745))
    grants = allocate_grant(10_000, claims)
    assert sum(g.granted for g in grants) == 10_000
    assert [g.granted for g in grants] == [3_361, 4_530, 2_109]


# -- properties --------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=500_000)
claim_lists = st.lists(st.integers(min_value=1, max_value=300_000), min_size=1, max_size=5).map(
    lambda xs: tuple(EligibleClaim(i + 1, a) for i, a in enumerate(xs))
)


@st.composite
def inputs(draw: st.DrawFn) -> RemissionInput:
    rent = draw(amounts)
    premium = draw(amounts)
    return RemissionInput(
        adults=draw(st.integers(1, 2)),
        children_ages=tuple(draw(st.lists(st.integers(0, 17), max_size=4))),
        net_income=draw(amounts),
        rent=rent,
        housing_allowance=draw(st.integers(0, rent)),
        health_premium=premium,
        health_allowance=draw(st.integers(0, premium)),
        other_costs=draw(amounts),
        bank_balance=draw(st.integers(0, 2_000_000)),
        car_value=draw(st.integers(0, 2_000_000)),
        car_needed=draw(st.booleans()),
        other_assets=draw(st.integers(0, 200_000)),
    )


policies = st.builds(
    lambda n, c: replace(NL, norm_percent=n, capacity_percent=c),
    st.integers(90, 100),
    st.integers(80, 100),
)


@given(data=inputs(), claims=claim_lists, policy=policies)
def test_the_grant_is_never_negative_nor_above_the_eligible_total(
    data: RemissionInput, claims: tuple[EligibleClaim, ...], policy: RemissionPolicy
) -> None:
    result = calculate_remission(data, claims, policy, on=date(2026, 11, 23))
    assert 0 <= result.remitted <= result.eligible_total
    assert sum(g.granted for g in result.grants) == result.remitted
    assert all(0 <= g.granted <= g.amount for g in result.grants)


@given(data=inputs(), claims=claim_lists, policy=policies, more=st.integers(1, 300_000))
def test_more_income_never_gives_more_remission(
    data: RemissionInput, claims: tuple[EligibleClaim, ...], policy: RemissionPolicy, more: int
) -> None:
    on = date(2026, 11, 23)
    before = calculate_remission(data, claims, policy, on=on)
    after = calculate_remission(
        replace(data, net_income=data.net_income + more), claims, policy, on=on
    )
    assert after.remitted <= before.remitted


@given(total=st.integers(0, 1_000_000), claims=claim_lists)
def test_any_allocation_sums_to_the_total_within_each_claim(
    total: int, claims: tuple[EligibleClaim, ...]
) -> None:
    total = min(total, sum(c.amount for c in claims))
    grants = allocate_grant(total, claims)
    assert sum(g.granted for g in grants) == total
    assert all(0 <= g.granted <= g.amount for g in grants)
