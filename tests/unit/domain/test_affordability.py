"""Payment capacity per rule pack (issue 4 step 3; domain-rules.md §1.2)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.affordability import AMOUNT_FIELDS
from portal.domain.affordability import MAX_MONTHLY_AMOUNT
from portal.domain.affordability import CapacityFloor
from portal.domain.affordability import CapacityShortfall
from portal.domain.affordability import ChildAllowance
from portal.domain.affordability import FloorBasis
from portal.domain.affordability import FloorTable
from portal.domain.affordability import HouseholdStatement
from portal.domain.affordability import HouseholdType
from portal.domain.affordability import ImplausibleStatement
from portal.domain.affordability import NoFloorForDate
from portal.domain.affordability import payment_capacity
from portal.domain.rules import RULE_PACKS
from portal.domain.rules import get_rule_pack

ON = date(2026, 3, 1)
NL = get_rule_pack("nl").plan_policy.capacity_floor
DK = get_rule_pack("dk").plan_policy.capacity_floor
BE = get_rule_pack("be").plan_policy.capacity_floor


def statement(**overrides: object) -> HouseholdStatement:
    values: dict[str, object] = {"adults": 1, "children_ages": (), "net_income": 200_000}
    values.update(overrides)
    return HouseholdStatement(**values)  # type: ignore[arg-type]


# -- the statement ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", AMOUNT_FIELDS)
def test_negative_amount_is_refused_with_its_field(field: str) -> None:
    with pytest.raises(ImplausibleStatement) as error:
        statement(**{field: -1})
    assert (error.value.field, error.value.reason) == (field, "negative")


@pytest.mark.parametrize("field", AMOUNT_FIELDS)
def test_more_than_a_million_a_month_is_refused(field: str) -> None:
    statement(**{field: MAX_MONTHLY_AMOUNT})  # exactly the limit is accepted
    with pytest.raises(ImplausibleStatement) as error:
        statement(**{field: MAX_MONTHLY_AMOUNT + 1})
    assert (error.value.field, error.value.reason) == (field, "too_large")


@pytest.mark.parametrize("value", ["1200", 12.5, True, None])
def test_an_amount_that_is_not_whole_minor_units_is_refused(value: object) -> None:
    with pytest.raises(ImplausibleStatement) as error:
        statement(net_income=value)
    assert error.value.reason == "not_a_whole_number"


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"adults": 0}, "adults", "out_of_range"),
        ({"adults": 3}, "adults", "out_of_range"),
        ({"adults": "2"}, "adults", "not_a_whole_number"),
        ({"children_ages": (18,)}, "children_ages", "out_of_range"),
        ({"children_ages": (-1,)}, "children_ages", "out_of_range"),
        ({"children_ages": (3, "4")}, "children_ages", "not_a_whole_number"),
        ({"children_ages": "3"}, "children_ages", "not_a_whole_number"),
        ({"children_ages": (1,) * 16}, "children_ages", "too_many"),
    ],
)
def test_implausible_household_is_refused(
    overrides: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(ImplausibleStatement) as error:
        statement(**overrides)
    assert (error.value.field, error.value.reason) == (field, reason)


def test_error_message_does_not_carry_the_amount() -> None:
    with pytest.raises(ImplausibleStatement) as error:
        statement(net_income=123_456_789)
    assert "123456789" not in str(error.value)


def test_children_ages_from_a_form_list_become_a_tuple() -> None:
    s = statement(children_ages=[3, 9])
    assert s.children_ages == (3, 9)
    assert hash(s)


@pytest.mark.parametrize(
    ("adults", "children", "expected"),
    [
        (1, (), HouseholdType.SINGLE),
        (1, (4,), HouseholdType.SINGLE_PARENT),
        (2, (), HouseholdType.COUPLE),
        (2, (4, 9), HouseholdType.COUPLE),
    ],
)
def test_household_type(adults: int, children: tuple[int, ...], expected: HouseholdType) -> None:
    assert statement(adults=adults, children_ages=children).household_type is expected


# -- NL: protected income (beslagvrije voet) --------------------------------------------------


def test_nl_never_asks_more_than_income_above_the_protected_income() -> None:
    # BVV 2024 single: 95 % of €1,283.83 = €1,219.6385 → €1,219.64 (rounded up for the citizen).
    result = payment_capacity(statement(net_income=160_000), NL, on=ON)
    assert result.living_allowance == 121_964
    assert result.capacity == 160_000 - 121_964
    assert result.basis is FloorBasis.PROTECTED_INCOME
    assert result.reason is None
    assert not result.routes_to_help


def test_nl_rent_and_insurance_are_inside_the_protected_income() -> None:
    plain = payment_capacity(statement(net_income=160_000), NL, on=ON)
    with_rent = payment_capacity(
        statement(net_income=160_000, housing_cost=80_000, health_insurance=15_000), NL, on=ON
    )
    assert with_rent.capacity == plain.capacity
    assert with_rent.fixed_costs == 0


def test_nl_other_debt_payments_come_off_first() -> None:
    result = payment_capacity(statement(net_income=160_000, other_debt_payments=10_000), NL, on=ON)
    assert result.fixed_costs == 10_000
    assert result.capacity == 160_000 - 10_000 - 121_964


@pytest.mark.parametrize(
    ("adults", "children", "norm"),
    [(1, (), 128_383), (1, (3,), 128_383), (2, (), 183_404), (2, (1, 15), 183_404)],
)
def test_nl_protected_income_per_household_type(
    adults: int, children: tuple[int, ...], norm: int
) -> None:
    result = payment_capacity(
        statement(adults=adults, children_ages=children, net_income=0), NL, on=ON
    )
    assert result.living_allowance == -(-norm * 95 // 100)


def test_nl_income_at_or_below_the_protected_income_routes_to_help() -> None:
    result = payment_capacity(statement(adults=2, net_income=150_000), NL, on=ON)
    assert result.capacity == 0
    assert result.room < 0
    assert result.reason is CapacityShortfall.BELOW_PROTECTED_INCOME
    assert result.routes_to_help


def test_pre_2021_formula_reproduces_the_published_2020_figure() -> None:
    # ✔ [SV]: the Jan-2020 single BVV of €947.09 = 0.90 × €1,052.32 (domain-rules.md §1.2).
    floor = CapacityFloor(
        basis=FloorBasis.PROTECTED_INCOME,
        tables=(FloorTable(date(2020, 1, 1), 105_232, 105_232, 150_331, percent=90),),
    )
    assert payment_capacity(statement(net_income=0), floor, on=date(2020, 6, 1)).room == -94_709


def test_the_table_valid_on_the_date_is_used() -> None:
    floor = CapacityFloor(
        basis=FloorBasis.PROTECTED_INCOME,
        tables=(
            FloorTable(date(2025, 1, 1), 100_000, 100_000, 150_000),
            FloorTable(date(2025, 7, 1), 110_000, 110_000, 160_000),
        ),
    )
    s = statement(net_income=200_000)
    assert payment_capacity(s, floor, on=date(2025, 6, 30)).capacity == 100_000
    assert payment_capacity(s, floor, on=date(2025, 7, 1)).capacity == 90_000
    assert payment_capacity(s, floor, on=date(2025, 7, 1)).floor_valid_from == date(2025, 7, 1)
    with pytest.raises(NoFloorForDate):
        payment_capacity(s, floor, on=date(2024, 12, 31))


# -- DK: rådighedsbeløb -----------------------------------------------------------------------


def test_dk_single_keeps_6550_kr_after_fixed_costs() -> None:
    s = statement(net_income=1_500_000, housing_cost=500_000, health_insurance=20_000)
    result = payment_capacity(s, DK, on=ON)
    assert (result.income, result.fixed_costs, result.living_allowance) == (
        1_500_000,
        520_000,
        655_000,
    )
    assert result.capacity == 325_000
    assert result.basis is FloorBasis.LIVING_ALLOWANCE


def test_dk_couple_with_children_by_age() -> None:
    s = statement(adults=2, children_ages=(0, 1, 2, 6, 7, 17), net_income=5_000_000)
    result = payment_capacity(s, DK, on=ON)
    assert result.living_allowance == 1_111_000 + 2 * 178_000 + 2 * 228_000 + 2 * 328_000


def test_dk_costs_above_income_give_zero_with_a_reason() -> None:
    s = statement(net_income=900_000, housing_cost=400_000, other_fixed_costs=100_000)
    result = payment_capacity(s, DK, on=ON)
    assert result.capacity == 0
    assert result.reason is CapacityShortfall.BELOW_LIVING_ALLOWANCE


# -- BE: configurable living allowance --------------------------------------------------------


def test_be_single_parent_short_of_the_living_allowance_gets_zero() -> None:
    s = statement(children_ages=(3, 10), net_income=250_000, childcare=10_000, housing_cost=70_000)
    result = payment_capacity(s, BE, on=ON)
    assert result.living_allowance == 130_000 + 2 * 30_000
    assert result.room == 250_000 - 80_000 - 190_000  # −€200: short of the allowance
    assert result.capacity == 0
    assert result.reason is CapacityShortfall.BELOW_LIVING_ALLOWANCE


def test_be_capacity_for_a_couple() -> None:
    s = statement(adults=2, net_income=300_000, housing_cost=80_000, other_debt_payments=5_000)
    assert payment_capacity(s, BE, on=ON).capacity == 300_000 - 85_000 - 190_000


# -- properties -------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=MAX_MONTHLY_AMOUNT)
statements = st.builds(
    HouseholdStatement,
    adults=st.integers(min_value=1, max_value=2),
    children_ages=st.lists(st.integers(min_value=0, max_value=17), max_size=6).map(tuple),
    net_income=amounts,
    housing_cost=amounts,
    health_insurance=amounts,
    childcare=amounts,
    other_debt_payments=amounts,
    other_fixed_costs=amounts,
)
floors = st.sampled_from([p.plan_policy.capacity_floor for p in RULE_PACKS.values()])


@given(statements, floors)
def test_capacity_is_never_negative_and_explains_itself(
    s: HouseholdStatement, floor: CapacityFloor
) -> None:
    result = payment_capacity(s, floor, on=ON)
    assert result.capacity >= 0
    assert result.capacity == max(0, result.income - result.fixed_costs - result.living_allowance)
    assert (result.reason is None) == (result.capacity > 0)


@given(statements, floors, st.integers(min_value=1, max_value=1_000_000))
def test_more_income_never_lowers_capacity(
    s: HouseholdStatement, floor: CapacityFloor, extra: int
) -> None:
    richer = HouseholdStatement(
        adults=s.adults,
        children_ages=s.children_ages,
        net_income=min(MAX_MONTHLY_AMOUNT, s.net_income + extra),
        housing_cost=s.housing_cost,
        health_insurance=s.health_insurance,
        childcare=s.childcare,
        other_debt_payments=s.other_debt_payments,
        other_fixed_costs=s.other_fixed_costs,
    )
    before = payment_capacity(s, floor, on=ON).capacity
    assert payment_capacity(richer, floor, on=ON).capacity >= before


def test_floor_refuses_unordered_tables_and_unknown_costs() -> None:
    table = FloorTable(date(2025, 1, 1), 1, 1, 1)
    with pytest.raises(ValueError, match="increasing"):
        CapacityFloor(basis=FloorBasis.LIVING_ALLOWANCE, tables=(table, table))
    with pytest.raises(ValueError, match="unknown cost"):
        CapacityFloor(basis=FloorBasis.LIVING_ALLOWANCE, tables=(table,), deducted_costs=("x",))
    with pytest.raises(ValueError, match="percent"):
        FloorTable(date(2025, 1, 1), 1, 1, 1, percent=101)
    with pytest.raises(ValueError, match="child band"):
        FloorTable(date(2025, 1, 1), 1, 1, 1, children=(ChildAllowance(9, 3, 100),))
