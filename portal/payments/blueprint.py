"""The payments blueprint, shared by the page modules beside it."""

from flask import Blueprint

bp = Blueprint("payments", __name__)
