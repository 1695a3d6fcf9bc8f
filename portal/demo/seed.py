"""Realistic demo data, made through the real services so every balance has its ledger.

`seed_demo` creates the rule pack's departments and claim types, the named personas of the
demo login page, a few hundred other debtors in varied situations, one staff user per role,
and a letter login code. It is reproducible: one `random.Random` seeded from `seed` drives
every choice, so the same seed and day give the same names, amounts and dates (ids,
timestamps, TOTP secrets and the login code differ). It flushes but never commits.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.demo.bills import PAYMENT_METHODS
from portal.demo.bills import reminder_fee
from portal.demo.handover import seed_handover
from portal.demo.people import COUNTRIES
from portal.demo.people import PeopleFactory
from portal.demo.personas import FULL
from portal.demo.personas import PERSONAS
from portal.demo.plans import PlannedClaim
from portal.demo.plans import Planner
from portal.demo.representatives import seed_representatives
from portal.demo.social_status import seed_social_status
from portal.domain.references import display
from portal.domain.rules.base import RulePack
from portal.models import Base
from portal.models import Claim
from portal.models import Debtor
from portal.models import DemoPersona
from portal.models import Department
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.catalogue import sync_catalogue
from portal.services.claims import NewClaim
from portal.services.claims import issue_claim
from portal.services.debtors import NewDebtor
from portal.services.debtors import register_debtor
from portal.services.ledger import append_entry
from portal.services.login_codes import issue_login_code
from portal.services.staff_accounts import create_staff_user
from portal.services.staff_accounts import totp_uri

PAYMENT_PROVIDER = "demo-seed"
TOTP_ISSUER = "Saldo"
#: username -> role; the clerk belongs to the children/daycare department
STAFF = (
    ("caseworker", "caseworker"),
    ("desk", "desk"),
    ("supervisor", "supervisor"),
    ("clerk", "department_clerk"),
    ("admin", "admin"),
    ("finance", "finance"),
)
CLERK_DEPARTMENT = "children"
BUSINESS_SHARE = 0.05
ENGLISH_SHARE = 0.15


class AlreadySeeded(RuntimeError):
    """The database already has debtors; seeding again would mix two data sets."""


@dataclass(frozen=True)
class StaffCredential:
    username: str
    role: str
    display_name: str
    password: str
    otpauth_uri: str


@dataclass(frozen=True)
class LetterCode:
    situation: str
    #: the printed payment reference of one of the letter's claims
    reference: str
    code: str


@dataclass(frozen=True)
class SeedSummary:
    rules: str
    seed: int
    today: date
    debtors: int
    businesses: int
    claims: int
    payments: int
    ledger_entries: int
    #: (situation, debtor id) in demo-page order
    personas: tuple[tuple[str, int], ...]
    staff: tuple[StaffCredential, ...]
    letter_code: LetterCode
    #: the demo representative's name and how many people they act for (issue 9)
    representative: tuple[str, int] | None = None


def demo_password(username: str) -> str:
    """Demo-only passwords, the same on every demo install (they are printed anyway)."""
    return f"saldo-demo-{username}"


def seed_demo(
    session: Session,
    config: Config,
    rules: RulePack,
    *,
    seed: int = 2026,
    debtors: int = 300,
    today: date,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """Fill an empty database with demo data for `rules`. Raises AlreadySeeded otherwise.

    `debtors` is the total, the named personas included. `now` is the moment the letter
    login code is issued (its expiry counts from it); the real clock by default.
    `progress(debtors made so far)` is called after each debtor (the CLI draws a bar).
    """
    if session.scalar(select(Debtor.id).limit(1)) is not None:
        raise AlreadySeeded("the database already has debtors")
    sync_catalogue(session, rules)
    seeder = _Seeder(session, config, rules, seed=seed, today=today)
    personas = seeder.create_personas()
    if progress is not None:
        progress(len(personas))
    bulk = max(0, debtors - len(personas))  # one of them is the hand-over citizen (issue 8)
    seeder.create_bulk(max(0, bulk - 1), progress, start=len(personas))
    staff = tuple(seeder.create_staff())
    letter = seeder.issue_letter_code(personas["six_arrears"], now or datetime.now(UTC))
    mandates = seed_representatives(session, config, rules, personas, seed=seed, today=today)
    seed_social_status(session, rules.code, personas, today=today)  # issue 8: proactive offer
    if bulk:
        seed_handover(session, config, rules, seed=seed, today=today)  # issue 8: hand-over list
    return SeedSummary(
        rules=rules.code,
        seed=seed,
        today=today,
        debtors=_count(session, Debtor),
        businesses=_count(session, Debtor, Debtor.kind == "business"),
        claims=_count(session, Claim),
        payments=_count(session, Payment, Payment.provider == PAYMENT_PROVIDER),
        ledger_entries=_count(session, LedgerEntry),
        personas=tuple((situation, debtor.id) for situation, debtor in personas.items()),
        staff=staff,
        letter_code=letter,
        representative=(mandates[0].representative_name, len(mandates)) if mandates else None,
    )


def _count(session: Session, model: type[Base], *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


class _Seeder:
    def __init__(
        self, session: Session, config: Config, rules: RulePack, *, seed: int, today: date
    ) -> None:
        self.session = session
        self.config = config
        self.rules = rules
        self.seed = seed
        self.today = today
        # A string seed is hashed with SHA-512: stable across runs and Python processes.
        self.rng = random.Random(f"saldo-demo:{seed}:{rules.code}")  # noqa: S311 - demo data must be reproducible, not secret
        self.people = PeopleFactory(rules.country, self.rng)
        self.actor = Actor.system()
        self.planner = Planner(rules, self.rng, today)
        self.term = timedelta(days=rules.payment_term_days)
        self.payment_count = 0

    # --- debtors -----------------------------------------------------------------------

    def create_personas(self) -> dict[str, Debtor]:
        created: dict[str, Debtor] = {}
        for position, persona in enumerate(PERSONAS[self.rules.code]):
            debtor = self._register(persona.kind, persona.name, self.rules.default_locale)
            self.session.add(
                DemoPersona(debtor_id=debtor.id, situation=persona.situation, position=position)
            )
            for planned in self.planner.persona(persona):
                self._realise(debtor, planned)
            created[persona.situation] = debtor
        return created

    def create_bulk(
        self, count: int, progress: Callable[[int], None] | None = None, *, start: int = 0
    ) -> None:
        for made in range(count):
            kind = "business" if self.rng.random() < BUSINESS_SHARE else "person"
            locale = "en" if self.rng.random() < ENGLISH_SHARE else self.rules.default_locale
            debtor = self._register(kind, None, locale)
            for planned in self.planner.bulk(kind):
                self._realise(debtor, planned)
            if progress is not None:
                progress(start + made + 1)

    def _register(self, kind: str, name: str | None, locale: str) -> Debtor:
        if kind == "business":
            business = self.people.business(name)
            new = NewDebtor(
                name=business.name,
                kind="business",
                business_number=business.business_number,
                email=business.email,
                phone=business.phone,
                address=business.address,
                preferred_locale=locale,
            )
        else:
            person = self.people.person(self.today.year, name)
            new = NewDebtor(
                name=person.name,
                national_id=person.national_id,
                email=person.email,
                phone=person.phone,
                address=person.address,
                preferred_locale=locale,
            )
        return register_debtor(self.session, self.config, self.rules.country, new)

    # --- realising a plan through the services -------------------------------------------

    def _realise(self, debtor: Debtor, plan: PlannedClaim) -> Claim:
        spec = self.planner.specs[plan.type_code]
        claim = issue_claim(
            self.session,
            self.rules,
            NewClaim(
                debtor_id=debtor.id,
                claim_type_code=spec.code,
                amount=plan.amount,
                issue_date=plan.issue_date,
                due_date=plan.issue_date + self.term,
                description=self.planner.profiles[spec.code].describe(plan.issue_date, self.rules),
            ),
            actor=self.actor,
        )
        for sequence, on in enumerate(plan.reminder_dates, start=1):
            fee = reminder_fee(self.rules, spec, claim.original_amount, sequence)
            if fee:
                append_entry(
                    self.session,
                    claim,
                    component="fee",
                    amount=fee,
                    cause="reminder_fee",
                    effective_date=on,
                    source=f"{PAYMENT_PROVIDER}:reminder:{sequence}",
                )
            claim.reminders_sent = sequence
        if plan.paid and plan.paid_on is not None:
            amount = claim.balance if plan.paid == FULL else plan.paid
            self._pay(debtor, claim, amount, plan.paid_on)
        if plan.handed_over_on is not None:
            claim.handed_over_on = plan.handed_over_on
        return claim

    def _pay(self, debtor: Debtor, claim: Claim, amount: int, on: date) -> None:
        self.payment_count += 1
        book_payment(
            self.session,
            self.rules,
            IncomingPayment(
                provider=PAYMENT_PROVIDER,
                provider_reference=f"seed-{self.seed}-{self.payment_count}",
                amount=amount,
                currency=self.rules.currency,
                method=self.rng.choice(PAYMENT_METHODS[self.rules.country]),
                debtor_id=debtor.id,
                received_on=on,
                earmarked_claim_id=claim.id,
            ),
            actor=self.actor,
        )

    # --- staff and the letter code --------------------------------------------------------

    def create_staff(self) -> list[StaffCredential]:
        names = COUNTRIES[self.rules.country].staff_names
        clerk_department = self.session.scalar(
            select(Department.id).where(Department.code == CLERK_DEPARTMENT)
        )
        credentials = []
        for username, role in STAFF:
            password = demo_password(username)
            user = create_staff_user(
                self.session,
                self.config,
                username=username,
                display_name=names[username],
                role=role,
                password=password,
                department_id=clerk_department if role == "department_clerk" else None,
            )
            credentials.append(
                StaffCredential(
                    username=user.username,
                    role=role,
                    display_name=user.display_name,
                    password=password,
                    otpauth_uri=totp_uri(user, TOTP_ISSUER),
                )
            )
        return credentials

    def issue_letter_code(self, debtor: Debtor, now: datetime) -> LetterCode:
        claims = list(
            self.session.scalars(
                select(Claim)
                .where(Claim.debtor_id == debtor.id, Claim.handed_over_on.is_(None))
                .order_by(Claim.due_date, Claim.id)
            )
        )
        issued = issue_login_code(
            self.session,
            self.config,
            debtor_id=debtor.id,
            claim_ids=[c.id for c in claims],
            now=now,
        )
        reference = display(self.rules.reference_scheme, claims[0].reference or "")
        return LetterCode(situation="six_arrears", reference=reference, code=issued.plain_code)
