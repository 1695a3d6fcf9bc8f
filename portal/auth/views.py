"""Login and logout (filled in by the auth work)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
