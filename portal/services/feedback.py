"""Citizen feedback (issue 8): store an answer to "Was this easy?", and the supervisors' view.

Anonymous by design: a Feedback row has no debtor id and no time but the month, and the free
text is scrubbed of what looks like personal data before it is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.feedback import JOURNEYS
from portal.domain.feedback import MAX_TEXT
from portal.domain.feedback import month_of
from portal.domain.feedback import strip_personal_data
from portal.domain.feedback import valid_score
from portal.models import Feedback

PER_PAGE = 20


class InvalidFeedback(ValueError):
    """`reason`: journey, score, too_long, empty."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SummaryRow:
    month: str
    journey: str
    count: int
    #: average score of the answers that have one, or None
    average: float | None


@dataclass(frozen=True)
class TextPage:
    items: Sequence[Feedback]
    page: int
    pages: int


def record_feedback(
    session: Session, *, journey: str, score: int | None, text: str, today: date
) -> Feedback:
    """Store one answer. Raises InvalidFeedback (unknown journey, score out of 1-5, text over
    500 characters, or neither a score nor a text)."""
    if journey not in JOURNEYS:
        raise InvalidFeedback("journey")
    if not valid_score(score):
        raise InvalidFeedback("score")
    if len(text or "") > MAX_TEXT:
        raise InvalidFeedback("too_long")
    cleaned = strip_personal_data(text or "")
    if score is None and not cleaned:
        raise InvalidFeedback("empty")
    row = Feedback(
        journey=journey, score=score, text=cleaned, month=month_of(today.year, today.month)
    )
    session.add(row)
    session.flush()
    return row


def feedback_summary(session: Session) -> list[SummaryRow]:
    """Count and average score by month (newest first) and journey."""
    rows = session.execute(
        select(Feedback.month, Feedback.journey, func.count(Feedback.id), func.avg(Feedback.score))
        .group_by(Feedback.month, Feedback.journey)
        .order_by(Feedback.month.desc(), Feedback.journey)
    ).all()
    return [
        SummaryRow(month, journey, int(count), float(avg) if avg is not None else None)
        for month, journey, count, avg in rows
    ]


def feedback_texts(session: Session, *, page: int = 1, per_page: int = PER_PAGE) -> TextPage:
    """The free texts, newest first, one page at a time (page numbers start at 1)."""
    total = int(session.scalar(select(func.count(Feedback.id)).where(Feedback.text != "")) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = session.scalars(
        select(Feedback)
        .where(Feedback.text != "")
        .order_by(Feedback.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return TextPage(items, page, pages)
