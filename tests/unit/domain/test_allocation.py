from __future__ import annotations

from datetime import date

import pytest

from portal.domain.allocation import DEFAULT_COMPONENT_ORDER
from portal.domain.allocation import Allocation
from portal.domain.allocation import AllocationLine
from portal.domain.allocation import ClaimDebt
from portal.domain.allocation import Component
from portal.domain.allocation import allocate
from portal.domain.allocation import claim_order

FEE, INTEREST, PRINCIPAL = Component.FEE, Component.INTEREST, Component.PRINCIPAL


def debt(claim_id: int, due: date, **components: int) -> ClaimDebt:
    return ClaimDebt(claim_id=claim_id, due_date=due, issue_date=date(2025, 1, 1), **components)


def test_default_order_is_costs_interest_principal() -> None:
    # BW 6:44 lid 1; Invorderingswet art. 7; GIL § 4 (interest before principal).
    assert DEFAULT_COMPONENT_ORDER == (FEE, INTEREST, PRINCIPAL)


def test_within_one_claim_costs_then_interest_then_principal() -> None:
    result = allocate(5000, [debt(1, date(2025, 3, 1), fee=700, interest=300, principal=10000)])
    assert result.lines == (
        AllocationLine(1, FEE, 700),
        AllocationLine(1, INTEREST, 300),
        AllocationLine(1, PRINCIPAL, 4000),
    )
    assert result.unallocated == 0
    assert result.allocated == 5000


def test_oldest_due_claim_first() -> None:
    newer = debt(1, date(2025, 6, 1), principal=1000)
    older = debt(2, date(2025, 2, 1), principal=1000)
    result = allocate(1500, [newer, older])
    assert result.claim_total(2) == 1000
    assert result.claim_total(1) == 500


def test_ties_broken_by_issue_date_then_claim_id() -> None:
    due = date(2025, 3, 1)
    a = ClaimDebt(claim_id=9, due_date=due, issue_date=date(2025, 1, 1), principal=1)
    b = ClaimDebt(claim_id=3, due_date=due, issue_date=date(2025, 2, 1), principal=1)
    c = ClaimDebt(claim_id=5, due_date=due, issue_date=date(2025, 2, 1), principal=1)
    assert [d.claim_id for d in claim_order([c, b, a])] == [9, 3, 5]


def test_earmarked_claim_is_covered_first() -> None:
    older = debt(1, date(2025, 1, 1), principal=1000)
    earmarked = debt(2, date(2025, 9, 1), fee=100, principal=1000)
    result = allocate(1200, [older, earmarked], earmarked_claim_id=2)
    assert result.for_claim(2) == (AllocationLine(2, FEE, 100), AllocationLine(2, PRINCIPAL, 1000))
    assert result.for_claim(1) == (AllocationLine(1, PRINCIPAL, 100),)


def test_unknown_earmark_falls_back_to_statutory_order() -> None:
    result = allocate(100, [debt(1, date(2025, 1, 1), principal=1000)], earmarked_claim_id=99)
    assert result.for_claim(1) == (AllocationLine(1, PRINCIPAL, 100),)


def test_surplus_is_unallocated_for_the_credit_account() -> None:
    result = allocate(2500, [debt(1, date(2025, 1, 1), interest=200, principal=1000)])
    assert result.allocated == 1200
    assert result.unallocated == 1300


def test_no_debts_leaves_everything_unallocated() -> None:
    assert allocate(100, []) == Allocation(lines=(), unallocated=100)


def test_zero_components_get_no_lines() -> None:
    result = allocate(100, [debt(1, date(2025, 1, 1), principal=500)])
    assert [line.component for line in result.lines] == [PRINCIPAL]


def test_custom_component_order() -> None:
    order = (INTEREST, PRINCIPAL, FEE)
    result = allocate(
        150,
        [debt(1, date(2025, 1, 1), fee=100, interest=100, principal=100)],
        component_order=order,
    )
    assert result.lines == (AllocationLine(1, INTEREST, 100), AllocationLine(1, PRINCIPAL, 50))


@pytest.mark.parametrize("amount", [0, -1, True])
def test_amount_must_be_positive_int(amount: int) -> None:
    with pytest.raises(ValueError, match="amount"):
        allocate(amount, [])


@pytest.mark.parametrize("order", [(FEE, PRINCIPAL), (FEE, FEE, PRINCIPAL), ()])
def test_component_order_must_name_every_component(order: tuple[Component, ...]) -> None:
    with pytest.raises(ValueError, match="component_order"):
        allocate(100, [], component_order=order)


def test_duplicate_claims_are_refused() -> None:
    d = debt(1, date(2025, 1, 1), principal=100)
    with pytest.raises(ValueError, match="once"):
        allocate(100, [d, d])


@pytest.mark.parametrize("field", ["fee", "interest", "principal"])
def test_outstanding_components_cannot_be_negative(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        debt(1, date(2025, 1, 1), **{field: -1})


def test_allocation_line_amount_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        AllocationLine(1, FEE, 0)


def test_allocation_unallocated_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="unallocated"):
        Allocation(lines=(), unallocated=-1)


def test_claim_debt_total_and_outstanding() -> None:
    d = debt(1, date(2025, 1, 1), fee=1, interest=2, principal=3)
    assert d.total == 6
    assert d.outstanding(INTEREST) == 2
