"""Write-off proposals (/staff/write-offs): time-barred claims the batch put on the list, for a
supervisor to write off or keep. Registered on the `staff` blueprint (imported at the bottom of
portal/staff/views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import StringField

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.domain.references import InvalidReference
from portal.domain.references import display
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.models import Department
from portal.models import WorkItem
from portal.services import work
from portal.services.limitation_batch import NotAWriteOffProposal
from portal.services.limitation_batch import claim_limitation_date
from portal.services.limitation_batch import keep_claim
from portal.services.limitation_batch import last_payments
from portal.services.limitation_batch import write_off_claim
from portal.staff.views import bp

PERMISSION = "claims.write_off"
LIST_LIMIT = 100
DECISIONS = ("write_off", "keep")


class WriteOffDecisionForm(FlaskForm):
    """The decision comes from the button pressed (name="decision"); only CSRF is a field."""

    decision = StringField()


@dataclass(frozen=True)
class Proposal:
    item: WorkItem
    claim: Claim
    debtor_name: str
    department: str
    claim_type: str
    reference: str
    time_barred_on: date


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _reference(rules: RulePack, claim: Claim) -> str:
    if not claim.reference:
        return ""
    try:
        return display(rules.reference_scheme, claim.reference)
    except InvalidReference:
        return claim.reference


def _proposals(session: Session, locale: str) -> list[Proposal]:
    rules = _rules()
    rows = session.execute(
        select(WorkItem, Claim, Debtor.name, Department, ClaimType)
        .join(Claim, Claim.id == WorkItem.subject_id)
        .join(Debtor, Debtor.id == Claim.debtor_id)
        .join(Department, Department.id == Claim.department_id)
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(
            WorkItem.kind == work.WRITE_OFF_PROPOSAL,
            WorkItem.subject_type == "claim",
            WorkItem.state == "open",
        )
        .order_by(WorkItem.opened_at, WorkItem.id)
        .limit(LIST_LIMIT)
    ).all()
    payments = last_payments(session, [claim.id for _, claim, _, _, _ in rows])
    return [
        Proposal(
            item=item,
            claim=claim,
            debtor_name=name,
            department=department.name(locale),
            claim_type=claim_type.name(locale),
            reference=_reference(rules, claim),
            time_barred_on=claim_limitation_date(
                rules, claim_type.legal_basis, claim.due_date, payments.get(claim.id)
            ),
        )
        for item, claim, name, department, claim_type in rows
    ]


def _page(status: int = 200, failed_id: int | None = None) -> tuple[str, int]:
    return render_template(
        "staff/write_offs.html",
        proposals=_proposals(_session(), current_locale()),
        failed_id=failed_id,
        limit=LIST_LIMIT,
    ), status


@bp.get("/write-offs")
@staff_required(PERMISSION)
def write_offs() -> tuple[str, int]:
    """Time-barred claims waiting for a supervisor's decision, oldest first."""
    return _page()


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


@bp.post("/write-offs/<int:item_id>")
@staff_required(PERMISSION)
def write_off_decide(item_id: int) -> Response | tuple[str, int]:
    """Write the claim off (a ledger entry per open component) or keep it; closes the item."""
    form = WriteOffDecisionForm()
    if not form.validate_on_submit() or form.decision.data not in DECISIONS:
        return _page(400, item_id)
    staff_id = current_staff().staff_user_id
    now = datetime.now(UTC)
    try:
        if form.decision.data == "write_off":
            write_off_claim(_session(), item_id, staff_user_id=staff_id, on=_today(), now=now)
            message = _("The bill was written off. The person no longer owes it.")
        else:
            keep_claim(_session(), item_id, staff_user_id=staff_id, now=now)
            message = _("The bill was kept. It stays open.")
    except NotAWriteOffProposal:
        db.session.rollback()
        abort(404)
    except work.WorkItemNotOpen:
        db.session.rollback()
        flash(_("Someone has already decided about this bill. Nothing was changed."), "error")
        return redirect(url_for("staff.write_offs"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("staff.write_offs"))
