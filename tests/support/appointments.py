"""Helpers for the appointment, call-back and feedback tests (issue 8)."""

from __future__ import annotations

import re
from datetime import date
from datetime import time
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AppointmentSlot
from portal.services import appointments as svc
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.primitives import NOW
from tests.support.primitives import make_staff

__all__ = ["NOW", "TODAY", "count", "csrf", "freeze", "make_slot"]

_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf(client: FlaskClient, path: str) -> str:
    """Fetch a page like a browser and return its CSRF token."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def freeze(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin "today" (23 November 2026, a Monday) for the citizen and staff pages."""
    freeze_today(monkeypatch)
    monkeypatch.setattr("portal.staff.appointments._today", lambda: TODAY)
    monkeypatch.setattr("portal.citizen.appointments._now", lambda: NOW)


def make_slot(
    session: Session,
    *,
    in_days: int = 2,
    capacity: int = 1,
    start: time = time(9, 30),
    place: str = "Town hall, desk 3",
) -> AppointmentSlot:
    staff = make_staff(session, "desk")
    return svc.add_slot(
        session,
        day=TODAY + timedelta(days=in_days),
        start=start,
        duration_minutes=15,
        place=place,
        capacity=capacity,
        staff_user_id=staff.id,
        today=TODAY,
    )


def day(in_days: int) -> date:
    return TODAY + timedelta(days=in_days)
