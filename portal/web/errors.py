"""Error pages: a clear message in the user's language, never a stack trace."""

from __future__ import annotations

from flask import Flask
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: _l("We could not understand that request. Please go back and try again."),
    403: _l("You do not have access to this page."),
    404: _l("We could not find this page. It may have moved, or the link may be wrong."),
    405: _l("This page cannot be used like that. Please go back and try again."),
    413: _l("The file or form is too large. Please send something smaller."),
    429: _l("You have tried too many times. Please wait a while and try again."),
    500: _l("Something went wrong on our side. Nothing was changed. Please try again later."),
}
TITLES = {
    400: _l("We could not handle your request"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    413: _l("Too large"),
    429: _l("Too many tries"),
    500: _l("Something went wrong"),
}


def _render(status: int, message: str | None = None) -> tuple[str, int]:
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES.get(status, TITLES[500]),
            message=message or MESSAGES.get(status, MESSAGES[500]),
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _render(
            400,
            str(
                _l(
                    "This form had expired or was sent twice. Nothing was changed. "
                    "Please open the page again and try once more."
                )
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        if request.path.startswith("/api/"):
            return error
        return _render(error.code if error.code in MESSAGES else 400)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        app.logger.exception("unhandled error on %s", request.endpoint)
        return _render(500)
