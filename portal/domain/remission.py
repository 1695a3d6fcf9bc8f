"""Remission (kwijtschelding): who may apply, for which bills, and how much is waived.

The calculation follows the Uitvoeringsregeling Invorderingswet [UR] art. 11-16 as described
in domain-rules.md §1.1, step by step, so a page can say it in plain words:

    housing costs above the norm  = max(0, min(rent − housing allowance, max rent) − norm rent)
    health costs above the norm   = max(0, premium − norm premium × adults − health allowance)
    disposable income             = net income − housing − health − other allowed costs
    cost of living                = norm × norm_percent (rounded up: in the citizen's favour)
    capacity per month            = max(0, disposable income − cost of living)
    to pay from income            = capacity × 12 × capacity_percent (rounded up: "at least")
    bank balance you may keep     = cost of living + (rent − norm rent) + (premium − norm premium)
    assets to use                 = bank above that + car above its allowance (unless needed)
                                    + other assets
    waived                        = max(0, bills − assets − to pay from income)

Outcome: full (nothing to pay), partial, or none. Who may apply is in remission_eligibility.py,
the state machine of an application in remission_states.py. Pure: no clock, integer minor
units, dates passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from portal.domain.affordability import HouseholdType
from portal.domain.rules.remission_norms import RemissionPolicy

#: 1,000,000 a month in minor units: above this an amount is a typing error, not an income.
MAX_MONTHLY_AMOUNT = 100_000_000
#: 100,000,000 in minor units for an asset: beyond it a value is a typing error.
MAX_ASSET_AMOUNT = 10_000_000_000
MAX_CHILDREN = 15
MAX_CHILD_AGE = 17

#: The monthly money fields, in the order the wizard asks for them.
MONTHLY_FIELDS: tuple[str, ...] = (
    "net_income",
    "rent",
    "housing_allowance",
    "health_premium",
    "health_allowance",
    "other_costs",
)
ASSET_FIELDS: tuple[str, ...] = ("bank_balance", "car_value", "other_assets")


class ImplausibleApplication(ValueError):
    """A value that cannot be right. `field` names the form field, `reason` is a stable code
    (not_a_whole_number, negative, too_large, out_of_range, too_many, above_cost)."""

    def __init__(self, field: str, reason: str) -> None:
        # The value is left out: it is personal financial data and may reach a log.
        super().__init__(f"implausible {field}: {reason}")
        self.field = field
        self.reason = reason


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class RemissionInput:
    """What the citizen told us; monthly amounts and assets in minor units."""

    adults: int
    children_ages: tuple[int, ...]
    #: net income of the citizen and partner per month, without child benefits and allowances
    net_income: int
    #: rent or mortgage interest per month
    rent: int = 0
    housing_allowance: int = 0
    health_premium: int = 0
    health_allowance: int = 0
    #: alimony paid and payments on tax debts, per month
    other_costs: int = 0
    #: total of all bank accounts today
    bank_balance: int = 0
    car_value: int = 0
    #: a car needed for work or because of a disability is not counted
    car_needed: bool = False
    other_assets: int = 0

    def __post_init__(self) -> None:
        if not _is_int(self.adults):
            raise ImplausibleApplication("adults", "not_a_whole_number")
        if not 1 <= self.adults <= 2:
            raise ImplausibleApplication("adults", "out_of_range")
        if isinstance(self.children_ages, list):
            object.__setattr__(self, "children_ages", tuple(self.children_ages))
        if len(self.children_ages) > MAX_CHILDREN:
            raise ImplausibleApplication("children_ages", "too_many")
        for age in self.children_ages:
            if not _is_int(age):
                raise ImplausibleApplication("children_ages", "not_a_whole_number")
            if not 0 <= age <= MAX_CHILD_AGE:
                raise ImplausibleApplication("children_ages", "out_of_range")
        for name in MONTHLY_FIELDS + ASSET_FIELDS:
            value = getattr(self, name)
            if not _is_int(value):
                raise ImplausibleApplication(name, "not_a_whole_number")
            if value < 0:
                raise ImplausibleApplication(name, "negative")
            limit = MAX_ASSET_AMOUNT if name in ASSET_FIELDS else MAX_MONTHLY_AMOUNT
            if value > limit:
                raise ImplausibleApplication(name, "too_large")
        if self.housing_allowance > self.rent:
            raise ImplausibleApplication("housing_allowance", "above_cost")
        if self.health_allowance > self.health_premium:
            raise ImplausibleApplication("health_allowance", "above_cost")

    @property
    def household_type(self) -> HouseholdType:
        if self.adults == 2:
            return HouseholdType.COUPLE
        return HouseholdType.SINGLE_PARENT if self.children_ages else HouseholdType.SINGLE


class RemissionOutcome(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True)
class EligibleClaim:
    claim_id: int
    #: what is left to pay on the claim when the calculation is made
    amount: int


@dataclass(frozen=True)
class ClaimGrant:
    claim_id: int
    amount: int
    granted: int


def _ceil_percent(amount: int, percent: int) -> int:
    return -(-amount * percent // 100)


@dataclass(frozen=True)
class RemissionCalculation:
    """Every step of the sum, so it can be explained and stored as a snapshot."""

    norms_valid_from: date
    household_type: str
    norm_percent: int
    capacity_percent: int
    net_income: int
    housing_correction: int
    health_correction: int
    other_costs: int
    disposable_income: int
    cost_of_living: int
    monthly_capacity: int
    yearly_capacity: int
    to_pay_from_income: int
    bank_allowance: int
    counted_bank: int
    counted_car: int
    counted_other_assets: int
    assets: int
    eligible_total: int
    to_pay: int
    remitted: int
    outcome: RemissionOutcome
    binding: bool
    grants: tuple[ClaimGrant, ...]

    def to_snapshot(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, enums as values."""
        data = asdict(self)
        data["norms_valid_from"] = self.norms_valid_from.isoformat()
        data["outcome"] = self.outcome.value
        data["grants"] = [asdict(g) for g in self.grants]
        return data


def allocate_grant(total: int, claims: Sequence[EligibleClaim]) -> tuple[ClaimGrant, ...]:
    """Spread `total` over the claims pro rata to their amounts (largest remainder first, then
    the lower claim id), never more than a claim's amount. The parts sum to `total`."""
    claim_total = sum(c.amount for c in claims)
    if not 0 <= total <= claim_total:
        raise ValueError("a grant is between zero and the total of the claims")
    if claim_total == 0:
        return tuple(ClaimGrant(c.claim_id, c.amount, 0) for c in claims)
    shares = [divmod(total * c.amount, claim_total) for c in claims]
    parts = [q for q, _r in shares]
    left = total - sum(parts)
    order = sorted(range(len(claims)), key=lambda i: (-shares[i][1], claims[i].claim_id))
    for i in order[:left]:
        parts[i] += 1
    return tuple(ClaimGrant(c.claim_id, c.amount, p) for c, p in zip(claims, parts, strict=True))


def calculate_remission(
    data: RemissionInput,
    claims: Sequence[EligibleClaim],
    policy: RemissionPolicy,
    *,
    on: date,
) -> RemissionCalculation:
    """The remission on date `on` (the day of the request) for the eligible `claims`.

    Raises NoRemissionNorms when the policy has no table for `on`.
    """
    table = policy.table_on(on)
    norm = {
        HouseholdType.SINGLE: table.single,
        HouseholdType.SINGLE_PARENT: table.single_parent,
        HouseholdType.COUPLE: table.couple,
    }[data.household_type]
    norm_premium = table.norm_health_premium * data.adults
    net_rent = data.rent - data.housing_allowance
    housing = max(0, min(net_rent, table.max_rent) - table.norm_rent)
    health = max(0, data.health_premium - norm_premium - data.health_allowance)
    disposable = data.net_income - housing - health - data.other_costs
    cost_of_living = _ceil_percent(norm, policy.norm_percent)
    monthly = max(0, disposable - cost_of_living)
    yearly = monthly * 12
    from_income = _ceil_percent(yearly, policy.capacity_percent)
    # The bank balance one may keep is counted WITHOUT deducting the allowances (§1.1).
    bank_allowance = (
        cost_of_living
        + max(0, data.rent - table.norm_rent)
        + max(0, data.health_premium - norm_premium)
    )
    counted_bank = max(0, data.bank_balance - bank_allowance)
    # ⚠ [UR] art. 12 excludes "a car up to a threshold": a car above it counts in full.
    counted_car = 0 if data.car_needed or data.car_value <= table.car_allowance else data.car_value
    assets = counted_bank + counted_car + data.other_assets
    eligible_total = sum(c.amount for c in claims)
    to_pay = min(eligible_total, assets + from_income)
    remitted = eligible_total - to_pay
    if eligible_total > 0 and remitted == eligible_total:
        outcome = RemissionOutcome.FULL
    elif remitted > 0:
        outcome = RemissionOutcome.PARTIAL
    else:
        outcome = RemissionOutcome.NONE
    return RemissionCalculation(
        norms_valid_from=table.valid_from,
        household_type=data.household_type.value,
        norm_percent=policy.norm_percent,
        capacity_percent=policy.capacity_percent,
        net_income=data.net_income,
        housing_correction=housing,
        health_correction=health,
        other_costs=data.other_costs,
        disposable_income=disposable,
        cost_of_living=cost_of_living,
        monthly_capacity=monthly,
        yearly_capacity=yearly,
        to_pay_from_income=from_income,
        bank_allowance=bank_allowance,
        counted_bank=counted_bank,
        counted_car=counted_car,
        counted_other_assets=data.other_assets,
        assets=assets,
        eligible_total=eligible_total,
        to_pay=to_pay,
        remitted=remitted,
        outcome=outcome,
        binding=policy.calculation_binding,
        grants=allocate_grant(remitted, claims),
    )


def automatic_grant_allowed(calculation: RemissionCalculation, policy: RemissionPolicy) -> bool:
    """A full grant within policy may be decided without a person; nothing else ever is."""
    return (
        calculation.binding
        and calculation.outcome is RemissionOutcome.FULL
        and calculation.remitted <= policy.auto_grant_limit
    )
