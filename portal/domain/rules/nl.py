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

from portal.domain.allocation import DEFAULT_COMPONENT_ORDER
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
)
