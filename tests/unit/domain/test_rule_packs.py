from __future__ import annotations

import dataclasses
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from portal.domain.allocation import Component
from portal.domain.money import CURRENCY_EXPONENTS
from portal.domain.references import ReferenceScheme
from portal.domain.references import is_valid
from portal.domain.references import make_reference
from portal.domain.rules import RULE_PACKS
from portal.domain.rules import get_rule_pack
from portal.domain.rules.base import LOCALES
from portal.domain.rules.base import STRIPE_MINIMUM_CHARGE
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import UnknownClaimType
from portal.domain.rules.base import UnknownDepartment
from portal.domain.rules.base import UnknownRulePack

PACKS = [pytest.param(pack, id=code) for code, pack in RULE_PACKS.items()]

EXPECTED = {
    "dk": ("DK", "DKK", "da", "Europe/Copenhagen", ReferenceScheme.DK_FIK71, True),
    "nl": ("NL", "EUR", "nl", "Europe/Amsterdam", ReferenceScheme.NL_BETALINGSKENMERK, False),
    "be": ("BE", "EUR", "nl", "Europe/Brussels", ReferenceScheme.BE_OGM, True),
}


def test_every_country_has_a_pack() -> None:
    assert set(RULE_PACKS) == {"dk", "nl", "be"}


@pytest.mark.parametrize("code", ["dk", "nl", "be", " NL "])
def test_get_rule_pack(code: str) -> None:
    assert get_rule_pack(code).code == code.strip().lower()


def test_unknown_rule_pack() -> None:
    with pytest.raises(UnknownRulePack):
        get_rule_pack("de")


@pytest.mark.parametrize("pack", PACKS)
def test_pack_identity(pack: RulePack) -> None:
    country, currency, locale, tz, scheme, read_only = EXPECTED[pack.code]
    assert (pack.country, pack.currency, pack.default_locale) == (country, currency, locale)
    assert (pack.timezone, pack.reference_scheme) == (tz, scheme)
    assert pack.collector_claims_read_only is read_only
    assert pack.fees_during_plan is False
    assert ZoneInfo(pack.timezone)
    assert isinstance(pack.valid_from, date)


@pytest.mark.parametrize("pack", PACKS)
def test_currency_known_and_online_minimum_at_least_stripes(pack: RulePack) -> None:
    assert pack.currency in CURRENCY_EXPONENTS
    assert pack.minimum_online_amount >= STRIPE_MINIMUM_CHARGE[pack.currency]
    assert pack.minimum_online_amount >= {"EUR": 50, "DKK": 250}[pack.currency]
    assert pack.minimum_collected_amount > 0
    assert pack.payment_term_days > 0


@pytest.mark.parametrize("pack", PACKS)
def test_codes_unique_and_departments_exist(pack: RulePack) -> None:
    type_codes = [t.code for t in pack.claim_types]
    department_codes = [d.code for d in pack.departments]
    assert len(type_codes) == len(set(type_codes))
    assert len(department_codes) == len(set(department_codes))
    assert 6 <= len(type_codes) <= 9
    for spec in pack.claim_types:
        assert pack.department(spec.department_code).code == spec.department_code
        assert pack.claim_type(spec.code) is spec
        assert spec.minimum_amount >= 0


@pytest.mark.parametrize("pack", PACKS)
def test_every_name_exists_in_every_locale(pack: RulePack) -> None:
    named = [*pack.departments, *pack.claim_types]
    mappings = [n.names for n in named] + [pack.collector_names, pack.debt_help_names]
    for mapping in mappings:
        for locale in LOCALES:
            assert mapping[locale].strip()


@pytest.mark.parametrize("pack", PACKS)
def test_every_legal_basis_is_represented(pack: RulePack) -> None:
    assert {t.legal_basis for t in pack.claim_types} == set(LegalBasis)


@pytest.mark.parametrize("pack", PACKS)
def test_reference_scheme_makes_valid_references(pack: RulePack) -> None:
    refs = {make_reference(pack.reference_scheme, n) for n in (1, 2, 99_999, 12_345_678)}
    assert len(refs) == 4
    assert all(is_valid(pack.reference_scheme, ref) for ref in refs)


@pytest.mark.parametrize("pack", PACKS)
def test_component_order_is_complete(pack: RulePack) -> None:
    assert sorted(pack.component_order) == sorted(Component)


@pytest.mark.parametrize("pack", PACKS)
def test_lookups_raise_named_errors(pack: RulePack) -> None:
    with pytest.raises(UnknownClaimType):
        pack.claim_type("no_such_type")
    with pytest.raises(UnknownDepartment):
        pack.department("no_such_department")


def test_name_falls_back_to_english() -> None:
    spec = get_rule_pack("nl").claim_type("waste_levy")
    assert spec.name("nl") == "Afvalstoffenheffing"
    assert spec.name("fr") == spec.names["en"]


def test_country_specific_flags() -> None:
    dk, nl, be = (get_rule_pack(c) for c in ("dk", "nl", "be"))
    assert dk.claim_type("property_tax").preferential
    assert dk.claim_type("property_tax").has_execution_right
    assert not dk.claim_type("rent").has_execution_right
    remittable = {t.code for t in nl.claim_types if t.remission_eligible}
    assert remittable == {"ozb_residential", "waste_levy", "sewerage_levy"}  # Staphorst 2026
    assert be.claim_type("waste_charge").legal_basis is LegalBasis.PRIVATE_LAW  # retributie
    assert be.claim_type("gas_fine").legal_basis is LegalBasis.PUBLIC_LAW
    assert dk.minimum_online_amount == 250
    assert nl.minimum_online_amount == 50
    assert dk.minimum_collected_amount == 2500
    assert (nl.payment_term_days, be.payment_term_days) == (60, 30)


def test_pack_refuses_online_minimum_below_stripe() -> None:
    pack = get_rule_pack("dk")
    with pytest.raises(ValueError, match="Stripe"):
        dataclasses.replace(pack, minimum_online_amount=249)


def test_pack_refuses_claim_type_of_unknown_department() -> None:
    pack = get_rule_pack("nl")
    with pytest.raises(ValueError, match="unknown department"):
        dataclasses.replace(pack, departments=pack.departments[1:])


def test_packs_are_hashable_and_immutable() -> None:
    pack = get_rule_pack("be")
    assert hash(pack) == hash(get_rule_pack("be"))
    with pytest.raises(TypeError):
        pack.collector_names["nl"] = "x"  # type: ignore[index]


def test_belgian_names_exist_in_french_and_flemish_falls_back_to_the_packs_dutch() -> None:
    pack = get_rule_pack("be")
    for spec in (*pack.departments, *pack.claim_types):
        assert spec.name("fr") != spec.names["en"], spec.code
        assert spec.name("nl_BE") == spec.names["nl"], spec.code
    assert pack.offered_variant("nl") == "nl_BE"
    assert get_rule_pack("nl").offered_variant("nl_BE") == "nl"
    assert get_rule_pack("dk").offered_variant("fr") is None
