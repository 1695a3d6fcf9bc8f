"""A remission application prefilled from what a department told Saldo (issue 8, NL).

When a debtor with an active social-status flag starts an application, the flag (its kind,
source department and end date) is recorded on the application (`record_known_status`). The
wizard then says what is already known, offers the social-assistance norm as the income
(`prefill_income`) and does not ask for income evidence; at submission the flag, if still
active, is "the data used" for the income check (`data_used`).

Only where the statutory calculation decides (the NL pack, `calculation_binding`): in DK and
BE the calculation is guidance and nothing changes. Nothing is ever rejected because of a
flag, and nothing is decided from it alone: the citizen still confirms every answer.
The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from portal.domain.affordability import HouseholdType
from portal.domain.rules.base import RulePack
from portal.domain.rules.remission_norms import NoRemissionNorms
from portal.domain.rules.remission_norms import remission_policy
from portal.models import RemissionApplication
from portal.models.social_status import SocialStatus
from portal.services.social_status_offers import active_social_status

#: the kind whose income IS the social-assistance norm, so the norm can be offered as income;
#: "minimum_income" may be a minimum wage or pension: its amount is left to the citizen
NORM_KINDS = frozenset({"social_assistance"})
DATA_USED_KEY = "data_used"


@dataclass(frozen=True)
class KnownStatus:
    """What the application knows from a department, and whether it still holds on a date."""

    kind: str
    department_id: int
    valid_until: date
    active: bool


def _applies(rules: RulePack) -> bool:
    try:
        return remission_policy(rules.code).calculation_binding
    except NoRemissionNorms:
        return False


def record_known_status(
    session: Session, rules: RulePack, application: RemissionApplication, *, as_of: date
) -> SocialStatus | None:
    """Record the debtor's active flag on a draft (NL only); None when there is none."""
    if not _applies(rules):
        return None
    status = active_social_status(session, application.debtor_id, as_of)
    if status is None:
        return None
    application.known_status_id = status.id
    application.known_social_status = status.kind
    application.known_status_department_id = status.department_id
    application.known_status_until = status.valid_until
    return status


def known_status(
    session: Session, application: RemissionApplication, as_of: date
) -> KnownStatus | None:
    """The recorded flag, `active` only while the department's flag still runs on `as_of`
    (past its end date, or ended early by the department, it no longer vouches)."""
    if application.known_status_id is None or application.known_social_status is None:
        return None
    if application.known_status_department_id is None or application.known_status_until is None:
        return None
    flag = session.get(SocialStatus, application.known_status_id)
    return KnownStatus(
        kind=application.known_social_status,
        department_id=application.known_status_department_id,
        valid_until=application.known_status_until,
        active=flag is not None and flag.active_on(as_of),
    )


def income_evidence_needed(known: KnownStatus | None) -> bool:
    """The department already vouched for the income while its flag runs."""
    return known is None or not known.active


def prefill_income(
    rules: RulePack, application: RemissionApplication, known: KnownStatus | None, *, on: date
) -> int | None:
    """The social-assistance norm (100 %) for the household, in minor units, to offer as the
    income: only for an active social-assistance flag, once the household is known and while
    the citizen has not typed an income. None otherwise."""
    if known is None or not known.active or known.kind not in NORM_KINDS:
        return None
    if application.net_income is not None or application.adults is None or not _applies(rules):
        return None
    table = remission_policy(rules.code).table_on(on)
    if application.adults == 2:
        household = HouseholdType.COUPLE
    elif application.children:
        household = HouseholdType.SINGLE_PARENT
    else:
        household = HouseholdType.SINGLE
    return {
        HouseholdType.SINGLE: table.single,
        HouseholdType.SINGLE_PARENT: table.single_parent,
        HouseholdType.COUPLE: table.couple,
    }[household]


def data_used(known: KnownStatus | None) -> dict[str, Any]:
    """The snapshot entry stored with the calculation at submission: the income counts as
    checked when the flag is active then. Empty without a known status."""
    if known is None:
        return {}
    return {
        DATA_USED_KEY: {
            "source": "social_status",
            "kind": known.kind,
            "department_id": known.department_id,
            "valid_until": known.valid_until.isoformat(),
            "income_checked": known.active,
        }
    }
