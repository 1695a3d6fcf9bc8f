"""Rule pack: the Netherlands (a Dutch gemeente, EUR).

SOURCES (keys resolve in domain-rules.md §6):
- [STA] Staphorst 2026: kwijtschelding for afvalstoffenheffing, rioolheffing, OZB woningen;
  [ZUI] Zuidplas: the list is a council choice (Gemeentewet art. 255) — keep it configurable.
- [UR] Uitvoeringsregeling Invorderingswet art. 27-28: kwijtschelding of municipal taxes.
- [KW] / [KW-MvT] Kostenwet invordering rijksbelastingen via Gemeentewet art. 231 lid 1.
- [S13] Lingewaard: costs → interest → assessment (Invorderingswet art. 7 ⚠).
- [BW6] BW 6:43-6:44: allocation for private-law claims.
- [BK] Betalingskenmerk spec (16 digits, check digit C).
- Invorderingswet art. 9 ⚠: an assessment is due within 2 months.
⚠ marks an item domain-rules.md itself marks unverified.
"""

from __future__ import annotations

from datetime import date

from portal.domain.affordability import CapacityFloor
from portal.domain.affordability import FloorBasis
from portal.domain.affordability import FloorTable
from portal.domain.allocation import DEFAULT_COMPONENT_ORDER
from portal.domain.plans import PlanPolicy
from portal.domain.references import ReferenceScheme
from portal.domain.rules.base import ClaimTypeSpec
from portal.domain.rules.base import DepartmentSpec
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import names

DEPARTMENTS = (
    DepartmentSpec("tax", names(da="Kommunale skatter", nl="Belastingen", en="Local taxes")),
    DepartmentSpec("children", names(da="Børnepasning", nl="Kinderopvang", en="Childcare")),
    DepartmentSpec(
        "property", names(da="Kommunale bygninger", nl="Vastgoed", en="Municipal property")
    ),
    DepartmentSpec(
        "social", names(da="Arbejde og indkomst", nl="Werk en inkomen", en="Work and income")
    ),
    DepartmentSpec("parking", names(da="Parkering", nl="Parkeren", en="Parking")),
)

# Municipal taxes: dwangbevel without a court (Invorderingswet via Gemeentewet art. 231),
# so has_execution_right=True. Invorderingsrente is a council choice: none here (example).
CLAIM_TYPES = (
    ClaimTypeSpec(
        code="ozb_residential",
        department_code="tax",
        legal_basis=LegalBasis.TAX,
        names=names(
            da="Ejendomsskat, bolig (OZB)",
            nl="Onroerendezaakbelasting (OZB) woning",
            en="Property tax on your home",
        ),
        has_execution_right=True,
        preferential=True,  # ⚠ voorrecht for OZB not read in the source
        bears_interest=False,  # example — set by the municipality
        remission_eligible=True,  # [STA]
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
        direct_debit=True,
    ),
    ClaimTypeSpec(
        code="waste_levy",
        department_code="tax",
        legal_basis=LegalBasis.TAX,
        names=names(da="Affaldsafgift", nl="Afvalstoffenheffing", en="Waste collection tax"),
        has_execution_right=True,
        preferential=False,
        bears_interest=False,  # example — set by the municipality
        remission_eligible=True,  # [STA], [ZUI]
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
        direct_debit=True,
    ),
    ClaimTypeSpec(
        code="sewerage_levy",
        department_code="tax",
        legal_basis=LegalBasis.TAX,
        names=names(da="Kloakafgift", nl="Rioolheffing", en="Sewerage tax"),
        has_execution_right=True,
        preferential=False,
        bears_interest=False,  # example — set by the municipality
        remission_eligible=True,  # [STA]
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="dog_tax",
        department_code="tax",
        legal_basis=LegalBasis.TAX,
        names=names(da="Hundeafgift", nl="Hondenbelasting", en="Dog tax"),
        has_execution_right=True,
        preferential=False,
        bears_interest=False,  # example — set by the municipality
        remission_eligible=False,  # not on the [STA] list
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="parking_assessment",
        department_code="parking",
        legal_basis=LegalBasis.TAX,
        names=names(
            da="Parkeringsafgift (efteropkrævning)",
            nl="Naheffing parkeerbelasting",
            en="Parking ticket",
        ),
        has_execution_right=True,
        preferential=False,
        bears_interest=False,  # example — set by the municipality
        remission_eligible=False,  # ⚠ usually excluded; not on the [STA] list
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="childcare_contribution",
        department_code="children",
        legal_basis=LegalBasis.PRIVATE_LAW,
        names=names(
            da="Forældrebetaling, børnepasning",
            nl="Ouderbijdrage kinderopvang",
            en="Childcare fee",
        ),
        has_execution_right=False,  # private law: a court judgment first
        preferential=False,
        bears_interest=True,  # wettelijke rente, BW 6:119 — example, set by the municipality
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,  # billed every month
        direct_debit=True,
    ),
    ClaimTypeSpec(
        code="property_rent",
        department_code="property",
        legal_basis=LegalBasis.PRIVATE_LAW,
        names=names(
            da="Leje af kommunal bygning",
            nl="Huur gemeentelijk gebouw",
            en="Rent for a municipal building",
        ),
        has_execution_right=False,
        preferential=False,
        bears_interest=True,  # wettelijke rente, BW 6:119 — example, set by the municipality
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,
    ),
    ClaimTypeSpec(
        code="social_assistance_recovery",
        department_code="social",
        legal_basis=LegalBasis.PUBLIC_LAW,
        names=names(
            da="Tilbagebetaling af bistand",
            nl="Terugbetalen bijstand",
            en="Paying back social assistance",
        ),
        has_execution_right=True,  # ⚠ dwangbevel, Participatiewet art. 60 (not in domain-rules)
        preferential=False,
        bears_interest=False,
        remission_eligible=False,  # kwijtschelding [UR] covers taxes only
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
)

# Capacity floor: the beslagvrije voet (BVV), domain-rules.md §1.2. Portal rule: never ask more
# than net income − BVV. BVV = 95 % of the applicable bijstandsnorm incl. vakantietoeslag (⚠ §1.2
# outline, from 1 Jan 2021; before 2021 it was 90 % ✔ [SV]). The BVV covers rent and health
# insurance, so only payments on other debts are deducted first (see affordability.py). The
# raise for high housing costs / health premium (⚠ §1.2) is out of scope: a caseworker decides.
# Norms: Participatiewet, 21 to pension age, per month incl. vakantietoeslag, as published by
# gemeentewestland.nl "Normenoverzicht minimuminkomen" (1 Jan 2024; not a §6 source key).
# Example — check the current norm: the norms are indexed every 1 January and 1 July, and each
# new table is added here with its valid_from (domain-rules.md §7 open item).
PROTECTED_INCOME = CapacityFloor(
    basis=FloorBasis.PROTECTED_INCOME,
    deducted_costs=("other_debt_payments",),
    tables=(
        FloorTable(
            valid_from=date(2024, 1, 1),
            percent=95,  # ⚠ domain-rules.md §1.2
            single=128_383,  # €1,283.83 — example, check the current norm
            # The same norm as a single person (Westland: "alleenstaande (ouder)"); kept as its
            # own value because the BVV may differ by household type.
            single_parent=128_383,
            couple=183_404,  # €1,834.04 — example, check the current norm
        ),
    ),
)

PLAN_POLICY = PlanPolicy(
    # ⚠ domain-rules.md §1.3: longer payment arrangements (often up to 12 months) are Leidraad
    # policy; SEPA direct-debit spreading is typically 9-10 installments ✔ [S13].
    max_months=12,
    minimum_installment=2_500,  # €25 — example, set by the municipality
    # €5,000 — example, set by the municipality. For comparison ✔ [S13]: direct-debit spreading
    # is granted without review up to €4,000 (Purmerend) or €10,000 (Westland).
    auto_approve_total_limit=500_000,
    four_eyes_total_limit=1_000_000,  # €10,000 — example, set by the municipality
    # ✔ [S13] (Westland, Heerhugowaard): two failed debits end a direct-debit arrangement.
    missed_installments_before_default=2,
    # 14 days — example, set by the municipality; the same term as after an aanmaning ✔ [S13].
    grace_days=14,
    broken_plan_lookback_months=12,  # example — set by the municipality
    counter_proposal_days=14,  # example — set by the municipality
    capacity_floor=PROTECTED_INCOME,
)

PACK = RulePack(
    code="nl",
    country="NL",
    currency="EUR",
    default_locale="nl",
    timezone="Europe/Amsterdam",
    valid_from=date(2026, 1, 1),  # example — date the municipality adopts these values
    reference_scheme=ReferenceScheme.NL_BETALINGSKENMERK,  # [BK]
    departments=DEPARTMENTS,
    claim_types=CLAIM_TYPES,
    # Costs → interest → principal: BW 6:44 [BW6]; taxes: Invorderingswet art. 7 ⚠ [S13].
    component_order=DEFAULT_COMPONENT_ORDER,
    minimum_online_amount=50,  # €0.50, Stripe's EUR minimum (decisions.md)
    minimum_collected_amount=1000,  # €10 — example, set by the municipality
    collector_names=names(da="foged (deurwaarder)", nl="deurwaarder", en="bailiff"),
    # decisions.md: NL tax claims at the dwangbevel stage stay open to plans and remission.
    collector_claims_read_only=False,
    fees_during_plan=False,  # decisions.md default
    # Invorderingswet art. 9 ⚠: due within 2 months of the assessment date; 60 days here
    # because the pack counts in days — the claim service may compute 2 calendar months.
    payment_term_days=60,
    debt_help_names=names(da="gældsrådgivning", nl="schuldhulpverlening", en="debt help"),
    plan_policy=PLAN_POLICY,
)
