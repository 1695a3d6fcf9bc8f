"""A batch step: a name and a function that catches up what is due as of a day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack


class StepFunction(Protocol):
    """`run(session, rules, as_of=DAY)` -> counts per action. It flushes but never commits
    (the runner commits after the step), and is idempotent per action: a second run for the
    same day changes nothing."""

    def __call__(self, session: Session, rules: RulePack, *, as_of: date) -> Mapping[str, int]:
        """Do what is due on `as_of` and say how many of each action were done."""
        ...


@dataclass(frozen=True)
class BatchStep:
    name: str
    run: StepFunction
    #: money steps (fees, interest) are timed as "the money batch"; letters and lists are not
    money: bool = False
    #: the tables the step adds many rows to: analysed after a run that wrote a lot (runner.py)
    writes: tuple[str, ...] = ()
    #: the counts (of the step's report) that are rows written to those tables
    written_by: tuple[str, ...] = ()
