"""What every login and logout does to the session, and the login throttles.

A login starts a fresh session (only the chosen language survives), so an identifier planted
before the login is worthless afterwards (session fixation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask import render_template
from flask import request
from flask import session
from flask_login import login_user
from flask_login import logout_user

from portal.auth.principals import CitizenPrincipal
from portal.auth.principals import StaffPrincipal
from portal.auth.principals import remember_citizen
from portal.config import Config
from portal.domain.rules import RulePack
from portal.extensions import db
from portal.models.base import utcnow
from portal.services import throttle

#: the name people know for their country's eID
EID_NAMES = {"NL": "DigiD", "DK": "MitID", "BE": "itsme / eID"}


def saldo_config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def rule_pack() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def eid_name() -> str:
    return EID_NAMES.get(rule_pack().country, "eID")


def client_ip() -> str:
    return request.remote_addr or "unknown"


def fresh_session() -> None:
    """Empty the session, keeping only the language the person chose."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def start_citizen_session(principal: CitizenPrincipal) -> None:
    fresh_session()
    login_user(principal)
    remember_citizen(principal)


def start_staff_session(principal: StaffPrincipal) -> None:
    fresh_session()
    login_user(principal)


def end_session() -> None:
    logout_user()
    fresh_session()


@dataclass(frozen=True)
class Limit:
    """At most `limit` failed tries for `key` within `window`."""

    key: str
    limit: int
    window: timedelta


def is_throttled(limits: Sequence[Limit]) -> bool:
    now = utcnow()
    return any(
        throttle.is_blocked(db.session(), x.key, limit=x.limit, window=x.window, now=now)
        for x in limits
    )


def count_failure(limits: Sequence[Limit]) -> bool:
    """Count one failed try against every limit; False when one of them is now exceeded."""
    now = utcnow()
    results = [
        throttle.hit(db.session(), x.key, limit=x.limit, window=x.window, now=now) for x in limits
    ]
    return all(results)


def too_many_tries(message: str) -> tuple[str, int]:
    return render_template("auth/too_many_tries.html", message=message), 429
