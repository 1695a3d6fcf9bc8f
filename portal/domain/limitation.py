"""When a claim becomes time-barred (DK forældelse, NL/BE verjaring).

The limitation date here is the first day on which the claim is time-barred: the period runs
from the day the claim can be demanded, and starts again from the latest interruption
(acknowledgement or payment, a request for udlæg, ...). The caller passes the interruption
dates it knows of; for a DK wage deduction that is the day the deduction ended ([FL] § 19).

Periods ({country: {legal basis: (years, source)}}):
- DK: 3 years from when the claim can be demanded, FL §§ 2-3 ⚠ (domain-rules.md §2.4);
  interruption ✔ [FL] §§ 15-18, new period of the same length ✔ § 19. Judgments (10 years,
  § 5) and the GIL § 18 a transition rule are not modelled here.
- NL: 5 years ⚠ (Invorderingswet art. 27 for taxes — not in domain-rules.md; BW 3:307/3:308
  for private-law claims ⚠). Interrupted by an acknowledgement or a step of collection ⚠.
- BE: 5 years ⚠ (not in domain-rules.md).
A day that does not exist (29 Feb) moves to 28 Feb.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from types import MappingProxyType

from portal.domain.rules.base import LegalBasis

_DK = (3, "⚠ FL §§ 2-3 (3 years); interruption ✔ [FL] §§ 15-19")
_NL_TAX = (5, "⚠ Invorderingswet art. 27 (5 years) — not in domain-rules.md")
_NL_OTHER = (5, "⚠ BW 3:307 / 3:308 (5 years) — not in domain-rules.md")
_BE = (5, "⚠ 5 years — not in domain-rules.md")

LIMITATION_YEARS: Mapping[str, Mapping[LegalBasis, tuple[int, str]]] = MappingProxyType(
    {
        "dk": MappingProxyType({basis: _DK for basis in LegalBasis}),
        "nl": MappingProxyType(
            {
                LegalBasis.TAX: _NL_TAX,
                LegalBasis.PUBLIC_LAW: _NL_OTHER,
                LegalBasis.PRIVATE_LAW: _NL_OTHER,
            }
        ),
        "be": MappingProxyType({basis: _BE for basis in LegalBasis}),
    }
)


class UnknownLimitationRule(KeyError):
    """No limitation period for this pack code."""


def _add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year that has none
        return start.replace(year=start.year + years, day=28)


def limitation_years(country: str, legal_basis: LegalBasis) -> int:
    """Length of the limitation period in years for a pack code and legal basis."""
    try:
        return LIMITATION_YEARS[country.strip().lower()][LegalBasis(legal_basis)][0]
    except KeyError:
        raise UnknownLimitationRule(country) from None


def limitation_date(
    country: str,
    legal_basis: LegalBasis,
    demandable_on: date,
    interruptions: Sequence[date] = (),
) -> date:
    """First day on which the claim is time-barred.

    The period restarts from the latest interruption on or after `demandable_on`; an
    interruption before the claim could be demanded changes nothing.
    """
    start = max([demandable_on, *(d for d in interruptions if d >= demandable_on)])
    return _add_years(start, limitation_years(country, legal_basis))


def time_barred(
    country: str,
    legal_basis: LegalBasis,
    demandable_on: date,
    interruptions: Sequence[date] = (),
    *,
    as_of: date,
) -> bool:
    """Is the claim time-barred on `as_of`? Feeds the write-off proposal list (a supervisor
    decides; nothing is written off here)."""
    return as_of >= limitation_date(country, legal_basis, demandable_on, interruptions)
