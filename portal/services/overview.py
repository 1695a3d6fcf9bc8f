"""What a citizen owes, as one read-only picture: the overview page and the claim page.

A context builder (style.md "thin views"): it loads a debtor's claims in a fixed, small
number of queries, derives each claim's status from ledger + holds (decisions.md: the
status is derived, never stored), and returns frozen values the templates render.
Queries (services/overview_queries.py): claims with type and department (1); holds, pending
online payments, how settled claims were settled and the credit, together (2). Never one per
claim.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.references import InvalidReference
from portal.domain.references import ReferenceScheme
from portal.domain.references import display
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import localised_name
from portal.domain.status import SETTLED_BY_STATUS
from portal.domain.status import CitizenStatus
from portal.domain.status import ClaimFacts
from portal.domain.status import derive_status
from portal.domain.status import is_actionable
from portal.models import LedgerEntry
from portal.services import overview_queries as queries
from portal.services.holds import active_hold_reasons
from portal.services.online_payments import pending_claim_ids

#: Settled bills stay visible (collapsed) this long, so a citizen sees their payment landed.
PAID_VISIBLE_DAYS = 365

#: Statuses of a claim that is no longer owed: shown under "Paid bills", not in the total.
CLOSED_STATUSES = frozenset(
    {
        CitizenStatus.PAID,
        CitizenStatus.REMITTED,
        CitizenStatus.WRITTEN_OFF,
        CitizenStatus.CANCELLED,
    }
)


def _localised(names: Mapping[str, str], locale: str, fallback: str) -> str:
    return str(localised_name(names, locale) or fallback)


@dataclass(frozen=True)
class ClaimCard:
    """One claim as a citizen sees it. Names are per locale; the template picks one."""

    claim_id: int
    reference_display: str
    claim_type_code: str
    claim_type_names: Mapping[str, str]
    department_code: str
    department_names: Mapping[str, str]
    description: str
    currency: str
    #: the balance: principal + fee + interest still open
    amount_due_now: int
    original_amount: int
    principal_due: int
    fee_due: int
    interest_due: int
    issue_date: date
    due_date: date
    status: CitizenStatus
    #: may the citizen pay or propose a plan for it now?
    actionable: bool
    hold_reasons: frozenset[str]
    #: who to contact, when the claim is with the external collector
    collector_names: Mapping[str, str] | None = None
    #: with the collector, and the rule pack keeps such claims out of our plans
    collector_read_only: bool = False
    #: when it was paid, waived, written off or cancelled
    settled_on: date | None = None

    def type_name(self, locale: str) -> str:
        return _localised(self.claim_type_names, locale, self.claim_type_code)

    def department_name(self, locale: str) -> str:
        return _localised(self.department_names, locale, self.department_code)

    def collector_name(self, locale: str) -> str:
        return _localised(self.collector_names or {}, locale, "")

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


@dataclass(frozen=True)
class DepartmentGroup:
    department_code: str
    department_names: Mapping[str, str]
    cards: tuple[ClaimCard, ...]
    subtotal: int

    def name(self, locale: str) -> str:
        return _localised(self.department_names, locale, self.department_code)


@dataclass(frozen=True)
class Overview:
    total_owed: int
    currency: str
    #: the bill to pay first: the earliest due date among bills the citizen can pay now
    next_due: ClaimCard | None
    groups: tuple[DepartmentGroup, ...]
    #: settled in the last 12 months (shown collapsed)
    paid_recently: tuple[ClaimCard, ...]
    #: money received beyond what was owed (0 when logged in with a letter code)
    credit_balance: int
    has_collector_claims: bool
    #: logged in with a letter's code: only that letter's bills are shown
    scoped: bool
    #: what the page's side panels need first (overview_queries.FACTS): open bills paid by
    #: direct debit, whether the proactive offer shows, whether a plan is open
    direct_debit_claim_ids: frozenset[int] = frozenset()
    offer_open: bool = False
    has_open_plan: bool = False

    @property
    def open_count(self) -> int:
        return sum(len(group.cards) for group in self.groups)


@dataclass(frozen=True)
class HistoryLine:
    """One event on a claim in plain words; `kind` is a ledger cause, `amount` signed."""

    date: date
    kind: str
    amount: int
    #: what was owed on the claim after this line
    running_balance: int


@dataclass(frozen=True)
class ClaimDetail:
    card: ClaimCard
    history: tuple[HistoryLine, ...]


# -- building cards ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _reference(scheme: ReferenceScheme, reference: str | None) -> str:
    """How a reference is shown (grouped for reading aloud); memoised: a pure function of two
    strings, and the overview shows every reference of the debtor on each visit."""
    if not reference:
        return ""
    try:
        return display(scheme, reference)
    except InvalidReference:
        # A reference made under another scheme (e.g. data migrated in): show it as stored.
        return reference


def _card(
    rules: RulePack,
    claim: Row[Any],
    *,
    hold_reasons: frozenset[str],
    last_reduction: tuple[str, date] | None,
    as_of: date,
    payment_pending: bool = False,
) -> ClaimCard:
    """One card from a row of `overview_queries.CLAIMS` (its labels are Claim's attributes)."""
    balance = claim.principal_due + claim.fee_due + claim.interest_due
    settled_by: str | None = None
    settled_on: date | None = None
    if balance == 0 and last_reduction is not None:
        cause, settled_on = last_reduction
        # Corrections and cancellations are not "settled by"; they fall back to paid / cancelled.
        settled_by = cause if cause in SETTLED_BY_STATUS else None
    if claim.cancelled_on is not None:
        settled_on = claim.cancelled_on
    status = derive_status(
        ClaimFacts(
            balance=balance,
            due_date=claim.due_date,
            reminders_sent=claim.reminders_sent,
            hold_reasons=hold_reasons,
            in_active_plan="plan" in hold_reasons,
            handed_over=claim.handed_over_on is not None,
            cancelled=claim.cancelled_on is not None,
            settled_by=settled_by,
            payment_pending=payment_pending,
        ),
        as_of,
    )
    with_collector = status is CitizenStatus.WITH_COLLECTOR
    return ClaimCard(
        claim_id=claim.id,
        reference_display=_reference(rules.reference_scheme, claim.reference),
        claim_type_code=claim.type_code,
        claim_type_names=claim.type_names,
        department_code=claim.department_code,
        department_names=claim.department_names,
        description=claim.description,
        currency=claim.currency,
        amount_due_now=balance,
        original_amount=claim.original_amount,
        principal_due=claim.principal_due,
        fee_due=claim.fee_due,
        interest_due=claim.interest_due,
        issue_date=claim.issue_date,
        due_date=claim.due_date,
        status=status,
        actionable=is_actionable(status),
        hold_reasons=hold_reasons,
        collector_names=rules.collector_names if with_collector else None,
        collector_read_only=with_collector and rules.collector_claims_read_only,
        settled_on=settled_on if status in CLOSED_STATUSES else None,
    )


def _load_cards(
    session: Session,
    rules: RulePack,
    *,
    debtor_id: int,
    claim_scope: frozenset[int] | None,
    as_of: date,
    now: datetime | None,
) -> tuple[list[ClaimCard], queries.ClaimFactsOfDebtor]:
    """The debtor's cards and facts: two statements whatever the number of claims."""
    rows = queries.claim_rows(session, debtor_id, claim_scope)
    facts = queries.claim_facts(session, debtor_id, as_of=as_of, now=now, currency=rules.currency)
    cards = [
        _card(
            rules,
            row,
            hold_reasons=frozenset(facts.hold_reasons.get(row.id, ())),
            last_reduction=facts.last_reduction.get(row.id),
            as_of=as_of,
            payment_pending=row.id in facts.pending,
        )
        for row in rows
    ]
    return cards, facts


def _group(cards: list[ClaimCard], rules: RulePack) -> tuple[DepartmentGroup, ...]:
    order = {spec.code: index for index, spec in enumerate(rules.departments)}
    by_department: dict[str, list[ClaimCard]] = {}
    for card in cards:
        by_department.setdefault(card.department_code, []).append(card)
    codes = sorted(by_department, key=lambda code: (order.get(code, len(order)), code))
    return tuple(
        DepartmentGroup(
            department_code=code,
            department_names=by_department[code][0].department_names,
            cards=tuple(by_department[code]),
            subtotal=sum(card.amount_due_now for card in by_department[code]),
        )
        for code in codes
    )


def build_overview(
    session: Session,
    rules: RulePack,
    *,
    debtor_id: int,
    claim_scope: frozenset[int] | None,
    as_of: date,
    now: datetime | None = None,
) -> Overview:
    """Everything the overview page shows, for one debtor (or one letter's claims) on `as_of`."""
    cards, facts = _load_cards(
        session, rules, debtor_id=debtor_id, claim_scope=claim_scope, as_of=as_of, now=now
    )
    open_cards = [card for card in cards if not card.is_closed]
    since = as_of - timedelta(days=PAID_VISIBLE_DAYS)
    paid = sorted(
        (c for c in cards if c.is_closed and (c.settled_on is None or c.settled_on >= since)),
        key=lambda c: (c.settled_on or c.due_date, c.claim_id),
        reverse=True,
    )
    payable = [card for card in open_cards if card.actionable]
    next_due = min(payable, key=lambda c: (c.due_date, c.claim_id)) if payable else None
    return Overview(
        total_owed=sum(card.amount_due_now for card in open_cards),
        currency=rules.currency,
        next_due=next_due,
        groups=_group(open_cards, rules),
        paid_recently=tuple(paid),
        # A letter code opens that letter's bills only; the debtor's credit is not one of them.
        credit_balance=facts.credit if claim_scope is None else 0,
        has_collector_claims=any(c.status is CitizenStatus.WITH_COLLECTOR for c in open_cards),
        scoped=claim_scope is not None,
        direct_debit_claim_ids=frozenset(facts.direct_debit),
        offer_open=facts.offer_open,
        has_open_plan=facts.has_open_plan,
    )


def _history(entries: Iterable[LedgerEntry]) -> tuple[HistoryLine, ...]:
    """Ledger entries in date order; entries of one event (a payment spread over fee, interest
    and principal) become one line, so the citizen reads one payment as one payment."""
    lines: list[HistoryLine] = []
    balance = 0
    key: tuple[date, str, int | None, str | None] | None = None
    for entry in sorted(entries, key=lambda e: (e.effective_date, e.id)):
        balance += entry.amount
        entry_key = (entry.effective_date, entry.cause, entry.payment_id, entry.source)
        if lines and entry_key == key:
            previous = lines[-1]
            lines[-1] = HistoryLine(
                previous.date, previous.kind, previous.amount + entry.amount, balance
            )
        else:
            lines.append(HistoryLine(entry.effective_date, entry.cause, entry.amount, balance))
        key = entry_key
    return tuple(lines)


def build_claim_detail(
    session: Session,
    rules: RulePack,
    *,
    debtor_id: int,
    claim_scope: frozenset[int] | None,
    claim_id: int,
    as_of: date,
    now: datetime | None = None,
) -> ClaimDetail | None:
    """One claim with its history, or None when it is not this debtor's or not in scope.

    The caller turns None into 404 (never 403), so nobody can learn which ids exist.
    """
    if claim_scope is not None and claim_id not in claim_scope:
        return None
    row = queries.one_claim_row(session, debtor_id, claim_id)
    if row is None:
        return None
    entries = list(
        session.scalars(
            select(LedgerEntry).where(LedgerEntry.claim_id == row.id).order_by(LedgerEntry.id)
        )
    )
    negative = [entry for entry in entries if entry.amount < 0]
    last_reduction = (negative[-1].cause, negative[-1].effective_date) if negative else None
    card = _card(
        rules,
        row,
        hold_reasons=active_hold_reasons(session, [row.id], as_of).get(row.id, frozenset()),
        last_reduction=last_reduction,
        as_of=as_of,
        payment_pending=now is not None and row.id in pending_claim_ids(session, debtor_id, now),
    )
    return ClaimDetail(card=card, history=_history(entries))
