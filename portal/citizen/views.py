"""Citizen pages: the overview of everything owed, one claim, help, and coming-soon pages.

The help and coming-soon pages are public on purpose: someone who cannot log in (no eID,
lost letter) needs the phone number and the desk hours most.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.guards import citizen_required
from portal.auth.guards import current_citizen
from portal.citizen.overview_cards import register_card_text
from portal.citizen.presenters import COMING_SOON
from portal.citizen.presenters import EID_NAMES
from portal.citizen.presenters import HISTORY_LABELS
from portal.citizen.presenters import HOLD_EXPLANATIONS
from portal.citizen.presenters import STATUS_EXPLANATIONS
from portal.citizen.presenters import localised
from portal.citizen.presenters import register_template_helpers
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.services.overview import build_claim_detail
from portal.services.overview import build_overview

bp = Blueprint("citizen", __name__)


@bp.record_once
def _register_helpers(state: BlueprintSetupState) -> None:
    register_template_helpers(state.app)
    register_card_text(state.app)


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _today(rules: RulePack) -> date:
    """Today in the installation's time zone (a bill due today is not overdue yet)."""
    return datetime.now(ZoneInfo(rules.timezone)).date()


@bp.get("/")
def home() -> Response:
    """The start page: the overview for a citizen, the staff home for staff, the list of
    people for a representative who has not chosen one, the login page for anyone else."""
    if getattr(current_user, "is_citizen", False):
        return redirect(url_for("citizen.overview"))
    if getattr(current_user, "is_staff", False):
        return redirect(url_for("staff.home"))
    if getattr(current_user, "is_representative", False):
        # logged in to act for others, no person chosen yet: back to the list of people
        return redirect(url_for("auth.representing"))
    return redirect(url_for("auth.login"))


@bp.get("/overview")
@citizen_required
def overview() -> str:
    """Everything the citizen owes, grouped by department, with help first."""
    citizen, rules = current_citizen(), _rules()
    today = _today(rules)
    result = build_overview(
        db.session(),
        rules,
        debtor_id=citizen.debtor_id,
        claim_scope=citizen.claim_scope,
        as_of=today,
        now=datetime.now(UTC),
    )
    return render_template(
        "citizen/overview.html",
        overview=result,
        today=today,
        eid_name=EID_NAMES.get(rules.code, "eID"),
    )


@bp.get("/claims/<int:claim_id>")
@citizen_required
def claim(claim_id: int) -> str:
    """One claim with its history; 404 for anything not the citizen's (ids cannot be probed)."""
    citizen, rules = current_citizen(), _rules()
    today = _today(rules)
    detail = build_claim_detail(
        db.session(),
        rules,
        debtor_id=citizen.debtor_id,
        claim_scope=citizen.claim_scope,
        claim_id=claim_id,
        as_of=today,
        now=datetime.now(UTC),
    )
    if detail is None:
        abort(404)
    return render_template(
        "citizen/claim.html",
        detail=detail,
        card=detail.card,
        today=today,
        history_labels=HISTORY_LABELS,
        explanation=STATUS_EXPLANATIONS[detail.card.status],
        hold_explanations=[
            HOLD_EXPLANATIONS[r] for r in sorted(detail.card.hold_reasons) if r in HOLD_EXPLANATIONS
        ],
    )


@bp.get("/help")
def help() -> str:
    """How to reach us, and the ways out of debt. Public: no login needed."""
    return render_template("citizen/help.html")


@bp.get("/soon/<feature>")
def coming_soon(feature: str) -> str:
    """A friendly page for a feature still being built: what will come, what to do now."""
    page = COMING_SOON.get(feature)
    if page is None:
        abort(404)
    names = {"debt_help": localised(_rules().debt_help_names)}
    return render_template(
        "citizen/coming_soon.html",
        feature=feature,
        page=page,
        what_comes=str(page.what_comes) % names,
        meanwhile=str(page.meanwhile) % names,
        debt_help=names["debt_help"],
    )


from portal.citizen import accessibility  # noqa: E402,F401 - registers the statement on bp
from portal.citizen import appointments  # noqa: E402,F401 - desk appointments, call-backs
from portal.citizen import direct_debit  # noqa: E402,F401 - registers the direct debit pages
from portal.citizen import disputes  # noqa: E402,F401 - registers "this bill is wrong" on bp
from portal.citizen import feedback  # noqa: E402,F401 - registers /feedback on bp
from portal.citizen import handover  # noqa: E402,F401 - the collector's status on a claim
from portal.citizen import overview_document  # noqa: E402,F401 - registers its pages on bp
from portal.citizen import plans  # noqa: E402,F401 - registers the plan pages on bp
from portal.citizen import proactive_offer  # noqa: E402,F401 - the proactive offer banner
from portal.citizen import remission  # noqa: E402,F401 - registers its pages on bp
