"""The caseworker's one queue: open work items of every kind, oldest first, with their age
against a target time per kind, and assignment (audited).

Target times are examples — set by the municipality; an installation overrides them with
`Config.extra["queue_target_days"]` (a mapping of kind to days).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Debtor
from portal.models import Department
from portal.models import StaffUser
from portal.models import WorkItem
from portal.services import audit
from portal.services import work
from portal.services.audit import Actor
from portal.services.work import WorkItemNotOpen

#: days within which an item of each kind should be handled (example — set by the municipality)
TARGET_DAYS: Mapping[str, int] = {
    work.PLAN_DECISION: 5,
    work.REMISSION_DECISION: 10,
    work.UNMATCHED_PAYMENT: 3,
    work.COUNTER_PROPOSAL: 14,
    work.CALL_BACK: 2,
    work.WRITE_OFF_PROPOSAL: 20,
    work.HANDOVER_CHECK: 10,
    work.DISPUTE: 10,
    work.REFUND_REVIEW: 5,
}
DEFAULT_TARGET_DAYS = 10
#: the page shows at most this many rows (oldest first); filters narrow it down
QUEUE_LIMIT = 200

__all__ = ["NoSuchWorkItem", "QueueRow", "WorkItemNotOpen", "assign", "queue_rows", "target_days"]


class NoSuchWorkItem(LookupError):
    """No work item with this id."""


@dataclass(frozen=True)
class QueueRow:
    item: WorkItem
    age_days: int
    target_days: int
    debtor_name: str | None
    department_names: Mapping[str, str] | None
    assignee_name: str | None

    @property
    def over_target(self) -> bool:
        return self.age_days > self.target_days


def target_days(kind: str, overrides: Mapping[str, int] | None = None) -> int:
    """The target time of a kind: the installation's override, else the default table."""
    if overrides and kind in overrides:
        return int(overrides[kind])
    return TARGET_DAYS.get(kind, DEFAULT_TARGET_DAYS)


def queue_rows(
    session: Session,
    *,
    now: datetime,
    kind: str | None = None,
    department_id: int | None = None,
    assigned_to_id: int | None = None,
    targets: Mapping[str, int] | None = None,
    limit: int = QUEUE_LIMIT,
) -> list[QueueRow]:
    """Open items, oldest first, optionally of one kind, one department or one assignee.

    One query: each item with its debtor's name, department names and assignee's name.
    Raises work.UnknownWorkKind for a kind that does not exist.
    """
    if kind is not None and kind not in work.WORK_KINDS:
        raise work.UnknownWorkKind(f"unknown work item kind {kind!r}")
    query = (
        select(WorkItem, Debtor.name, Department.names, StaffUser.display_name)
        .outerjoin(Debtor, Debtor.id == WorkItem.debtor_id)
        .outerjoin(Department, Department.id == WorkItem.department_id)
        .outerjoin(StaffUser, StaffUser.id == WorkItem.assigned_to_id)
        .where(WorkItem.state == "open")
    )
    if kind is not None:
        query = query.where(WorkItem.kind == kind)
    if department_id is not None:
        query = query.where(WorkItem.department_id == department_id)
    if assigned_to_id is not None:
        query = query.where(WorkItem.assigned_to_id == assigned_to_id)
    query = query.order_by(WorkItem.opened_at, WorkItem.id).limit(limit)
    return [
        QueueRow(
            item=item,
            age_days=max((now - item.opened_at).days, 0),
            target_days=target_days(item.kind, targets),
            debtor_name=debtor_name,
            department_names=department_names,
            assignee_name=assignee,
        )
        for item, debtor_name, department_names, assignee in session.execute(query).all()
    ]


def departments(session: Session) -> list[Department]:
    """Departments for the filter, by code."""
    return list(session.scalars(select(Department).order_by(Department.code)))


def assign(
    session: Session, item_id: int, *, staff_user_id: int | None, actor_staff_id: int
) -> WorkItem:
    """Give the item to `staff_user_id`, or back to the shared queue with None. Audited.

    Raises NoSuchWorkItem, or WorkItemNotOpen when someone closed it meanwhile (a stale form).
    """
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NoSuchWorkItem(f"no work item {item_id}")
    previous = item.assigned_to_id
    work.assign_work_item(session, item, staff_user_id)
    audit.record(
        session,
        Actor.staff(actor_staff_id),
        "work_item.assigned" if staff_user_id is not None else "work_item.unassigned",
        object_type="work_item",
        object_id=item.id,
        debtor_id=item.debtor_id,
        kind=item.kind,
        assigned_to=staff_user_id,
        previously_assigned_to=previous,
    )
    session.flush()
    return item
