"""Department API tokens for the admin (/staff/api-tokens): list, create, revoke (issue 7).

A new token is shown once, in the response to the POST that made it (Cache-Control:
no-store), never in a redirect, a flash message or a log line. Only its hash is stored.
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py).
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import abort
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import ApiToken
from portal.models import Department
from portal.services.api_tokens import UnknownDepartment
from portal.services.api_tokens import create_token
from portal.services.api_tokens import list_tokens
from portal.services.api_tokens import revoke_token
from portal.services.audit import Actor
from portal.staff.labels import department_name
from portal.staff.views import bp

PERMISSION = "staff.manage"


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class TokenForm(FlaskForm):
    department = SelectField(
        _l("Department"),
        choices=[],
        validators=[InputRequired(_l("Choose the department the token is for."))],
    )
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Type a name, for example the system that will use the token.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: the token id is in the URL."""


def _session() -> Session:
    session: Session = db.session()
    return session


def local_moment(moment: datetime | None) -> str:
    """A stored moment (UTC; SQLite gives it back without a zone) as local date and time."""
    if moment is None:
        return ""
    rules: RulePack = current_app.config["RULE_PACK"]
    zone = ZoneInfo(rules.timezone)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return str(
        format_datetime(moment.astimezone(zone), "short", tzinfo=zone, locale=current_locale())
    )


def _departments() -> list[Department]:
    return list(_session().scalars(select(Department).order_by(Department.code)))


def _form() -> TokenForm:
    form = TokenForm()
    form.department.choices = [
        SelectChoice("", _("Choose a department")),
        *[SelectChoice(d.code, department_name(d)) for d in _departments()],
    ]
    return form


def _list_page(form: TokenForm, status: int = 200) -> tuple[str, int]:
    tokens = list_tokens(_session())
    groups: dict[int, list[ApiToken]] = {}
    for token in tokens:
        groups.setdefault(token.department_id, []).append(token)
    departments = [d for d in _departments() if d.id in groups]
    return (
        render_template(
            "staff/api_tokens.html",
            form=form,
            departments=departments,
            groups=groups,
            department_name=department_name,
            local_moment=local_moment,
        ),
        status,
    )


@bp.get("/api-tokens")
@staff_required(PERMISSION)
def api_tokens() -> tuple[str, int]:
    """Every department's tokens (never the tokens themselves) and the form for a new one."""
    return _list_page(_form())


@bp.post("/api-tokens")
@staff_required(PERMISSION)
def api_token_create() -> Response | tuple[str, int]:
    """Make a token and show it once, in this response only."""
    form = _form()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        row, token = create_token(
            _session(),
            form.department.data,
            form.name.data.strip(),
            actor=Actor.staff(current_staff().staff_user_id),
            now=datetime.now(UTC),
        )
    except UnknownDepartment:
        db.session.rollback()
        form.department.errors = [_("Choose the department the token is for.")]
        return _list_page(form, 400)
    db.session.commit()
    page = render_template(
        "staff/api_token_created.html",
        row=row,
        token=token,
        department=department_name(row.department),
    )
    response = make_response(page, 201)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@staff_required(PERMISSION)
def api_token_revoke(token_id: int) -> Response | str:
    """Ask to confirm, then revoke: requests with the token get 401 from then on."""
    row = _session().get(ApiToken, token_id) or abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        revoke_token(
            _session(),
            token_id,
            actor=Actor.staff(current_staff().staff_user_id),
            now=datetime.now(UTC),
        )
        db.session.commit()
        flash(_("The token %(name)s was revoked.", name=row.name), "success")
        return redirect(url_for("staff.api_tokens"))
    return render_template(
        "staff/api_token_revoke.html",
        row=row,
        form=form,
        department=department_name(row.department),
        expired=bool(form.errors),
        local_moment=local_moment,
    )
