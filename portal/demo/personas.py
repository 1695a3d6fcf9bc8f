"""The named demo citizens: fixed situations a newcomer can log in as (the demo login page).

Each persona is the same situation in every country, told with that country's bills. Dates
are days before "today", so the situations hold whatever day the demo is seeded on (the
payment term is 60 days in NL and 30 in DK and BE; every "overdue" claim below is issued
more than 60 + 14 days ago, so it is overdue and, where reminded, reminded in the past).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: `PersonaClaim.paid` value meaning "paid in full, reminder fees included"
FULL = -1

#: situation keys in their fixed order (DemoPersona.position); the demo page translates them
SITUATIONS = (
    "one_daycare_bill",
    "six_arrears",
    "with_collector",
    "partly_paid",
    "all_paid",
    "business",
    "large_debt",
    "low_income",
)


@dataclass(frozen=True)
class PersonaClaim:
    type_code: str
    #: minor units
    amount: int
    issued_days_ago: int
    #: minor units paid (earmarked to this claim), or FULL
    paid: int = 0
    reminders: int = 0
    with_collector: bool = False


@dataclass(frozen=True)
class Persona:
    situation: str
    name: str
    claims: tuple[PersonaClaim, ...]
    kind: str = "person"


def _minor(major: str) -> int:
    """ "486.20" -> 48620 (both currencies have two decimals)."""
    return int(Decimal(major).scaleb(2).to_integral_exact())


def _c(
    code: str,
    amount: str,
    days_ago: int,
    *,
    paid: str = "0",
    reminders: int = 0,
    collector: bool = False,
) -> PersonaClaim:
    """A persona claim with amounts in major units; `paid="full"` pays it off completely."""
    minor_paid = FULL if paid == "full" else _minor(paid)
    return PersonaClaim(code, _minor(amount), days_ago, minor_paid, reminders, collector)


_NL = (
    Persona("one_daycare_bill", "Lotte Jansen", (_c("childcare_contribution", "412.50", 8),)),
    Persona(
        "six_arrears",
        "Sanne de Vries",
        (
            # Kostenwet: an aanmaning on an assessment of €454 or more costs €18.
            _c("ozb_residential", "486.20", 270, reminders=1),
            _c("waste_levy", "372.00", 270),
            _c("social_assistance_recovery", "1240.00", 200),
            _c("childcare_contribution", "389.40", 140),
            _c("childcare_contribution", "389.40", 110),
            _c("parking_assessment", "72.60", 95),
        ),
    ),
    Persona(
        "with_collector",
        "Kees Bakker",
        (
            _c("ozb_residential", "612.35", 420, reminders=1, collector=True),
            _c("childcare_contribution", "298.00", 20),
        ),
    ),
    Persona(
        "partly_paid",
        "Fatima El Amrani",
        (
            _c("social_assistance_recovery", "2400.00", 200, paid="600.00"),
            _c("waste_levy", "338.40", 270, paid="full"),
        ),
    ),
    Persona(
        "all_paid",
        "Henk Visser",
        (
            _c("ozb_residential", "534.10", 270, paid="full"),
            _c("waste_levy", "372.00", 270, paid="full"),
            _c("sewerage_levy", "201.30", 270, paid="full"),
            _c("dog_tax", "118.00", 270, paid="full"),
        ),
    ),
    Persona(
        "business",
        "Bakkerij De Korenaar B.V.",
        (_c("property_rent", "850.00", 75), _c("property_rent", "850.00", 15)),
        kind="business",
    ),
    Persona(
        "large_debt",
        "Mark van den Berg",
        (
            _c("social_assistance_recovery", "6250.00", 380, reminders=1),
            _c("social_assistance_recovery", "1180.00", 150),
            _c("ozb_residential", "845.60", 270),
            _c("childcare_contribution", "590.00", 100),
        ),
    ),
    Persona(
        "low_income",
        "Priya Ramdin",
        (
            _c("ozb_residential", "298.70", 270),
            _c("waste_levy", "402.60", 270),
            _c("sewerage_levy", "187.45", 270),
        ),
    ),
)

_DK = (
    Persona("one_daycare_bill", "Mette Hansen", (_c("daycare_fee", "3184.00", 6),)),
    Persona(
        "six_arrears",
        "Camilla Sørensen",
        (
            # A rykker on a claim with udpantningsret costs 250 kr.
            _c("property_tax", "8412.50", 200, reminders=1),
            _c("waste_fee", "3126.00", 200),
            _c("daycare_fee", "3184.00", 100),
            _c("daycare_fee", "3184.00", 75),
            _c("rent", "6250.00", 90),
            _c("parking_charge", "510.00", 80),
        ),
    ),
    Persona(
        "with_collector",
        "Lars Pedersen",
        (
            _c("social_assistance_repayment", "12480.00", 400, reminders=2, collector=True),
            _c("waste_fee", "2870.00", 10),
        ),
    ),
    Persona(
        "partly_paid",
        "Aisha Hussein",
        (
            _c("social_assistance_repayment", "9600.00", 150, paid="2400.00"),
            _c("daycare_fee", "2950.00", 90, paid="full"),
        ),
    ),
    Persona(
        "all_paid",
        "Jens Nielsen",
        (
            _c("property_tax", "7240.50", 200, paid="full"),
            _c("waste_fee", "2980.00", 200, paid="full"),
            _c("parking_charge", "510.00", 120, paid="full"),
        ),
    ),
    Persona(
        "business",
        "Pedersens Tømrerforretning ApS",
        (_c("property_tax", "21450.00", 80), _c("waste_fee", "4275.00", 10)),
        kind="business",
    ),
    Persona(
        "large_debt",
        "Henrik Madsen",
        (
            _c("social_assistance_repayment", "24000.00", 420, reminders=1),
            _c("property_tax", "11820.00", 200),
            _c("rent", "6850.00", 90),
            _c("daycare_fee", "3450.00", 80),
        ),
    ),
    Persona(
        "low_income",
        "Susanne Olsen",
        # DK has no remission of municipal claims; her bills are her home's tax and waste fee.
        (_c("property_tax", "5630.00", 200), _c("waste_fee", "2480.00", 200)),
    ),
)

_BE = (
    Persona("one_daycare_bill", "Lotte Peeters", (_c("childcare_fee", "356.40", 6),)),
    Persona(
        "six_arrears",
        "Els Janssens",
        (
            # Boek XIX: the first reminder is free, the registered aanmaning costs €25.
            _c("waste_charge", "143.20", 200, reminders=2),
            _c("childcare_fee", "412.00", 100),
            _c("childcare_fee", "412.00", 75),
            _c("rent", "685.00", 90),
            _c("gas_fine", "120.00", 90),
            _c("parking_charge", "35.00", 80),
        ),
    ),
    Persona(
        "with_collector",
        "Koen Mertens",
        (
            _c("gas_fine", "350.00", 400, reminders=2, collector=True),
            _c("waste_charge", "96.50", 10),
        ),
    ),
    Persona(
        "partly_paid",
        "Yasmine El Idrissi",
        (
            _c("living_wage_recovery", "2640.00", 150, paid="800.00"),
            _c("childcare_fee", "298.00", 90, paid="full"),
        ),
    ),
    Persona(
        "all_paid",
        "Jan Maes",
        (
            _c("waste_charge", "87.30", 200, paid="full"),
            _c("second_home_tax", "740.00", 200, paid="full"),
            _c("parking_charge", "30.00", 120, paid="full"),
        ),
    ),
    Persona(
        "business",
        "Frituur 't Hoekske",
        (_c("vacancy_tax", "2350.00", 80), _c("waste_charge", "214.60", 10)),
        kind="business",
    ),
    Persona(
        "large_debt",
        "Dirk Claes",
        (
            _c("living_wage_recovery", "5600.00", 420, reminders=1),
            _c("vacancy_tax", "2100.00", 200),
            _c("rent", "780.00", 90),
            _c("childcare_fee", "420.00", 80),
        ),
    ),
    Persona(
        "low_income",
        "Nele De Smet",
        # Flemish local taxes have no remission scheme like the Dutch one; her bills are the
        # household ones that debt mediation usually starts with.
        (_c("waste_charge", "132.40", 200), _c("waste_charge", "118.90", 110)),
    ),
)

PERSONAS: dict[str, tuple[Persona, ...]] = {"nl": _NL, "dk": _DK, "be": _BE}
