"""Direct debit mandates (issue 8): sign up a plan for SEPA Core collection, revoke it.

A mandate is signed by the citizen on /direct-debit: IBAN (checksum and SEPA zone, with
schwifty), account holder, the consent text agreed, signature date = today. Signing makes a
pre-notification letter listing the debits to come, so the 14-day notice (SEPA Core) is met
for every installment due 14 or more days after signing; earlier ones are paid as before.
Services never commit; the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import schwifty
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.direct_debit import mandate_reference
from portal.domain.direct_debit import prenotified_in_time
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import DirectDebitCollection
from portal.models import Mandate
from portal.models import Plan
from portal.models import PlanInstallment
from portal.services import audit
from portal.services.audit import Actor
from portal.services.letters import create_letter
from portal.services.plans import letter_locale

#: the version of the consent text shown on the sign-up page (bump it when the text changes)
CONSENT_VERSION = "sepa-core-1"
MANDATE_PREFIX = "SALDO-M"


class MandateRefused(ValueError):
    """`code`: invalid_iban, not_sepa, no_holder, no_consent, not_eur, plan_not_found,
    plan_not_active, already_signed_up, not_found, not_active; claim types (issue 8):
    type_not_allowed, no_claims_of_type; staff: bad_reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class MandateInput:
    iban: str
    account_holder: str
    consent: bool


def validate_sepa_iban(text: str) -> tuple[str, str | None]:
    """The compact IBAN and its BIC when the bank registry knows it. Raises MandateRefused
    invalid_iban (format or checksum) or not_sepa (a country outside the SEPA zone)."""
    try:
        iban = schwifty.IBAN(text or "")
    except ValueError:
        raise MandateRefused("invalid_iban") from None
    if not iban.in_sepa_zone:
        raise MandateRefused("not_sepa")
    try:
        bic = str(iban.bic) if iban.bic else None
    except ValueError:  # pragma: no cover - an unknown bank code
        bic = None
    return iban.compact, bic


def active_mandate_for_plan(session: Session, plan_id: int) -> Mandate | None:
    return session.scalar(
        select(Mandate).where(Mandate.plan_id == plan_id, Mandate.state == "active")
    )


def mandates_of(session: Session, debtor_id: int) -> list[Mandate]:
    """The debtor's mandates, newest first."""
    return list(
        session.scalars(
            select(Mandate).where(Mandate.debtor_id == debtor_id).order_by(Mandate.id.desc())
        )
    )


def upcoming_debits(plan: Plan, mandate: Mandate, *, after: date) -> list[PlanInstallment]:
    """Installments still open that this mandate may collect (pre-notified in time)."""
    return [
        i
        for i in plan.installments
        if i.state == "due"
        and i.outstanding > 0
        and i.due_date > after
        and prenotified_in_time(i.due_date, prenotified_on=mandate.prenotified_on)
    ]


def sign_mandate(
    session: Session,
    rules: RulePack,
    config: Config,
    *,
    debtor_id: int,
    plan_id: int,
    data: MandateInput,
    today: date,
    actor: Actor,
) -> Mandate:
    """Sign a SEPA Core mandate for the debtor's active plan and make the pre-notification
    letter. Raises MandateRefused; nothing is stored then."""
    if rules.currency != "EUR":
        raise MandateRefused("not_eur")
    plan = session.get(Plan, plan_id)
    if plan is None or plan.debtor_id != debtor_id:
        raise MandateRefused("plan_not_found")
    if plan.state != PlanState.ACTIVE.value:
        raise MandateRefused("plan_not_active")
    iban, bic = validate_sepa_iban(data.iban)
    holder = " ".join((data.account_holder or "").split())
    if not holder or len(holder) > 70:
        raise MandateRefused("no_holder")
    if not data.consent:
        raise MandateRefused("no_consent")
    if active_mandate_for_plan(session, plan.id) is not None:
        raise MandateRefused("already_signed_up")
    serial = 1 + (
        session.scalar(select(func.count()).select_from(Mandate).where(Mandate.plan_id == plan.id))
        or 0
    )
    mandate = Mandate(
        debtor_id=debtor_id,
        plan_id=plan.id,
        reference=mandate_reference(
            prefix=MANDATE_PREFIX, debtor_id=debtor_id, plan_id=plan.id, serial=serial
        ),
        creditor_id=config.sepa_creditor_id,
        iban=iban,
        bic=bic,
        account_holder=holder,
        currency=plan.currency,
        signed_on=today,
        consent_version=CONSENT_VERSION,
        state="active",
        prenotified_on=today,
        acting_staff_id=actor.staff_user_id,
    )
    try:
        with session.begin_nested():
            session.add(mandate)
            session.flush()
    except IntegrityError:
        # A second click won the race (the partial unique index on active mandates).
        raise MandateRefused("already_signed_up") from None
    letter = create_letter(
        session,
        debtor_id=debtor_id,
        kind="direct_debit_prenotification",
        template="direct_debit_prenotification_letter.html",
        context={
            "mandate": mandate,
            "plan": plan,
            "debits": upcoming_debits(plan, mandate, after=today),
            "currency": plan.currency,
            "iban_end": iban[-4:],
        },
        locale=letter_locale(session, rules, debtor_id),
        letter_date=today,
    )
    mandate.prenotification_letter_id = letter.id
    audit.record(
        session,
        actor,
        "direct_debit.mandate_signed",
        object_type="direct_debit_mandate",
        object_id=mandate.id,
        debtor_id=debtor_id,
        plan_id=plan.id,
    )
    return mandate


def revoke_mandate(
    session: Session, *, debtor_id: int, mandate_id: int, today: date, actor: Actor
) -> Mandate:
    """The citizen stops the direct debit. Debits already in a file may still arrive; the
    citizen can ask the bank for them back (SEPA Core: 8 weeks, no questions asked)."""
    mandate = session.get(Mandate, mandate_id)
    if mandate is None or mandate.debtor_id != debtor_id:
        raise MandateRefused("not_found")
    if mandate.state != "active":
        raise MandateRefused("not_active")
    end_mandate(session, mandate, reason="revoked", on=today, actor=actor)
    return mandate


def end_mandate(session: Session, mandate: Mandate, *, reason: str, on: date, actor: Actor) -> None:
    mandate.state = "revoked" if reason == "revoked" else "ended"
    mandate.end_reason = reason
    mandate.ended_on = on
    session.flush()
    audit.record(
        session,
        actor,
        "direct_debit.mandate_ended",
        object_type="direct_debit_mandate",
        object_id=mandate.id,
        debtor_id=mandate.debtor_id,
        reason=reason,
    )


#: why staff stop a mandate on the citizen's behalf (audited with the staff member)
STAFF_REVOKE_REASONS = (
    "citizen_asked_by_phone",
    "citizen_asked_at_desk",
    "citizen_asked_in_writing",
    "account_closed",
    "debtor_died",
)


def revoke_for_citizen(
    session: Session, *, debtor_id: int, mandate_id: int, reason: str, today: date, actor: Actor
) -> Mandate:
    """Staff stop a mandate on the citizen's behalf, with a reason (audited). Raises
    MandateRefused bad_reason, not_found, not_active; nothing changes then."""
    if reason not in STAFF_REVOKE_REASONS:
        raise MandateRefused("bad_reason")
    mandate = revoke_mandate(
        session, debtor_id=debtor_id, mandate_id=mandate_id, today=today, actor=actor
    )
    audit.record(
        session,
        actor,
        "direct_debit.mandate_revoked_for_citizen",
        object_type="direct_debit_mandate",
        object_id=mandate.id,
        debtor_id=debtor_id,
        reason=reason,
    )
    return mandate


@dataclass(frozen=True)
class MandateSummary:
    """One mandate on the staff page, with its latest collections (newest first)."""

    mandate: Mandate
    collections: list[DirectDebitCollection]
    failed: int


def mandate_summaries(session: Session, debtor_id: int, *, last: int = 5) -> list[MandateSummary]:
    """The debtor's mandates, newest first, each with its `last` collections."""
    summaries = []
    for mandate in mandates_of(session, debtor_id):
        rows = list(
            session.scalars(
                select(DirectDebitCollection)
                .where(DirectDebitCollection.mandate_id == mandate.id)
                .order_by(
                    DirectDebitCollection.collection_date.desc(), DirectDebitCollection.id.desc()
                )
            )
        )
        failed = sum(1 for c in rows if c.state in ("rejected", "returned"))
        summaries.append(MandateSummary(mandate, rows[:last], failed))
    return summaries


def betalingsservice_numbers(config: Config, debtor_id: int) -> dict[str, str]:
    """What a Danish citizen types into their netbank to sign up for Betalingsservice: the
    municipality's PBS number and debitorgruppe, and their own kundenummer (our debtor
    number, 15 digits at most)."""
    return {
        "pbs_number": config.betalingsservice_pbs_number,
        "debitorgruppe": config.betalingsservice_debitorgruppe,
        "kundenummer": str(debtor_id).zfill(9),
    }
