"""Citizen feedback (issue 8): the journeys asked, the score range, and a scrubber that takes
out what looks like personal data before a free text is stored.

Feedback is anonymous by design: no debtor id, no exact time (only the month). The form asks
people not to write personal data; this scrubber is the safety net for those who still do.
"""

from __future__ import annotations

import re

#: the journeys that end with the "Was this easy?" question
JOURNEYS: tuple[str, ...] = ("payment", "plan", "overview_document", "remission")
MIN_SCORE = 1
MAX_SCORE = 5
MAX_TEXT = 500
REDACTED = "[…]"

# An IBAN: two letters, two check digits, then 10-30 letters/digits, spaces allowed in groups.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# National ids: NL BSN (9 digits), DK CPR (ddmmyy-nnnn), BE national number (yy.mm.dd-nnn.cc),
# written with or without separators: any run of 9-11 digits with optional . - / or spaces.
_NATIONAL_ID = re.compile(r"(?<![\d])\d(?:[ .\-/]?\d){8,10}(?![\d])")


def strip_personal_data(text: str) -> str:
    """The text with anything that looks like an IBAN, an e-mail address or a national id
    number replaced by "[…]", and surrounding white space trimmed."""
    cleaned = _EMAIL.sub(REDACTED, text)
    cleaned = _IBAN.sub(REDACTED, cleaned)
    cleaned = _NATIONAL_ID.sub(REDACTED, cleaned)
    return cleaned.strip()


def valid_score(score: int | None) -> bool:
    """No score is fine (the question is optional); otherwise 1 to 5."""
    return score is None or MIN_SCORE <= score <= MAX_SCORE


def month_of(year: int, month: int) -> str:
    """The only time stored with feedback: "2026-11"."""
    return f"{year:04d}-{month:02d}"
