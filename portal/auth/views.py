"""The auth blueprint's URL map (route map in the preamble). The views live beside it:
citizen_login (login page, letter code, demo, logout), oidc (eID), staff_login (staff)."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import citizen_login
from portal.auth import oidc
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
