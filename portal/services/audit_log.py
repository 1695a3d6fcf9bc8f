"""Reading the audit log (supervisors): filter by staff member, debtor, action and date range.

Read-only by design: the log is append-only (portal/append_only.py refuses ORM updates and
deletes; database triggers from migration 0001 refuse them for anyone bypassing the ORM).
This module only ever selects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from typing import Any
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Debtor
from portal.models import StaffUser

PER_PAGE = 50
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


class InvalidAuditFilter(ValueError):
    """`reason`: dates (the end is before the start), page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AuditFilter:
    staff_user_id: int | None = None
    debtor_id: int | None = None
    action: str | None = None
    #: local days in the installation's time zone, both inclusive
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    staff_name: str | None
    debtor_name: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _filtered(query: _Query, filters: AuditFilter, zone: tzinfo) -> _Query:
    if filters.staff_user_id is not None:
        query = query.where(AuditEvent.staff_user_id == filters.staff_user_id)
    if filters.debtor_id is not None:
        query = query.where(AuditEvent.debtor_id == filters.debtor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from is not None:
        query = query.where(AuditEvent.at >= datetime.combine(filters.date_from, time(), zone))
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), zone)
        query = query.where(AuditEvent.at < end)
    return query


def search_audit(
    session: Session, filters: AuditFilter, *, zone: tzinfo, page: int = 1, per_page: int = PER_PAGE
) -> AuditPage:
    """One page of matching events, newest first, with staff and debtor names (two queries)."""
    if (
        filters.date_from is not None
        and filters.date_to is not None
        and filters.date_to < filters.date_from
    ):
        raise InvalidAuditFilter("dates")
    if page < 1 or page > 1_000_000:
        raise InvalidAuditFilter("page")
    total = int(session.scalar(_filtered(select(func.count(AuditEvent.id)), filters, zone)) or 0)
    rows = session.execute(
        _filtered(
            select(AuditEvent, StaffUser.display_name, Debtor.name)
            .outerjoin(StaffUser, StaffUser.id == AuditEvent.staff_user_id)
            .outerjoin(Debtor, Debtor.id == AuditEvent.debtor_id),
            filters,
            zone,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(
        rows=tuple(AuditRow(event, staff, debtor) for event, staff, debtor in rows),
        page=page,
        per_page=per_page,
        total=total,
    )


def known_actions(session: Session) -> list[str]:
    """Every action in the log, for the filter."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def staff_members(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.display_name, StaffUser.id)))
