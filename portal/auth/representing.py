"""Acting for others (issue 9): a representative's list of people and the acting session.

A representative logs in with their own eID (portal/auth/oidc.py). When their national-id
hash matches active mandates they land on /representing; choosing a person starts an acting
session, like desk mode: the citizen pages resolve to the represented debtor and every action
records the mandate (guards.current_actor). Two central checks run before EVERY request of an
acting session (`check_acting_session`), so no view has to remember them:

- the mandate must still hold (not ended by staff, not past its end date): else a clear
  "refused" page, at once;
- with scope "view", a state-changing request is refused (only the auth pages - switching
  person, logging out - stay open).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from portal.auth.login_session import fresh_session
from portal.auth.login_session import rule_pack
from portal.auth.principals import CITIZEN_SESSION_KEY
from portal.auth.principals import REPRESENTATIVE_SESSION_KEY
from portal.auth.principals import CitizenPrincipal
from portal.auth.principals import RepresentativePrincipal
from portal.auth.principals import remember_citizen
from portal.extensions import db
from portal.models import Debtor
from portal.models import Representation
from portal.services import audit
from portal.services.audit import Actor
from portal.services.representations import active_for_person
from portal.services.representations import active_representation

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Representation.kind as people read it (NL/BE bewindvoerder, DK værge, debt counsellors)
KIND_LABELS = {
    "bewindvoerder": _l("Administrator (bewindvoerder)"),
    "guardian": _l("Guardian (værge)"),
    "debt_counsellor": _l("Debt counsellor"),
    "schuldbemiddelaar": _l("Debt mediator (schuldbemiddelaar)"),
}
SCOPE_LABELS = {"view": _l("View only"), "act": _l("May act")}


def representation_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@dataclass(frozen=True)
class ActingFor:
    """What the banner shows while a representative acts for someone."""

    name: str
    view_only: bool


def today_here() -> date:
    return datetime.now(ZoneInfo(rule_pack().timezone)).date()


def start_representative_session(person_hash: str, own_debtor_id: int | None) -> None:
    """After an eID login that matched mandates: the list of people, nobody chosen yet."""
    fresh_session()
    session[REPRESENTATIVE_SESSION_KEY] = {
        "person_hash": person_hash,
        "own_debtor_id": own_debtor_id,
    }
    login_user(RepresentativePrincipal())


def _representative() -> dict[str, Any] | None:
    stored = session.get(REPRESENTATIVE_SESSION_KEY)
    if not isinstance(stored, dict) or not isinstance(stored.get("person_hash"), str):
        return None
    return stored


def _switch_to(principal: CitizenPrincipal | None) -> None:
    """Change who the representative is acting as, keeping them logged in as themselves."""
    stored = _representative()
    fresh_session()
    session[REPRESENTATIVE_SESSION_KEY] = stored
    if principal is None:
        login_user(RepresentativePrincipal())
        return
    login_user(principal)
    remember_citizen(principal)


def representing() -> ResponseReturnValue:
    """The people this representative acts for (and their own bills, if any)."""
    stored = _representative()
    if stored is None:
        return redirect(url_for("auth.login"))
    rows = active_for_person(db.session(), stored["person_hash"], today_here())
    own_id = stored.get("own_debtor_id")
    return render_template(
        "auth/representing.html",
        rows=rows,
        own=db.session.get(Debtor, own_id) if isinstance(own_id, int) else None,
    )


def act_for(representation_id: int) -> ResponseReturnValue:
    """Start acting for one person (POST from the list)."""
    stored = _representative()
    if stored is None:
        return redirect(url_for("auth.login"))
    representation = active_representation(
        db.session(), representation_id, stored["person_hash"], today_here()
    )
    if representation is None:
        return _refused(_("You can no longer act for this person. Their mandate has ended."))
    principal = CitizenPrincipal(
        debtor_id=representation.debtor_id,
        method="representative",
        claim_scope=None,
        representation_id=representation.id,
    )
    audit.record(
        db.session(),
        Actor.citizen(representation.debtor_id, representation_id=representation.id),
        "representative.act_for",
        object_type="representation",
        object_id=representation.id,
    )
    db.session.commit()
    _switch_to(principal)
    return redirect(url_for("citizen.overview"))


def own_bills() -> ResponseReturnValue:
    """A representative who is a debtor themself: back to their own bills."""
    stored = _representative()
    own_id = stored.get("own_debtor_id") if stored else None
    if not isinstance(own_id, int):
        abort(404)
    _switch_to(CitizenPrincipal(debtor_id=own_id, method="oidc", claim_scope=None))
    return redirect(url_for("citizen.overview"))


def back_to_list() -> ResponseReturnValue:
    """Stop acting for someone; back to the list (POST, from the banner)."""
    if _representative() is None:
        return redirect(url_for("auth.login"))
    _switch_to(None)
    return redirect(url_for("auth.representing"))


def check_acting_session() -> ResponseReturnValue | None:
    """Before every request: an acting representative's mandate must still hold, and a
    view-only mandate allows no state-changing request outside the auth pages."""
    stored_citizen = session.get(CITIZEN_SESSION_KEY)
    if not isinstance(stored_citizen, dict):
        return None
    representation_id = stored_citizen.get("representation_id")
    if representation_id is None or request.endpoint == "static":
        return None
    stored = _representative()
    representation = (
        active_representation(db.session(), representation_id, stored["person_hash"], today_here())
        if stored is not None and isinstance(representation_id, int)
        else None
    )
    if representation is None or f"c:{representation.debtor_id}" != session.get("_user_id"):
        log.info("acting session refused: mandate %s no longer holds", representation_id)
        _switch_to(None)
        return _refused(
            _(
                "You can no longer act for this person. Their mandate has ended or has been "
                "stopped. If you think this is a mistake, please contact us."
            )
        )
    blueprint = (request.endpoint or "").partition(".")[0]
    if (
        representation.scope == "view"
        and request.method not in SAFE_METHODS
        and blueprint != "auth"
    ):
        log.info("view-only mandate %s: %s refused", representation.id, request.endpoint)
        return _refused(
            _(
                "You may only look at this person's bills. You cannot make changes "
                "for them. Nothing has been changed."
            )
        )
    return None


def acting_banner() -> dict[str, Any]:
    """Template context: `acting_for` (the banner), `representing` (link back to the list)."""
    context: dict[str, Any] = {
        "acting_for": None,
        "representing": _representative() is not None,
        "representation_kind_label": representation_kind_label,
    }
    stored_citizen = session.get(CITIZEN_SESSION_KEY)
    representation_id = (
        stored_citizen.get("representation_id") if isinstance(stored_citizen, dict) else None
    )
    if not context["representing"] or not isinstance(representation_id, int):
        return context
    representation = db.session.get(Representation, representation_id)
    debtor = db.session.get(Debtor, representation.debtor_id) if representation else None
    if representation is not None and debtor is not None:
        context["acting_for"] = ActingFor(debtor.name, representation.scope == "view")
    return context


def _refused(message: str) -> tuple[str, int]:
    return render_template("auth/acting_refused.html", message=message), 403
