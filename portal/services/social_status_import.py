"""Social status flags from a CSV file (issue 8): the staff upload and the command line.

One row per flag, the same checks and service as the API (`services.social_status`). Each row
is its own savepoint: a bad row is reported and skipped, good rows stand. A dry run stores
nothing (the caller rolls back). Identifiers never appear in the report: a row is named by
its line and the department's reference.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Department
from portal.services.audit import Actor
from portal.services.claim_checks import FieldError
from portal.services.claim_checks import SubmissionInvalid
from portal.services.social_status import NoSocialStatusRight
from portal.services.social_status import ReferenceConflict
from portal.services.social_status import UnknownDebtor
from portal.services.social_status import check_flag
from portal.services.social_status import find_debtor
from portal.services.social_status import find_flag
from portal.services.social_status import flag_social_status

CSV_COLUMNS = (
    "reference",
    "national_id",
    "business_number",
    "kind",
    "valid_from",
    "valid_until",
    "legal_basis",
)
REQUIRED_COLUMNS = ("reference", "kind", "valid_until")


class CsvInvalid(ValueError):
    """The header lacks required columns (named in the message)."""


@dataclass(frozen=True)
class RowOutcome:
    """created, unchanged (sent before), would_create (dry run) or rejected."""

    line: int
    reference: str
    outcome: str
    errors: tuple[FieldError, ...] = ()


def read_rows(text: str) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, API-shaped body) per data row. Raises CsvInvalid for a bad header."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing or not ({"national_id", "business_number"} & set(header)):
        raise CsvInvalid(", ".join(missing or ["national_id or business_number"]))
    reader.fieldnames = header
    for row in reader:
        cells = {
            key: value.strip()
            for key, value in row.items()
            if isinstance(key, str) and isinstance(value, str) and value.strip()
        }
        body: dict[str, object] = {
            key: cells[key]
            for key in ("reference", "kind", "valid_from", "valid_until", "legal_basis")
            if key in cells
        }
        body["debtor"] = {
            key: cells[key] for key in ("national_id", "business_number") if key in cells
        }
        extra = sorted(set(cells) - set(CSV_COLUMNS))
        for key in extra:
            body[key] = cells[key]  # reported as an unknown field by check_flag
        yield reader.line_num, body


def import_rows(
    session: Session,
    config: Config,
    country: str,
    department: Department,
    rows: Iterator[tuple[int, dict[str, object]]],
    *,
    actor: Actor,
    as_of: date,
    now: datetime,
    dry_run: bool,
    via: str = "upload",
) -> Iterator[RowOutcome]:
    """Check (dry run) or store each row; `via` is "upload" (staff page) or "cli"."""
    for line, body in rows:
        reference = str(body.get("reference") or "")[:80]
        try:
            request = check_flag(country, body, as_of=as_of)
            if dry_run:
                if find_debtor(session, config, request) is None:
                    raise UnknownDebtor(request.reference)
                existing = find_flag(session, department.id, request.reference)
                yield RowOutcome(line, reference, "unchanged" if existing else "would_create")
                continue
            with session.begin_nested():
                result = flag_social_status(
                    session, config, department, request, actor=actor, now=now, via=via
                )
            yield RowOutcome(line, reference, "created" if result.created else "unchanged")
        except SubmissionInvalid as error:
            yield RowOutcome(line, reference, "rejected", tuple(error.errors))
        except UnknownDebtor:
            problem = FieldError("debtor", "unknown_debtor", "no debtor with this identifier")
            yield RowOutcome(line, reference, "rejected", (problem,))
        except ReferenceConflict:
            problem = FieldError("reference", "conflict", "used before for a different flag")
            yield RowOutcome(line, reference, "rejected", (problem,))
        except NoSocialStatusRight:
            problem = FieldError("", "no_right", "the department may not flag social status")
            yield RowOutcome(line, reference, "rejected", (problem,))
