"""CSV upload of social status flags (/staff/social-status/import), issue 8.

The same code path as `flask --app wsgi import-social-status`: `read_rows` + `import_rows`,
each row its own savepoint, a dry run stores nothing. A department clerk uploads for their own
department; an administrator chooses one. The department must hold the right (see
docs/proactive-offers.md). Imported by portal/staff/social_status.py.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from sqlalchemy import select
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
from portal.services.social_status import current_right
from portal.services.social_status_import import CSV_COLUMNS
from portal.services.social_status_import import CsvInvalid
from portal.services.social_status_import import RowOutcome
from portal.services.social_status_import import import_rows
from portal.services.social_status_import import read_rows
from portal.staff.csv_upload import UPLOAD_ERRORS
from portal.staff.csv_upload import UploadRefused
from portal.staff.csv_upload import _text
from portal.staff.labels import department_name
from portal.staff.social_status import _today
from portal.staff.views import bp

PERMISSION = "social_status.import"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1_000

OUTCOMES: Mapping[str, str] = {
    "created": _l("Stored"),
    "unchanged": _l("Already stored, unchanged"),
    "would_create": _l("OK, would be stored"),
    "rejected": _l("Not stored"),
}
ERROR_MESSAGES: Mapping[str, str] = {
    "required": _l("This is missing."),
    "type": _l("This has the wrong form."),
    "invalid": _l("This value is not allowed."),
    "invalid_date": _l("This is not a date. Use the form YYYY-MM-DD, for example 2027-06-30."),
    "before_valid_from": _l("The end date is before the start date."),
    "in_past": _l("The end date has passed."),
    "too_far": _l("The end date is more than 3 years after the start."),
    "one_identifier": _l("Give either a national id or a business number, not both."),
    "invalid_identifier": _l("This number does not pass its check. Please check the digits."),
    "unknown_field": _l("This column is not used."),
    "unknown_debtor": _l("We do not know anyone with this number. Nothing was stored."),
    "conflict": _l("This reference was used before for a different status."),
    "no_right": _l("Your department may not record social status."),
}


class UploadForm(FlaskForm):
    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    status_file = FileField(
        _l("Social status file (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))]
    )
    mode = RadioField(
        _l("What should happen?"),
        choices=[
            SelectChoice("dry_run", _l("Only check the file; store nothing")),
            SelectChoice("import", _l("Store the good rows")),
        ],
        default="dry_run",
        validators=[InputRequired(_l("Choose whether to check or to store."))],
    )


def _is_admin() -> bool:
    """Admins and supervisors choose the department; a clerk uploads for their own."""
    return current_staff().role in ("admin", "supervisor")


def _form(formdata: bool = True) -> UploadForm:
    form = UploadForm() if formdata else UploadForm(formdata=None)
    if _is_admin():
        departments = db.session.scalars(select(Department).order_by(Department.code))
        form.department.choices = [
            SelectChoice("", _("Choose a department")),
            *[SelectChoice(d.code, department_name(d)) for d in departments],
        ]
    return form


def _target(form: UploadForm) -> Department | None:
    staff = current_staff()
    if not _is_admin():
        return db.session.get(Department, staff.department_id) if staff.department_id else None
    found = db.session.scalar(select(Department).where(Department.code == form.department.data))
    if found is None:
        form.department.errors = [_("Choose the department the statuses come from.")]
    return found


def _messages(errors: tuple[FieldError, ...]) -> tuple[str, ...]:
    return tuple(
        f"{error.field or _('Row')}: {ERROR_MESSAGES.get(error.code, error.message)}"
        for error in errors
    )


def _page(
    form: UploadForm,
    status: int,
    *,
    message: str | None = None,
    department: Department | None = None,
    report: list[RowOutcome] | None = None,
    dry_run: bool = True,
) -> tuple[str, int]:
    staff = current_staff()
    own = None
    if not _is_admin() and staff.department_id is not None:
        own = db.session.get(Department, staff.department_id)
    counts: dict[str, int] = {}
    for row in report or []:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return (
        render_template(
            "staff/social_status_import.html",
            form=form,
            message=message,
            admin=_is_admin(),
            own_department=department_name(own) if own else None,
            no_department=not _is_admin() and own is None,
            department=department_name(department) if department else None,
            report=report,
            labels=OUTCOMES,
            messages=_messages,
            counts=counts,
            dry_run=dry_run,
            columns=CSV_COLUMNS,
            max_rows=MAX_ROWS,
        ),
        status,
    )


@bp.route("/social-status/import", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, after the size limit below is set
@staff_required(PERMISSION)
def social_status_import() -> tuple[str, int]:
    """Upload a CSV of social status flags; check it (dry run) or store it; a report per row."""
    request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024
    try:
        form = _form()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        return _page(_form(False), 400, message=str(UPLOAD_ERRORS["too_large"]))
    if request.method == "GET":
        return _page(form, 200)
    if not submitted:
        expired = None
        if "csrf_token" in form.errors:
            expired = _("This form had expired or was sent twice. Nothing was changed.")
        if _is_admin():
            _target(form)
        return _page(form, 400, message=expired)
    department = _target(form)
    if department is None:
        return _page(form, 400 if _is_admin() else 403)
    if current_right(db.session(), department.id) is None:
        message = _(
            "This department may not record social status. An administrator records the "
            "legal basis first (see the documentation)."
        )
        return _page(form, 403, message=message)
    try:
        text = _text(form.status_file.data.read(MAX_UPLOAD_BYTES + 1))
        rows = list(read_rows(text))
    except UploadRefused as refused:
        form.status_file.errors = [str(UPLOAD_ERRORS[refused.reason])]
        return _page(form, 400)
    except csv.Error:
        form.status_file.errors = [str(UPLOAD_ERRORS["not_csv"])]
        return _page(form, 400)
    except CsvInvalid as invalid:
        form.status_file.errors = [
            _("The first row must name the columns. Missing: %(columns)s.", columns=str(invalid))
        ]
        return _page(form, 400)
    if not rows or len(rows) > MAX_ROWS:
        reason = "empty" if not rows else "too_many_rows"
        form.status_file.errors = [str(UPLOAD_ERRORS[reason])]
        return _page(form, 400)
    dry_run = form.mode.data != "import"
    report = _run(department, rows, dry_run=dry_run)
    return _page(_form(False), 200, department=department, report=report, dry_run=dry_run)


def _run(
    department: Department, rows: list[tuple[int, dict[str, object]]], *, dry_run: bool
) -> list[RowOutcome]:
    actor = Actor.staff(current_staff().staff_user_id)
    session = db.session()
    try:
        report = list(
            import_rows(
                session,
                current_app.config["SALDO"],
                current_app.config["RULE_PACK"].country,
                department,
                iter(rows),
                actor=actor,
                as_of=_today(),
                now=datetime.now(UTC),
                dry_run=dry_run,
            )
        )
    finally:
        if dry_run:
            db.session.rollback()
    outcomes = [row.outcome for row in report]
    audit.record(
        session,
        actor,
        "social_status.checked" if dry_run else "social_status.imported",
        object_type="department",
        object_id=department.id,
        department=department.code,
        rows=len(report),
        **{name: outcomes.count(name) for name in set(outcomes)},
    )
    db.session.commit()
    return report
