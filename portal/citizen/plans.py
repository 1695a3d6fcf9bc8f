"""The citizen's payment plan pages (issue 4): scope, what you can afford, the statement, the
proposal with its schedule, confirm, and the plan's state afterwards.

Registered on the `citizen` blueprint (imported at the bottom of portal/citizen/views.py).
The journey keeps two small values in the session between pages: the basis ("statement" or
"own_offer") and the monthly amount the citizen chose. Every money calculation is done by
the plan services; these views only read forms, call one service and render.
"""

from __future__ import annotations

import secrets
from datetime import date

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session as cookie
from flask import url_for
from flask_babel import _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import Field

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.citizen import plan_presenters as words
from portal.citizen import views
from portal.citizen.plan_forms import AffordForm
from portal.citizen.plan_forms import ConfirmForm
from portal.citizen.plan_forms import MonthlyForm
from portal.citizen.plan_forms import PlanActionForm
from portal.citizen.plan_forms import StatementForm
from portal.citizen.plan_forms import amount_text
from portal.citizen.presenters import EID_NAMES
from portal.domain.affordability import CapacityResult
from portal.domain.affordability import ImplausibleStatement
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.domain.schedule import InstallmentBelowMinimum
from portal.domain.schedule import InvalidSchedule
from portal.domain.schedule import ScheduleTooLong
from portal.extensions import db
from portal.i18n import money
from portal.models.plan import Plan
from portal.services import plan_scope as scope_svc
from portal.services import plan_statements as statement_svc
from portal.services import plans as plan_svc
from portal.services.audit import Actor

bp = views.bp
JOURNEY = "plan_journey"
Page = str | tuple[str, int]


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _today() -> date:
    return views._today(_rules())  # noqa: SLF001 - the blueprint's one "today"


def _actor() -> Actor:
    return current_actor()  # desk mode records both people


def _journey() -> dict[str, object]:
    value = cookie.get(JOURNEY)
    return dict(value) if isinstance(value, dict) else {}


def _remember(**values: object) -> None:
    cookie[JOURNEY] = {**_journey(), **values}


def _letter_code_page() -> Page | None:
    """A plan covers every open bill; a letter code opens only that letter's (decisions.md)."""
    if current_citizen().claim_scope is None:
        return None
    eid_name = EID_NAMES.get(_rules().code, "eID")
    status = 403 if request.method == "POST" else 200
    return render_template("citizen/plan_eid.html", eid_name=eid_name), status


def _own_plan(plan_id: int) -> Plan:
    """The citizen's own plan; 404 for anyone else's, so ids cannot be probed."""
    plan = _session().get(Plan, plan_id)
    if plan is None or plan.debtor_id != current_citizen().debtor_id:
        abort(404)
    return plan


def _may_start(debtor_id: int) -> bool:
    """A new proposal is possible without an open plan, once after a defaulted plan, and as
    an amendment of an active plan when a new bill came in while it runs."""
    session = _session()
    plan = plan_svc.open_plan(session, debtor_id)
    if plan is None:
        return True
    if plan.state == PlanState.DEFAULTED:
        return plan_svc.can_replan(session, debtor_id)
    if plan.state == PlanState.ACTIVE:
        return bool(plan_svc.amendment_candidates(session, plan, as_of=_today(), rules=_rules()))
    return False


# -- 1. scope and state ------------------------------------------------------------------------


@bp.get("/plan")
@citizen_required
def plan_start() -> Page:
    """Which bills go into a plan (all open ones), which cannot and why; or the plan's state."""
    if (page := _letter_code_page()) is not None:
        return page
    citizen, session, today = current_citizen(), _session(), _today()
    plan = plan_svc.open_plan(session, citizen.debtor_id)
    can_replan = bool(
        plan is not None
        and plan.state == PlanState.DEFAULTED
        and plan_svc.can_replan(session, citizen.debtor_id)
    )
    scope = None
    if plan is None or can_replan:
        scope = scope_svc.plan_scope(session, _rules(), citizen.debtor_id, as_of=today)
    amendment = []
    if plan is not None and plan.state == PlanState.ACTIVE:
        amendment = plan_svc.amendment_candidates(session, plan, as_of=today, rules=_rules())
    return render_template(
        "citizen/plan_start.html",
        plan=plan,
        view=words.plan_view(session, _rules(), plan, today=today) if plan else None,
        last_plan=words.ended_plan(session, citizen.debtor_id) if plan is None else None,
        scope=scope,
        can_replan=can_replan,
        amendment=amendment,
        today=today,
        form=PlanActionForm(formdata=None),
    )


# -- 2. what can you afford? -------------------------------------------------------------------


@bp.route("/plan/afford", methods=["GET", "POST"])
@citizen_required
def plan_afford() -> Page | Response:
    """A statement of income and expenses, or "I know what I can pay each month"."""
    if (page := _letter_code_page()) is not None:
        return page
    if not _may_start(current_citizen().debtor_id):
        return redirect(url_for("citizen.plan_start"))
    form = AffordForm()
    if not form.is_submitted():
        form.choice.data = str(_journey().get("basis") or "")
        form.monthly.data = amount_text(_monthly_in_journey())
    elif form.validate() and (chosen := form.chosen(_rules().currency)) is not None:
        basis, monthly = chosen
        if basis == "statement":
            _remember(basis=basis, monthly=None)
            return redirect(url_for("citizen.plan_statement"))
        if _quote_or_error(form.monthly, basis, monthly) is not None:
            _remember(basis=basis, monthly=monthly)
            return redirect(url_for("citizen.plan_proposal"))
    status = 400 if form.is_submitted() else 200
    return render_template("citizen/plan_afford.html", form=form), status


def _monthly_in_journey() -> int | None:
    value = _journey().get("monthly")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- 2a. the statement -------------------------------------------------------------------------


@bp.route("/plan/statement", methods=["GET", "POST"])
@citizen_required
def plan_statement() -> Page | Response:
    """The short income-and-expenses statement; "Save and continue later" keeps a draft."""
    if (page := _letter_code_page()) is not None:
        return page
    citizen, session, rules = current_citizen(), _session(), _rules()
    if not _may_start(citizen.debtor_id):
        return redirect(url_for("citizen.plan_start"))
    form = StatementForm()
    if not form.is_submitted():
        words.fill_statement_form(form, statement_svc.draft_statement(session, citizen.debtor_id))
        return render_template("citizen/plan_statement.html", form=form)
    finish = request.form.get("action") != "save"
    values = form.values(rules.currency, complete=finish) if form.validate() else None
    if values is None:
        return render_template("citizen/plan_statement.html", form=form), 400
    try:
        statement_svc.save_statement(
            session,
            citizen.debtor_id,
            statement_svc.StatementInput(**values, submit=finish),  # type: ignore[arg-type]
            actor=_actor(),
        )
    except (ImplausibleStatement, statement_svc.IncompleteStatement) as error:
        db.session.rollback()
        words.statement_error(form, error)
        return render_template("citizen/plan_statement.html", form=form), 400
    db.session.commit()
    if not finish:
        flash(_("We saved your answers. You can come back and finish them later."), "success")
        return redirect(url_for("citizen.plan_statement"))
    _remember(basis="statement", monthly=None)
    return redirect(url_for("citizen.plan_proposal"))


# -- 3 and 4. the proposal ---------------------------------------------------------------------


def _capacity(basis: str) -> CapacityResult | None:
    """The capacity from the citizen's statement, or None for "I know what I can pay"."""
    if basis != "statement":
        return None
    record = statement_svc.draft_statement(_session(), current_citizen().debtor_id)
    if record is None:
        return None
    try:
        return statement_svc.statement_capacity(_rules(), record, as_of=_today())
    except (ImplausibleStatement, statement_svc.IncompleteStatement):
        return None


def _quote(basis: str, monthly: int | None) -> plan_svc.PlanQuote:
    return plan_svc.quote_plan(
        _session(),
        _rules(),
        current_citizen().debtor_id,
        monthly=monthly,
        capacity=_capacity(basis),
        as_of=_today(),
    )


def _quote_or_error(field: Field, basis: str, monthly: int | None) -> plan_svc.PlanQuote | None:
    """Quote `monthly`; a monthly amount outside the policy becomes a message on `field`."""
    currency = _rules().currency
    try:
        return _quote(basis, monthly)
    except InstallmentBelowMinimum as error:
        message = _(
            "The lowest amount per month is %(minimum)s. Enter %(minimum)s or more.",
            minimum=money(error.minimum, currency),
        )
    except ScheduleTooLong as error:
        message = _(
            "With this amount you would pay for %(months)d months. A plan can last at most "
            "%(max)d months. Enter a higher amount.",
            months=error.months_needed,
            max=error.max_months,
        )
    except InvalidSchedule:
        message = _("Enter an amount above zero.")
    except (plan_svc.NothingToPlan, plan_svc.PlanAlreadyOpen):
        message = _("You have no open bills that can go into a new payment plan.")
    field.errors = [*field.errors, message]
    return None


def _proposal_page(monthly_form: MonthlyForm, status: int = 200) -> Page | Response:
    basis = str(_journey().get("basis") or "own_offer")
    try:
        quote = _quote(basis, _monthly_in_journey())
    except plan_svc.NothingToPlan:
        flash(_("You have no open bills that can go into a payment plan."), "info")
        return redirect(url_for("citizen.plan_start"))
    except plan_svc.PlanAlreadyOpen:
        return redirect(url_for("citizen.plan_start"))
    except InvalidSchedule:
        _remember(monthly=None)  # the bills changed since; start from our suggestion again
        quote = _quote(basis, None)
    if not monthly_form.monthly.data:
        monthly_form.monthly.data = amount_text(quote.monthly)
    confirm = ConfirmForm(formdata=None)
    confirm.monthly.data = str(quote.monthly)
    confirm.submission_key.data = secrets.token_urlsafe(24)
    return render_template(
        "citizen/plan_proposal.html",
        quote=quote,
        basis=basis,
        capacity=quote.capacity,
        # no amount fits both the policy and the household: offer remission and debt help
        no_fit=quote.capacity is not None
        and min(quote.minimum_monthly, quote.total) > quote.capacity.capacity,
        monthly_form=monthly_form,
        confirm_form=confirm,
        review_days=words.review_working_days(_rules()),
        approval_reasons=[words.APPROVAL_REASONS[r] for r in quote.decision.reasons],
    ), status


@bp.route("/plan/proposal", methods=["GET", "POST"])
@citizen_required
def plan_proposal() -> Page | Response:
    """Why this amount, the schedule, and a form to change the monthly amount (quoted again)."""
    if (page := _letter_code_page()) is not None:
        return page
    if not _may_start(current_citizen().debtor_id):
        return redirect(url_for("citizen.plan_start"))
    form = MonthlyForm()
    if not form.is_submitted():
        return _proposal_page(MonthlyForm(formdata=None))
    basis = str(_journey().get("basis") or "own_offer")
    monthly = form.amount(_rules().currency) if form.validate() else None
    if monthly is not None and _quote_or_error(form.monthly, basis, monthly) is not None:
        _remember(monthly=monthly)
        return redirect(url_for("citizen.plan_proposal"))
    return _proposal_page(form, status=400)


@bp.post("/plan/proposal/confirm")
@citizen_required
def plan_confirm() -> Page | Response:
    """Make the plan: active at once within policy, otherwise to a caseworker."""
    if (page := _letter_code_page()) is not None:
        return page
    citizen = current_citizen()
    form = ConfirmForm()
    key = (form.submission_key.data or "").strip()
    monthly = (form.monthly.data or "").strip()
    if not form.validate() or not monthly.isdigit() or not 16 <= len(key) <= 64:
        flash(_("This form had expired or was sent twice. Nothing was changed."), "error")
        return redirect(url_for("citizen.plan_proposal"))
    basis = str(_journey().get("basis") or "own_offer")
    capacity = _capacity(basis)
    statement = statement_svc.draft_statement(_session(), citizen.debtor_id)
    try:
        plan = plan_svc.propose_plan(
            _session(),
            _rules(),
            citizen.debtor_id,
            monthly=int(monthly),
            basis=basis if capacity is not None else "own_offer",
            statement_id=statement.id if statement is not None and capacity is not None else None,
            submission_key=key,
            as_of=_today(),
            actor=_actor(),
        )
    except plan_svc.PlanAlreadyOpen:
        db.session.rollback()
        return redirect(url_for("citizen.plan_start"))
    except plan_svc.NothingToPlan:
        db.session.rollback()
        flash(_("You have no open bills that can go into a payment plan."), "info")
        return redirect(url_for("citizen.plan_start"))
    except (InvalidSchedule, plan_svc.InvalidPlanInput, plan_svc.PlanNotFound):
        db.session.rollback()
        flash(_("Your bills changed. Please look at the new proposal."), "info")
        return redirect(url_for("citizen.plan_proposal"))
    db.session.commit()
    cookie.pop(JOURNEY, None)
    return redirect(url_for("citizen.plan_confirmation", plan_id=plan.id))


@bp.get("/plan/<int:plan_id>/confirmation")
@citizen_required
def plan_confirmation(plan_id: int) -> Page:
    """ "Your plan is active" or "We will look at your proposal"."""
    plan = _own_plan(plan_id)
    session, today = _session(), _today()
    return render_template(
        "citizen/plan_confirmation.html",
        plan=plan,
        view=words.plan_view(session, _rules(), plan, today=today),
        today=today,
    )


from portal.citizen import plan_answers  # noqa: E402,F401 - accept, decline, withdraw
