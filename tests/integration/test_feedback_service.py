"""Citizen feedback: stored anonymously and scrubbed; summary by journey and month (issue 8)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from portal.models import Feedback
from portal.services import feedback as svc
from tests.support.appointments import TODAY
from tests.support.appointments import count


def test_feedback_is_stored_without_who_or_when_beyond_the_month(db_session: Session) -> None:
    row = svc.record_feedback(
        db_session, journey="payment", score=4, text="Easy! mail a@b.nl", today=TODAY
    )
    assert (row.journey, row.score, row.month) == ("payment", 4, "2026-11")
    assert "a@b.nl" not in row.text
    columns = set(Feedback.__table__.columns.keys())
    assert columns == {"id", "journey", "score", "text", "month"}  # anonymous by design


@pytest.mark.parametrize(
    ("journey", "score", "text", "reason"),
    [
        ("payment", 6, "", "score"),
        ("payment", 0, "ok", "score"),
        ("payment", 3, "x" * 10_000, "too_long"),
        ("holiday", 3, "", "journey"),
        ("plan", None, "   ", "empty"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_stored(
    db_session: Session, journey: str, score: int | None, text: str, reason: str
) -> None:
    with pytest.raises(svc.InvalidFeedback) as error:
        svc.record_feedback(db_session, journey=journey, score=score, text=text, today=TODAY)
    assert error.value.reason == reason
    assert count(db_session, Feedback) == 0


def test_summary_averages_by_journey_and_month_and_texts_are_paged(db_session: Session) -> None:
    for score in (2, 4):
        svc.record_feedback(db_session, journey="plan", score=score, text="", today=TODAY)
    svc.record_feedback(db_session, journey="plan", score=None, text="Too long", today=TODAY)
    svc.record_feedback(db_session, journey="remission", score=5, text="", today=date(2026, 10, 3))
    summary = svc.feedback_summary(db_session)
    assert [(r.month, r.journey, r.count, r.average) for r in summary] == [
        ("2026-11", "plan", 3, 3.0),
        ("2026-10", "remission", 1, 5.0),
    ]
    for number in range(25):
        svc.record_feedback(db_session, journey="payment", score=3, text=f"t{number}", today=TODAY)
    first = svc.feedback_texts(db_session, page=1)
    last = svc.feedback_texts(db_session, page=99)
    assert (first.pages, len(first.items), first.items[0].text) == (2, 20, "t24")
    assert (last.page, len(last.items)) == (2, 6)
