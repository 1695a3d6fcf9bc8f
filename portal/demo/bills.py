"""What each kind of municipal bill looks like in the demo: amounts, dates, descriptions.

Amounts are realistic ranges for a mid-sized municipality (example values, not tariffs).
Descriptions are in the installation's language, as the department would print them.
Reminder fees follow the fee regimes of decisions.md "Money and rules" closely enough for a
demo; the reminder batch of a later issue owns the real rule-pack fee tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import StrEnum

from portal.domain.rules.base import ClaimTypeSpec
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack


class Cadence(StrEnum):
    """When a kind of bill is sent: taxes once a year, daycare every month, fines any day."""

    ANNUAL = "annual"
    HALF_YEAR = "half_year"
    QUARTER = "quarter"
    MONTH = "month"
    ANY_DAY = "any_day"


@dataclass(frozen=True)
class BillProfile:
    #: amount range in minor units, in steps of `step`
    low: int
    high: int
    step: int
    cadence: Cadence
    #: description; placeholders {year} {month} {date} {half} {quarter}
    template: str
    #: how often this bill occurs among people and among businesses (0 = never)
    person_weight: int
    business_weight: int
    #: issue day: (month, day) for annual bills, (_, day of month) otherwise
    anchor: tuple[int, int] = (1, 1)

    def amount(self, rng: random.Random) -> int:
        return self.low + self.step * rng.randint(0, (self.high - self.low) // self.step)

    def issue_date(self, rng: random.Random, today: date, window_days: int) -> date:
        """A day in the last `window_days`, moved back to when this kind of bill is sent."""
        return self.snap(today - timedelta(days=rng.randint(0, window_days)))

    def snap(self, day: date) -> date:
        month, dom = self.anchor
        if self.cadence is Cadence.ANY_DAY:
            return day
        if self.cadence is Cadence.ANNUAL:
            candidate = date(day.year, month, dom)
            return candidate if candidate <= day else date(day.year - 1, month, dom)
        period = {Cadence.MONTH: 1, Cadence.QUARTER: 3, Cadence.HALF_YEAR: 6}[self.cadence]
        first_month = (day.month - 1) // period * period + 1
        candidate = date(day.year, first_month, dom)
        if candidate <= day:
            return candidate
        months = day.year * 12 + first_month - 1 - period
        return date(months // 12, months % 12 + 1, dom)

    def describe(self, issued: date, rules: RulePack) -> str:
        """The description in the installation's language, as the department prints it."""
        return self.template.format(
            year=issued.year,
            month=MONTHS[rules.default_locale][issued.month - 1],
            date=issued.strftime(DATE_FORMATS.get(rules.country, "%Y-%m-%d")),
            half=1 if issued.month <= 6 else 2,
            quarter=(issued.month - 1) // 3 + 1,
        )


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MONTHS = {
    "nl": _words(
        "januari februari maart april mei juni juli augustus september oktober november december"
    ),
    "da": _words(
        "januar februar marts april maj juni juli august september oktober november december"
    ),
    "en": _words(
        "January February March April May June July August September October November December"
    ),
}


DATE_FORMATS = {"DK": "%d.%m.%Y", "NL": "%d-%m-%Y", "BE": "%d/%m/%Y"}


A, H, Q, M, D = Cadence.ANNUAL, Cadence.HALF_YEAR, Cadence.QUARTER, Cadence.MONTH, Cadence.ANY_DAY


def _bill(
    low: int,
    high: int,
    template: str,
    *,
    cadence: Cadence = Cadence.ANY_DAY,
    step: int = 1,
    people: int = 0,
    businesses: int = 0,
    anchor: tuple[int, int] = (1, 1),
) -> BillProfile:
    """`low` and `high` in major units (euros, kroner; both currencies have 2 decimals)."""
    return BillProfile(low * 100, high * 100, step, cadence, template, people, businesses, anchor)


_TAX_NL = "Aanslag gemeentelijke belastingen {year}"
_END_FEB = (2, 27)  # Dutch municipalities send the combined tax assessment in February

PROFILES: dict[str, dict[str, BillProfile]] = {
    "nl": {
        "ozb_residential": _bill(
            250, 900, f"{_TAX_NL}: OZB woning", cadence=A, anchor=_END_FEB, people=30, businesses=4
        ),
        "waste_levy": _bill(
            300, 420, f"{_TAX_NL}: afvalstoffenheffing", cadence=A, anchor=_END_FEB, people=30
        ),
        "sewerage_levy": _bill(
            150,
            250,
            f"{_TAX_NL}: rioolheffing",
            cadence=A,
            anchor=_END_FEB,
            people=18,
            businesses=6,
        ),
        "dog_tax": _bill(
            80, 140, "Aanslag hondenbelasting {year}", cadence=A, anchor=_END_FEB, people=5
        ),
        "parking_assessment": _bill(
            72, 76, "Naheffingsaanslag parkeerbelasting {date}", step=20, people=10, businesses=8
        ),
        "childcare_contribution": _bill(
            150, 600, "Ouderbijdrage kinderopvang {month} {year}", cadence=M, step=5, people=18
        ),
        "property_rent": _bill(
            450,
            900,
            "Huur gemeentelijke ruimte {month} {year}",
            cadence=M,
            step=100,
            people=2,
            businesses=30,
        ),
        "social_assistance_recovery": _bill(
            200, 3000, "Terugvordering te veel ontvangen bijstand {month} {year}", people=9
        ),
    },
    "dk": {
        "property_tax": _bill(
            5000,
            25000,
            "Ejendomsskat {half}. rate {year}",
            cadence=H,
            anchor=(1, 5),
            step=50,
            people=22,
            businesses=20,
        ),
        "waste_fee": _bill(
            2000,
            4500,
            "Renovation og affald {year}",
            cadence=A,
            anchor=(1, 5),
            step=25,
            people=28,
            businesses=10,
        ),
        "daycare_fee": _bill(
            1500, 4000, "Forældrebetaling, dagtilbud {month} {year}", cadence=M, step=100, people=20
        ),
        "after_school_fee": _bill(
            1000, 2500, "Forældrebetaling, SFO {month} {year}", cadence=M, step=100, people=12
        ),
        "social_assistance_repayment": _bill(
            1500, 25000, "Tilbagebetaling af kontanthjælp {month} {year}", people=8
        ),
        "rent": _bill(
            4000, 8000, "Husleje {month} {year}", cadence=M, step=100, people=10, businesses=15
        ),
        "parking_charge": _bill(
            510, 765, "Parkeringsafgift {date}", step=25500, people=10, businesses=8
        ),
    },
    "be": {
        "vacancy_tax": _bill(
            1000,
            3000,
            "Belasting op leegstand, aanslagjaar {year}",
            cadence=A,
            anchor=(6, 2),
            step=100,
            people=2,
            businesses=12,
        ),
        "second_home_tax": _bill(
            500,
            1500,
            "Belasting op tweede verblijven, aanslagjaar {year}",
            cadence=A,
            anchor=(5, 4),
            step=100,
            people=4,
            businesses=4,
        ),
        "waste_charge": _bill(
            50,
            250,
            "Afvalretributie (diftar), {quarter}e kwartaal {year}",
            cadence=Q,
            people=30,
            businesses=20,
        ),
        "childcare_fee": _bill(
            150, 600, "Kinderopvang {month} {year}", cadence=M, step=5, people=18
        ),
        "parking_charge": _bill(
            25, 35, "Parkeerretributie {date}", step=500, people=12, businesses=10
        ),
        "rent": _bill(
            450, 900, "Huur sociale woning {month} {year}", cadence=M, step=100, people=12
        ),
        "living_wage_recovery": _bill(
            200, 3000, "Terugvordering leefloon {month} {year}", people=8
        ),
        "gas_fine": _bill(
            60, 350, "GAS-boete (overlast) van {date}", step=500, people=6, businesses=3
        ),
    },
}


def profile_for(rules: RulePack, spec: ClaimTypeSpec) -> BillProfile:
    """The profile of a claim type; a claim type added to a pack later gets a plain one."""
    known = PROFILES.get(rules.code, {}).get(spec.code)
    if known is not None:
        return known
    return _bill(50, 500, spec.name(rules.default_locale) + " {date}", people=3, businesses=1)


def reminder_fee(rules: RulePack, spec: ClaimTypeSpec, principal: int, sequence: int) -> int:
    """The fee charged with reminder number `sequence` (1, 2, ...), in minor units.

    NL taxes: Kostenwet aanmaning, €8 below €454, else €18. NL private law: a free letter,
    then WIK costs (15 % of the first €2,500, at least €40). DK: ≤ 250 kr for claims with
    udpantningsret, else ≤ 100 kr. BE: the first reminder is free; then the registered €25
    aanmaning for retributies, nothing for taxes and fines.
    """
    if rules.code == "nl":
        if spec.legal_basis is LegalBasis.TAX:
            return 800 if principal < 45400 else 1800
        if spec.legal_basis is LegalBasis.PRIVATE_LAW and sequence >= 2:
            return max(4000, min(principal, 250000) * 15 // 100)
        return 0
    if rules.code == "dk":
        return 25000 if spec.has_execution_right else 10000
    if rules.code == "be" and sequence >= 2 and spec.legal_basis is LegalBasis.PRIVATE_LAW:
        return 2500
    return 0


def may_go_to_collector(rules: RulePack, spec: ClaimTypeSpec) -> bool:
    """DK: Gældsstyrelsen takes every claim but the property-bound ones the kommune keeps.
    NL/BE: the bailiff serves a dwangbevel, so only claims with an execution right."""
    if rules.country == "DK":
        return not spec.preferential
    return spec.has_execution_right


PAYMENT_METHODS = {
    "NL": ("ideal", "ideal", "ideal", "bank_transfer", "bank_transfer", "desk"),
    "DK": ("mobilepay", "mobilepay", "bank_transfer", "bank_transfer", "card"),
    "BE": ("bancontact", "bancontact", "bank_transfer", "bank_transfer", "card"),
}
