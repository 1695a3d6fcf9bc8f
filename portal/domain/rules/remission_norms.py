"""Remission (NL kwijtschelding, DK eftergivelse, BE kwijtschelding/ontheffing) norms per pack.

Dated data, looked up by rule pack code (`remission_policy("nl")`). Every number carries its
source key (domain-rules.md §6) or says "example — set by the municipality"; ⚠ marks what
domain-rules.md itself marks unverified. Amounts are minor units per month unless named
otherwise.

- NL: the Uitvoeringsregeling Invorderingswet [UR] art. 11-16 calculation applies and binds:
  a full grant within the automatic limit needs no person (design.md: "granted automatically
  where the rules allow, never rejected automatically").
- DK / BE: no statutory calculation for municipal claims (domain-rules.md §2, §3). The same
  sum is shown to the caseworker as guidance only (`calculation_binding=False`): every
  application goes to a person. The example norms below must be set by the municipality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType


class NoRemissionNorms(LookupError):
    """No norm table is valid on the requested date, or the pack has no remission policy."""


@dataclass(frozen=True)
class RemissionNormTable:
    """The norms valid from `valid_from` until the next table's `valid_from`."""

    valid_from: date
    #: the cost-of-living norm at 100 % per household type (NL: Participatiewet bijstandsnorm)
    single: int
    single_parent: int
    couple: int
    #: NL normhuur (Wet op de huurtoeslag art. 17): the housing cost already inside the norm
    norm_rent: int
    #: NL maximum rent of the huurtoeslag (Wht art. 13): housing costs above it do not count
    max_rent: int
    #: NL normpremie: the health premium already inside the norm, per adult
    norm_health_premium: int
    #: a car worth up to this much is not counted as an asset (whole amount, not per month)
    car_allowance: int

    def __post_init__(self) -> None:
        for name in (
            "single",
            "single_parent",
            "couple",
            "norm_rent",
            "max_rent",
            "norm_health_premium",
            "car_allowance",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"remission norms {self.valid_from}: {name} must be an int >= 0")
        if self.norm_rent > self.max_rent:
            raise ValueError(f"remission norms {self.valid_from}: norm rent above maximum rent")


@dataclass(frozen=True)
class RemissionPolicy:
    """What a municipality decided about remission, plus its dated norm tables."""

    pack_code: str
    currency: str
    #: does the statutory calculation decide (NL), or is it guidance for a caseworker (DK, BE)?
    calculation_binding: bool
    #: the cost-of-living norm as a percentage of the table (NL: 90-100 %, [UR] art. 16, [RKBM])
    norm_percent: int
    #: the share of 12 months' capacity to pay that must be used (NL: at least 80 %, [UR] art. 11)
    capacity_percent: int
    #: businesses (and NL entrepreneurs for business taxes) cannot use this procedure ([UR] art. 28)
    businesses_excluded: bool
    #: a full grant up to this total (minor units) is decided without a person; 0 = never
    auto_grant_limit: int
    #: a draft nobody touched for this many days is abandoned (a dropout: someone calls)
    draft_abandon_days: int
    #: the default deadline for evidence a caseworker asks for
    info_request_days: int
    tables: tuple[RemissionNormTable, ...]

    def __post_init__(self) -> None:
        if not 90 <= self.norm_percent <= 100:
            raise ValueError(f"remission {self.pack_code}: norm_percent must be 90..100")
        if not 80 <= self.capacity_percent <= 100:
            raise ValueError(f"remission {self.pack_code}: capacity_percent must be 80..100")
        if self.auto_grant_limit < 0 or self.draft_abandon_days < 1 or self.info_request_days < 1:
            raise ValueError(f"remission {self.pack_code}: limits must be positive")
        if not self.calculation_binding and self.auto_grant_limit:
            raise ValueError(f"remission {self.pack_code}: guidance never grants automatically")
        starts = [t.valid_from for t in self.tables]
        if not starts or starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError(f"remission {self.pack_code}: tables in increasing valid_from order")

    def table_on(self, on: date) -> RemissionNormTable:
        valid = [t for t in self.tables if t.valid_from <= on]
        if not valid:
            raise NoRemissionNorms(f"no remission norms valid on {on.isoformat()}")
        return valid[-1]


# SVHW normbedragen kwijtschelding, July 2020 [S5]: the table of the worked example in
# domain-rules.md §1.1 (⚠ illustrative there). Single norm, normhuur, maxHuur and normpremie are
# read in [S5]. The couple norm is the Participatiewet norm of July 2020 (the single norm is 70 %
# of it) ⚠ not read in [S5]; a single parent has the single norm since 2015 ⚠.
NL_JULY_2020 = RemissionNormTable(
    valid_from=date(2020, 7, 1),
    single=105_903,  # €1,059.03 [S5]
    single_parent=105_903,  # ⚠ same as single (Participatiewet since 2015)
    couple=151_290,  # €1,512.90 ⚠ Participatiewet July 2020
    norm_rent=21_571,  # €215.71 [S5]
    max_rent=73_714,  # €737.14 [S5]
    norm_health_premium=3_300,  # €33 per adult [S5] (⚠ per adult not read)
    car_allowance=227_000,  # ⚠ example — set by the municipality (pre-2023 practice)
)

# January 2024: the bijstandsnorm incl. vakantietoeslag as in nl.py's PROTECTED_INCOME
# (gemeentewestland.nl "Normenoverzicht minimuminkomen", 1 Jan 2024). The housing and health
# figures are examples — set by the municipality from the current huurtoeslag tables
# (domain-rules.md §7 open item).
NL_JANUARY_2024 = RemissionNormTable(
    valid_from=date(2024, 1, 1),
    single=128_383,  # €1,283.83 — example, check the current norm
    single_parent=128_383,  # €1,283.83 — example, check the current norm
    couple=183_404,  # €1,834.04 — example, check the current norm
    norm_rent=25_000,  # €250.00 — example, set by the municipality
    max_rent=87_966,  # €879.66 — example (huurtoeslag maximum rent 2024), check
    norm_health_premium=4_000,  # €40 per adult — example, set by the municipality
    car_allowance=335_000,  # €3,350 ⚠ [S9]
)

NL = RemissionPolicy(
    pack_code="nl",
    currency="EUR",
    calculation_binding=True,
    norm_percent=100,  # [ZUI] art. 2, [S5]: 100 % is common; 90 % is the [UR] default
    capacity_percent=80,  # [UR] art. 11: at least 80 %
    businesses_excluded=True,  # [UR] art. 28: entrepreneurs and legal persons
    auto_grant_limit=150_000,  # €1,500 — example, set by the municipality
    draft_abandon_days=30,  # example — set by the municipality
    info_request_days=14,  # example — set by the municipality
    tables=(NL_JULY_2020, NL_JANUARY_2024),
)

# Guidance only (see the module docstring). The DK numbers follow nl.py's structure with
# Danish kroner: every one is an example — set by the municipality.
DK = RemissionPolicy(
    pack_code="dk",
    currency="DKK",
    calculation_binding=False,
    norm_percent=100,  # example — set by the municipality
    capacity_percent=100,  # example — set by the municipality
    businesses_excluded=True,  # example — set by the municipality
    auto_grant_limit=0,
    draft_abandon_days=30,  # example — set by the municipality
    info_request_days=14,  # example — set by the municipality
    tables=(
        RemissionNormTable(
            valid_from=date(2024, 1, 1),
            single=700_000,  # 7,000 kr — example, set by the municipality
            single_parent=950_000,  # 9,500 kr — example, set by the municipality
            couple=1_200_000,  # 12,000 kr — example, set by the municipality
            norm_rent=0,  # example: the whole rent counts
            max_rent=1_500_000,  # 15,000 kr — example, set by the municipality
            norm_health_premium=0,  # example: no premium inside the norm
            car_allowance=3_000_000,  # 30,000 kr — example, set by the municipality
        ),
    ),
)

BE = RemissionPolicy(
    pack_code="be",
    currency="EUR",
    calculation_binding=False,
    norm_percent=100,  # example — set by the municipality
    capacity_percent=100,  # example — set by the municipality
    businesses_excluded=True,  # example — set by the municipality
    auto_grant_limit=0,
    draft_abandon_days=30,  # example — set by the municipality
    info_request_days=14,  # example — set by the municipality
    tables=(
        RemissionNormTable(
            valid_from=date(2024, 1, 1),
            single=130_000,  # €1,300 — example, set by the municipality (leefloon-like)
            single_parent=175_000,  # €1,750 — example, set by the municipality
            couple=175_000,  # €1,750 — example, set by the municipality
            norm_rent=0,  # example: the whole rent counts
            max_rent=100_000,  # €1,000 — example, set by the municipality
            norm_health_premium=0,  # example: no premium inside the norm
            car_allowance=335_000,  # €3,350 — example, set by the municipality
        ),
    ),
)

REMISSION_POLICIES: Mapping[str, RemissionPolicy] = MappingProxyType(
    {policy.pack_code: policy for policy in (NL, DK, BE)}
)


def remission_policy(pack_code: str) -> RemissionPolicy:
    """The remission policy of a rule pack ("nl", "dk", "be")."""
    try:
        return REMISSION_POLICIES[pack_code]
    except KeyError:
        raise NoRemissionNorms(f"no remission policy for pack {pack_code!r}") from None
