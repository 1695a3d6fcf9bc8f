"""Reports for management and the council (/staff/reports): tables, bar charts as inline SVG,
and one CSV file per table (/staff/reports/<name>.csv), all for the same period filter.
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py).

The figures come from portal/services/reports.py (aggregate SQL); this module only names,
formats and draws them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import _
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import Field
from wtforms import StringField
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.auth.guards import staff_required
from portal.domain.money import CURRENCY_EXPONENTS
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import current_locale
from portal.i18n import long_date
from portal.i18n import money
from portal.services import reports as svc
from portal.staff.debtors import OUTCOME_NAMES
from portal.staff.debtors import SIGNAL_REASON_NAMES
from portal.staff.views import bp
from portal.web.svg_charts import bar_chart

PERMISSION = "reports.view"
DATE_FORMAT = "%Y-%m-%d"

AGE_NAMES: Mapping[str, str] = {
    "not_due": _l("Not yet due"),
    "0_30": _l("0–30 days"),
    "31_90": _l("31–90 days"),
    "91_365": _l("91–365 days"),
    "over_365": _l("More than 365 days"),
}
PLAN_NAMES: Mapping[str, str] = {
    "active": _l("Active at the end of the period"),
    "completed": _l("Completed in the period"),
    "defaulted": _l("Not kept (defaulted) in the period"),
}
DECISION_NAMES: Mapping[str, str] = {
    "granted": _l("Granted in full"),
    "partially_granted": _l("Partly granted"),
    "rejected": _l("Rejected"),
}
COST_NAMES: Mapping[str, str] = {
    "reminder_fee": _l("Reminder fees charged"),
    "interest": _l("Interest charged"),
    "avoided": _l("Costs avoided"),
}
PERIOD_ERRORS: Mapping[str, str] = {
    "order": _l("The end date is before the start date. Choose an end date on or after it."),
    "range": _l("Choose dates between 1900 and 2999."),
    "too_long": _l("Choose a period of at most 10 years."),
}
#: the first character of a spreadsheet formula (and tab/CR, which some programs strip first)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _valid_date(form: FlaskForm, field: Field) -> None:
    try:
        datetime.strptime(field.data, DATE_FORMAT)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a real date, for example 2026-01-31.")) from None


class PeriodForm(FlaskForm):
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


def _today(rules: RulePack) -> date:
    return datetime.now(ZoneInfo(rules.timezone)).date()


def _parsed(value: str | None, default: date) -> date:
    return datetime.strptime(value, DATE_FORMAT).date() if value else default


def _period(form: PeriodForm) -> tuple[svc.Period | None, str | None]:
    """The period asked for (default: this year to date), or None and what is wrong."""
    if not form.validate():
        return None, None
    default = svc.Period.year_to_date(_today(_rules()))
    try:
        period = svc.Period.checked(
            _parsed(form.date_from.data, default.start), _parsed(form.date_to.data, default.end)
        )
    except svc.InvalidPeriod as error:
        return None, str(PERIOD_ERRORS[error.reason])
    return period, None


def _month_name(year: int, month: int) -> str:
    return str(format_date(date(year, month, 1), "LLLL y", locale=current_locale()))


def _number(value: int) -> str:
    return str(format_decimal(value))


def _money_label(currency: str) -> Callable[[int | float], str]:
    return lambda value: money(int(value), currency)


def _charts(reports: svc.Reports) -> dict[str, Markup]:
    """One chart per report, in the installation's currency; the tables have every row."""
    cur = reports.currency
    total = next(line for line in reports.outstanding.totals if line.currency == cur)
    as_of = long_date(reports.period.end)
    span = _("%(start)s to %(end)s", start=long_date(reports.period.start), end=as_of)
    same = _("The table below the chart has the same figures.")
    specs: list[tuple[str, str, str, list[tuple[str, int]], Callable[[int | float], str]]] = [
        (
            "outstanding",
            _("Outstanding by days past the due date"),
            _("Amounts still open on %(date)s, by days past the due date.", date=as_of),
            [(str(AGE_NAMES[name]), total.buckets[name].amount) for name in svc.AGE_BUCKETS],
            _money_label(cur),
        ),
        (
            "collected",
            _("Collected per month"),
            _("Payments received per month, %(span)s.", span=span),
            [
                (_month_name(item.year, item.month), item.figure.amount)
                for item in reports.collected.months
                if item.figure.currency == cur
            ],
            _money_label(cur),
        ),
        (
            "plans",
            _("Payment plans"),
            _("Number of payment plans, %(span)s.", span=span),
            [
                (str(PLAN_NAMES[line.key]), line.figure.count)
                for line in reports.plans
                if line.figure.currency == cur
            ],
            _number_label,
        ),
        (
            "remission",
            _("Remission decisions"),
            _("Number of remission applications decided, %(span)s.", span=span),
            [
                (str(DECISION_NAMES[line.decision]), line.applications)
                for line in reports.remissions
                if line.currency == cur
            ],
            _number_label,
        ),
        (
            "write-offs",
            _("Write-offs by department"),
            _("Amounts written off per department, %(span)s.", span=span),
            [
                (line.key, line.figure.amount)
                for line in reports.write_offs
                if line.figure.currency == cur
            ],
            _money_label(cur),
        ),
        (
            "signals",
            _("What became of the signals"),
            _("Early signals raised %(span)s, by outcome.", span=span),
            [(outcome_name(key), count) for key, count in reports.signals.outcomes],
            _number_label,
        ),
        (
            "costs",
            _("Costs charged and costs avoided"),
            _("Reminder fees and interest charged, and costs avoided, %(span)s.", span=span),
            [
                (str(COST_NAMES[line.key]), line.figure.amount)
                for line in reports.costs
                if line.figure.currency == cur
            ],
            _money_label(cur),
        ),
    ]
    return {
        name: Markup(  # noqa: S704 - bar_chart escapes every text it is given
            bar_chart(
                bars,
                chart_id=f"chart-{name}",
                title=title,
                description=f"{description} {same}",
                value_label=label,
            )
        )
        for name, title, description, bars, label in specs
    }


def _number_label(value: int | float) -> str:
    return _number(int(value))


def outcome_name(key: str) -> str:
    if key == svc.STILL_OPEN:
        return str(_l("Still open"))
    return str(OUTCOME_NAMES.get(key, key))


def reason_name(key: str) -> str:
    return str(SIGNAL_REASON_NAMES.get(key, key))


@bp.get("/reports")
@staff_required(PERMISSION)
def reports() -> tuple[str, int]:
    """Every report for the period, as tables and charts, with a CSV link per table."""
    form = PeriodForm(request.args)
    period, message = _period(form)
    result: svc.Reports | None = None
    charts: dict[str, Markup] = {}
    if period is not None:
        rules = _rules()
        result = svc.build_reports(
            _session(),
            period,
            locale=current_locale(),
            zone=ZoneInfo(rules.timezone),
            currency=rules.currency,
        )
        charts = _charts(result)
    if period is not None and not form.date_from.data and not form.date_to.data:
        form.date_from.data = period.start.isoformat()
        form.date_to.data = period.end.isoformat()
    args = {"date_from": form.date_from.data or "", "date_to": form.date_to.data or ""}
    return render_template(
        "staff/reports.html",
        form=form,
        message=message,
        reports=result,
        charts=charts,
        args=args if period is not None else {},
        age_names=AGE_NAMES,
        plan_names=PLAN_NAMES,
        decision_names=DECISION_NAMES,
        cost_names=COST_NAMES,
        outcome_name=outcome_name,
        reason_name=reason_name,
        month_name=_month_name,
    ), (200 if period is not None else 400)


# --- CSV -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvTable:
    header: Sequence[str]
    rows: Iterable[Sequence[str | int]]


def decimal_amount(amount: int, currency: str) -> str:
    """Minor units as a plain decimal string in the currency: 123456 EUR -> '1234.56'."""
    return f"{Decimal(amount).scaleb(-CURRENCY_EXPONENTS[currency]):f}"


def safe_cell(value: str | int) -> str:
    """Cells a spreadsheet would run as a formula get a leading quote (OWASP CSV injection).

    Whole numbers and the plain decimal amounts made above are left as numbers.
    """
    text = str(value)
    if not text.startswith(FORMULA_STARTS):
        return text
    if text.startswith("-") and text[1:].replace(".", "", 1).isdigit():
        return text
    return "'" + text


def csv_bytes(table: CsvTable) -> bytes:
    """UTF-8 with a byte order mark, so Excel reads the letters right; CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _figure_row(labels: Sequence[str], figure: svc.Figure) -> list[str | int]:
    """The labels, then the count, the amount as a decimal string, and the currency."""
    return [*labels, figure.count, decimal_amount(figure.amount, figure.currency), figure.currency]


def _outstanding_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    report = svc.outstanding(session, period.end, locale=current_locale(), currency=rules.currency)
    return CsvTable(
        [_("Department"), _("Days past the due date"), _("Bills"), _("Amount"), _("Currency")],
        (
            _figure_row((line.department, str(AGE_NAMES[name])), line.buckets[name])
            for line in report.lines
            for name in svc.AGE_BUCKETS
        ),
    )


def _collected_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    report = svc.collected(session, period, currency=rules.currency)
    return CsvTable(
        [_("Month"), _("Payments"), _("Amount"), _("Currency")],
        (
            _figure_row((f"{item.year:04d}-{item.month:02d}",), item.figure)
            for item in report.months
        ),
    )


def _plans_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    lines = svc.plans(session, period, currency=rules.currency)
    return CsvTable(
        [_("Payment plans"), _("Number"), _("Total of the plans"), _("Currency")],
        (_figure_row((str(PLAN_NAMES[line.key]),), line.figure) for line in lines),
    )


def _remission_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    lines = svc.remissions(session, period, zone=ZoneInfo(rules.timezone), currency=rules.currency)
    return CsvTable(
        [_("Decision"), _("Applications"), _("Applied for"), _("Waived"), _("Currency")],
        (
            [
                str(DECISION_NAMES[line.decision]),
                line.applications,
                decimal_amount(line.applied_for, line.currency),
                decimal_amount(line.granted, line.currency),
                line.currency,
            ]
            for line in lines
        ),
    )


def _write_offs_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    lines = svc.write_offs(session, period, locale=current_locale())
    return CsvTable(
        [_("Department"), _("Bills"), _("Amount written off"), _("Currency")],
        (_figure_row((line.key,), line.figure) for line in lines),
    )


def _signals_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    report = svc.signals(session, period, zone=ZoneInfo(rules.timezone))
    return CsvTable(
        [_("Reason"), _("Raised"), _("Still open"), _("Closed")],
        (
            [reason_name(line.reason), line.raised, line.still_open, line.closed]
            for line in report.by_reason
        ),
    )


def _signal_outcomes_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    report = svc.signals(session, period, zone=ZoneInfo(rules.timezone))
    return CsvTable(
        [_("Outcome"), _("Signals")],
        ([outcome_name(key), count] for key, count in report.outcomes),
    )


def _costs_csv(session: Session, period: svc.Period, rules: RulePack) -> CsvTable:
    lines = svc.costs(session, period, currency=rules.currency)
    return CsvTable(
        [_("Costs"), _("Number"), _("Amount"), _("Currency")],
        (_figure_row((str(COST_NAMES[line.key]),), line.figure) for line in lines),
    )


CSV_TABLES: Mapping[str, Callable[[Session, svc.Period, RulePack], CsvTable]] = {
    "outstanding": _outstanding_csv,
    "collected": _collected_csv,
    "plans": _plans_csv,
    "remission": _remission_csv,
    "write-offs": _write_offs_csv,
    "signals": _signals_csv,
    "signal-outcomes": _signal_outcomes_csv,
    "costs": _costs_csv,
}


@bp.get("/reports/<name>.csv")
@staff_required(PERMISSION)
def report_csv(name: str) -> Response:
    """One table of the report page as a CSV file, for the same period."""
    build = CSV_TABLES.get(name)
    if build is None:
        abort(404)
    form = PeriodForm(request.args)
    period, message = _period(form)
    if period is None:
        problems = [message] if message else [e for f in form for e in f.errors]
        return Response(
            "\n".join(str(problem) for problem in problems) + "\n",
            status=400,
            mimetype="text/plain",
        )
    body = csv_bytes(build(_session(), period, _rules()))
    filename = f"saldo-{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
