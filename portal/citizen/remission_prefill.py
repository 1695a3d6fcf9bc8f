"""What the remission pages show from a known social status (issue 8, NL): "we already know
from <department> that you receive social assistance", the income offered from the norm, and
no request for income evidence. The logic is in portal/services/remission_prefill.py; this
module only puts names and words to it for the citizen and the caseworker pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.auth.guards import current_citizen
from portal.citizen import remission_common as common
from portal.citizen.remission_forms import amount_text
from portal.citizen.remission_forms import initial_values
from portal.domain.rules.base import RulePack
from portal.i18n import current_locale
from portal.models import Department
from portal.models import RemissionApplication
from portal.services import remission_prefill

#: the caseworker's words
STAFF_KIND_TEXTS: Mapping[str, LazyString] = {
    "social_assistance": _l("Receives social assistance"),
    "minimum_income": _l("Lives on the minimum income"),
}


@dataclass(frozen=True)
class KnownStatusView:
    kind: str
    #: "Receives social assistance" (the caseworker's words)
    staff_kind_text: str
    department: str
    valid_until: date
    active: bool
    #: the norm offered as income (minor units), or None
    prefilled_income: int | None
    income_evidence_needed: bool


def known_status_view(
    session: Session, rules: RulePack, application: RemissionApplication, *, on: date
) -> KnownStatusView | None:
    """What the pages say about the known status; None without one."""
    known = remission_prefill.known_status(session, application, on)
    if known is None:
        return None
    department = session.get(Department, known.department_id)
    return KnownStatusView(
        kind=known.kind,
        staff_kind_text=str(STAFF_KIND_TEXTS.get(known.kind, known.kind)),
        department=department.name(current_locale()) if department else "",
        valid_until=known.valid_until,
        active=known.active,
        prefilled_income=remission_prefill.prefill_income(rules, application, known, on=on),
        income_evidence_needed=remission_prefill.income_evidence_needed(known),
    )


def step_data(step: str, application: Any, known: KnownStatusView | None) -> dict[str, Any]:
    """A step's fields when shown: what was saved, and on the income step the norm offered
    from an active social-assistance status while nothing was typed yet."""
    data = initial_values(step, application)
    if step == "income" and known is not None and known.prefilled_income is not None:
        data["net_income"] = amount_text(known.prefilled_income)
    return data


def known_for(application: RemissionApplication) -> KnownStatusView | None:
    """known_status_view for the current request (its session, rules and today). None in
    desk mode: desk staff may not see a social status (roles: social_status.view), exactly as
    the overview's banner is not shown there."""
    # imported here: portal.citizen.views imports the remission pages, which import this module
    from portal.citizen import views

    if current_citizen().acting_staff_id is not None:
        return None
    pack = common.rules()
    return known_status_view(common.session(), pack, application, on=views._today(pack))  # noqa: SLF001


def department_name(session: Session, department_id: int | None) -> str:
    """A department's name in the page's language ("" when unknown)."""
    if department_id is None:
        return ""
    department = session.get(Department, department_id)
    return department.name(current_locale()) if department else ""


@dataclass(frozen=True)
class DataUsedView:
    """The snapshot's "data used" entry (stored at submission), for the caseworker."""

    kind: str
    department: str
    valid_until: date
    income_checked: bool


def data_used_view(session: Session, calculation: Mapping[str, Any] | None) -> DataUsedView | None:
    """What the submitted calculation used from a department, or None."""
    entry = (calculation or {}).get(remission_prefill.DATA_USED_KEY)
    if not isinstance(entry, Mapping):
        return None
    kind = str(entry.get("kind", ""))
    return DataUsedView(
        kind=str(STAFF_KIND_TEXTS.get(kind, kind)),
        department=department_name(session, entry.get("department_id")),
        valid_until=date.fromisoformat(str(entry["valid_until"])),
        income_checked=bool(entry.get("income_checked")),
    )
