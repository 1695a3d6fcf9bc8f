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
from flask import url_for
from flask_login import current_user

from portal.auth.principals import CitizenPrincipal
from portal.auth.principals import StaffPrincipal

F = TypeVar("F", bound=Callable[..., Any])


def current_citizen() -> CitizenPrincipal:
    user = current_user._get_current_object()  # noqa: SLF001 - unwrap the proxy for typing
    if not isinstance(user, CitizenPrincipal):
        abort(403)
    return user


def current_staff() -> StaffPrincipal:
    user = current_user._get_current_object()  # noqa: SLF001
    if not isinstance(user, StaffPrincipal):
        abort(403)
    return user


def citizen_required(view: F) -> F:
    """Citizens only; anyone else is sent to the citizen login page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not getattr(current_user, "is_citizen", False):
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

        return cast(F, wrapper)

    return decorator
