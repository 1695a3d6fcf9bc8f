"""What the external collector reports about a citizen's claim, read-only on the claim page
(issue 8). Registers the template global `claim_handover(claim_id)` used by
templates/citizen/handover_status.html (included in templates/citizen/claim.html)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.guards import current_citizen_or_none
from portal.citizen.views import bp
from portal.config import Config
from portal.extensions import db
from portal.models import Claim
from portal.models.handover import CollectorReportLine
from portal.services.handover import active_record

STATUS_TEXT = {
    "handed_over": _l("The collector has received this bill."),
    "in_progress": _l("The collector is working on this bill."),
    "paid": _l("The collector tells us this bill is paid."),
    "partly_paid": _l("The collector tells us part of this bill is paid."),
    "uncollectable": _l("The collector could not collect this bill."),
}


@dataclass(frozen=True)
class ReportedPayment:
    reported_on: date
    amount: int


@dataclass(frozen=True)
class CollectorStatus:
    collector_name: str
    collector_contact: str
    handed_over_on: date
    status_text: str
    status_reported_on: date | None
    reported_paid: int
    currency: str
    payments: list[ReportedPayment]


@bp.record_once
def _register_handover_helper(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["claim_handover"] = _claim_handover


def _claim_handover(claim_id: int) -> CollectorStatus | None:
    """The collector's view of the citizen's own claim, or None (not handed over / not theirs)."""
    citizen = current_citizen_or_none()
    if citizen is None:
        return None
    session: Session = db.session()
    claim = session.get(Claim, claim_id)
    if claim is None or claim.debtor_id != citizen.debtor_id:
        return None
    record = active_record(session, claim_id)
    if record is None:
        return None
    config: Config = current_app.config["SALDO"]
    lines = session.execute(
        select(CollectorReportLine.reported_on, CollectorReportLine.amount)
        .where(CollectorReportLine.record_id == record.id, CollectorReportLine.amount > 0)
        .order_by(CollectorReportLine.reported_on, CollectorReportLine.id)
    ).all()
    return CollectorStatus(
        collector_name=record.collector_name,
        collector_contact=config.collector_contact,
        handed_over_on=record.handed_over_on,
        status_text=str(STATUS_TEXT.get(record.status, STATUS_TEXT["in_progress"])),
        status_reported_on=record.status_reported_on,
        reported_paid=record.reported_paid,
        currency=record.currency,
        payments=[ReportedPayment(on, amount) for on, amount in lines],
    )
