"""Finance pages (/staff/finance, issue 9): the journal of ledger movements and the daily
bank reconciliation for a period, on the page and as CSV downloads. Role "finance" (and
supervisors). Registered on the `staff` blueprint (imported at the bottom of staff/views.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask import render_template
from flask import request
from flask import stream_with_context
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import Field
from wtforms import StringField
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.auth.guards import staff_required
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.services import finance_exports
from portal.services.reconciliation import Reconciliation
from portal.services.reconciliation import reconcile_day
from portal.services.reconciliation import reconciliation_csv
from portal.services.reports import InvalidPeriod
from portal.services.reports import Period
from portal.staff.views import bp

PERMISSION = "finance.export"
DATE_FORMAT = "%Y-%m-%d"
#: the page reconciles every day of the period: a month at most keeps it quick
MAX_DAYS = 31
PERIOD_ERRORS: Mapping[str, str] = {
    "order": _l("The end date is before the start date. Choose an end date on or after it."),
    "range": _l("Choose dates between 1900 and 2999."),
    "too_long": _l("Choose a period of at most 31 days."),
}
CATEGORY_NAMES: Mapping[str, str] = {
    "booked": _l("Booked payment"),
    "unmatched": _l("Unmatched: waiting in the queue"),
    "payout": _l("Stripe payout"),
    "difference": _l("Difference"),
}
REASON_NAMES: Mapping[str, str] = {
    "not_processed": _l("Not processed yet: run the bank import again"),
    "rejected": _l("Rejected by the import (for example a debit or a duplicate)"),
    "currency": _l("In another currency"),
    "booked_without_payment": _l("Marked as booked, but no payment is linked"),
    "amount_differs": _l("The booked payment has another amount than the bank credit"),
}


def _valid_date(form: FlaskForm, field: Field) -> None:
    try:
        datetime.strptime(field.data, DATE_FORMAT)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a real date, for example 2026-01-31.")) from None


class FinancePeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    date_from = StringField(_l("From"), validators=[Optional(), _valid_date])
    date_to = StringField(_l("To"), validators=[Optional(), _valid_date])


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _period(form: FinancePeriodForm) -> tuple[Period | None, str | None]:
    """The period asked for (default: yesterday), or None and what is wrong."""
    if not form.validate():
        return None, None
    yesterday = datetime.now(ZoneInfo(_rules().timezone)).date() - timedelta(days=1)
    start = _parsed(form.date_from.data) or _parsed(form.date_to.data) or yesterday
    end = _parsed(form.date_to.data) or start
    if (end - start).days >= MAX_DAYS and end >= start:
        return None, str(PERIOD_ERRORS["too_long"])
    try:
        return Period.checked(start, end), None
    except InvalidPeriod as error:
        return None, str(PERIOD_ERRORS[error.reason])


def _parsed(value: str | None) -> date | None:
    return datetime.strptime(value, DATE_FORMAT).date() if value else None


def _days(period: Period) -> Iterator[date]:
    day = period.start
    while day <= period.end:
        yield day
        day += timedelta(days=1)


def _reconciliations(period: Period) -> list[Reconciliation]:
    rules = _rules()
    return [reconcile_day(_session(), day, currency=rules.currency) for day in _days(period)]


@bp.get("/finance")
@staff_required(PERMISSION)
def finance() -> tuple[str, int]:
    """The journal count and download link, and the reconciliation of each day."""
    form = FinancePeriodForm(request.args)
    period, message = _period(form)
    movements, reports = 0, []
    if period is not None:
        zone = ZoneInfo(_rules().timezone)
        movements = finance_exports.count_movements(_session(), period, zone=zone)
        reports = [report for report in _reconciliations(period) if not report.empty]
        form.date_from.data = period.start.isoformat()
        form.date_to.data = period.end.isoformat()
    return render_template(
        "staff/finance.html",
        form=form,
        message=message,
        period=period,
        movements=movements,
        reports=reports,
        args={"date_from": form.date_from.data, "date_to": form.date_to.data},
        category_names=CATEGORY_NAMES,
        reason_names=REASON_NAMES,
    ), (200 if period is not None else 400)


def _bad_period(form: FinancePeriodForm, message: str | None) -> Response:
    problems = [message] if message else [e for f in form for e in f.errors]
    return Response(
        "\n".join(str(problem) for problem in problems) + "\n", status=400, mimetype="text/plain"
    )


def _attachment(name: str, period: Period) -> dict[str, str]:
    filename = f"saldo-{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@bp.get("/finance/journal.csv")
@staff_required(PERMISSION)
def finance_journal() -> Response:
    """The journal of the period, streamed (a month can hold many movements)."""
    form = FinancePeriodForm(request.args)
    period, message = _period(form)
    if period is None:
        return _bad_period(form, message)
    config: Config = current_app.config["SALDO"]
    lines = finance_exports.journal_lines(
        _session(),
        period,
        zone=ZoneInfo(_rules().timezone),
        accounts=finance_exports.gl_accounts(config.gl_accounts),
    )
    return Response(
        stream_with_context(finance_exports.journal_csv(lines)),
        mimetype="text/csv",
        headers=_attachment("journal", period),
    )


@bp.get("/finance/reconciliation.csv")
@staff_required(PERMISSION)
def finance_reconciliation() -> Response:
    """The reconciliation of every day of the period, one block of rows per day."""
    form = FinancePeriodForm(request.args)
    period, message = _period(form)
    if period is None:
        return _bad_period(form, message)
    body = reconciliation_csv(*_reconciliations(period))
    return Response(body, mimetype="text/csv", headers=_attachment("reconciliation", period))
