"""Hand-over to the external collector (/staff/handover, issue 8): the caseworker's list of
eligible claims (approve with a tick), run the batch, download the file (audited), recall a
claim, import the collector's report. Registered on the `staff` blueprint (imported at the
bottom of portal/staff/views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import send_file
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import SelectMultipleField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.config import Config
from portal.domain.handover import Eligibility
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Claim
from portal.models import Debtor
from portal.models import WorkItem
from portal.models.handover import HandoverBatch
from portal.models.handover import HandoverRecord
from portal.services import collector_report as report_svc
from portal.services import handover as svc
from portal.services import work
from portal.staff.views import bp

MANAGE = "handover.manage"
RECALL = "handover.recall"
LIST_LIMIT = 100
MAX_REPORT_BYTES = 2 * 1024 * 1024

BLOCK_NAMES = {
    "reminders_not_run": _l("the reminders have not all been sent"),
    "no_prior_notice": _l("no written notice was sent"),
    "prior_notice_too_recent": _l("the notice period has not ended"),
    "on_hold": _l("collection is paused"),
    "open_signal": _l("the person is on the early-signal list"),
    "handed_over": _l("already with the collector"),
    "cancelled": _l("the bill was cancelled"),
    "zero_balance": _l("nothing is left to pay"),
    "below_minimum": _l("the amount is below the minimum"),
    "preferential": _l("we collect this kind of bill ourselves"),
}
ROW_ERRORS = {
    "unknown_claim": _l("There is no bill with this number."),
    "bad_transaction_id": _l("The transaction id is missing or not valid."),
    "not_handed_over": _l("This bill is not with the collector."),
    "bad_status": _l("The status is not one we know."),
    "bad_amount": _l("The amount is not valid. Write it like 125.50."),
    "more_than_handed_over": _l("The amount is more than was handed over."),
    "bad_date": _l("The date is not valid. Write it as YYYY-MM-DD."),
}
FILE_ERRORS = {
    "not_utf8": _l("The file is not a UTF-8 text file."),
    "not_csv": _l("The file is not a CSV file."),
    "bad_header": _l(
        "The first line must be: claim_id,transaction_id,status,amount_collected,reported_on"
    ),
    "too_many_rows": _l("The file has too many lines. Split it into smaller files."),
    "empty": _l("The file has no lines to import."),
}


class ApproveForm(FlaskForm):
    claim_ids = SelectMultipleField(_l("Hand over"), coerce=int, validate_choice=False)


class RunForm(FlaskForm):
    """Only the CSRF token."""


class RecallForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the recall"),
        validators=[
            DataRequired(_l("Write why the bill is taken back.")),
            Length(max=300, message=_l("Write at most 300 characters.")),
        ],
    )


class ReportForm(FlaskForm):
    report = FileField(
        _l("Report file from the collector (CSV)"),
        validators=[FileRequired(_l("Choose a report file."))],
    )
    dry_run = BooleanField(_l("Dry run: check the file, change nothing"))


@dataclass(frozen=True)
class Candidate:
    item: WorkItem
    claim: Claim
    debtor_name: str
    eligibility: Eligibility


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _candidates(session: Session) -> list[Candidate]:
    rows = session.execute(
        select(WorkItem, Claim, Debtor.name)
        .join(Claim, Claim.id == WorkItem.subject_id)
        .join(Debtor, Debtor.id == Claim.debtor_id)
        .where(
            WorkItem.kind == work.HANDOVER_CHECK,
            WorkItem.subject_type == svc.SUBJECT,
            WorkItem.state == "open",
        )
        .order_by(WorkItem.opened_at, WorkItem.id)
        .limit(LIST_LIMIT)
    ).all()
    verdicts = svc.eligibility_of(session, _rules(), [claim for _, claim, _ in rows], _today())
    return [Candidate(item, claim, name, verdicts[claim.id]) for item, claim, name in rows]


def _page(
    status: int = 200,
    *,
    approve_form: ApproveForm | None = None,
    recall_form: RecallForm | None = None,
    recall_claim_id: int | None = None,
    message: str | None = None,
) -> tuple[str, int]:
    session = _session()
    pending = svc.pending_approvals(session)
    active = session.execute(
        select(HandoverRecord, Claim, Debtor.name)
        .join(Claim, Claim.id == HandoverRecord.claim_id)
        .join(Debtor, Debtor.id == Claim.debtor_id)
        .where(HandoverRecord.recalled_at.is_(None))
        .order_by(HandoverRecord.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    batches = session.scalars(
        select(HandoverBatch).order_by(HandoverBatch.id.desc()).limit(20)
    ).all()
    return render_template(
        "staff/handover.html",
        candidates=_candidates(session),
        pending=[session.get(Claim, item.subject_id) for item in pending],
        active=active,
        batches=batches,
        block_names=BLOCK_NAMES,
        approve_form=approve_form or ApproveForm(formdata=None),
        recall_form=recall_form or RecallForm(formdata=None),
        recall_claim_id=recall_claim_id,
        message=message,
        limit=LIST_LIMIT,
    ), status


@bp.get("/handover")
@staff_required(MANAGE)
def handover() -> tuple[str, int]:
    """Eligible claims to approve, approved claims waiting, claims with the collector, files."""
    return _page()


@bp.post("/handover/approve")
@staff_required(MANAGE)
def handover_approve() -> Response | tuple[str, int]:
    """Approve the ticked claims for the next hand-over run."""
    form = ApproveForm()
    if not form.validate_on_submit() or not form.claim_ids.data:
        message = _("Tick at least one bill to hand over. Nothing was changed.")
        return _page(400, approve_form=form, message=message)
    staff_id = current_staff().staff_user_id
    try:
        for claim_id in form.claim_ids.data:
            svc.approve_handover(
                _session(),
                _rules(),
                claim_id,
                staff_user_id=staff_id,
                as_of=_today(),
                now=datetime.now(UTC),
            )
    except (svc.NotEligible, svc.AlreadyApproved, svc.UnknownClaim, work.WorkItemNotOpen):
        db.session.rollback()
        message = _(
            "One of the bills can no longer be handed over, or someone already approved it. "
            "Nothing was changed. Please check the list again."
        )
        return _page(409, message=message)
    db.session.commit()
    flash(_("The bills will go to the collector with the next run."), "success")
    return redirect(url_for("staff.handover"))


@bp.post("/handover/run")
@staff_required(MANAGE)
def handover_run() -> Response | tuple[str, int]:
    """Run the hand-over batch now: file, letters, claims marked as handed over."""
    if not RunForm().validate_on_submit():
        return _page(400, message=_("This form had expired. Nothing was changed."))
    run = svc.run_handover(
        _session(), _rules(), as_of=_today(), staff_user_id=current_staff().staff_user_id
    )
    db.session.commit()
    if run.batch is None:
        flash(_("There was nothing to hand over or recall. No file was made."), "info")
        return redirect(url_for("staff.handover"))
    svc.deliver_handover_letters(_session(), now=datetime.now(UTC))
    db.session.commit()
    flash(
        _(
            "The file is ready: %(claims)d bills handed over, %(recalls)d recalls.",
            claims=run.handed_over,
            recalls=run.recalls,
        ),
        "success",
    )
    return redirect(url_for("staff.handover"))


@bp.get("/handover/batches/<int:batch_id>/file")
@staff_required(MANAGE)
def handover_file(batch_id: int) -> Response:
    """Download a hand-over file. It holds national ids, so every download is audited."""
    batch = _session().get(HandoverBatch, batch_id)
    if batch is None:
        abort(404)
    path = svc.batch_file(_config(), batch)
    if not path.is_file():
        abort(404)
    svc.record_download(_session(), batch.id, staff_user_id=current_staff().staff_user_id)
    db.session.commit()
    response = send_file(path, mimetype="text/csv", as_attachment=True, download_name=path.name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/handover/claims/<int:claim_id>/recall")
@staff_required(RECALL)
def handover_recall(claim_id: int) -> Response | tuple[str, int]:
    """Take a claim back from the collector, with a reason. Audited."""
    form = RecallForm()
    if not form.validate_on_submit():
        return _page(400, recall_form=form, recall_claim_id=claim_id)
    try:
        svc.recall_claim(
            _session(),
            claim_id,
            staff_user_id=current_staff().staff_user_id,
            reason=form.reason.data or "",
            now=datetime.now(UTC),
        )
    except svc.UnknownClaim:
        db.session.rollback()
        abort(404)
    except svc.NotHandedOver:
        db.session.rollback()
        flash(_("This bill is not with the collector any more. Nothing was changed."), "error")
        return redirect(url_for("staff.handover"))
    db.session.commit()
    flash(_("The bill was taken back. It is in normal collection again."), "success")
    return redirect(url_for("staff.handover"))


@bp.route("/handover/report", methods=["GET", "POST"])
@staff_required(MANAGE)
def handover_report() -> tuple[str, int]:
    """Upload the collector's report; show a result per row. A dry run changes nothing."""
    form = ReportForm()
    if not form.validate_on_submit():
        return _report_page(form, None, 400 if form.errors else 200)
    data = form.report.data.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        return _report_page(form, _("The file is too large (at most 2 MB)."), 400)
    try:
        results = report_svc.import_collector_report(
            _session(),
            data,
            dry_run=bool(form.dry_run.data),
            staff_user_id=current_staff().staff_user_id,
            commit=db.session.commit,
        )
    except report_svc.ReportFileError as error:
        db.session.rollback()
        return _report_page(form, str(FILE_ERRORS.get(str(error), FILE_ERRORS["not_csv"])), 400)
    return _report_page(ReportForm(formdata=None), None, 200, results, bool(form.dry_run.data))


def _report_page(
    form: ReportForm,
    message: str | None,
    status: int,
    results: list[report_svc.RowResult] | None = None,
    dry_run: bool = False,
) -> tuple[str, int]:
    return render_template(
        "staff/handover_report.html",
        form=form,
        message=message,
        results=results,
        dry_run=dry_run,
        row_errors=ROW_ERRORS,
        currency=_rules().currency,
    ), status
