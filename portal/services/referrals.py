"""Warm referral to debt help (schuldhulpverlening / gældsrådgivning / schuldbemiddeling).

Only with the citizen's recorded consent. The referral carries a fresh debt overview (the same
PDF the citizen can make, so the counsellor sees exactly what the citizen sees), and collection
pauses on every open claim (CollectionHold "debt_help") for a configurable period: batches
charge no fees and take no steps meanwhile (decisions.md "CollectionHold").
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import localised_name
from portal.models import Claim
from portal.models import Debtor
from portal.models import Referral
from portal.models.contact import CONSENT_CHANNELS
from portal.services import audit
from portal.services.audit import Actor
from portal.services.holds import DEBT_HELP
from portal.services.holds import place_hold
from portal.services.overview_documents import create_overview_document

#: how long collection pauses after a referral (example — set by the municipality)
DEFAULT_PAUSE_DAYS = 60
MAX_PAUSE_DAYS = 365


class ReferralRefused(ValueError):
    """`reason`: no_consent, consent_channel, pause_days, unknown_debtor."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pause_days_of(config: Config) -> int:
    """The installation's pause (Config.extra["debt_help_pause_days"]), else the default."""
    value = config.extra.get("debt_help_pause_days", DEFAULT_PAUSE_DAYS)
    return value if isinstance(value, int) and 0 < value <= MAX_PAUSE_DAYS else DEFAULT_PAUSE_DAYS


def open_claim_ids(session: Session, debtor_id: int) -> list[int]:
    """Claims with something left to pay, not cancelled and not with the external collector."""
    return list(
        session.scalars(
            select(Claim.id)
            .where(
                Claim.debtor_id == debtor_id,
                Claim.cancelled_on.is_(None),
                Claim.handed_over_on.is_(None),
                Claim.principal_due + Claim.fee_due + Claim.interest_due > 0,
            )
            .order_by(Claim.id)
        )
    )


def make_referral(
    session: Session,
    rules: RulePack,
    config: Config,
    *,
    debtor_id: int,
    staff_user_id: int,
    consent: bool,
    consent_channel: str,
    pause_days: int,
    locale: str,
    now: datetime,
    as_of: date,
) -> Referral:
    """Refer the debtor to debt help, attach a new debt overview, and pause collection on each
    open claim until `as_of + pause_days` (exclusive). Audited. Raises ReferralRefused."""
    if not consent:
        raise ReferralRefused("no_consent")
    if consent_channel not in CONSENT_CHANNELS:
        raise ReferralRefused("consent_channel")
    if not 0 < pause_days <= MAX_PAUSE_DAYS:
        raise ReferralRefused("pause_days")
    if session.get(Debtor, debtor_id) is None:
        raise ReferralRefused("unknown_debtor")
    actor = Actor.staff(staff_user_id, on_behalf_of=debtor_id)
    document = create_overview_document(
        session,
        rules,
        config,
        debtor_id=debtor_id,
        requested_by=actor,
        locale=locale,
        now=now,
        as_of=as_of,
    )
    pause_until = as_of + timedelta(days=pause_days)
    referral = Referral(
        debtor_id=debtor_id,
        staff_user_id=staff_user_id,
        consent_recorded_at=now,
        consent_channel=consent_channel,
        organisation=localised_name(rules.debt_help_names, locale) or "",
        pause_until=pause_until,
        overview_document_id=document.id,
        created_at=now,
    )
    session.add(referral)
    session.flush()
    claim_ids = open_claim_ids(session, debtor_id)
    for claim_id in claim_ids:
        place_hold(
            session,
            claim_id,
            DEBT_HELP,
            starts_on=as_of,
            ends_on=pause_until,
            source=f"referral:{referral.id}",
        )
    audit.record(
        session,
        actor,
        "referral.created",
        object_type="referral",
        object_id=referral.id,
        consent_channel=consent_channel,
        pause_until=pause_until.isoformat(),
        overview_document_id=document.id,
        claims_paused=len(claim_ids),
    )
    session.flush()
    return referral
