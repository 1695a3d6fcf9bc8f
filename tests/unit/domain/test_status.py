from __future__ import annotations

from datetime import date

import pytest

from portal.domain.status import CitizenStatus
from portal.domain.status import ClaimFacts
from portal.domain.status import derive_status
from portal.domain.status import is_actionable

S = CitizenStatus
DUE = date(2025, 3, 1)
BEFORE, ON, AFTER = date(2025, 2, 28), DUE, date(2025, 3, 2)


def facts(**overrides: object) -> ClaimFacts:
    values: dict[str, object] = {"balance": 10_000, "due_date": DUE}
    values.update(overrides)
    return ClaimFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "as_of", "expected"),
    [
        ({}, BEFORE, S.OPEN),
        ({}, ON, S.OPEN),  # due today is not yet overdue
        ({}, AFTER, S.OVERDUE),
        ({"reminders_sent": 1}, AFTER, S.REMINDED),
        ({"reminders_sent": 2}, BEFORE, S.REMINDED),
        ({"payment_pending": True, "reminders_sent": 1}, AFTER, S.PAYMENT_PENDING),
        ({"hold_reasons": frozenset({"payment_pending"})}, AFTER, S.PAYMENT_PENDING),
        ({"hold_reasons": frozenset({"dispute"}), "payment_pending": True}, AFTER, S.PAUSED),
        ({"hold_reasons": frozenset({"remission_pending"})}, AFTER, S.PAUSED),
        ({"hold_reasons": frozenset({"plan"})}, AFTER, S.OVERDUE),  # plan hold alone: not paused
        ({"hold_reasons": frozenset({"plan", "debt_help"})}, AFTER, S.PAUSED),
        (
            {"in_active_plan": True, "hold_reasons": frozenset({"plan", "dispute"})},
            AFTER,
            S.IN_PLAN,
        ),
        ({"in_active_plan": True, "handed_over": True}, AFTER, S.WITH_COLLECTOR),
        ({"handed_over": True, "reminders_sent": 3}, AFTER, S.WITH_COLLECTOR),
        ({"balance": 0}, AFTER, S.PAID),
        ({"balance": 0, "settled_by": "payment"}, BEFORE, S.PAID),
        ({"balance": 0, "settled_by": "remission"}, AFTER, S.REMITTED),
        ({"balance": 0, "settled_by": "write_off"}, AFTER, S.WRITTEN_OFF),
        ({"balance": 0, "handed_over": True, "in_active_plan": True}, AFTER, S.PAID),
        ({"balance": 0, "cancelled": True}, AFTER, S.CANCELLED),
        ({"cancelled": True, "handed_over": True}, AFTER, S.CANCELLED),
        ({"balance": 1, "settled_by": "payment"}, BEFORE, S.OPEN),  # settled_by needs zero
    ],
)
def test_derive_status(overrides: dict[str, object], as_of: date, expected: CitizenStatus) -> None:
    assert derive_status(facts(**overrides), as_of) is expected


@pytest.mark.parametrize(
    ("status", "actionable"),
    [
        (S.OPEN, True),
        (S.OVERDUE, True),
        (S.REMINDED, True),
        (S.PAYMENT_PENDING, False),  # a Checkout session is still open
        (S.IN_PLAN, False),
        (S.PAUSED, False),
        (S.WITH_COLLECTOR, False),
        (S.PAID, False),
        (S.REMITTED, False),
        (S.WRITTEN_OFF, False),
        (S.CANCELLED, False),
    ],
)
def test_is_actionable(status: CitizenStatus, actionable: bool) -> None:
    assert is_actionable(status) is actionable


def test_every_status_has_an_actionable_row() -> None:
    assert len(list(CitizenStatus)) == 11


@pytest.mark.parametrize(
    "overrides",
    [{"balance": -1}, {"reminders_sent": -1}, {"settled_by": "gift"}],
)
def test_impossible_facts_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each field has its own message
        facts(**overrides)
