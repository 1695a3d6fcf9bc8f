"""How one payment covers a debtor's claims and their components.

Order between claims: an earmarked claim first (the debtor's designation, BW 6:43;
øremærkning under GIL § 4), then the oldest due date (BW 6:43 "oudste"; GIL § 4 "ældste"),
ties broken by issue date and claim id so the result is deterministic. Sorting on due date
also puts claims that are due (BW 6:43 "opeisbaar") before those that are not yet due.
BW 6:43's "most burdensome" step is not modelled: the portal has no measure of burden that
is fair across claim types, and GIL § 4 has no such step.

Order within a claim: costs, then interest, then principal (BW 6:44 lid 1; NL
Invorderingswet art. 7 for tax claims; GIL § 4 interest before principal).
A rule pack may pass another `component_order`.

Amounts are integer minor units of one currency; the caller holds the currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Component(StrEnum):
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


#: BW 6:44 lid 1: "kosten, vervolgens rente, ten slotte hoofdsom".
DEFAULT_COMPONENT_ORDER: tuple[Component, ...] = (
    Component.FEE,
    Component.INTEREST,
    Component.PRINCIPAL,
)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ClaimDebt:
    """What is still outstanding on one claim, per component, in minor units."""

    claim_id: int
    due_date: date
    issue_date: date
    fee: int = 0
    interest: int = 0
    principal: int = 0

    def __post_init__(self) -> None:
        for component in Component:
            value = self.outstanding(component)
            if not _is_int(value) or value < 0:
                raise ValueError(f"{component} outstanding must be an int >= 0, got {value!r}")

    def outstanding(self, component: Component) -> int:
        value: int = getattr(self, component.value)
        return value

    @property
    def total(self) -> int:
        return self.fee + self.interest + self.principal


@dataclass(frozen=True)
class AllocationLine:
    """`amount` minor units of a payment go to `component` of claim `claim_id`."""

    claim_id: int
    component: Component
    amount: int

    def __post_init__(self) -> None:
        if not _is_int(self.amount) or self.amount <= 0:
            raise ValueError("an allocation line carries a positive int amount")


@dataclass(frozen=True)
class Allocation:
    """The result of `allocate`. `unallocated` goes to the debtor's credit account
    (decisions.md: a surplus is a credit, never a negative claim balance)."""

    lines: tuple[AllocationLine, ...]
    unallocated: int

    def __post_init__(self) -> None:
        if not _is_int(self.unallocated) or self.unallocated < 0:
            raise ValueError("unallocated must be an int >= 0")

    @property
    def allocated(self) -> int:
        return sum(line.amount for line in self.lines)

    def for_claim(self, claim_id: int) -> tuple[AllocationLine, ...]:
        return tuple(line for line in self.lines if line.claim_id == claim_id)

    def claim_total(self, claim_id: int) -> int:
        return sum(line.amount for line in self.for_claim(claim_id))


def claim_order(
    debts: Sequence[ClaimDebt], *, earmarked_claim_id: int | None = None
) -> list[ClaimDebt]:
    """Debts in the order a payment covers them (see the module docstring)."""
    return sorted(
        debts,
        key=lambda d: (
            earmarked_claim_id is None or d.claim_id != earmarked_claim_id,
            d.due_date,
            d.issue_date,
            d.claim_id,
        ),
    )


def allocate(
    amount: int,
    debts: Sequence[ClaimDebt],
    *,
    component_order: Sequence[Component] = DEFAULT_COMPONENT_ORDER,
    earmarked_claim_id: int | None = None,
) -> Allocation:
    """Cover `debts` with `amount` minor units; what is left over is `unallocated`.

    An earmarked claim that is not among `debts` is ignored: the money then follows the
    statutory order, which is what the debtor gets when a designation cannot be honoured.
    """
    if not _is_int(amount) or amount <= 0:
        raise ValueError("amount must be an int > 0")
    order = tuple(component_order)
    if len(order) != len(Component) or set(order) != set(Component):
        # A missing component would leave money unallocated while debt is outstanding.
        raise ValueError("component_order must name every component exactly once")
    ids = [d.claim_id for d in debts]
    if len(set(ids)) != len(ids):
        raise ValueError("each claim may appear only once")

    remaining = amount
    lines: list[AllocationLine] = []
    for debt in claim_order(debts, earmarked_claim_id=earmarked_claim_id):
        for component in order:
            if remaining == 0:
                break
            take = min(remaining, debt.outstanding(component))
            if take > 0:
                lines.append(AllocationLine(debt.claim_id, component, take))
                remaining -= take
    return Allocation(lines=tuple(lines), unallocated=remaining)
