"""Claim-type mandates (issue 8): collect every claim of one type (property tax, daycare) by
SEPA Core direct debit as it falls due, without a payment plan.

Which types allow it is the rule pack's `ClaimTypeSpec.direct_debit` flag. The citizen signs
on /direct-debit (same IBAN checks, consent and reference rules as a plan mandate). Each claim
is announced in a pre-notification letter (a `DirectDebitNotice` per claim, once) and is
collected only when it falls due 14 or more days after that letter, for at most the amount
announced. Claims due sooner, paused (dispute, legal stop, a plan) or with the external
collector are not announced: the citizen pays them as before. Services never commit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.direct_debit import PRENOTIFICATION_DAYS
from portal.domain.direct_debit import mandate_reference
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import UnknownClaimType
from portal.models import Claim
from portal.models import ClaimType
from portal.models import DirectDebitNotice
from portal.models import Mandate
from portal.services import audit
from portal.services.audit import Actor
from portal.services.direct_debit import CONSENT_VERSION
from portal.services.direct_debit import MandateInput
from portal.services.direct_debit import MandateRefused
from portal.services.direct_debit import validate_sepa_iban
from portal.services.holds import collection_paused
from portal.services.letters import create_letter
from portal.services.plans import letter_locale

TYPE_MANDATE_PREFIX = "SALDO-MT"
LETTER_KIND = "direct_debit_prenotification"


def allows_direct_debit(rules: RulePack, claim_type: ClaimType) -> bool:
    try:
        return rules.claim_type(claim_type.code).direct_debit
    except UnknownClaimType:
        return False


def type_name(session: Session, rules: RulePack, mandate: Mandate, locale: str) -> str:
    """The plain name of the mandate's claim type ("Childcare fee"), or "" for a plan."""
    claim_type = session.get(ClaimType, mandate.claim_type_id) if mandate.claim_type_id else None
    if claim_type is None:
        return ""
    try:
        return rules.claim_type(claim_type.code).name(locale)
    except UnknownClaimType:
        return claim_type.code


def _has_claims_of(session: Session, debtor_id: int, claim_type_id: int) -> bool:
    found = session.scalar(
        select(Claim.id)
        .where(
            Claim.debtor_id == debtor_id,
            Claim.claim_type_id == claim_type_id,
            Claim.cancelled_on.is_(None),
        )
        .limit(1)
    )
    return found is not None


def signable_claim_types(session: Session, rules: RulePack, debtor_id: int) -> list[ClaimType]:
    """Types the debtor may sign up now: allowed by the rule pack, the debtor has claims of
    it, and no active mandate for it yet."""
    taken = {m.claim_type_id for m in active_type_mandates(session, debtor_id)}
    type_ids = (
        select(Claim.claim_type_id)
        .where(Claim.debtor_id == debtor_id, Claim.cancelled_on.is_(None))
        .distinct()
    )
    # no DISTINCT over claim_type itself: PostgreSQL cannot compare its JSON column
    types = session.scalars(
        select(ClaimType).where(ClaimType.id.in_(type_ids)).order_by(ClaimType.id)
    ).all()
    return [t for t in types if t.id not in taken and allows_direct_debit(rules, t)]


def active_type_mandates(session: Session, debtor_id: int) -> list[Mandate]:
    return list(
        session.scalars(
            select(Mandate)
            .where(
                Mandate.debtor_id == debtor_id,
                Mandate.state == "active",
                Mandate.claim_type_id.is_not(None),
            )
            .order_by(Mandate.id)
        )
    )


def claims_on_automatic_payment(session: Session, debtor_id: int) -> set[int]:
    """Ids of the debtor's open claims that an active claim-type mandate has announced and
    not yet collected (for the overview's "paid automatically" mark)."""
    rows = session.scalars(
        select(DirectDebitNotice.claim_id)
        .join(Mandate, Mandate.id == DirectDebitNotice.mandate_id)
        .join(Claim, Claim.id == DirectDebitNotice.claim_id)
        .where(
            Mandate.debtor_id == debtor_id,
            Mandate.state == "active",
            (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
        )
    )
    return set(rows)


def sign_type_mandate(
    session: Session,
    rules: RulePack,
    config: Config,
    *,
    debtor_id: int,
    claim_type_id: int,
    data: MandateInput,
    today: date,
    actor: Actor,
) -> Mandate:
    """Sign a SEPA Core mandate for every claim of one type and announce the claims that can
    be collected. Raises MandateRefused (type_not_allowed, no_claims_of_type,
    already_signed_up, and the IBAN/holder/consent codes); nothing is stored then."""
    if rules.currency != "EUR":
        raise MandateRefused("not_eur")
    claim_type = session.get(ClaimType, claim_type_id)
    if claim_type is None or not allows_direct_debit(rules, claim_type):
        raise MandateRefused("type_not_allowed")
    if not _has_claims_of(session, debtor_id, claim_type.id):
        raise MandateRefused("no_claims_of_type")
    iban, bic = validate_sepa_iban(data.iban)
    holder = " ".join((data.account_holder or "").split())
    if not holder or len(holder) > 70:
        raise MandateRefused("no_holder")
    if not data.consent:
        raise MandateRefused("no_consent")
    if any(m.claim_type_id == claim_type.id for m in active_type_mandates(session, debtor_id)):
        raise MandateRefused("already_signed_up")
    serial = 1 + (
        session.scalar(
            select(func.count())
            .select_from(Mandate)
            .where(Mandate.debtor_id == debtor_id, Mandate.claim_type_id == claim_type.id)
        )
        or 0
    )
    mandate = Mandate(
        debtor_id=debtor_id,
        plan_id=None,
        claim_type_id=claim_type.id,
        reference=mandate_reference(
            prefix=TYPE_MANDATE_PREFIX, debtor_id=debtor_id, plan_id=claim_type.id, serial=serial
        ),
        creditor_id=config.sepa_creditor_id,
        iban=iban,
        bic=bic,
        account_holder=holder,
        currency=rules.currency,
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
        raise MandateRefused("already_signed_up") from None
    announce(session, rules, mandate, on=today, always=True)
    audit.record(
        session,
        actor,
        "direct_debit.mandate_signed",
        object_type="direct_debit_mandate",
        object_id=mandate.id,
        debtor_id=debtor_id,
        claim_type=claim_type.code,
    )
    return mandate


def _announceable(session: Session, mandate: Mandate, *, on: date) -> list[Claim]:
    """Open claims of the mandate's type not yet announced, due 14+ days after `on`."""
    announced = select(DirectDebitNotice.claim_id).where(DirectDebitNotice.mandate_id == mandate.id)
    claims = session.scalars(
        select(Claim)
        .where(
            Claim.debtor_id == mandate.debtor_id,
            Claim.claim_type_id == mandate.claim_type_id,
            Claim.currency == mandate.currency,
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
            Claim.due_date >= on + timedelta(days=PRENOTIFICATION_DAYS),
            Claim.id.not_in(announced),
        )
        .order_by(Claim.due_date, Claim.id)
    ).all()
    return [c for c in claims if not collection_paused(session, c.id, on)]


def announce(
    session: Session, rules: RulePack, mandate: Mandate, *, on: date, always: bool = False
) -> list[DirectDebitNotice]:
    """The pre-notification letter for the claims this mandate may collect (and a notice per
    claim). Without new claims no letter is made, unless `always` (at signing)."""
    claims = _announceable(session, mandate, on=on)
    if not claims and not always:
        return []
    locale = letter_locale(session, rules, mandate.debtor_id)
    letter = create_letter(
        session,
        debtor_id=mandate.debtor_id,
        kind=LETTER_KIND,
        template="direct_debit_type_prenotification_letter.html",
        context={
            "mandate": mandate,
            "type_name": type_name(session, rules, mandate, locale),
            "claims": claims,
            "currency": mandate.currency,
            "iban_end": mandate.iban[-4:],
        },
        locale=locale,
        letter_date=on,
    )
    if mandate.prenotification_letter_id is None:
        mandate.prenotification_letter_id = letter.id
    notices = [
        DirectDebitNotice(
            mandate_id=mandate.id,
            claim_id=claim.id,
            amount=claim.balance,
            currency=claim.currency,
            notified_on=on,
            letter_id=letter.id,
        )
        for claim in claims
    ]
    session.add_all(notices)
    session.flush()
    return notices


def announce_new_claims(session: Session, rules: RulePack, *, as_of: date) -> int:
    """The batch: announce new claims of every active claim-type mandate; claims announced."""
    mandates = session.scalars(
        select(Mandate)
        .where(Mandate.state == "active", Mandate.claim_type_id.is_not(None))
        .order_by(Mandate.id)
    ).all()
    return sum(len(announce(session, rules, m, on=as_of)) for m in mandates)


def notices_by_mandate(session: Session, mandate_ids: list[int]) -> dict[int, list[int]]:
    """mandate id → announced claim ids (staff page)."""
    found: dict[int, list[int]] = defaultdict(list)
    if mandate_ids:
        for mandate_id, claim_id in session.execute(
            select(DirectDebitNotice.mandate_id, DirectDebitNotice.claim_id).where(
                DirectDebitNotice.mandate_id.in_(mandate_ids)
            )
        ):
            found[mandate_id].append(claim_id)
    return found
