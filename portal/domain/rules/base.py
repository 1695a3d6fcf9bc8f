"""The shape of a rule pack: per-country data that the rest of Saldo reads, never hard-codes.

decisions.md "Money and rules": every number in a pack carries its source or is marked
"example — set by the municipality", and a pack is dated (`valid_from`). Source keys such as
[GBL] refer to domain-rules.md §6.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from portal.domain.allocation import Component
from portal.domain.money import CURRENCY_EXPONENTS
from portal.domain.plans import PlanPolicy
from portal.domain.references import ReferenceScheme

#: Every user-facing name exists in these languages (the portal's three base locales).
LOCALES: tuple[str, ...] = ("da", "nl", "en")
#: Every language the portal speaks: the base three, the Flemish variant and French (BE).
PORTAL_LOCALES: tuple[str, ...] = ("da", "nl", "en", "nl_BE", "fr")

#: Stripe's minimum charge per currency in minor units (€0.50, 2.50 kr; decisions.md
#: "Payments"). A pack's minimum online amount may not be lower.
STRIPE_MINIMUM_CHARGE: Mapping[str, int] = MappingProxyType({"EUR": 50, "DKK": 250})


class LegalBasis(StrEnum):
    """Selects the fee regime (decisions.md): e.g. NL Kostenwet for taxes, WIK for private law."""

    TAX = "tax"
    PUBLIC_LAW = "public_law"
    PRIVATE_LAW = "private_law"


class UnknownClaimType(KeyError):
    """A claim type code that the rule pack does not define."""


class UnknownDepartment(KeyError):
    """A department code that the rule pack does not define."""


class UnknownRulePack(KeyError):
    """A rule pack code (PORTAL_RULES) that Saldo does not ship."""


def names(*, da: str, nl: str, en: str, fr: str | None = None) -> Mapping[str, str]:
    """A read-only name per locale; keyword-only so a language can't be swapped by position.

    French is optional: only Belgian packs need it. A Flemish (nl_BE) name is the pack's
    Dutch name, which a Belgian pack writes in Flemish already (e.g. "retributie").
    """
    value = {"da": da, "nl": nl, "en": en}
    if fr is not None:
        value["fr"] = fr
    return MappingProxyType(value)


def _check_names(owner: str, value: Mapping[str, str]) -> None:
    missing = [loc for loc in LOCALES if not str(value.get(loc, "")).strip()]
    if missing:
        raise ValueError(f"{owner}: no name for {', '.join(missing)}")


def localised_name(value: Mapping[str, str], locale: str) -> str | None:
    """A per-locale name: the locale's own, else its language's (nl_BE -> nl), else English."""
    return value.get(locale) or value.get(locale.split("_")[0]) or value.get("en")


def _localised(value: Mapping[str, str], locale: str) -> str:
    # English is in every pack: the portal's last-resort locale.
    return localised_name(value, locale) or value["en"]


@dataclass(frozen=True)
class DepartmentSpec:
    """A creditor inside the municipality (e.g. taxes, children & daycare)."""

    code: str
    names: Mapping[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        _check_names(f"department {self.code}", self.names)

    def name(self, locale: str) -> str:
        return _localised(self.names, locale)


@dataclass(frozen=True)
class ClaimTypeSpec:
    """One kind of municipal claim and the legal flags that steer its collection."""

    code: str
    department_code: str
    legal_basis: LegalBasis
    #: Plain B1 words per locale ("Daycare fee"), no legal jargon.
    names: Mapping[str, str] = field(hash=False)
    #: May the municipality enforce without a court (DK udpantningsret, NL/BE dwangbevel)?
    has_execution_right: bool
    #: Property-bound / ranks first (DK fortrinsberettiget): DK keeps collecting these itself.
    preferential: bool
    bears_interest: bool
    #: Can the citizen ask for remission (NL kwijtschelding; chosen by council verordening).
    remission_eligible: bool
    #: Below this (minor units) the municipality does not bill the claim at all.
    minimum_amount: int
    #: Billed again every period while a service continues (monthly daycare, rent), so a
    #: payment plan must leave room for the new bills.
    ongoing: bool
    #: The citizen may sign up this type for automatic collection (a SEPA Core mandate for
    #: every claim of the type as it falls due: property tax, daycare; issue 8).
    direct_debit: bool = False

    def __post_init__(self) -> None:
        _check_names(f"claim type {self.code}", self.names)
        if self.minimum_amount < 0:
            raise ValueError(f"claim type {self.code}: minimum_amount must be >= 0")

    def name(self, locale: str) -> str:
        return _localised(self.names, locale)


@dataclass(frozen=True, kw_only=True)
class RulePack:
    """Everything country- or municipality-specific that the domain and services need."""

    code: str
    country: str
    currency: str
    default_locale: str
    #: The languages the switcher offers in this installation, in this order.
    offered_locales: tuple[str, ...] = ("da", "nl", "en")
    timezone: str
    valid_from: date
    reference_scheme: ReferenceScheme
    departments: tuple[DepartmentSpec, ...]
    claim_types: tuple[ClaimTypeSpec, ...]
    component_order: tuple[Component, ...]
    #: Smallest amount the portal lets a citizen pay online (minor units).
    minimum_online_amount: int
    #: Below this balance no reminder or hand-over is started (minor units).
    minimum_collected_amount: int
    collector_names: Mapping[str, str] = field(hash=False)
    #: Are claims with the external collector read-only and out of plans? (decisions.md)
    collector_claims_read_only: bool
    #: Fees while a plan is active or pending; the plan's own reminders obey it too.
    fees_during_plan: bool = False
    payment_term_days: int
    debt_help_names: Mapping[str, str] = field(hash=False)
    #: Plan limits and the capacity floor (issue 4); see portal/domain/plans.py.
    plan_policy: PlanPolicy

    def offered_variant(self, locale: str) -> str | None:
        """The offered locale for `locale`: itself, else the offered one of its language.

        A Belgian installation offers nl_BE, so a choice or browser asking for "nl" gets the
        Flemish words; a Dutch one offers nl, so "nl_BE" gets the Netherlands' words.
        """
        if locale in self.offered_locales:
            return locale
        language = locale.replace("-", "_").split("_")[0]
        for offered in self.offered_locales:
            if offered.split("_")[0] == language:
                return offered
        return None

    def __post_init__(self) -> None:
        if self.currency not in CURRENCY_EXPONENTS:
            raise ValueError(f"pack {self.code}: unknown currency {self.currency}")
        if not set(self.offered_locales) <= set(PORTAL_LOCALES):
            raise ValueError(f"pack {self.code}: offered locales must be among {PORTAL_LOCALES}")
        if self.offered_variant(self.default_locale) is None:
            raise ValueError(f"pack {self.code}: default locale {self.default_locale} not offered")
        if self.minimum_online_amount < STRIPE_MINIMUM_CHARGE.get(self.currency, 0):
            raise ValueError(f"pack {self.code}: minimum online amount below Stripe's minimum")
        if set(self.component_order) != set(Component) or len(self.component_order) != 3:
            raise ValueError(f"pack {self.code}: component_order must name each component once")
        for label, codes in (
            ("department", [d.code for d in self.departments]),
            ("claim type", [t.code for t in self.claim_types]),
        ):
            if len(set(codes)) != len(codes):
                raise ValueError(f"pack {self.code}: duplicate {label} code")
        known = {d.code for d in self.departments}
        for spec in self.claim_types:
            if spec.department_code not in known:
                raise ValueError(f"pack {self.code}: {spec.code} has unknown department")
        if self.plan_policy.minimum_installment < self.minimum_online_amount:
            # Installments are paid online too.
            raise ValueError(f"pack {self.code}: minimum installment below the online minimum")
        _check_names(f"pack {self.code} collector", self.collector_names)
        _check_names(f"pack {self.code} debt help", self.debt_help_names)

    def claim_type(self, code: str) -> ClaimTypeSpec:
        for spec in self.claim_types:
            if spec.code == code:
                return spec
        raise UnknownClaimType(code)

    def department(self, code: str) -> DepartmentSpec:
        for spec in self.departments:
            if spec.code == code:
                return spec
        raise UnknownDepartment(code)

    def claim_types_of(self, department_code: str) -> tuple[ClaimTypeSpec, ...]:
        return tuple(t for t in self.claim_types if t.department_code == department_code)
