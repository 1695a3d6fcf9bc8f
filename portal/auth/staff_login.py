"""Staff login: username and password, then the 6-digit code from an authenticator app."""

from __future__ import annotations

from datetime import timedelta

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.forms import StaffLoginForm
from portal.auth.forms import StaffTotpForm
from portal.auth.guards import desk_debtor_id
from portal.auth.login_session import Limit
from portal.auth.login_session import client_ip
from portal.auth.login_session import count_failure
from portal.auth.login_session import end_session
from portal.auth.login_session import fresh_session
from portal.auth.login_session import is_throttled
from portal.auth.login_session import saldo_config
from portal.auth.login_session import start_staff_session
from portal.auth.login_session import too_many_tries
from portal.auth.principals import StaffPrincipal
from portal.extensions import db
from portal.models import StaffUser
from portal.models.base import utcnow
from portal.services import audit
from portal.services.audit import Actor
from portal.services.desk import end_visit
from portal.services.staff_accounts import check_password
from portal.services.staff_accounts import check_totp
from portal.services.staff_accounts import normalise_username
from portal.services.staff_accounts import staff_user_id
from portal.web.safety import safe_next

STAFF_WINDOW = timedelta(minutes=15)
STAFF_LIMIT_PER_USERNAME = 5
STAFF_LIMIT_PER_IP = 20
#: password checked, code not yet: how long the second step stays open
PENDING_KEY = "staff_pending"
PENDING_TTL = timedelta(minutes=5)


def staff_login() -> ResponseReturnValue:
    """Step 1: username and password."""
    form = StaffLoginForm()
    if request.method == "GET":
        return render_template("auth/staff_login.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/staff_login.html", form=form), 400
    username = normalise_username(form.username.data or "")
    limits = _limits(username)
    if is_throttled(limits):
        return _too_many_staff_tries()
    user = check_password(db.session(), saldo_config(), username, form.password.data or "")
    if user is None:
        within_limits = _failure(limits, staff_user_id(db.session(), username), "password")
        if not within_limits:
            return _too_many_staff_tries()
        message = _("The username or password is not right. Please try again.")
        return render_template("auth/staff_login.html", form=form, message=message), 400
    db.session.commit()  # a rehashed password
    next_url = safe_next(request.args.get("next"), default=url_for("staff.home"))
    fresh_session()
    session[PENDING_KEY] = {"id": user.id, "at": utcnow().timestamp(), "next": next_url}
    return redirect(url_for("auth.staff_totp"))


def staff_totp() -> ResponseReturnValue:
    """Step 2: the code from the authenticator app. Only then is the staff member logged in."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please log in again."), "error")
        return redirect(url_for("auth.staff_login"))
    form = StaffTotpForm()
    if request.method == "GET":
        return render_template("auth/staff_totp.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/staff_totp.html", form=form), 400
    limits = _limits(user.username)
    if is_throttled(limits):
        return _too_many_staff_tries()
    if not check_totp(db.session(), user, form.code.data or "", utcnow()):
        if not _failure(limits, user.id, "totp"):
            return _too_many_staff_tries()
        message = _(
            "This code is not right, or it was used already. "
            "Wait until your app shows a new code, then try again."
        )
        return render_template("auth/staff_totp.html", form=form, message=message), 400
    return _complete_login(user)


def _complete_login(user: StaffUser) -> ResponseReturnValue:
    """Both steps done: audit, start a fresh session, go where they were going."""
    audit.record(
        db.session(),
        Actor.staff(user.id),
        "staff.login",
        object_type="staff_user",
        object_id=user.id,
        method="password+totp",
    )
    db.session.commit()
    next_url = safe_next(session[PENDING_KEY].get("next"), default=url_for("staff.home"))
    start_staff_session(
        StaffPrincipal(
            staff_user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            department_id=user.department_id,
        )
    )
    return redirect(next_url)


def staff_logout() -> ResponseReturnValue:
    """Log out (POST with a CSRF token)."""
    if getattr(current_user, "is_staff", False):
        if (desk_debtor := desk_debtor_id()) is not None:  # logging out ends desk mode
            end_visit(
                db.session(),
                staff_user_id=current_user.staff_user_id,
                debtor_id=desk_debtor,
                how="logout",
            )
        audit.record(db.session(), Actor.staff(current_user.staff_user_id), "staff.logout")
        db.session.commit()
    end_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.staff_login"))


def _pending_user() -> StaffUser | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    started, user_id = pending.get("at"), pending.get("id")
    if not isinstance(started, int | float) or not isinstance(user_id, int):
        return None
    if utcnow().timestamp() - started > PENDING_TTL.total_seconds():
        return None
    user = db.session.get(StaffUser, user_id)
    return user if user is not None and user.active else None


def _limits(username: str) -> list[Limit]:
    return [
        Limit(f"staff_login:username:{username}", STAFF_LIMIT_PER_USERNAME, STAFF_WINDOW),
        Limit(f"staff_login:ip:{client_ip()}", STAFF_LIMIT_PER_IP, STAFF_WINDOW),
    ]


def _failure(limits: list[Limit], user_id: int | None, stage: str) -> bool:
    """Count and audit a failed step (never with the password or code); commits."""
    within_limits = count_failure(limits)
    audit.record(
        db.session(),
        Actor.system(),
        "staff.login_failed",
        object_type="staff_user" if user_id is not None else None,
        object_id=user_id,
        stage=stage,
    )
    db.session.commit()
    return within_limits


def _too_many_staff_tries() -> tuple[str, int]:
    return too_many_tries(
        _("You have tried too many times. Please wait 15 minutes, or ask an administrator.")
    )
