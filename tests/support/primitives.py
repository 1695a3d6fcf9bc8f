"""Helpers for the tests of the shared primitives (work items, signals, holds, credit...)."""

from __future__ import annotations

import itertools
from datetime import UTC
from datetime import datetime

from sqlalchemy.orm import Session

from portal.models import StaffUser

#: The frozen "now" of these tests: 23 November 2026, 10:00 UTC (tests/support/factories.TODAY).
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

_counter = itertools.count(1)


def make_staff(session: Session, role: str = "caseworker") -> StaffUser:
    """A staff user with placeholder credentials (these tests never log in)."""
    number = next(_counter)
    staff = StaffUser(
        username=f"primitives-staff-{number}",
        display_name=f"Staff {number}",
        role=role,
        password_hash="not-a-hash",
        totp_secret="JBSWY3DPEHPK3PXP",
    )
    session.add(staff)
    session.flush()
    return staff
