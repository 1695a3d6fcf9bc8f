"""Claims pushed in by a department: one intake for the API and CSV imports (issue 7).

A submission checked by `portal.services.claim_checks` is matched to its debtor (national id
hash or business number; registered when new) and issued through
`portal.services.claims.issue_claim`. Idempotent by (department, external_id): the same
submission again returns the existing claim; a different one with the same external id is a
conflict. Nothing is stored for an invalid submission. A CSV row is its own transaction
(a savepoint); a file is read in chunks, each chunk's lookups done at once and its rows
committed together by the caller.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import Debtor
from portal.models import Department
from portal.services import audit
from portal.services.audit import Actor
from portal.services.claim_checks import DebtorData
from portal.services.claim_checks import FieldError
from portal.services.claim_checks import Submission
from portal.services.claim_checks import SubmissionInvalid
from portal.services.claim_checks import check_submission
from portal.services.claims import ClaimRejected
from portal.services.claims import NewClaim
from portal.services.claims import issue_claim
from portal.services.debtors import NewDebtor
from portal.services.debtors import register_debtor
from portal.services.identity import hash_national_id

CSV_COLUMNS = (
    "external_id",
    "claim_type",
    "amount",
    "currency",
    "issue_date",
    "due_date",
    "description",
    "national_id",
    "business_number",
    "name",
)


class ExternalIdConflict(ValueError):
    """The department already sent a different claim under this external id."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(f"external id already used for claim {claim.id}")
        self.claim = claim


@dataclass(frozen=True)
class SubmitResult:
    claim: Claim
    created: bool


# -- intake --------------------------------------------------------------------------------------


def _find_debtor(session: Session, config: Config, data: DebtorData) -> Debtor | None:
    if data.national_id is not None:
        id_hash = hash_national_id(config, data.national_id)
        return session.scalar(select(Debtor).where(Debtor.national_id_hash == id_hash))
    return session.scalar(select(Debtor).where(Debtor.business_number == data.business_number))


def _same_claim(claim: Claim, sub: Submission, debtor: Debtor | None) -> bool:
    return (
        debtor is not None
        and claim.debtor_id == debtor.id
        and claim.claim_type_id == sub.claim_type.id
        and claim.original_amount == sub.amount
        and claim.currency == sub.currency
        and claim.issue_date == sub.issue_date
        and claim.due_date == sub.due_date
        and claim.description == sub.description
    )


def find_department_claim(
    session: Session, department: Department, external_id: str
) -> Claim | None:
    return session.scalar(
        select(Claim).where(Claim.department_id == department.id, Claim.external_id == external_id)
    )


def submit_claim(
    session: Session,
    config: Config,
    rules: RulePack,
    department: Department,
    sub: Submission,
    *,
    actor: Actor,
    token_id: int | None = None,
) -> SubmitResult:
    """Issue the claim, or return the one already sent under this external id.

    Raises ExternalIdConflict when that one differs. The caller commits.
    """
    debtor = _find_debtor(session, config, sub.debtor)
    existing = find_department_claim(session, department, sub.external_id)
    return _submit(
        session, config, rules, department, sub, debtor, existing, actor=actor, token_id=token_id
    )


def _submit(
    session: Session,
    config: Config,
    rules: RulePack,
    department: Department,
    sub: Submission,
    debtor: Debtor | None,
    existing: Claim | None,
    *,
    actor: Actor,
    token_id: int | None = None,
) -> SubmitResult:
    """submit_claim with the debtor and the existing claim already looked up."""
    if existing is not None:
        if _same_claim(existing, sub, debtor):
            return SubmitResult(existing, created=False)
        raise ExternalIdConflict(existing)
    if debtor is None:
        debtor = register_debtor(
            session,
            config,
            rules.country,
            NewDebtor(
                name=sub.debtor.name,
                kind="person" if sub.debtor.national_id else "business",
                national_id=sub.debtor.national_id,
                business_number=sub.debtor.business_number,
                email=sub.debtor.email,
                address=sub.debtor.address,
                preferred_locale=sub.debtor.preferred_locale,
            ),
        )
    try:
        claim = issue_claim(
            session,
            rules,
            NewClaim(
                debtor_id=debtor.id,
                claim_type_code=sub.claim_type.code,
                amount=sub.amount,
                issue_date=sub.issue_date,
                due_date=sub.due_date,
                description=sub.description,
                external_id=sub.external_id,
                currency=sub.currency,
            ),
            actor=actor,
        )
    except ClaimRejected as error:
        raise SubmissionInvalid([FieldError(error.code, "rejected", str(error))]) from error
    audit.record(
        session,
        actor,
        "department.claim_received",
        object_type="claim",
        object_id=claim.id,
        debtor_id=debtor.id,
        department=department.code,
        token_id=token_id,
    )
    return SubmitResult(claim, created=True)


# -- CSV -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowOutcome:
    """One CSV row: created, unchanged (sent before), would_create (dry run) or rejected."""

    line: int
    external_id: str
    outcome: str
    claim_id: int | None = None
    errors: tuple[FieldError, ...] = ()


class CsvInvalid(ValueError):
    """The file is not a claims CSV (header missing columns, not text)."""


def read_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, submission dict) per row. Amounts that are digits become ints."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvInvalid(f"missing columns: {', '.join(missing)}")
    for row in reader:
        values = {k: (v or "").strip() for k, v in row.items() if k in CSV_COLUMNS}
        amount: object = values["amount"]
        if isinstance(amount, str) and amount.isdigit() and amount.isascii():
            amount = int(amount)
        debtor = {
            "name": values["name"] or None,
            "national_id": values["national_id"] or None,
            "business_number": values["business_number"] or None,
        }
        yield (
            reader.line_num,
            {
                "external_id": values["external_id"] or None,
                "claim_type": values["claim_type"] or None,
                "amount": amount if amount != "" else None,
                "currency": values["currency"] or None,
                "issue_date": values["issue_date"] or None,
                "due_date": values["due_date"] or None,
                "description": values["description"] or None,
                "debtor": debtor,
            },
        )


#: Rows per chunk: looked up together, committed together (each row still its own savepoint).
DEFAULT_CHUNK_ROWS = 500


def import_rows(
    session: Session,
    config: Config,
    rules: RulePack,
    department: Department,
    rows: Iterable[tuple[int, dict[str, Any]]],
    *,
    actor: Actor,
    dry_run: bool,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[RowOutcome]:
    """Each row in its own transaction: a savepoint here, rolled back alone when the row fails.

    Rows are handled `chunk_rows` at a time: the debtors and the claims already sent under the
    chunk's external ids are looked up with one query each, then every row runs in its own
    savepoint. A chunk's outcomes are yielded once the whole chunk has run, so the caller's
    commit after an outcome stores the chunk (its further commits in that chunk are no-ops):
    whatever has been reported is stored, and one commit per chunk instead of per row.
    A dry run checks every row and rolls each back, so nothing is stored.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    chunk: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= chunk_rows:
            yield from _import_chunk(
                session, config, rules, department, chunk, actor=actor, dry_run=dry_run
            )
            chunk = []
    if chunk:
        yield from _import_chunk(
            session, config, rules, department, chunk, actor=actor, dry_run=dry_run
        )


@dataclass
class _Lookups:
    """A chunk's debtors (by national id hash / business number) and existing claims."""

    by_hash: dict[str, Debtor]
    by_business: dict[str, Debtor]
    claims: dict[str, Claim]

    def debtor(self, config: Config, data: DebtorData) -> Debtor | None:
        if data.national_id is not None:
            return self.by_hash.get(hash_national_id(config, data.national_id))
        return self.by_business.get(data.business_number or "")

    def remember(self, config: Config, data: DebtorData, debtor: Debtor, claim: Claim) -> None:
        """After a row is kept: later rows in the chunk see its debtor and claim."""
        if data.national_id is not None:
            self.by_hash[hash_national_id(config, data.national_id)] = debtor
        elif data.business_number is not None:
            self.by_business[data.business_number] = debtor
        self.claims[claim.external_id or ""] = claim


def _lookups(
    session: Session, config: Config, department_id: int, subs: list[Submission]
) -> _Lookups:
    hashes = {
        hash_national_id(config, s.debtor.national_id)
        for s in subs
        if s.debtor.national_id is not None
    }
    businesses = {
        s.debtor.business_number
        for s in subs
        if s.debtor.national_id is None and s.debtor.business_number is not None
    }
    external_ids = {s.external_id for s in subs}
    by_hash: dict[str, Debtor] = {}
    by_business: dict[str, Debtor] = {}
    claims: dict[str, Claim] = {}
    if hashes:
        for debtor in session.scalars(select(Debtor).where(Debtor.national_id_hash.in_(hashes))):
            by_hash[debtor.national_id_hash or ""] = debtor
    if businesses:
        for debtor in session.scalars(
            select(Debtor).where(Debtor.business_number.in_(businesses)).order_by(Debtor.id)
        ):
            # the first, as session.scalar() on the same query would give
            by_business.setdefault(debtor.business_number or "", debtor)
    if external_ids:
        for claim in session.scalars(
            select(Claim).where(
                Claim.department_id == department_id, Claim.external_id.in_(external_ids)
            )
        ):
            claims[claim.external_id or ""] = claim
    return _Lookups(by_hash, by_business, claims)


def _import_chunk(
    session: Session,
    config: Config,
    rules: RulePack,
    department: Department,
    chunk: list[tuple[int, dict[str, Any]]],
    *,
    actor: Actor,
    dry_run: bool,
) -> list[RowOutcome]:
    checked: list[tuple[int, str, Submission | SubmissionInvalid]] = []
    for line, data in chunk:
        external_id = str(data.get("external_id") or "")
        try:
            # read-only (claim types), so safe outside the row's savepoint
            checked.append((line, external_id, check_submission(session, rules, department, data)))
        except SubmissionInvalid as error:
            checked.append((line, external_id, error))
    subs = [item for _, _, item in checked if isinstance(item, Submission)]
    found = _lookups(session, config, department.id, subs)
    outcomes: list[RowOutcome] = []
    for line, external_id, item in checked:
        if isinstance(item, SubmissionInvalid):
            outcomes.append(RowOutcome(line, external_id, "rejected", errors=tuple(item.errors)))
            continue
        sub = item
        nested = session.begin_nested()
        try:
            result = _submit(
                session,
                config,
                rules,
                department,
                sub,
                found.debtor(config, sub.debtor),
                found.claims.get(sub.external_id),
                actor=actor,
            )
        except SubmissionInvalid as error:
            nested.rollback()
            outcomes.append(RowOutcome(line, external_id, "rejected", errors=tuple(error.errors)))
            continue
        except ExternalIdConflict as error:
            nested.rollback()
            conflict = FieldError(
                "external_id", "conflict", f"already used for a different claim ({error.claim.id})"
            )
            outcomes.append(RowOutcome(line, external_id, "rejected", error.claim.id, (conflict,)))
            continue
        claim_id = result.claim.id
        if dry_run:
            nested.rollback()
            outcome = "would_create" if result.created else "unchanged"
            outcomes.append(
                RowOutcome(line, external_id, outcome, None if result.created else claim_id)
            )
            continue
        nested.commit()
        found.remember(config, sub.debtor, result.claim.debtor, result.claim)
        outcomes.append(
            RowOutcome(line, external_id, "created" if result.created else "unchanged", claim_id)
        )
    return outcomes
