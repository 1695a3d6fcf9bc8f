"""The citizen's answers after a proposal (issue 4): accept or decline a counter-proposal,
withdraw a pending proposal; and the plan block on the overview page.

Registered on the `citizen` blueprint through portal/citizen/plans.py.
"""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import _
from werkzeug.wrappers import Response

from portal.auth.guards import citizen_required
from portal.auth.guards import current_citizen
from portal.auth.guards import current_citizen_or_none
from portal.citizen import plan_presenters as words
from portal.citizen.plan_forms import PlanActionForm
from portal.citizen.plans import _actor
from portal.citizen.plans import _own_plan
from portal.citizen.plans import _rules
from portal.citizen.plans import _session
from portal.citizen.plans import _today
from portal.citizen.plans import bp
from portal.domain.plans import CounterProposalExpired
from portal.domain.plans import PlanError
from portal.extensions import db
from portal.services import plans as plan_svc

# -- after the decision ------------------------------------------------------------------------


def _plan_action(plan_id: int, action: str) -> Response:
    citizen, session, today = current_citizen(), _session(), _today()
    plan = _own_plan(plan_id)
    if not PlanActionForm().validate():
        abort(400)
    try:
        if action == "accept":
            plan_svc.accept_counter(
                session,
                _rules(),
                plan.id,
                debtor_id=citizen.debtor_id,
                today=today,
                actor=_actor(),
            )
            message = _("Thank you. Your payment plan is now active.")
        elif action == "decline":
            plan_svc.decline_counter(
                session, plan.id, debtor_id=citizen.debtor_id, today=today, actor=_actor()
            )
            message = _("You said no to our proposal. You can make a new proposal if you want.")
        else:
            plan_svc.cancel_plan(
                session, plan.id, debtor_id=citizen.debtor_id, today=today, actor=_actor()
            )
            message = _("You withdrew your proposal. Nothing else has changed.")
    except CounterProposalExpired:
        db.session.rollback()
        flash(_("This proposal has expired. Please make a new proposal."), "error")
        return redirect(url_for("citizen.plan_start"))
    except plan_svc.PlanNotFound:
        db.session.rollback()
        abort(404)
    except PlanError:
        db.session.rollback()
        flash(_("This could not be done any more. Please look at your plan below."), "error")
        return redirect(url_for("citizen.plan_start"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("citizen.plan_start"))


@bp.post("/plan/<int:plan_id>/accept")
@citizen_required
def plan_accept(plan_id: int) -> Response:
    """Accept the caseworker's counter-proposal with one click."""
    return _plan_action(plan_id, "accept")


@bp.post("/plan/<int:plan_id>/decline")
@citizen_required
def plan_decline(plan_id: int) -> Response:
    return _plan_action(plan_id, "decline")


@bp.post("/plan/<int:plan_id>/cancel")
@citizen_required
def plan_cancel(plan_id: int) -> Response:
    """Withdraw a proposal that is waiting for a decision."""
    return _plan_action(plan_id, "cancel")


# -- the overview's plan block -----------------------------------------------------------------


@bp.record_once
def _register_plan_block(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["citizen_plan_block"] = _plan_block
    words.register_plan_helpers(state.app)


def _plan_block(known_open: bool | None = None) -> words.PlanView | None:
    """The citizen's plan for the overview page (templates/citizen/plan_progress_block.html).
    `known_open`: the overview already asked whether one is open; False spares the query."""
    citizen = current_citizen_or_none()  # desk mode shows the assisted citizen's plan too
    if citizen is None or citizen.claim_scope is not None or known_open is False:
        return None
    plan = plan_svc.open_plan(_session(), citizen.debtor_id)
    if plan is None:
        return None
    return words.plan_view(_session(), _rules(), plan, today=_today())
