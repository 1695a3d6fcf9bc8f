"""The feedback scrubber takes out what looks like personal data; scores are 1-5 or none."""

from __future__ import annotations

import pytest

from portal.domain.feedback import REDACTED
from portal.domain.feedback import month_of
from portal.domain.feedback import strip_personal_data
from portal.domain.feedback import valid_score


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("My IBAN is NL91ABNA0417164300, please refund", "NL91ABNA0417164300"),
        ("iban NL91 ABNA 0417 1643 00 thanks", "NL91 ABNA 0417 1643 00"),
        ("Danish account DK5000400440116243 here", "DK5000400440116243"),
        ("mail me at jan.jansen+saldo@example.org now", "jan.jansen+saldo@example.org"),
        ("my BSN is 111222333.", "111222333"),
        ("CPR 010190-1234 is mine", "010190-1234"),
        ("Belgian number 85.07.30-033.28 ok", "85.07.30-033.28"),
        ("rijksregister 85073003328", "85073003328"),
    ],
)
def test_personal_data_is_replaced(text: str, secret: str) -> None:
    cleaned = strip_personal_data(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


def test_ordinary_feedback_is_kept_as_it_is() -> None:
    text = "The page was clear. I paid 50 euro on 12-11-2026 in 2 minutes. Thanks!"
    assert strip_personal_data(f"  {text}  ") == text


@pytest.mark.parametrize(
    ("score", "ok"), [(None, True), (1, True), (5, True), (0, False), (6, False), (-3, False)]
)
def test_scores_are_one_to_five_or_none(score: int | None, ok: bool) -> None:
    assert valid_score(score) is ok


def test_only_the_month_is_kept() -> None:
    assert month_of(2026, 3) == "2026-03"
