"""Rule pack: Belgium — Flanders, modelled on Ghent (EUR).

SOURCES (keys resolve in domain-rules.md §6):
- [GENT1] stad.gent "hoe kan ik betalen": structured communication, 30-day term, free first
  reminder, €25 aanmaning where the regulation says so, then the gerechtsdeurwaarder.
- [GENT2] council decision 2023_GR_00791: retributies fall under WER Boek XIX; taxes and
  fines (GAS, LEZ) do not; collection by dwangbevel, art. 177 lid 2 Decreet lokaal bestuur.
- [XIX] WER Boek XIX: first reminder free, caps on lump-sum damages.
- [OGM] gestructureerde mededeling, mod 97.
⚠ marks an item domain-rules.md itself marks unverified.
"""

from __future__ import annotations

from datetime import date

from portal.domain.affordability import CapacityFloor
from portal.domain.affordability import ChildAllowance
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
    DepartmentSpec(
        "tax",
        names(da="Kommunale skatter", nl="Belastingen", en="Local taxes", fr="Taxes communales"),
    ),
    DepartmentSpec("environment", names(da="Affald", nl="Afval", en="Waste", fr="Déchets")),
    DepartmentSpec(
        "children",
        names(da="Børnepasning", nl="Kinderopvang", en="Childcare", fr="Accueil d'enfants"),
    ),
    DepartmentSpec("housing", names(da="Boliger", nl="Wonen", en="Housing", fr="Logement")),
    DepartmentSpec(
        "social",
        names(da="Sociale ydelser (OCMW)", nl="OCMW", en="Social welfare (OCMW)", fr="CPAS"),
    ),
    DepartmentSpec(
        "safety",
        names(da="Ordensbøder", nl="GAS-boetes", en="Fines for nuisance", fr="Amendes SAC"),
    ),
    DepartmentSpec(
        "parking", names(da="Parkering", nl="Parkeren", en="Parking", fr="Stationnement")
    ),
)

# Retributies are private law for collection purposes: Ghent is an "onderneming" under
# Boek XIX for them [GENT2]; art. 177 lid 2 DLB still gives a dwangbevel, so
# has_execution_right=True. Belgian local taxes have no kwijtschelding scheme like the NL one.
CLAIM_TYPES = (
    ClaimTypeSpec(
        code="vacancy_tax",
        department_code="tax",
        legal_basis=LegalBasis.TAX,
        names=names(
            da="Skat på tom bolig",
            nl="Belasting op leegstand",
            en="Tax on empty homes",
            fr="Taxe sur les immeubles inoccupés",
        ),
        has_execution_right=True,  # the tax roll is enforceable (dwangbevel) ⚠ decree not read
        preferential=False,
        bears_interest=False,  # example — set by the municipality
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="second_home_tax",
        department_code="tax",
        legal_basis=LegalBasis.TAX,
        names=names(
            da="Skat på fritidsbolig",
            nl="Belasting op tweede verblijven",
            en="Tax on second homes",
            fr="Taxe sur les secondes résidences",
        ),
        has_execution_right=True,  # ⚠ as vacancy_tax
        preferential=False,
        bears_interest=False,  # example — set by the municipality
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="waste_charge",
        department_code="environment",
        legal_basis=LegalBasis.PRIVATE_LAW,  # retributie, Boek XIX [GENT2]
        names=names(
            da="Affaldsgebyr",
            nl="Afvalretributie (diftar)",
            en="Waste collection charge",
            fr="Redevance déchets",
        ),
        has_execution_right=True,  # art. 177 lid 2 DLB [GENT2]
        preferential=False,
        bears_interest=False,  # example — set by the municipality (capped by [XIX])
        # kwijtschelding/ontheffing on appeal (many Flemish towns give a social correction on
        # the waste charge); no source in domain-rules.md
        remission_eligible=True,  # example — set by the municipality
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,
        direct_debit=True,
    ),
    ClaimTypeSpec(
        code="childcare_fee",
        department_code="children",
        legal_basis=LegalBasis.PRIVATE_LAW,  # retributie, Boek XIX [GENT2]
        names=names(
            da="Betaling for børnepasning",
            nl="Kinderopvang",
            en="Childcare fee",
            fr="Frais d'accueil d'enfants",
        ),
        has_execution_right=True,  # art. 177 lid 2 DLB [GENT2]
        preferential=False,
        bears_interest=False,  # example — set by the municipality (capped by [XIX])
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,  # billed every month
        direct_debit=True,
    ),
    ClaimTypeSpec(
        code="parking_charge",
        department_code="parking",
        legal_basis=LegalBasis.PRIVATE_LAW,  # parkeerretributie ⚠ some cities levy a tax instead
        names=names(
            da="Parkeringsafgift",
            nl="Parkeerretributie",
            en="Parking charge",
            fr="Redevance de stationnement",
        ),
        has_execution_right=True,  # art. 177 lid 2 DLB [GENT2]
        preferential=False,
        bears_interest=False,
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="rent",
        department_code="housing",
        legal_basis=LegalBasis.PRIVATE_LAW,
        names=names(da="Husleje", nl="Huur", en="Rent", fr="Loyer"),
        has_execution_right=False,  # a lease claim goes to the court (vrederechter)
        preferential=False,
        bears_interest=True,  # example — set by the municipality (capped by [XIX])
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,
    ),
    ClaimTypeSpec(
        code="living_wage_recovery",
        department_code="social",
        legal_basis=LegalBasis.PUBLIC_LAW,
        names=names(
            da="Tilbagebetaling af social ydelse",
            nl="Terugbetalen leefloon",
            en="Paying back living wage benefit",
            fr="Remboursement du revenu d'intégration",
        ),
        has_execution_right=True,  # ⚠ OCMW dwangbevel, art. 177 DLB — not read for the OCMW
        preferential=False,
        bears_interest=False,
        # ontheffing: the OCMW may waive recovery for reasons of equity (⚠ not in the §6 sources)
        remission_eligible=True,  # example — set by the municipality
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="gas_fine",
        department_code="safety",
        legal_basis=LegalBasis.PUBLIC_LAW,  # a fine: outside Boek XIX [GENT2]
        names=names(
            da="Bøde for ordensforstyrrelse",
            nl="GAS-boete",
            en="Fine for nuisance",
            fr="Amende SAC",
        ),
        has_execution_right=True,  # art. 177 lid 2 DLB [GENT2] ⚠ for fines not read
        preferential=False,
        bears_interest=False,
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
)

# Capacity floor: a configurable living allowance after fixed costs. ⚠ No Belgian or Ghent norm
# is in domain-rules.md: every value below is an example, set by the municipality (e.g. the
# OCMW's budget-guidance norm).
LIVING_ALLOWANCE = CapacityFloor(
    basis=FloorBasis.LIVING_ALLOWANCE,
    tables=(
        FloorTable(
            valid_from=date(2026, 1, 1),  # example — date the municipality adopts the values
            single=130_000,  # €1,300 — example, set by the municipality
            single_parent=130_000,  # €1,300 + children — example, set by the municipality
            couple=190_000,  # €1,900 — example, set by the municipality
            children=(ChildAllowance(min_age=0, max_age=17, amount=30_000),),  # €300 — example
        ),
    ),
)

PLAN_POLICY = PlanPolicy(
    # [GENT1]: anyone who cannot pay asks the service for an afbetalingsplan; no length is
    # published, so 12 months — example, set by the municipality.
    max_months=12,
    minimum_installment=2_500,  # €25 — example, set by the municipality
    auto_approve_total_limit=500_000,  # €5,000 — example, set by the municipality
    four_eyes_total_limit=1_000_000,  # €10,000 — example, set by the municipality
    missed_installments_before_default=2,  # example — set by the municipality
    # 14 days — example; Boek XIX lets costs run only after 14 calendar days [XIX].
    grace_days=14,
    broken_plan_lookback_months=12,  # example — set by the municipality
    counter_proposal_days=30,  # example; the same as the standard payment term [GENT1]
    capacity_floor=LIVING_ALLOWANCE,
)

PACK = RulePack(
    code="be",
    country="BE",
    currency="EUR",
    default_locale="nl",  # Flanders: shown as nl_BE (Flemish words); fr for Brussels/Wallonia
    offered_locales=("nl_BE", "fr", "en", "da"),
    timezone="Europe/Brussels",
    valid_from=date(2026, 1, 1),  # example — date the municipality adopts these values
    reference_scheme=ReferenceScheme.BE_OGM,  # [GENT1] "always use the structured communication"
    departments=DEPARTMENTS,
    claim_types=CLAIM_TYPES,
    # Costs, interest, principal as in the NL/DK packs. ⚠ The Belgian civil-code rule
    # (interest before principal) was not read for costs.
    component_order=DEFAULT_COMPONENT_ORDER,
    minimum_online_amount=50,  # €0.50, Stripe's EUR minimum (decisions.md)
    minimum_collected_amount=1000,  # €10 — example, set by the municipality
    collector_names=names(
        da="foged (gerechtsdeurwaarder)",
        nl="gerechtsdeurwaarder",
        en="bailiff",
        fr="huissier de justice",
    ),
    collector_claims_read_only=True,  # decisions.md; the bailiff handles the file [GENT1]
    fees_during_plan=False,  # decisions.md default
    payment_term_days=30,  # [GENT1] standard term
    debt_help_names=names(
        da="gældsrådgivning", nl="schuldbemiddeling", en="debt mediation", fr="médiation de dettes"
    ),
    plan_policy=PLAN_POLICY,
)
