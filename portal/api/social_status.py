"""Social status flags from departments, /api/v1/social-status (issue 8, proactive offers).

Registered on the API blueprint (imported at the bottom of portal/api/views.py). Thin: check
the body (`services.social_status.check_flag`), one service, commit. Only a department with
the right (`SocialStatusRight`, granted by an administrator) may flag or end; other tokens get
403. A flag for a debtor Saldo does not know is a 404 problem and stores nothing.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Response
from flask import current_app
from flask import jsonify
from sqlalchemy.exc import IntegrityError

from portal.api.hooks import current_department
from portal.api.hooks import current_token
from portal.api.hooks import json_body
from portal.api.problems import ApiProblem
from portal.api.problems import validation_problem
from portal.api.views import API_ACTOR
from portal.api.views import _today
from portal.api.views import bp
from portal.extensions import db
from portal.models.social_status import SocialStatus
from portal.services import social_status as svc
from portal.services.claim_checks import SubmissionInvalid

NO_RIGHT = "Your department has no recorded right to flag social status. Ask the municipality."


def status_json(status: SocialStatus, *, as_of: Any) -> dict[str, Any]:
    """What the department sees of its own flag (no identifiers of the debtor)."""
    return {
        "reference": status.reference,
        "kind": status.kind,
        "legal_basis": status.legal_basis,
        "valid_from": status.valid_from.isoformat(),
        "valid_until": status.valid_until.isoformat(),
        "recorded_at": status.recorded_at.isoformat(),
        "ended_at": status.ended_at.isoformat() if status.ended_at else None,
        "active": status.active_on(as_of),
    }


def _require_right() -> None:
    if svc.current_right(db.session(), current_department().id) is None:
        raise ApiProblem("no-social-status-right", NO_RIGHT)


def _flag(data: Any) -> svc.FlagResult:
    rules = current_app.config["RULE_PACK"]
    request = svc.check_flag(rules.country, data, as_of=_today())
    return svc.flag_social_status(
        db.session(),
        current_app.config["SALDO"],
        current_department(),
        request,
        actor=API_ACTOR,
        now=datetime.now(UTC),
        token_id=current_token().id,
    )


@bp.post("/social-status")
def flag_social_status() -> Response:
    _require_right()
    data = json_body()
    try:
        try:
            result = _flag(data)
            db.session().commit()
        except IntegrityError:
            # The same reference twice at once: the loser sees the winner's flag.
            db.session().rollback()
            result = _flag(data)
            db.session().commit()
    except SubmissionInvalid as error:
        raise validation_problem(error.errors) from error
    except svc.UnknownDebtor as error:
        raise ApiProblem(
            "debtor-not-found", "Saldo has no debtor with this identifier. Nothing was stored."
        ) from error
    except svc.ReferenceConflict as error:
        raise ApiProblem(
            "reference-conflict", "This reference was sent before with different contents."
        ) from error
    except svc.NoSocialStatusRight as error:
        raise ApiProblem("no-social-status-right", NO_RIGHT) from error
    response = jsonify(status_json(result.status, as_of=_today()))
    response.status_code = 201 if result.created else 200
    response.headers["Location"] = f"/api/v1/social-status/{result.status.reference}"
    return response


def _own_flag(reference: str) -> SocialStatus:
    status = None
    if svc.REFERENCE.fullmatch(reference):
        status = svc.find_flag(db.session(), current_department().id, reference)
    if status is None:
        raise ApiProblem(
            "not-found", "Your department has no social status flag with this reference."
        )
    return status


@bp.get("/social-status/<reference>")
def get_social_status(reference: str) -> Response:
    _require_right()
    return jsonify(status_json(_own_flag(reference), as_of=_today()))


@bp.delete("/social-status/<reference>")
def end_social_status(reference: str) -> Response:
    """End a flag now: the offer stops. Ending an ended flag changes nothing."""
    _require_right()
    status = _own_flag(reference)
    svc.end_social_status(
        db.session(),
        current_department(),
        status,
        actor=API_ACTOR,
        now=datetime.now(UTC),
        token_id=current_token().id,
    )
    db.session().commit()
    return jsonify(status_json(status, as_of=_today()))
