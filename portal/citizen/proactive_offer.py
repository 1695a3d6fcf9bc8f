"""The proactive offer on the overview (issue 8): a citizen whose social status a department
flagged sees, unasked, a friendly banner offering a plan without costs and (NL) a remission
check. The banner never names the status. It can be closed (remembered per flag).

Not shown with a letter code (that opens only one letter's bills) nor in desk mode (staff at
the counter do not see social status; caseworkers do, on the debtor page). Registered on the
`citizen` blueprint (imported at the bottom of portal/citizen/views.py); the partial
templates/citizen/_proactive_offer.html asks `proactive_offer()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from flask import flash
from flask import redirect
from flask import url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import _
from werkzeug.wrappers import Response

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.auth.guards import current_citizen_or_none
from portal.citizen import views
from portal.citizen.views import bp
from portal.extensions import db
from portal.services import social_status_offers as offers


@dataclass(frozen=True)
class Offer:
    #: the NL rule pack has remission (kwijtschelding); the check is offered there only
    remission: bool


def _pack_has_remission() -> bool:
    return views._rules().code == "nl"  # noqa: SLF001 - the blueprint's one rule pack


def proactive_offer(known_open: bool | None = None) -> Offer | None:
    """The banner, or None. `known_open`: the overview already asked (overview_queries.FACTS);
    False spares the query."""
    citizen = current_citizen_or_none()
    if citizen is None or citizen.claim_scope is not None or citizen.acting_staff_id is not None:
        return None
    if known_open is False:
        return None
    today = views._today(views._rules())  # noqa: SLF001
    if offers.offer_for(db.session(), citizen.debtor_id, today) is None:
        return None
    return Offer(remission=_pack_has_remission())


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["proactive_offer"] = proactive_offer


@bp.post("/offers/help/dismiss")
@citizen_required
def dismiss_offer() -> Response:
    """Close the banner; it stays closed for this flag."""
    citizen = current_citizen()
    if citizen.claim_scope is None and citizen.acting_staff_id is None:
        today = views._today(views._rules())  # noqa: SLF001
        offers.dismiss_offer(
            db.session(),
            citizen.debtor_id,
            as_of=today,
            actor=current_actor(),
            now=datetime.now(UTC),
        )
        db.session.commit()
    flash(_("We will not show this message again. You can always ask us for help."), "success")
    return redirect(url_for("citizen.overview"))
