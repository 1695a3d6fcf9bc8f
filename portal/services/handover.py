"""Hand-over to the external collector (issue 8): approve, run the batch, recall.

Who decides what:
- `handover_eligible` (portal/domain/handover.py) is the ONE rule: reminders run, notice
  sent, no hold, no open signal, DK minimum and not fortrinsberettiget, not handed over yet.
- The daily batch (limitation step) puts eligible claims on the caseworker's list as a
  `handover_check` work item. A caseworker approves a claim with `approve_handover`: the item
  is closed with outcome "handover_approved". Nothing goes to the collector without it.
- `run_handover` hands over every approved claim that is STILL eligible on the run day: one
  `HandoverRecord` per claim (it consumes its approval, unique), `Claim.handed_over_on`, a
  letter to the citizen, and one CSV file for the collector (portal/services/handover_file.py,
  docs/handover.md). Recalls not yet reported go into the same file as "recall" lines.
  A second run the same day finds no approval left and no claim eligible: it does nothing.
- `recall_claim` (staff, with a reason) ends the stay: the claim is back in normal collection.

The national id is decrypted only in `run_handover`, only into the file, and the export is
audited with the number of ids decrypted and who ran it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.documents.delivery import DeliveryFailed
from portal.documents.delivery import get_delivery_adapter
from portal.domain.handover import Eligibility
from portal.domain.handover import HandoverFacts
from portal.domain.handover import handover_eligible
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import localised_name
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.models import Letter
from portal.models import ReminderRecord
from portal.models import Signal
from portal.models import WorkItem
from portal.models.base import utcnow
from portal.models.handover import HandoverBatch
from portal.models.handover import HandoverRecord
from portal.services import audit
from portal.services import holds
from portal.services import work
from portal.services.audit import Actor
from portal.services.handover_file import FileLine
from portal.services.handover_file import claim_line
from portal.services.handover_file import display_reference
from portal.services.handover_file import recall_line
from portal.services.handover_file import write_handover_file
from portal.services.letters import create_letter
from portal.services.letters import deliver_letter

APPROVED = "handover_approved"
LETTER_KIND = "handover"
LETTER_TEMPLATE = "handover_letter.html"
SUBJECT = "claim"
MAX_REASON = 300


class HandoverError(ValueError):
    """Base of the named hand-over errors."""


class NotEligible(HandoverError):
    """The claim is not eligible for hand-over on that day (`eligibility.reasons` says why)."""

    def __init__(self, claim_id: int, eligibility: Eligibility) -> None:
        super().__init__(f"claim {claim_id} is not eligible: {list(eligibility.reasons)}")
        self.claim_id = claim_id
        self.eligibility = eligibility


class AlreadyApproved(HandoverError):
    """The claim was already approved and waits for the next hand-over run."""


class UnknownClaim(HandoverError, LookupError):
    """No claim (or no hand-over record) with this id."""


class NotHandedOver(HandoverError):
    """The claim is not with the collector (nothing to recall)."""


class ReasonRequired(HandoverError):
    """A recall needs a reason (1-300 characters)."""


@dataclass(frozen=True)
class HandoverRun:
    """What one run did; `batch` is None when there was nothing to hand over or recall."""

    batch: HandoverBatch | None
    handed_over: int = 0
    recalls: int = 0
    no_longer_eligible: int = 0
    letters: list[int] = field(default_factory=list)


# -- eligibility --------------------------------------------------------------------------


def claim_facts(session: Session, claims: Sequence[Claim], as_of: date) -> dict[int, HandoverFacts]:
    """The facts `handover_eligible` needs, for many claims with a few queries."""
    ids = [claim.id for claim in claims]
    if not ids:
        return {}
    notices = dict(
        session.execute(
            select(ReminderRecord.claim_id, func.max(ReminderRecord.sent_on))
            .where(ReminderRecord.claim_id.in_(ids), ReminderRecord.letter_id.is_not(None))
            .group_by(ReminderRecord.claim_id)
        ).all()
    )
    on_hold = {cid for cid, why in holds.active_hold_reasons(session, ids, as_of).items() if why}
    signalled = set(
        session.scalars(
            select(Signal.debtor_id).where(
                Signal.debtor_id.in_({claim.debtor_id for claim in claims}),
                Signal.state == "open",
            )
        )
    )
    preferential = dict(
        session.execute(
            select(ClaimType.id, ClaimType.preferential).where(
                ClaimType.id.in_({claim.claim_type_id for claim in claims})
            )
        ).all()
    )
    return {
        claim.id: HandoverFacts(
            balance=claim.balance,
            reminders_sent=claim.reminders_sent,
            prior_notice_sent_on=notices.get(claim.id),
            on_hold=claim.id in on_hold,
            open_signal=claim.debtor_id in signalled,
            handed_over=claim.handed_over_on is not None,
            cancelled=claim.cancelled_on is not None,
            preferential=bool(preferential.get(claim.claim_type_id)),
        )
        for claim in claims
    }


def eligibility_of(
    session: Session, rules: RulePack, claims: Sequence[Claim], as_of: date
) -> dict[int, Eligibility]:
    facts = claim_facts(session, claims, as_of)
    return {cid: handover_eligible(f, rules.code, as_of) for cid, f in facts.items()}


def _unused_approvals(session: Session) -> list[WorkItem]:
    used = select(HandoverRecord.approval_item_id)
    return list(
        session.scalars(
            select(WorkItem)
            .where(
                WorkItem.kind == work.HANDOVER_CHECK,
                WorkItem.subject_type == SUBJECT,
                WorkItem.state == "done",
                WorkItem.outcome == APPROVED,
                WorkItem.id.not_in(used),
            )
            .order_by(WorkItem.subject_id, WorkItem.id)
        )
    )


def pending_approvals(session: Session) -> list[WorkItem]:
    """Approved claims that wait for the next hand-over run."""
    return _unused_approvals(session)


def approve_handover(
    session: Session,
    rules: RulePack,
    claim_id: int,
    *,
    staff_user_id: int,
    as_of: date,
    now: datetime,
) -> WorkItem:
    """A caseworker confirms the claim goes to the collector with the next run.

    Raises UnknownClaim, NotEligible (with the reasons), or AlreadyApproved.
    """
    claim = session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())
    if claim is None:
        raise UnknownClaim(f"no claim {claim_id}")
    if any(item.subject_id == claim_id for item in _unused_approvals(session)):
        raise AlreadyApproved(f"claim {claim_id} is already approved")
    eligibility = eligibility_of(session, rules, [claim], as_of)[claim.id]
    if not eligibility.eligible:
        raise NotEligible(claim.id, eligibility)
    item = work.open_work_item(
        session,
        work.HANDOVER_CHECK,
        SUBJECT,
        claim.id,
        debtor_id=claim.debtor_id,
        department_id=claim.department_id,
        now=now,
    )
    work.close_work_item(session, item, outcome=APPROVED, staff_user_id=staff_user_id, now=now)
    session.flush()
    return item


# -- the batch ----------------------------------------------------------------------------


def handover_folder(config: Config) -> Path:
    return config.effective_data_dir / "handover"


def batch_file(config: Config, batch: HandoverBatch) -> Path:
    """Where the batch's CSV is. The name comes from the database, never from a request."""
    return handover_folder(config) / Path(batch.file_name).name


def _collector_name(rules: RulePack) -> str:
    return localised_name(rules.collector_names, rules.default_locale) or ""


def run_handover(
    session: Session,
    rules: RulePack,
    *,
    as_of: date,
    staff_user_id: int | None = None,
    config: Config | None = None,
) -> HandoverRun:
    """Hand over every approved, still eligible claim and report pending recalls in one file.

    Does not commit; the letters are stored, and delivered by `deliver_handover_letters`
    after the caller's commit.
    """
    config = config or current_app.config["SALDO"]
    approvals = {item.subject_id: item for item in _unused_approvals(session)}
    claims = list(
        session.scalars(
            select(Claim).where(Claim.id.in_(list(approvals))).order_by(Claim.id).with_for_update()
        )
    )
    verdicts = eligibility_of(session, rules, claims, as_of)
    ready = [claim for claim in claims if verdicts[claim.id].eligible]
    recalls = list(
        session.scalars(
            select(HandoverRecord)
            .where(
                HandoverRecord.recalled_at.is_not(None),
                HandoverRecord.recall_batch_id.is_(None),
            )
            .order_by(HandoverRecord.id)
        )
    )
    skipped = len(claims) - len(ready)
    if not ready and not recalls:
        return HandoverRun(batch=None, no_longer_eligible=skipped)

    actor = Actor.staff(staff_user_id) if staff_user_id is not None else Actor.system()
    collector = _collector_name(rules)
    batch = HandoverBatch(
        run_on=as_of,
        file_name=f"handover-{as_of.isoformat()}-{utcnow():%H%M%S%f}.csv",
        claim_count=len(ready),
        recall_count=len(recalls),
        total=sum(claim.balance for claim in ready),
        currency=rules.currency,
        created_by_id=staff_user_id,
    )
    session.add(batch)
    session.flush()
    lines: list[FileLine] = []
    letters: list[int] = []
    for claim in ready:
        record = HandoverRecord(
            claim_id=claim.id,
            batch_id=batch.id,
            approval_item_id=approvals[claim.id].id,
            collector_name=collector,
            status="handed_over",
            amount=claim.balance,
            currency=claim.currency,
            reported_paid=0,
            handed_over_on=as_of,
        )
        session.add(record)
        claim.handed_over_on = as_of
        lines.append(claim_line(session, config, rules, claim))
        letters.append(_letter(session, config, rules, claim, collector, as_of).id)
        audit.record(
            session,
            actor,
            "claim.handed_over",
            object_type="claim",
            object_id=claim.id,
            debtor_id=claim.debtor_id,
            batch_id=batch.id,
            amount=claim.balance,
        )
    for record in recalls:
        record.recall_batch_id = batch.id
        lines.append(recall_line(session, rules, record))
    session.flush()
    write_handover_file(batch_file(config, batch), lines)
    audit.record(
        session,
        actor,
        "handover.exported",
        object_type="handover_batch",
        object_id=batch.id,
        claims=len(ready),
        recalls=len(recalls),
        # Who decrypted: the actor above; how many national ids left the database in clear.
        national_ids_decrypted=sum(1 for line in lines if line.decrypted_id),
    )
    session.flush()
    return HandoverRun(
        batch=batch,
        handed_over=len(ready),
        recalls=len(recalls),
        no_longer_eligible=skipped,
        letters=letters,
    )


def _letter(
    session: Session,
    config: Config,
    rules: RulePack,
    claim: Claim,
    collector: str,
    as_of: date,
) -> Letter:
    debtor = session.get(Debtor, claim.debtor_id)
    locale = (debtor.preferred_locale if debtor else None) or rules.default_locale
    collector_name = localised_name(rules.collector_names, locale) or collector
    return create_letter(
        session,
        debtor_id=claim.debtor_id,
        kind=LETTER_KIND,
        template=LETTER_TEMPLATE,
        context={
            "claim": claim,
            "reference": display_reference(rules, claim),
            "amount": claim.balance,
            "currency": claim.currency,
            "collector_name": collector_name,
            "collector_contact": config.collector_contact,
        },
        locale=locale,
        claim_id=claim.id,
        letter_date=as_of,
    )


def deliver_handover_letters(session: Session, *, now: datetime) -> dict[str, int]:
    """Deliver stored hand-over letters not delivered yet (after the run's commit)."""
    adapter = get_delivery_adapter(current_app.config["SALDO"])
    counts = {"delivered": 0, "failed": 0}
    for letter in session.scalars(
        select(Letter)
        .where(Letter.kind == LETTER_KIND, Letter.delivered_at.is_(None))
        .order_by(Letter.id)
    ):
        try:
            deliver_letter(session, letter, adapter, now=now)
            counts["delivered"] += 1
        except DeliveryFailed:
            counts["failed"] += 1
    return counts


def record_download(session: Session, batch_id: int, *, staff_user_id: int) -> HandoverBatch:
    """Audit that a staff member downloaded a hand-over file (it holds national ids)."""
    batch = session.get(HandoverBatch, batch_id)
    if batch is None:
        raise UnknownClaim(f"no hand-over batch {batch_id}")
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "handover.downloaded",
        object_type="handover_batch",
        object_id=batch.id,
    )
    session.flush()
    return batch


# -- recall -------------------------------------------------------------------------------


def active_record(session: Session, claim_id: int) -> HandoverRecord | None:
    """The claim's current stay with the collector, if any."""
    return session.scalar(
        select(HandoverRecord).where(
            HandoverRecord.claim_id == claim_id, HandoverRecord.recalled_at.is_(None)
        )
    )


def recall_claim(
    session: Session, claim_id: int, *, staff_user_id: int, reason: str, now: datetime
) -> HandoverRecord:
    """Take the claim back from the collector: it returns to normal collection. Audited.

    Raises ReasonRequired, UnknownClaim or NotHandedOver.
    """
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ReasonRequired("a recall needs a reason of 1-300 characters")
    claim = session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())
    if claim is None:
        raise UnknownClaim(f"no claim {claim_id}")
    record = active_record(session, claim_id)
    if record is None:
        raise NotHandedOver(f"claim {claim_id} is not with the collector")
    record.recalled_at = now
    record.recalled_by_id = staff_user_id
    record.recall_reason = reason
    record.status = "recalled"
    claim.handed_over_on = None
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "claim.recalled_from_collector",
        object_type="claim",
        object_id=claim.id,
        debtor_id=claim.debtor_id,
        handover_record_id=record.id,
    )
    session.flush()
    return record
