"""CSV claim import for department clerks (/staff/claims/import), issue 7.

The same code path as `flask --app wsgi import-claims`: `claim_import.read_rows` and
`import_rows`, each row its own transaction (committed here after each row), a dry run
stores nothing. A clerk imports into their own department only; a supervisor chooses one.
The upload is checked before any row is read: size, UTF-8 text (no NUL bytes), the header.
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import RadioField
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.extensions import csrf
from portal.extensions import db
from portal.models import Department
from portal.services import audit
from portal.services.audit import Actor
from portal.services.claim_checks import FieldError
from portal.services.claim_import import CSV_COLUMNS
from portal.services.claim_import import CsvInvalid
from portal.services.claim_import import RowOutcome
from portal.services.claim_import import import_rows
from portal.services.claim_import import read_rows
from portal.staff.csv_upload import MAX_ROWS
from portal.staff.csv_upload import MAX_UPLOAD_BYTES
from portal.staff.csv_upload import UPLOAD_ERRORS
from portal.staff.csv_upload import UploadRefused
from portal.staff.csv_upload import _text
from portal.staff.labels import department_name
from portal.staff.views import bp

PERMISSION = "department.claims"
OUTCOMES: Mapping[str, str] = {
    "created": _l("Imported"),
    "unchanged": _l("Already imported, unchanged"),
    "would_create": _l("OK, would be imported"),
    "rejected": _l("Not imported"),
}
FIELD_NAMES: Mapping[str, str] = {
    "external_id": _l("Your id"),
    "claim_type": _l("Claim type"),
    "amount": _l("Amount"),
    "currency": _l("Currency"),
    "issue_date": _l("Issue date"),
    "due_date": _l("Due date"),
    "description": _l("Description"),
    "debtor": _l("Debtor"),
    "debtor.name": _l("Name"),
    "debtor.national_id": _l("National id"),
    "debtor.business_number": _l("Business number"),
}
ERROR_MESSAGES: Mapping[str, str] = {
    "required": _l("This is missing."),
    "type": _l("This has the wrong form."),
    "too_long": _l("This is too long."),
    "invalid_characters": _l("This contains characters we cannot use."),
    "invalid_date": _l("This is not a date. Use the form YYYY-MM-DD, for example 2026-12-01."),
    "not_integer": _l(
        "Write the amount in cents, digits only: 12.50 euros is 1250, 412.50 euros is 41250."
    ),
    "not_positive": _l("The amount must be more than zero."),
    "too_large": _l("The amount is too large."),
    "unknown_field": _l("This column is not used."),
    "one_identifier": _l("Give either a national id or a business number, not both."),
    "invalid_identifier": _l("This number does not pass its check. Please check the digits."),
    "invalid_email": _l("This is not an e-mail address."),
    "unknown_locale": _l("This language is not known."),
    "invalid": _l("Use 1 to 80 letters, digits and . _ : / - only."),
    "unknown_claim_type": _l("This is not a claim type of the department."),
    "wrong_currency": _l("This currency is not used here."),
    "before_issue_date": _l("The due date is before the issue date."),
    "conflict": _l("This id was already used for a different claim."),
    "rejected": _l("This claim cannot be made."),
}


class ImportForm(FlaskForm):
    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    claims_file = FileField(
        _l("Claims file (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))]
    )
    mode = RadioField(
        _l("What should happen?"),
        choices=[
            SelectChoice("dry_run", _l("Only check the file; import nothing")),
            SelectChoice("import", _l("Import the good rows")),
        ],
        default="dry_run",
        validators=[InputRequired(_l("Choose whether to check or to import."))],
    )


@dataclass(frozen=True)
class ReportRow:
    line: int
    external_id: str
    outcome: str
    label: str
    messages: tuple[str, ...]


def _session() -> Session:
    session: Session = db.session()
    return session


def _is_supervisor() -> bool:
    return current_staff().role != "department_clerk"


def _departments() -> list[Department]:
    return list(_session().scalars(select(Department).order_by(Department.code)))


def _form() -> ImportForm:
    form = ImportForm()
    if _is_supervisor():
        form.department.choices = [
            SelectChoice("", _("Choose a department")),
            *[SelectChoice(d.code, department_name(d)) for d in _departments()],
        ]
    return form


def _target(form: ImportForm) -> Department | None:
    """The clerk's own department; for a supervisor the one chosen in the form."""
    staff = current_staff()
    if not _is_supervisor():
        if staff.department_id is None:
            return None
        return _session().get(Department, staff.department_id)
    code = form.department.data or ""
    found = _session().scalar(select(Department).where(Department.code == code))
    if found is None:
        form.department.errors = [_("Choose the department to import into.")]
    return found


def _check_header(text: str) -> None:
    if not text.strip():
        raise UploadRefused("empty_file")
    try:
        header = next(csv.reader(io.StringIO(text)), [])
        rows = sum(1 for _ in csv.reader(io.StringIO(text))) - 1
    except csv.Error:
        raise UploadRefused("not_csv") from None
    missing = [c for c in CSV_COLUMNS if c not in [h.strip() for h in header]]
    if missing:
        raise CsvInvalid(", ".join(missing))
    if rows < 1:
        raise UploadRefused("empty")
    if rows > MAX_ROWS:
        raise UploadRefused("too_many_rows")


def _messages(errors: tuple[FieldError, ...]) -> tuple[str, ...]:
    out = []
    for error in errors:
        field = FIELD_NAMES.get(error.field, error.field)
        message = ERROR_MESSAGES.get(error.code, error.message)
        out.append(f"{field}: {message}")
    return tuple(out)


def _report_row(outcome: RowOutcome) -> ReportRow:
    return ReportRow(
        line=outcome.line,
        external_id=outcome.external_id,
        outcome=outcome.outcome,
        label=str(OUTCOMES.get(outcome.outcome, outcome.outcome)),
        messages=_messages(outcome.errors),
    )


def _page(
    form: ImportForm,
    status: int,
    *,
    message: str | None = None,
    department: Department | None = None,
    report: list[ReportRow] | None = None,
    dry_run: bool = True,
) -> tuple[str, int]:
    staff = current_staff()
    own = None
    if not _is_supervisor() and staff.department_id is not None:
        own = _session().get(Department, staff.department_id)
    counts: dict[str, int] = {}
    for row in report or []:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return (
        render_template(
            "staff/claims_import.html",
            form=form,
            message=message,
            supervisor=_is_supervisor(),
            own_department=department_name(own) if own else None,
            no_department=not _is_supervisor() and own is None,
            department=department_name(department) if department else None,
            report=report,
            counts=counts,
            dry_run=dry_run,
            columns=CSV_COLUMNS,
            max_rows=MAX_ROWS,
        ),
        status,
    )


@bp.route("/claims/import", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, after the size limit below is set
@staff_required(PERMISSION)
def claims_import() -> tuple[str, int]:
    """Upload a CSV of claims; check it (dry run) or import it; a report per row."""
    request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024
    try:
        form = _form()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        return _page(_form_without_data(), 400, message=str(UPLOAD_ERRORS["too_large"]))
    if request.method == "GET":
        return _page(form, 200)
    if not _is_supervisor() and current_staff().department_id is None:
        return _page(form, 403, message=str(UPLOAD_ERRORS["no_department"]))
    if not submitted:
        expired = None
        if "csrf_token" in form.errors:
            expired = _(
                "This form had expired or was sent twice. Nothing was changed. "
                "Please open the page again and try once more."
            )
        if _is_supervisor():
            _target(form)  # names a missing department next to its field too
        return _page(form, 400, message=expired)
    department = _target(form)
    if department is None:
        return _page(form, 400)
    dry_run = form.mode.data != "import"
    try:
        text = _text(form.claims_file.data.read(MAX_UPLOAD_BYTES + 1))
        _check_header(text)
    except UploadRefused as refused:
        form.claims_file.errors = [str(UPLOAD_ERRORS[refused.reason])]
        return _page(form, 400)
    except CsvInvalid as invalid:
        form.claims_file.errors = [
            _(
                "The first row must name the columns. Missing: %(columns)s.",
                columns=str(invalid),
            )
        ]
        return _page(form, 400)
    report = _run(department, text, dry_run=dry_run)
    return _page(_form_without_data(), 200, department=department, report=report, dry_run=dry_run)


def _form_without_data() -> ImportForm:
    form = ImportForm(formdata=None)
    if _is_supervisor():
        form.department.choices = [
            SelectChoice("", _("Choose a department")),
            *[SelectChoice(d.code, department_name(d)) for d in _departments()],
        ]
    return form


def _run(department: Department, text: str, *, dry_run: bool) -> list[ReportRow]:
    staff = current_staff()
    actor = Actor.staff(staff.staff_user_id)
    session = _session()
    report: list[ReportRow] = []
    try:
        for outcome in import_rows(
            session,
            current_app.config["SALDO"],
            current_app.config["RULE_PACK"],
            department,
            read_rows(text),
            actor=actor,
            dry_run=dry_run,
        ):
            if not dry_run:
                db.session.commit()
            report.append(_report_row(outcome))
    finally:
        if dry_run:
            db.session.rollback()
    counts: dict[str, int] = {}
    for row in report:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    audit.record(
        session,
        actor,
        "department.claims_checked" if dry_run else "department.claims_imported",
        object_type="department",
        object_id=department.id,
        department=department.code,
        rows=len(report),
        **counts,
    )
    db.session.commit()
    return report
