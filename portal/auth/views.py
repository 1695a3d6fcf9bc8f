"""The auth blueprint's URL map (route map in the preamble). The views live beside it:
citizen_login (login page, letter code, demo, logout), oidc (eID), staff_login (staff)."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import citizen_login
from portal.auth import oidc
from portal.auth import representing
from portal.auth import staff_login

bp = Blueprint("auth", __name__)

bp.add_url_rule("/login", "login", citizen_login.login, methods=["GET"])
bp.add_url_rule("/login/code", "login_code", citizen_login.login_code, methods=["GET", "POST"])
bp.add_url_rule("/login/eid", "oidc_start", oidc.oidc_start, methods=["GET"])
bp.add_url_rule("/login/eid/callback", "oidc_callback", oidc.oidc_callback, methods=["GET"])
bp.add_url_rule("/login/demo", "demo_login", citizen_login.demo_login, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", citizen_login.logout, methods=["POST"])
bp.add_url_rule("/staff/login", "staff_login", staff_login.staff_login, methods=["GET", "POST"])
bp.add_url_rule("/staff/login/code", "staff_totp", staff_login.staff_totp, methods=["GET", "POST"])
bp.add_url_rule("/staff/logout", "staff_logout", staff_login.staff_logout, methods=["POST"])
bp.add_url_rule(
    "/login/demo/representative",
    "demo_representative",
    citizen_login.demo_representative,
    methods=["POST"],
)
# Issue 9: acting for others (portal/auth/representing.py).
bp.add_url_rule("/representing", "representing", representing.representing, methods=["GET"])
bp.add_url_rule(
    "/representing/<int:representation_id>", "act_for", representing.act_for, methods=["POST"]
)
bp.add_url_rule("/representing/own", "own_bills", representing.own_bills, methods=["POST"])
bp.add_url_rule(
    "/representing/back", "representing_back", representing.back_to_list, methods=["POST"]
)
bp.before_app_request(representing.check_acting_session)
bp.app_context_processor(representing.acting_banner)
