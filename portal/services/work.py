"""Work items: one queue for everything a person must look at (decisions.md, shared primitives).

A work item points at its subject by type and id (a plan, a payment, a claim...). At most one
item of a kind is open per subject: opening it again returns the open one, so batches, webhooks
and views may call `open_work_item` as often as they like. Each issue adds its kinds to
`WORK_KINDS`; the staff issue adds filters, assignment rules and target times on top.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import WorkItem
from portal.models.base import utcnow
from portal.services import audit
from portal.services.audit import Actor

PLAN_DECISION = "plan_decision"
REMISSION_DECISION = "remission_decision"
UNMATCHED_PAYMENT = "unmatched_payment"
COUNTER_PROPOSAL = "counter_proposal"
CALL_BACK = "call_back"
WRITE_OFF_PROPOSAL = "write_off_proposal"
HANDOVER_CHECK = "handover_check"
DISPUTE = "dispute"
REFUND_REVIEW = "refund_review"  # a provider refund that credit and claims could not take

#: Every kind of work item Saldo knows. Add a constant above and a line here for a new kind.
WORK_KINDS: frozenset[str] = frozenset(
    {
        PLAN_DECISION,
        REMISSION_DECISION,
        UNMATCHED_PAYMENT,
        COUNTER_PROPOSAL,
        CALL_BACK,
        WRITE_OFF_PROPOSAL,
        HANDOVER_CHECK,
        DISPUTE,
        REFUND_REVIEW,
    }
)

_MAX_TEXT = 40  # kind, subject_type and outcome columns are String(40)


class UnknownWorkKind(ValueError):
    """A kind that is not in WORK_KINDS (a typo would otherwise make an invisible queue)."""


class WorkItemNotOpen(ValueError):
    """The item was already closed; closing it again would overwrite who decided and when."""


def _check_text(name: str, value: str) -> None:
    if not value or not value.strip() or len(value) > _MAX_TEXT:
        raise ValueError(f"{name} must be 1-{_MAX_TEXT} characters")


def _find_open(session: Session, kind: str, subject_type: str, subject_id: int) -> WorkItem | None:
    return session.scalar(
        select(WorkItem).where(
            WorkItem.kind == kind,
            WorkItem.subject_type == subject_type,
            WorkItem.subject_id == subject_id,
            WorkItem.state == "open",
        )
    )


def open_work_item(
    session: Session,
    kind: str,
    subject_type: str,
    subject_id: int,
    *,
    debtor_id: int | None = None,
    department_id: int | None = None,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> WorkItem:
    """Open a work item, or return the open one of the same kind and subject.

    `now` is when it was opened (default: the current time); `due_at` its target time.
    Raises UnknownWorkKind for a kind not in WORK_KINDS.
    """
    if kind not in WORK_KINDS:
        raise UnknownWorkKind(f"unknown work item kind {kind!r}")
    _check_text("subject_type", subject_type)
    existing = _find_open(session, kind, subject_type, subject_id)
    if existing is not None:
        return existing
    item = WorkItem(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        debtor_id=debtor_id,
        department_id=department_id,
        due_at=due_at,
        state="open",
        opened_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        # Another transaction opened the same item between our look-up and our insert; the
        # partial unique index (one open item per kind and subject) refused ours. Use theirs.
        existing = _find_open(session, kind, subject_type, subject_id)
        if existing is None:
            raise
        return existing
    return item


def close_work_item(
    session: Session,
    item: WorkItem,
    *,
    outcome: str,
    staff_user_id: int | None,
    now: datetime,
) -> WorkItem:
    """Mark the item done with its outcome (e.g. "approved", "matched"). Audited.

    `staff_user_id` is None when the system closed it (e.g. the subject resolved itself).
    """
    _check_text("outcome", outcome)
    if item.state != "open":
        raise WorkItemNotOpen(f"work item {item.id} is {item.state}")
    item.state = "done"
    item.outcome = outcome
    item.closed_at = now
    item.closed_by_id = staff_user_id
    actor = Actor.staff(staff_user_id) if staff_user_id is not None else Actor.system()
    audit.record(
        session,
        actor,
        "work_item.closed",
        object_type="work_item",
        object_id=item.id,
        debtor_id=item.debtor_id,
        kind=item.kind,
        outcome=outcome,
    )
    return item


def assign_work_item(session: Session, item: WorkItem, staff_user_id: int | None) -> WorkItem:
    """Give the item to a staff member, or back to the shared queue with None."""
    if item.state != "open":
        raise WorkItemNotOpen(f"work item {item.id} is {item.state}")
    item.assigned_to_id = staff_user_id
    session.flush()
    return item


def open_items(session: Session, *, kind: str | None = None) -> list[WorkItem]:
    """Open items, oldest first (optionally of one kind)."""
    query = select(WorkItem).where(WorkItem.state == "open")
    if kind is not None:
        if kind not in WORK_KINDS:
            raise UnknownWorkKind(f"unknown work item kind {kind!r}")
        query = query.where(WorkItem.kind == kind)
    return list(session.scalars(query.order_by(WorkItem.opened_at, WorkItem.id)))
