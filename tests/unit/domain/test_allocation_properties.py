"""Properties of `allocate` that must hold for every payment (BW 6:43-6:44, GIL § 4)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from portal.domain.allocation import Allocation
from portal.domain.allocation import ClaimDebt
from portal.domain.allocation import Component
from portal.domain.allocation import allocate
from portal.domain.allocation import claim_order

outstanding = st.integers(min_value=0, max_value=20_000)
dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 3, 31))  # small: many ties

claim_debts = st.builds(
    ClaimDebt,
    claim_id=st.integers(min_value=1, max_value=50),
    due_date=dates,
    issue_date=dates,
    fee=outstanding,
    interest=outstanding,
    principal=outstanding,
)
debt_lists = st.lists(claim_debts, max_size=8, unique_by=lambda d: d.claim_id)
payments = st.integers(min_value=1, max_value=100_000)
component_orders = st.permutations(list(Component))

#: (payment, debts, component order, earmarked claim id)
Scenario = tuple[int, list[ClaimDebt], list[Component], int | None]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    debts = draw(debt_lists)
    earmark = draw(st.one_of(st.none(), st.sampled_from([d.claim_id for d in debts] or [99])))
    return draw(payments), debts, draw(component_orders), earmark


def run(scenario: Scenario) -> Allocation:
    amount, debts, order, earmark = scenario
    return allocate(amount, debts, component_order=order, earmarked_claim_id=earmark)


def covered(allocation: Allocation, claim_id: int, component: Component) -> int:
    return sum(
        line.amount for line in allocation.for_claim(claim_id) if line.component is component
    )


def remaining(allocation: Allocation, debt: ClaimDebt, component: Component) -> int:
    return debt.outstanding(component) - covered(allocation, debt.claim_id, component)


@given(scenarios())
def test_conservation_every_cent_is_accounted_for(scenario: Scenario) -> None:
    allocation = run(scenario)
    assert sum(line.amount for line in allocation.lines) + allocation.unallocated == scenario[0]
    assert allocation.allocated + allocation.unallocated == scenario[0]


@given(scenarios())
def test_no_component_is_driven_below_zero(scenario: Scenario) -> None:
    allocation = run(scenario)
    for debt in scenario[1]:
        for component in Component:
            assert remaining(allocation, debt, component) >= 0
    known = {d.claim_id for d in scenario[1]}
    assert all(line.claim_id in known and line.amount > 0 for line in allocation.lines)


@given(scenarios())
def test_surplus_only_when_everything_is_covered(scenario: Scenario) -> None:
    allocation = run(scenario)
    if allocation.unallocated > 0:
        assert all(
            remaining(allocation, debt, component) == 0
            for debt in scenario[1]
            for component in Component
        )
    else:
        assert allocation.allocated == scenario[0]


@given(scenarios())
def test_earmarked_claim_is_covered_before_any_other(scenario: Scenario) -> None:
    amount, debts, _, earmark = scenario
    allocation = run(scenario)
    target = next((d for d in debts if d.claim_id == earmark), None)
    if target is None:
        return
    others_paid = any(line.claim_id != earmark for line in allocation.lines)
    if others_paid:
        assert allocation.claim_total(target.claim_id) == target.total
    else:
        assert allocation.claim_total(target.claim_id) == min(amount, target.total)


@given(scenarios())
def test_no_later_claim_is_paid_while_an_earlier_one_is_open(scenario: Scenario) -> None:
    _, debts, order, earmark = scenario
    allocation = run(scenario)
    ordered = claim_order(debts, earmarked_claim_id=earmark)
    for i, earlier in enumerate(ordered):
        still_open = any(remaining(allocation, earlier, c) > 0 for c in Component)
        if still_open:
            assert all(not allocation.for_claim(later.claim_id) for later in ordered[i + 1 :])


@given(scenarios())
def test_component_order_respected_within_each_claim(scenario: Scenario) -> None:
    _, debts, order, _ = scenario
    allocation = run(scenario)
    for debt in debts:
        for i, component in enumerate(order):
            if remaining(allocation, debt, component) > 0:
                assert all(covered(allocation, debt.claim_id, c) == 0 for c in order[i + 1 :])


@given(scenarios())
def test_lines_follow_claim_order(scenario: Scenario) -> None:
    _, debts, _, earmark = scenario
    allocation = run(scenario)
    rank = {d.claim_id: i for i, d in enumerate(claim_order(debts, earmarked_claim_id=earmark))}
    ranks = [rank[line.claim_id] for line in allocation.lines]
    assert ranks == sorted(ranks)


@given(st.lists(claim_debts, min_size=1, max_size=6, unique_by=lambda d: d.claim_id))
def test_claim_order_is_oldest_due_first(debts: list[ClaimDebt]) -> None:
    keys = [(d.due_date, d.issue_date, d.claim_id) for d in claim_order(debts)]
    assert keys == sorted(keys)
