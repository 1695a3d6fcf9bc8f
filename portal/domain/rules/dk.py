"""Rule pack: Denmark (a Danish kommune, DKK).

SOURCES (keys resolve in domain-rules.md §6):
- [GBL] gebyrloven: udpantningsret claims, reminder fee ≤ 250 kr (§ 2), interest 1 % per
  started month (§ 3) if the council decided so.
- [RL] renteloven § 5 / § 9 b: private-law interest and ≤ 100 kr reminders.
- [GIL] gældsinddrivelsesloven §§ 2-4: transfer to Gældsstyrelsen, dækningsrækkefølge
  (interest before principal); [GST] transferred claims are handled by Gældsstyrelsen only.
- [FIK] FIK 71 payment id with modulus-10 check.
- decisions.md: minimum online amount ≥ Stripe's 2.50 kr; collector claims read-only.
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
    DepartmentSpec("tax", names(da="Ejendomsskat", nl="Belastingen", en="Property tax")),
    DepartmentSpec("environment", names(da="Affald", nl="Afval", en="Waste")),
    DepartmentSpec(
        "children",
        names(da="Børn og dagtilbud", nl="Kinderen en opvang", en="Children and daycare"),
    ),
    DepartmentSpec("housing", names(da="Boliger", nl="Woningen", en="Housing")),
    DepartmentSpec("social", names(da="Ydelser", nl="Uitkeringen", en="Benefits")),
    DepartmentSpec("parking", names(da="Parkering", nl="Parkeren", en="Parking")),
)

CLAIM_TYPES = (
    # First on purpose: the most common municipal claim; tests use claim_types[0].
    ClaimTypeSpec(
        code="property_tax",
        department_code="tax",
        legal_basis=LegalBasis.TAX,
        names=names(da="Ejendomsskat", nl="Belasting op uw grond", en="Property tax"),
        has_execution_right=True,  # udpantningsret [GBL]
        preferential=True,  # fortrinsberettiget; kept by the kommune since lov nr. 114/2017 [GIL]
        bears_interest=True,  # [GBL] § 3, 1 % per started month — council decision
        # eftergivelse: the kommune keeps collecting this claim itself [GIL], so only it can
        # waive it; no source for the criteria was read (domain-rules.md has none for DK)
        remission_eligible=True,  # example — set by the municipality
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="waste_fee",
        department_code="environment",
        legal_basis=LegalBasis.PUBLIC_LAW,
        names=names(da="Affaldsgebyr", nl="Afvalheffing", en="Waste collection fee"),
        has_execution_right=True,  # udpantningsret [GBL] (domain-rules.md §2.1: renovation)
        preferential=False,  # ⚠ not checked whether waste fees rank with property tax
        bears_interest=True,  # [GBL] § 3 — council decision
        # eftergivelse only before transfer: after it, Gældsstyrelsen decides [GIL] § 3
        remission_eligible=True,  # example — set by the municipality
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="daycare_fee",
        department_code="children",
        legal_basis=LegalBasis.PUBLIC_LAW,
        names=names(da="Forældrebetaling, dagtilbud", nl="Ouderbijdrage opvang", en="Daycare fee"),
        has_execution_right=True,  # ⚠ udpantningsret per dagtilbudsloven, article not read
        preferential=False,
        bears_interest=True,  # [GBL] § 3 — council decision
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,  # billed every month
    ),
    ClaimTypeSpec(
        code="after_school_fee",
        department_code="children",
        legal_basis=LegalBasis.PUBLIC_LAW,
        names=names(
            da="Forældrebetaling, SFO",
            nl="Ouderbijdrage naschoolse opvang",
            en="After-school care fee",
        ),
        has_execution_right=True,  # ⚠ udpantningsret per folkeskoleloven, article not read
        preferential=False,
        bears_interest=True,  # [GBL] § 3 — council decision
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,
    ),
    ClaimTypeSpec(
        code="social_assistance_repayment",
        department_code="social",
        legal_basis=LegalBasis.PUBLIC_LAW,
        names=names(
            da="Tilbagebetaling af kontanthjælp",
            nl="Terugbetaling bijstand",
            en="Paying back social assistance",
        ),
        has_execution_right=False,  # ⚠ not checked; collection goes via Gældsstyrelsen [GIL] § 2
        preferential=False,
        bears_interest=False,  # renteloven does not cover public-law claims [RL]
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
    ClaimTypeSpec(
        code="rent",
        department_code="housing",
        legal_basis=LegalBasis.PRIVATE_LAW,
        names=names(da="Husleje", nl="Huur", en="Rent"),
        has_execution_right=False,  # private law: needs a court or fogedret
        preferential=False,
        bears_interest=True,  # renteloven § 5 [RL]
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=True,
    ),
    ClaimTypeSpec(
        code="parking_charge",
        department_code="parking",
        legal_basis=LegalBasis.PUBLIC_LAW,
        names=names(da="Parkeringsafgift", nl="Parkeerboete", en="Parking charge"),
        has_execution_right=False,  # ⚠ not checked (færdselsloven); treated as needing transfer
        preferential=False,
        bears_interest=False,
        remission_eligible=False,
        minimum_amount=0,  # example — set by the municipality
        ongoing=False,
    ),
)

# Capacity floor: a rådighedsbeløb (what a household keeps for food, clothes etc. after its
# fixed costs). Example, set by the municipality: the values are Gældsstyrelsen's rådighedssatser
# as shown on borger.dk "Gældsstyrelsens rådighedssatser" (issue 4 anchors; not a §6 source
# key). borger.dk says the rates date from 2020 and are updated every year — check the current
# rates and add each new table with its valid_from.
LIVING_ALLOWANCE = CapacityFloor(
    basis=FloorBasis.LIVING_ALLOWANCE,
    tables=(
        FloorTable(
            valid_from=date(2020, 1, 1),  # ⚠ borger.dk: "Satserne er fra 2020"
            single=655_000,  # 6,550 kr — example, set by the municipality
            single_parent=655_000,  # a single person; the children come on top
            couple=1_111_000,  # 11,110 kr for the household — example, set by the municipality
            children=(  # per child under 18, by age — example, set by the municipality
                ChildAllowance(min_age=0, max_age=1, amount=178_000),  # 1,780 kr
                ChildAllowance(min_age=2, max_age=6, amount=228_000),  # 2,280 kr
                ChildAllowance(min_age=7, max_age=17, amount=328_000),  # 3,280 kr
            ),
        ),
    ),
)

PLAN_POLICY = PlanPolicy(
    # [GIL] § 2 (domain-rules.md §2.5): before transfer the kommune MAY allow instalments;
    # no length rule was found, so 12 months — example, set by the municipality.
    max_months=12,
    minimum_installment=20_000,  # 200 kr — example, set by the municipality
    auto_approve_total_limit=2_500_000,  # 25,000 kr — example, set by the municipality
    four_eyes_total_limit=7_500_000,  # 75,000 kr — example, set by the municipality
    missed_installments_before_default=2,  # example — set by the municipality
    grace_days=10,  # example; private-law reminders are 10 days apart [RL]
    broken_plan_lookback_months=12,  # example — set by the municipality
    counter_proposal_days=14,  # example — set by the municipality
    capacity_floor=LIVING_ALLOWANCE,
)

PACK = RulePack(
    code="dk",
    country="DK",
    currency="DKK",
    default_locale="da",
    timezone="Europe/Copenhagen",
    valid_from=date(2026, 1, 1),  # example — date the municipality adopts these values
    reference_scheme=ReferenceScheme.DK_FIK71,  # [FIK]
    departments=DEPARTMENTS,
    claim_types=CLAIM_TYPES,
    # [GIL] § 4: interest before principal; fees first as in BW 6:44 (⚠ no DK rule found
    # for the phase before transfer, domain-rules.md §2.3).
    component_order=DEFAULT_COMPONENT_ORDER,
    minimum_online_amount=250,  # 2.50 kr, Stripe's DKK minimum (decisions.md)
    minimum_collected_amount=2500,  # 25 kr — staff issue; [GIL] § 2 transfer needs ≥ 100 kr
    collector_names=names(
        da="Gældsstyrelsen",
        nl="Gældsstyrelsen (Deense invorderingsdienst)",
        en="Gældsstyrelsen (the Danish Debt Collection Agency)",
    ),
    collector_claims_read_only=True,  # [GIL] § 3, [GST]: Gældsstyrelsen holds every power
    fees_during_plan=False,  # decisions.md default
    payment_term_days=30,  # example — set by the municipality
    debt_help_names=names(da="gældsrådgivning", nl="schuldhulp", en="debt advice"),
    plan_policy=PLAN_POLICY,
)
