"""Citizen pages (filled in by the citizen UI work)."""

from flask import Blueprint

bp = Blueprint("citizen", __name__)
