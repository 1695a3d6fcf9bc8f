"""Limitation and hand-over lists (a batch step) and the supervisor's write-off decision.

The step opens, for every open claim of the pack:
- a `write_off_proposal` work item when the claim is time-barred on the batch day
  (`domain.limitation.time_barred`; the period restarts at the last payment, which is an
  acknowledgement, [FL] § 15); nothing is written off here, a supervisor decides;
- otherwise a `handover_check` work item when `domain.handover.handover_eligible` says yes
  (reminders run, written notice sent — the last reminder letter names the next step — no
  hold, no open signal, DK ≥ 100 kr and not fortrinsberettiget).
At most one open item per kind and claim (the work_item table enforces it), so a second run
opens nothing new.

`write_off_claim` / `keep_claim`: the supervisor's decision on a proposal. Writing off books
one `write_off` ledger entry per component still open, audits it and closes the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.handover import HandoverFacts
from portal.domain.handover import handover_eligible
from portal.domain.limitation import limitation_date
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import ClaimType
from portal.models import LedgerEntry
from portal.models import ReminderRecord
from portal.models import Signal
from portal.models import WorkItem
from portal.models.base import utcnow
from portal.services import audit
from portal.services import holds
from portal.services import work
from portal.services.audit import Actor
from portal.services.ledger import append_entry

CHUNK = 500
SUBJECT = "claim"
COMPONENTS = ("fee", "interest", "principal")


class NotAWriteOffProposal(LookupError):
    """No write-off proposal with this id."""


def last_payments(session: Session, claim_ids: Sequence[int]) -> dict[int, date]:
    """The last day a payment was booked on each claim (an acknowledgement: it interrupts)."""
    return dict(
        session.execute(
            select(LedgerEntry.claim_id, func.max(LedgerEntry.effective_date))
            .where(LedgerEntry.claim_id.in_(claim_ids), LedgerEntry.cause == "payment")
            .group_by(LedgerEntry.claim_id)
        ).all()
    )


def claim_limitation_date(
    rules: RulePack, legal_basis: str, due_date: date, last_payment: date | None
) -> date:
    """First day the claim is time-barred (shown on the write-off page)."""
    interruptions = [last_payment] if last_payment is not None else []
    return limitation_date(rules.code, LegalBasis(legal_basis), due_date, interruptions)


def run_limitation_checks(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Open write-off proposals and hand-over checks due on `as_of`; returns how many new."""
    counts = {"checked": 0, "write_off_proposals": 0, "handover_checks": 0}
    balance = Claim.principal_due + Claim.fee_due + Claim.interest_due
    rows = session.execute(
        select(
            Claim.id,
            Claim.debtor_id,
            Claim.department_id,
            Claim.due_date,
            balance,
            Claim.reminders_sent,
            ClaimType.legal_basis,
            ClaimType.preferential,
        )
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            Claim.currency == rules.currency,
            ClaimType.code.in_([spec.code for spec in rules.claim_types]),
            balance > 0,
            Claim.due_date < as_of,
        )
        .order_by(Claim.id)
    ).all()
    counts["checked"] = len(rows)
    for start in range(0, len(rows), CHUNK):
        _check_chunk(session, rules, rows[start : start + CHUNK], as_of, counts)
    session.flush()
    return counts


def _check_chunk(
    session: Session,
    rules: RulePack,
    rows: Sequence[tuple[int, int, int, date, int, int, str, bool]],
    as_of: date,
    counts: dict[str, int],
) -> None:
    ids = [row[0] for row in rows]
    payments = last_payments(session, ids)
    notices = dict(
        session.execute(
            select(ReminderRecord.claim_id, func.max(ReminderRecord.sent_on))
            .where(ReminderRecord.claim_id.in_(ids), ReminderRecord.letter_id.is_not(None))
            .group_by(ReminderRecord.claim_id)
        ).all()
    )
    on_hold = {
        cid for cid, reasons in holds.active_hold_reasons(session, ids, as_of).items() if reasons
    }
    debtors = {row[1] for row in rows}
    signalled = set(
        session.scalars(
            select(Signal.debtor_id).where(Signal.debtor_id.in_(debtors), Signal.state == "open")
        )
    )
    already = {
        (kind, subject_id)
        for kind, subject_id in session.execute(
            select(WorkItem.kind, WorkItem.subject_id).where(
                WorkItem.subject_type == SUBJECT,
                WorkItem.subject_id.in_(ids),
                WorkItem.state == "open",
            )
        )
    }
    now = utcnow()
    for claim_id, debtor_id, department_id, due, owed, sent, basis, preferential in rows:
        barred = as_of >= claim_limitation_date(rules, basis, due, payments.get(claim_id))
        if barred:
            kind = work.WRITE_OFF_PROPOSAL
        else:
            facts = HandoverFacts(
                balance=owed,
                reminders_sent=sent,
                prior_notice_sent_on=notices.get(claim_id),
                on_hold=claim_id in on_hold,
                open_signal=debtor_id in signalled,
                preferential=preferential,
            )
            if not handover_eligible(facts, rules.code, as_of).eligible:
                continue
            kind = work.HANDOVER_CHECK
        if (kind, claim_id) in already:
            continue
        work.open_work_item(
            session,
            kind,
            SUBJECT,
            claim_id,
            debtor_id=debtor_id,
            department_id=department_id,
            now=now,
        )
        counts["write_off_proposals" if barred else "handover_checks"] += 1


def _open_proposal(session: Session, item_id: int) -> tuple[WorkItem, Claim]:
    item = session.scalar(select(WorkItem).where(WorkItem.id == item_id).with_for_update())
    if item is None or item.kind != work.WRITE_OFF_PROPOSAL or item.subject_type != SUBJECT:
        raise NotAWriteOffProposal(f"no write-off proposal {item_id}")
    if item.state != "open":
        raise work.WorkItemNotOpen(f"work item {item.id} is {item.state}")
    claim = session.scalar(select(Claim).where(Claim.id == item.subject_id).with_for_update())
    if claim is None:  # pragma: no cover - the item was opened for an existing claim
        raise NotAWriteOffProposal(f"no claim for work item {item_id}")
    return item, claim


def write_off_claim(
    session: Session, item_id: int, *, staff_user_id: int, on: date, now: datetime
) -> WorkItem:
    """Write off everything still open on the proposal's claim and close the proposal.

    Raises NotAWriteOffProposal, or work.WorkItemNotOpen when someone already decided.
    """
    item, claim = _open_proposal(session, item_id)
    written: dict[str, int] = {}
    for component in COMPONENTS:
        owed = getattr(claim, f"{component}_due")
        if owed > 0:
            append_entry(
                session,
                claim,
                component=component,
                amount=-owed,
                cause="write_off",
                effective_date=on,
                staff_user_id=staff_user_id,
                source=f"work_item:{item.id}",
            )
            written[component] = owed
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "claim.written_off",
        object_type="claim",
        object_id=claim.id,
        debtor_id=claim.debtor_id,
        work_item_id=item.id,
        reason="time_barred",
        **{f"{component}_amount": amount for component, amount in written.items()},
    )
    work.close_work_item(session, item, outcome="written_off", staff_user_id=staff_user_id, now=now)
    session.flush()
    return item


def keep_claim(session: Session, item_id: int, *, staff_user_id: int, now: datetime) -> WorkItem:
    """Close the proposal without writing off (e.g. the limitation was interrupted)."""
    item, claim = _open_proposal(session, item_id)
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "claim.write_off_declined",
        object_type="claim",
        object_id=claim.id,
        debtor_id=claim.debtor_id,
        work_item_id=item.id,
    )
    work.close_work_item(session, item, outcome="kept", staff_user_id=staff_user_id, now=now)
    session.flush()
    return item
