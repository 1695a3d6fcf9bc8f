"""The language switcher: a plain link, works without JavaScript."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import request
from flask import session
from werkzeug.wrappers import Response

from portal.config import SUPPORTED_LOCALES
from portal.web.safety import safe_next

bp = Blueprint("language", __name__)


@bp.get("/language/<code>")
def choose(code: str) -> Response:
    """Remember the chosen language and go back to the page the person was on."""
    if code not in SUPPORTED_LOCALES:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.args.get("next")))
