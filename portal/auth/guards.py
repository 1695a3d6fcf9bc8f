"""Guards for views: who may open a page. Citizen and staff sessions never mix."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar
from typing import cast

from flask import abort
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user

from portal.auth.principals import DESK_SESSION_KEY
from portal.auth.principals import CitizenPrincipal
from portal.auth.principals import StaffPrincipal
from portal.services.audit import Actor

F = TypeVar("F", bound=Callable[..., Any])


def desk_debtor_id() -> int | None:
    """Desk mode: the debtor a logged-in staff member is assisting; None outside desk mode.

    Desk mode lives in a STAFF session only (started with a reason at /staff/desk); a
    citizen's session never carries it, and a role without debtor.act_for never has it.
    """
    from portal.auth.roles import role_has_permission

    user = current_user._get_current_object()  # noqa: SLF001
    if not isinstance(user, StaffPrincipal):
        return None
    stored = session.get(DESK_SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("staff_user_id") != user.staff_user_id:
        return None
    if not role_has_permission(user.role, "debtor.act_for"):
        return None
    debtor_id = stored.get("debtor_id")
    return debtor_id if isinstance(debtor_id, int) else None


def current_citizen_or_none() -> CitizenPrincipal | None:
    """The citizen whose pages these are: the logged-in citizen, or in desk mode the debtor
    the staff member assists (with `acting_staff_id` set). None for anyone else."""
    user = current_user._get_current_object()  # noqa: SLF001 - unwrap the proxy for typing
    if isinstance(user, CitizenPrincipal):
        return user
    debtor_id = desk_debtor_id()
    if debtor_id is None:
        return None
    return CitizenPrincipal(
        debtor_id=debtor_id,
        method="desk",
        claim_scope=None,
        acting_staff_id=cast(StaffPrincipal, user).staff_user_id,
    )


def current_citizen() -> CitizenPrincipal:
    citizen = current_citizen_or_none()
    if citizen is None:
        abort(403)
    return citizen


def current_actor() -> Actor:
    """Who acts on a citizen page: in desk mode the staff member on behalf of the citizen
    (both are recorded), otherwise the citizen."""
    citizen = current_citizen()
    if citizen.acting_staff_id is not None:
        return Actor.staff(citizen.acting_staff_id, on_behalf_of=citizen.debtor_id)
    return Actor.citizen(
        citizen.debtor_id,
        representation_id=citizen.representation_id,
        acting_person=citizen.acting_person,
    )


def current_staff() -> StaffPrincipal:
    user = current_user._get_current_object()  # noqa: SLF001
    if not isinstance(user, StaffPrincipal):
        abort(403)
    return user


def citizen_required(view: F) -> F:
    """Citizens only (or staff in desk mode); anyone else is sent to the citizen login page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not getattr(current_user, "is_citizen", False) and desk_debtor_id() is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def staff_required(permission: str) -> Callable[[F], F]:
    """Staff only, and only roles that hold `permission` (see portal.auth.roles)."""
    from portal.auth.roles import role_has_permission

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if getattr(current_user, "is_citizen", False):
                abort(403)
            if not getattr(current_user, "is_staff", False):
                return redirect(url_for("auth.staff_login", next=request.path))
            if not role_has_permission(current_user.role, permission):
                abort(403)
            return view(*args, **kwargs)

        # The role-matrix test reads it: every staff route must declare its permission.
        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator
