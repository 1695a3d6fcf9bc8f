"""A logging filter that masks what must never reach a log: national ids and IBANs.

Logs should carry internal ids only; this filter is the safety net for mistakes.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

# 9-11 digit runs (BSN 9, CPR 10 with or without dash, Belgian national number 11 with dots)
_NATIONAL_ID = re.compile(r"(?<!\d)(\d{6}-?\d{4}|\d{2}\.?\d{2}\.?\d{2}-?\d{3}\.?\d{2}|\d{9})(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")


def mask(text: str) -> str:
    # IBANs first: their digits would otherwise look like a national id.
    return _NATIONAL_ID.sub("[id]", _IBAN.sub("[iban]", text))


class PrivacyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_filter(app: Flask) -> None:
    privacy = PrivacyFilter()
    for handler in logging.getLogger().handlers + app.logger.handlers:
        handler.addFilter(privacy)
    for name in ("werkzeug", "portal", "gunicorn.error", "gunicorn.access"):
        logging.getLogger(name).addFilter(privacy)
