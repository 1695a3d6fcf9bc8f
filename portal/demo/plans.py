"""Deciding each demo claim's life up front: pure data from one random stream and a date.

Planning never touches the database, so the random choices never depend on ids and the same
seed gives the same plans. `portal.demo.seed` then realises each plan through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import timedelta

from portal.demo.bills import BillProfile
from portal.demo.bills import may_go_to_collector
from portal.demo.bills import profile_for
from portal.demo.personas import FULL
from portal.demo.personas import Persona
from portal.demo.personas import PersonaClaim
from portal.domain.rules.base import ClaimTypeSpec
from portal.domain.rules.base import RulePack

#: claims are spread over the last 18 months
WINDOW_DAYS = 540
REMINDER_INTERVAL_DAYS = 14
#: how many claims a bulk debtor has, with weights (most have one to three)
CLAIM_COUNTS = ((1, 40), (2, 30), (3, 17), (4, 8), (5, 3), (6, 2))


@dataclass(frozen=True)
class PlannedClaim:
    """One claim's life, decided up front (pure data, so the random choices never depend on
    database ids): issued, maybe reminded, maybe (partly) paid, maybe with the collector."""

    type_code: str
    amount: int
    issue_date: date
    reminder_dates: tuple[date, ...] = ()
    #: minor units paid, earmarked to this claim; FULL pays the balance, fees included
    paid: int = 0
    paid_on: date | None = None
    handed_over_on: date | None = None


class Planner:
    """Plans claims for one rule pack around `today`, drawing from `rng`."""

    def __init__(self, rules: RulePack, rng: random.Random, today: date) -> None:
        self.rules = rules
        self.rng = rng
        self.today = today
        self.term = timedelta(days=rules.payment_term_days)
        self.specs = {spec.code: spec for spec in rules.claim_types}
        self.profiles = {spec.code: profile_for(rules, spec) for spec in rules.claim_types}

    def persona(self, persona: Persona) -> list[PlannedClaim]:
        seen: set[tuple[str, date]] = set()
        plans = []
        for c in persona.claims:
            issued = self.today - timedelta(days=c.issued_days_ago)
            if c.issued_days_ago > self.rules.payment_term_days + 30:
                # An old bill moves back to when its kind is sent (taxes in February, daycare
                # on the 1st); moving back keeps an overdue bill overdue. Recent ones stay put
                # so that "not yet due" holds on any day.
                profile = self.profiles[c.type_code]
                issued = profile.snap(issued)
                while (c.type_code, issued) in seen:
                    issued = profile.snap(issued - timedelta(days=1))
            seen.add((c.type_code, issued))
            plans.append(self._persona_claim(c, issued))
        return plans

    def _persona_claim(self, c: PersonaClaim, issued: date) -> PlannedClaim:
        due = issued + self.term
        reminders = tuple(
            due + timedelta(days=REMINDER_INTERVAL_DAYS * n) for n in range(1, c.reminders + 1)
        )
        last_letter = reminders[-1] if reminders else due
        # Paid halfway through the term, or a week after the last reminder.
        paid_on = None
        if c.paid:
            paid_on = (last_letter + timedelta(days=7)) if reminders else issued + self.term // 2
        handed_over = (last_letter + timedelta(days=30)) if c.with_collector else None
        return PlannedClaim(
            type_code=c.type_code,
            amount=c.amount,
            issue_date=issued,
            reminder_dates=reminders,
            paid=c.paid,
            paid_on=paid_on,
            handed_over_on=handed_over,
        )

    def bulk(self, kind: str) -> list[PlannedClaim]:
        counts, weights = zip(*CLAIM_COUNTS, strict=True)
        how_many = self.rng.choices(counts, weights=weights)[0]
        seen: set[tuple[str, date]] = set()
        plans = []
        for _ in range(how_many):
            spec, profile = self._pick_type(kind)
            issued = profile.issue_date(self.rng, self.today, WINDOW_DAYS)
            # No two bills of one kind for one period (two daycare bills for the same month).
            while (spec.code, issued) in seen:
                issued = profile.snap(issued - timedelta(days=1))
            seen.add((spec.code, issued))
            plans.append(self._plan_life(spec, profile, issued))
        plans.sort(key=lambda p: p.issue_date)
        return plans

    def _pick_type(self, kind: str) -> tuple[ClaimTypeSpec, BillProfile]:
        specs = list(self.specs.values())
        weights = [
            self.profiles[s.code].business_weight
            if kind == "business"
            else self.profiles[s.code].person_weight
            for s in specs
        ]
        if not any(weights):
            weights = [1] * len(specs)
        spec = self.rng.choices(specs, weights=weights)[0]
        return spec, self.profiles[spec.code]

    def _plan_life(self, spec: ClaimTypeSpec, profile: BillProfile, issued: date) -> PlannedClaim:
        rng, today = self.rng, self.today
        amount = profile.amount(rng)
        due = issued + self.term
        plan = PlannedClaim(spec.code, amount, issued)
        if due >= today:  # not yet due: most still open, some paid early
            if rng.random() < 0.25:
                return replace(plan, paid=FULL, paid_on=self._day_between(issued, today))
            return plan
        overdue_days = (today - due).days
        first_reminder = due + timedelta(days=REMINDER_INTERVAL_DAYS)
        roll = rng.random()
        if roll < 0.62:  # paid in full: mostly on time, some late, some after a reminder
            if overdue_days > 21 and rng.random() < 0.2:
                paid_on = self._day_between(
                    first_reminder + timedelta(days=1), first_reminder + timedelta(days=30)
                )
                return replace(plan, reminder_dates=(first_reminder,), paid=FULL, paid_on=paid_on)
            if rng.random() < 0.8:
                return replace(plan, paid=FULL, paid_on=self._day_between(issued, due))
            paid_on = self._day_between(due + timedelta(days=1), due + timedelta(days=13))
            return replace(plan, paid=FULL, paid_on=paid_on)
        reminders: tuple[date, ...] = ()
        if overdue_days > REMINDER_INTERVAL_DAYS and rng.random() < 0.65:
            reminders = (first_reminder,)
            second = first_reminder + timedelta(days=2 * REMINDER_INTERVAL_DAYS)
            if second < today and rng.random() < 0.5:
                reminders += (second,)
        if roll < 0.72:  # partly paid
            share = rng.randint(20, 70)
            paid = max(100, amount * share // 100 // 100 * 100)  # whole euros / kroner
            start = (reminders[-1] if reminders else issued) + timedelta(days=1)
            return replace(
                plan,
                reminder_dates=reminders,
                paid=min(paid, amount - 100),
                paid_on=self._day_between(start, today),
            )
        handed_over = None
        if (
            reminders
            and overdue_days > 150
            and may_go_to_collector(self.rules, spec)
            and amount >= self.rules.minimum_collected_amount
            and rng.random() < 0.3
        ):
            last = reminders[-1]
            handed_over = self._day_between(last + timedelta(days=30), last + timedelta(days=120))
        return replace(plan, reminder_dates=reminders, handed_over_on=handed_over)

    def _day_between(self, first: date, last: date) -> date:
        """A random day from `first` to `last`, never after today."""
        last = min(last, self.today)
        if last <= first:
            return min(first, self.today)
        return first + timedelta(days=self.rng.randint(0, (last - first).days))
