"""The caseworker's one queue (/staff/queue): every open work item, filterable by kind and
department, oldest first, with its age against the target time; assign to me / unassign.
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import HiddenField

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.config import Config
from portal.extensions import db
from portal.models import WorkItem
from portal.services import staff_queue as svc
from portal.services import work

PERMISSION = "work.decide"

#: what each kind of work item is, in the caseworker's words
KIND_NAMES: Mapping[str, str] = {
    work.PLAN_DECISION: _l("Payment plan to decide"),
    work.REMISSION_DECISION: _l("Remission application to decide"),
    work.UNMATCHED_PAYMENT: _l("Payment to match"),
    work.COUNTER_PROPOSAL: _l("Counter-proposal waiting for the citizen"),
    work.CALL_BACK: _l("Call back"),
    work.WRITE_OFF_PROPOSAL: _l("Write-off to decide"),
    work.HANDOVER_CHECK: _l("Hand-over to check"),
    work.DISPUTE: _l("Disputed bill"),
    work.REFUND_REVIEW: _l("Refund to check"),
}


def _endpoint_url(endpoint: str, **values: Any) -> str | None:
    """A link to `endpoint` once its page exists (other issues add decision pages)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _unmatched_payment_url(item: WorkItem) -> str | None:
    if item.subject_type == "bank_entry":
        return _endpoint_url("staff.bank_entry", entry_id=item.subject_id)
    return _endpoint_url("staff.bank_unmatched")


#: kind -> the item's decision page (None: not there yet, the debtor page is used instead)
WORK_ITEM_LINKS: dict[str, Callable[[WorkItem], str | None]] = {
    work.PLAN_DECISION: lambda item: _endpoint_url("staff.plan_decision", plan_id=item.subject_id),
    work.REMISSION_DECISION: lambda item: _endpoint_url(
        "staff.remission_decision", application_id=item.subject_id
    ),
    work.UNMATCHED_PAYMENT: _unmatched_payment_url,
    work.DISPUTE: lambda item: _endpoint_url("staff.dispute", dispute_id=item.subject_id),
    work.CALL_BACK: lambda item: _endpoint_url("staff.callbacks"),
    work.HANDOVER_CHECK: lambda item: _endpoint_url("staff.handover"),
}


def item_url(item: WorkItem) -> str | None:
    """Where to work on the item: its decision page, else the debtor page, else nowhere."""
    link = WORK_ITEM_LINKS.get(item.kind)
    url = link(item) if link is not None else None
    if url is None and item.debtor_id is not None:
        url = _endpoint_url("staff.debtor", debtor_id=item.debtor_id)
    return url


# Imported after the registry above: other pages add to WORK_ITEM_LINKS at import time, and
# importing views imports them, so the registry must exist before this line runs.
from portal.staff.views import bp  # noqa: E402


class AssignForm(FlaskForm):
    """Only the CSRF token and where to go back to."""

    back = HiddenField()


def _session() -> Session:
    session: Session = db.session()
    return session


def _targets() -> Mapping[str, int] | None:
    config: Config = current_app.config["SALDO"]
    targets = config.extra.get("queue_target_days")
    return targets if isinstance(targets, Mapping) else None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/queue")
@staff_required(PERMISSION)
def queue() -> tuple[str, int]:
    """All open work, oldest first; filter by kind, department, or only mine."""
    kind = request.args.get("kind") or None
    status = 200
    if kind is not None and kind not in work.WORK_KINDS:
        kind, status = None, 400
    department_id = _int_arg("department")
    mine = request.args.get("mine") == "1"
    staff = current_staff()
    rows = svc.queue_rows(
        _session(),
        now=datetime.now(UTC),
        kind=kind,
        department_id=department_id,
        assigned_to_id=staff.staff_user_id if mine else None,
        targets=_targets(),
    )
    return render_template(
        "staff/queue.html",
        rows=rows,
        kind=kind,
        department_id=department_id,
        mine=mine,
        kinds=KIND_NAMES,
        departments=svc.departments(_session()),
        item_url=item_url,
        form=AssignForm(formdata=None, back=request.full_path),
        staff=staff,
        limit=svc.QUEUE_LIMIT,
        bad_filter=status == 400,
    ), status


def _back(form: AssignForm) -> str:
    back = form.back.data or ""
    # Only our own queue page: never an open redirect.
    return back if back.startswith("/staff/queue") else url_for("staff.queue")


def _assign(item_id: int, staff_user_id: int | None, done: str) -> Response:
    form = AssignForm()
    if not form.validate_on_submit():
        flash(_("This form had expired. Nothing was changed. Please try again."), "error")
        return redirect(url_for("staff.queue"))
    staff = current_staff()
    try:
        svc.assign(
            _session(),
            item_id,
            staff_user_id=staff_user_id,
            actor_staff_id=staff.staff_user_id,
        )
    except svc.NoSuchWorkItem:
        abort(404)
    except svc.WorkItemNotOpen:
        db.session.rollback()
        flash(_("Someone has already finished this item. Nothing was changed."), "error")
        return redirect(_back(form))
    db.session.commit()
    flash(done, "success")
    return redirect(_back(form))


@bp.post("/queue/<int:item_id>/assign")
@staff_required(PERMISSION)
def queue_assign(item_id: int) -> Response:
    """Take the item: it shows as yours in the queue."""
    return _assign(item_id, current_staff().staff_user_id, _("The item is now assigned to you."))


@bp.post("/queue/<int:item_id>/unassign")
@staff_required(PERMISSION)
def queue_unassign(item_id: int) -> Response:
    """Give the item back to the shared queue."""
    return _assign(item_id, None, _("The item is back in the shared queue."))
