"""Payment capacity: how much a household can pay each month, explained in plain parts.

The citizen sees the sum the portal made (issue 4, step 3):

    income − fixed costs − what you need to live = what you could pay

Which costs count as "fixed costs" and what "what you need to live" means come from the rule
pack's `CapacityFloor` (via `RulePack.plan_policy.capacity_floor`):

- NL: the protected income, *beslagvrije voet* (BVV, domain-rules.md §1.2): 95 % of the
  applicable bijstandsnorm per household type. Portal rule from §1.2: never ask more than
  `net income − BVV`; when that is ≤ 0, route the citizen to kwijtschelding or schuldhulp.
  The BVV already covers rent and health insurance, so those are NOT deducted again; only
  payments on other debts are (the room above the BVV is shared with other creditors).
  Out of scope here (⚠, domain-rules.md §1.2): raising the BVV for high housing costs without
  (full) huurtoeslag, or for the health premium without zorgtoeslag — a caseworker handles
  those cases in the review queue.
- DK: a rådighedsbeløb table (what is left for food, clothes etc. after fixed costs).
- BE: a configurable living allowance, same shape as DK.

Pure: no clock (the date is passed in), integer minor units per month only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

#: 1,000,000 a month in minor units: above this an amount is a typing error, not an income.
MAX_MONTHLY_AMOUNT = 100_000_000
#: A household statement has one or two adults (the citizen and a partner).
MIN_ADULTS, MAX_ADULTS = 1, 2
#: Children are under 18; more than this many on one statement is a typing error.
MAX_CHILD_AGE = 17
MAX_CHILDREN = 15

#: The money fields of a statement, in the order the form asks for them.
AMOUNT_FIELDS: tuple[str, ...] = (
    "net_income",
    "housing_cost",
    "health_insurance",
    "childcare",
    "other_debt_payments",
    "other_fixed_costs",
)
#: The cost fields (every amount field but the income).
COST_FIELDS: tuple[str, ...] = AMOUNT_FIELDS[1:]


class ImplausibleStatement(ValueError):
    """A statement value that cannot be right. `field` names the form field, `reason` is a
    stable code for the form's message (not_a_whole_number, negative, too_large,
    out_of_range, too_many)."""

    def __init__(self, field: str, reason: str) -> None:
        # The value itself is left out: it is personal financial data and may reach a log.
        super().__init__(f"implausible {field}: {reason}")
        self.field = field
        self.reason = reason


class NoFloorForDate(LookupError):
    """The capacity floor has no table valid on the requested date."""

    def __init__(self, on: date) -> None:
        super().__init__(f"no capacity floor valid on {on.isoformat()}")
        self.on = on


class HouseholdType(StrEnum):
    """The household types the norms distinguish (NL bijstandsnorm, DK rådighedsbeløb)."""

    SINGLE = "single"
    SINGLE_PARENT = "single_parent"
    COUPLE = "couple"


class FloorBasis(StrEnum):
    """What the floor is, so a page can name it in plain words."""

    #: NL: the part of the income the law protects (beslagvrije voet).
    PROTECTED_INCOME = "protected_income"
    #: DK / BE: what a household needs to live on after its fixed costs.
    LIVING_ALLOWANCE = "living_allowance"


class CapacityShortfall(StrEnum):
    """Why the capacity is zero; every reason routes the citizen to remission or debt help."""

    BELOW_PROTECTED_INCOME = "below_protected_income"
    BELOW_LIVING_ALLOWANCE = "below_living_allowance"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class HouseholdStatement:
    """A short income-and-expenses statement; every amount is minor units per month."""

    adults: int
    #: Ages of the children under 18 living in the household (a list is accepted too).
    children_ages: tuple[int, ...]
    #: The household's total net income per month (both partners for a couple).
    net_income: int
    housing_cost: int = 0
    health_insurance: int = 0
    childcare: int = 0
    other_debt_payments: int = 0
    other_fixed_costs: int = 0

    def __post_init__(self) -> None:
        if not _is_int(self.adults):
            raise ImplausibleStatement("adults", "not_a_whole_number")
        if not MIN_ADULTS <= self.adults <= MAX_ADULTS:
            raise ImplausibleStatement("adults", "out_of_range")
        if isinstance(self.children_ages, list):
            object.__setattr__(self, "children_ages", tuple(self.children_ages))
        if not isinstance(self.children_ages, tuple):
            raise ImplausibleStatement("children_ages", "not_a_whole_number")
        if len(self.children_ages) > MAX_CHILDREN:
            raise ImplausibleStatement("children_ages", "too_many")
        for age in self.children_ages:
            if not _is_int(age):
                raise ImplausibleStatement("children_ages", "not_a_whole_number")
            if not 0 <= age <= MAX_CHILD_AGE:
                raise ImplausibleStatement("children_ages", "out_of_range")
        for name in AMOUNT_FIELDS:
            value = getattr(self, name)
            if not _is_int(value):
                raise ImplausibleStatement(name, "not_a_whole_number")
            if value < 0:
                raise ImplausibleStatement(name, "negative")
            if value > MAX_MONTHLY_AMOUNT:
                raise ImplausibleStatement(name, "too_large")

    @property
    def household_type(self) -> HouseholdType:
        if self.adults == MAX_ADULTS:
            return HouseholdType.COUPLE
        return HouseholdType.SINGLE_PARENT if self.children_ages else HouseholdType.SINGLE

    def costs(self, names: Sequence[str] = COST_FIELDS) -> int:
        """Sum of the named cost fields."""
        return sum(getattr(self, name) for name in names)


@dataclass(frozen=True)
class ChildAllowance:
    """An amount per child per month for children aged `min_age`..`max_age` (inclusive)."""

    min_age: int
    max_age: int
    amount: int


@dataclass(frozen=True)
class FloorTable:
    """The floor amounts valid from `valid_from` until the next table's `valid_from`.

    The floor for a household is `percent` % of the norm for its type (rounded UP to the
    cent, in the citizen's favour) plus the child allowance of each child.
    """

    valid_from: date
    single: int
    single_parent: int
    couple: int
    percent: int = 100
    children: tuple[ChildAllowance, ...] = ()

    def __post_init__(self) -> None:
        for name in ("single", "single_parent", "couple", "percent"):
            value = getattr(self, name)
            if not _is_int(value) or value < 0:
                raise ValueError(f"floor table {self.valid_from}: {name} must be an int >= 0")
        if not 0 < self.percent <= 100:
            raise ValueError(f"floor table {self.valid_from}: percent must be 1..100")
        for band in self.children:
            if band.min_age > band.max_age or band.amount < 0:
                raise ValueError(f"floor table {self.valid_from}: bad child band {band}")

    def norm(self, household: HouseholdType) -> int:
        return {
            HouseholdType.SINGLE: self.single,
            HouseholdType.SINGLE_PARENT: self.single_parent,
            HouseholdType.COUPLE: self.couple,
        }[household]

    def child_allowance(self, age: int) -> int:
        """The allowance for one child of `age`; 0 when no band covers the age."""
        return next((b.amount for b in self.children if b.min_age <= age <= b.max_age), 0)

    def amount_for(self, statement: HouseholdStatement) -> int:
        base = -(-self.norm(statement.household_type) * self.percent // 100)  # ceiling
        return base + sum(self.child_allowance(age) for age in statement.children_ages)


@dataclass(frozen=True)
class CapacityFloor:
    """Per rule pack: what the household keeps, and which of its costs come off first.

    `tables` are dated; `payment_capacity(..., on=)` uses the latest table whose
    `valid_from` is on or before `on`.
    """

    basis: FloorBasis
    tables: tuple[FloorTable, ...]
    #: Statement cost fields deducted before the floor (NL: other debt payments only).
    deducted_costs: tuple[str, ...] = COST_FIELDS

    def __post_init__(self) -> None:
        if not self.tables:
            raise ValueError("a capacity floor needs at least one dated table")
        starts = [t.valid_from for t in self.tables]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("floor tables must be in strictly increasing valid_from order")
        unknown = set(self.deducted_costs) - set(COST_FIELDS)
        if unknown:
            raise ValueError(f"unknown cost fields: {sorted(unknown)}")

    def table_on(self, on: date) -> FloorTable:
        valid = [t for t in self.tables if t.valid_from <= on]
        if not valid:
            raise NoFloorForDate(on)
        return valid[-1]

    @property
    def shortfall_reason(self) -> CapacityShortfall:
        if self.basis is FloorBasis.PROTECTED_INCOME:
            return CapacityShortfall.BELOW_PROTECTED_INCOME
        return CapacityShortfall.BELOW_LIVING_ALLOWANCE


@dataclass(frozen=True)
class CapacityResult:
    """`income − fixed_costs − living_allowance = capacity` (floored at zero).

    `capacity` is never negative; when it is zero, `reason` says why and the citizen is
    pointed to remission or debt help (`routes_to_help`).
    """

    income: int
    fixed_costs: int
    living_allowance: int
    capacity: int
    basis: FloorBasis
    household_type: HouseholdType
    #: Which dated table was used, so a decision can cite it.
    floor_valid_from: date
    reason: CapacityShortfall | None = None

    @property
    def routes_to_help(self) -> bool:
        return self.capacity == 0

    @property
    def room(self) -> int:
        """The signed result of the sum before flooring at zero (for the caseworker)."""
        return self.income - self.fixed_costs - self.living_allowance


def payment_capacity(
    statement: HouseholdStatement, floor: CapacityFloor, *, on: date
) -> CapacityResult:
    """What the household could pay each month on date `on` under `floor`.

    Raises NoFloorForDate when `floor` has no table for `on`.
    """
    table = floor.table_on(on)
    fixed_costs = statement.costs(floor.deducted_costs)
    allowance = table.amount_for(statement)
    room = statement.net_income - fixed_costs - allowance
    capacity = max(0, room)
    return CapacityResult(
        income=statement.net_income,
        fixed_costs=fixed_costs,
        living_allowance=allowance,
        capacity=capacity,
        basis=floor.basis,
        household_type=statement.household_type,
        floor_valid_from=table.valid_from,
        reason=floor.shortfall_reason if capacity == 0 else None,
    )


__all__ = [
    "AMOUNT_FIELDS",
    "COST_FIELDS",
    "MAX_MONTHLY_AMOUNT",
    "CapacityFloor",
    "CapacityResult",
    "CapacityShortfall",
    "ChildAllowance",
    "FloorBasis",
    "FloorTable",
    "HouseholdStatement",
    "HouseholdType",
    "ImplausibleStatement",
    "NoFloorForDate",
    "payment_capacity",
]
