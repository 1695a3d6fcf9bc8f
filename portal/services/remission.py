"""Remission applications: what every remission service shares — the named errors, the
policy, and the queries for an application and its bills.

The use cases live beside it: remission_precheck.py (who may apply, which bills),
remission_wizard.py (start, save a step, preview), remission_submission.py (submit, withdraw),
remission_decisions.py (the caseworker's decisions), remission_closing.py (what every ending
does: ledger, holds, work), remission_batch.py (dropouts, letter delivery),
remission_evidence.py (files) and remission_letters.py. Services flush, never commit.

Typical use (a view):

    check = precheck(session, rules, debtor_id=..., as_of=today)
    application = start_application(session, rules, debtor_id=..., claim_ids=check.eligible_ids,
                                    submission_key=form_key, actor=actor, now=now)
    save_step(session, application, "household", {"adults": 1, "children_ages": ()}, ...)
    ...
    submit_application(session, rules, application, actor=actor, now=now, as_of=today)
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.remission import EligibleClaim
from portal.domain.remission_states import OPEN_STATES
from portal.domain.rules.base import RulePack
from portal.domain.rules.remission_norms import RemissionPolicy
from portal.domain.rules.remission_norms import remission_policy
from portal.models import Claim
from portal.models import RemissionApplication

SUBJECT_TYPE = "remission_application"
#: the open states as stored (a draft, or waiting for a decision or for evidence)
OPEN_STATE_VALUES = tuple(s.value for s in OPEN_STATES)


class RemissionError(Exception):
    """Base of the named errors a view turns into a message."""


class NotEligible(RemissionError):
    """The citizen cannot apply (a business, no bills that qualify, already applied)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not eligible: {reason}")
        self.reason = reason


class ClaimsNotAllowed(RemissionError):
    """A claim id that is not the citizen's, or a bill that does not qualify."""


class NoSuchApplication(RemissionError):
    """No application with this id for this debtor (a view answers 404)."""


class ApplicationNotEditable(RemissionError):
    """The application is past the draft stage, or otherwise closed."""


class IncompleteApplication(RemissionError):
    """A step is missing; `step` names the first one."""

    def __init__(self, step: str) -> None:
        super().__init__(f"incomplete application: {step}")
        self.step = step


class ConsentRequired(RemissionError):
    """The consent box was not ticked."""


class StaleDecision(Exception):
    """The application changed since the form was shown; nothing was changed."""


def policy_for(rules: RulePack) -> RemissionPolicy:
    return remission_policy(rules.code)


def open_application(session: Session, debtor_id: int) -> RemissionApplication | None:
    """The debtor's application that is still open (a draft or waiting for a decision)."""
    return session.scalar(
        select(RemissionApplication)
        .where(
            RemissionApplication.debtor_id == debtor_id,
            RemissionApplication.state.in_(OPEN_STATE_VALUES),
        )
        .order_by(RemissionApplication.id.desc())
        .limit(1)
    )


def latest_application(session: Session, debtor_id: int) -> RemissionApplication | None:
    return session.scalar(
        select(RemissionApplication)
        .where(RemissionApplication.debtor_id == debtor_id)
        .order_by(RemissionApplication.id.desc())
        .limit(1)
    )


def get_application(
    session: Session, application_id: int, *, debtor_id: int | None = None
) -> RemissionApplication:
    """The application; with `debtor_id`, only when it is that debtor's (else NoSuchApplication)."""
    application = session.get(RemissionApplication, application_id)
    if application is None or (debtor_id is not None and application.debtor_id != debtor_id):
        raise NoSuchApplication(f"no remission application {application_id}")
    return application


def eligible_claims(session: Session, application: RemissionApplication) -> list[EligibleClaim]:
    """The applied-for claims at their current balance (a payment since lowers it)."""
    result = []
    for item in application.claims:
        claim = session.get(Claim, item.claim_id)
        balance = claim.balance if claim is not None else 0
        result.append(EligibleClaim(item.claim_id, min(balance, item.amount_at_application)))
    return result


def claims_of(session: Session, application: RemissionApplication) -> Sequence[Claim]:
    ids = [item.claim_id for item in application.claims]
    return list(session.scalars(select(Claim).where(Claim.id.in_(ids)).order_by(Claim.id)))
