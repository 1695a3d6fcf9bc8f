"""What the citizen's remission pages share: the request's session, rules and config, the
citizen's own application (404 for anyone else's), where to resume, and the evidence download.

The pages: remission.py (pre-check and start), remission_wizard.py (the steps, the
preliminary outcome, sending), remission_status.py (where it stands, uploads, withdrawal).
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from flask import abort
from flask import current_app
from flask import send_file
from flask import url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from portal.auth.guards import current_citizen
from portal.config import Config
from portal.domain.remission_states import RemissionState
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from portal.services import remission as svc
from portal.services import remission_evidence as evidence_svc
from portal.services.remission_wizard import STEPS


def session() -> Session:
    current: Session = db.session()
    return current


def rules() -> RulePack:
    pack: RulePack = current_app.config["RULE_PACK"]
    return pack


def config() -> Config:
    saldo: Config = current_app.config["SALDO"]
    return saldo


def now() -> datetime:
    return datetime.now(UTC)


def max_mb() -> int:
    """The upload limit in whole megabytes, for the page's hint and messages."""
    return config().remission_evidence_max_bytes // (1024 * 1024)


def own(application_id: int) -> RemissionApplication:
    """The citizen's own application; 404 for anyone else's, so ids cannot be probed."""
    citizen = current_citizen()
    if citizen.claim_scope is not None:
        abort(404)
    try:
        return svc.get_application(session(), application_id, debtor_id=citizen.debtor_id)
    except svc.NoSuchApplication:
        abort(404)


def norms_date(calculation: dict[str, Any] | None) -> date | None:
    """The date the norms of a calculation snapshot are valid from (stored as ISO text)."""
    if not calculation or not calculation.get("norms_valid_from"):
        return None
    return date.fromisoformat(str(calculation["norms_valid_from"]))


def plan_url() -> str:
    """The plan journey once it exists, its coming-soon page until then."""
    if "citizen.plan_start" in current_app.view_functions:
        return url_for("citizen.plan_start")
    return url_for("citizen.coming_soon", feature="plan")


def next_step(application: RemissionApplication) -> str:
    if application.step is None:
        return STEPS[0]
    index = STEPS.index(application.step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else "check"


def resume_url(application: RemissionApplication) -> str:
    if application.remission_state is not RemissionState.DRAFT:
        return url_for("citizen.remission_status", application_id=application.id)
    step = next_step(application)
    if step == "check":
        return url_for("citizen.remission_check", application_id=application.id)
    return url_for("citizen.remission_step", application_id=application.id, step=step)


def status_url(application: RemissionApplication) -> str:
    return url_for("citizen.remission_status", application_id=application.id)


def evidence_response(item: RemissionEvidence) -> Response:
    """send_file with the detected type, always as an attachment (never shown inline)."""
    path = evidence_svc.evidence_path(config(), item)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.original_filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
