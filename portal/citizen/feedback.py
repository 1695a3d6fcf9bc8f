"""Citizen feedback (issue 8): the "Was this easy?" question at the end of each journey posts
here. Public on purpose: a payment link works without login, and the answer is anonymous
(no debtor id is stored, only the journey, score, scrubbed text and month).

Registered on the `citizen` blueprint (imported at the bottom of portal/citizen/views.py).
The question itself is templates/components/feedback.html.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import TextAreaField

from portal.citizen import views
from portal.domain.feedback import JOURNEYS
from portal.domain.feedback import MAX_TEXT
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.services import feedback as svc

bp = views.bp

#: the session remembers which questions were answered, so the page does not ask again
DONE_KEY = "feedback_done"
ERRORS: Mapping[str, str] = {
    "score": _l("Choose a number from 1 to 5."),
    "too_long": _l("Write at most 500 characters."),
    "empty": _l("Choose a number or write something, or leave the question."),
    "journey": _l("We could not save your answer. Nothing was saved."),
}


class FeedbackForm(FlaskForm):
    journey = HiddenField()
    next = HiddenField()
    score = RadioField(_l("Was this easy?"), choices=[], coerce=str, validate_choice=False)
    text = TextAreaField(_l("Anything we can do better? (optional)"))


def _safe_next(path: str | None) -> str:
    """Only a path on this site (no "//host" or "/\\host"), else the help page."""
    if path and path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return url_for("citizen.help")


def _score(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return 0  # out of range: refused with the score message


@bp.post("/feedback")
def feedback() -> Response | tuple[str, int]:
    """Store one anonymous answer and go back to the page it came from."""
    form = FeedbackForm()
    journey = form.journey.data or ""
    back = _safe_next(form.next.data)
    if not form.validate():  # only the CSRF token can fail here; the summary says so
        return _error_page(form, back), 400
    rules: RulePack = current_app.config["RULE_PACK"]
    try:
        svc.record_feedback(
            db.session(),
            journey=journey,
            score=_score(form.score.data),
            text=form.text.data or "",
            today=views._today(rules),  # noqa: SLF001 - the blueprint's one "today"
        )
    except svc.InvalidFeedback as error:
        db.session.rollback()
        field = {"score": form.score, "too_long": form.text}.get(error.reason)
        if field is None:
            return _error_page(form, back, message=str(ERRORS[error.reason])), 400
        field.errors = [str(ERRORS[error.reason])]
        return _error_page(form, back), 400
    db.session.commit()
    done = [item for item in session.get(DONE_KEY, []) if item in JOURNEYS]
    session[DONE_KEY] = sorted({*done, journey})
    flash(_("Thank you for your answer. It helps us make this easier."), "success")
    return redirect(back)


def _error_page(form: FeedbackForm, back: str, message: str | None = None) -> str:
    journey = form.journey.data if form.journey.data in JOURNEYS else ""
    return render_template(
        "citizen/feedback.html",
        form=form,
        back=back,
        journey=journey,
        message=message,
        max_text=MAX_TEXT,
    )
