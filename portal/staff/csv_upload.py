"""Checks shared by the staff CSV upload pages (claims, social status). No views here."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

#: an upload on this page; larger files go through the command line
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1_000

UPLOAD_ERRORS: Mapping[str, str] = {
    "too_large": _l("The file is too large. A file can be at most 2 MB here."),
    "too_many_rows": _l(
        "The file has more than 1,000 rows. Split it into smaller files, or ask for the "
        "import on the command line."
    ),
    "not_text": _l(
        "This is not a CSV text file. Save the sheet as 'CSV UTF-8' and upload that file."
    ),
    "not_utf8": _l("The file is not UTF-8 text. Save the sheet as 'CSV UTF-8' and try again."),
    "not_csv": _l("The file could not be read as CSV. Nothing was imported."),
    "empty": _l("The file has no rows under the header. Nothing was imported."),
    "empty_file": _l("The file is empty. Nothing was imported."),
    "no_department": _l(
        "Your account is not linked to a department, so you cannot import claims. "
        "Please ask an administrator."
    ),
}


class UploadRefused(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _text(data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_large")
    if b"\x00" in data:
        raise UploadRefused("not_text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused("not_utf8") from None
    if any(ch in text for ch in "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x1a\x1b\x7f"):
        raise UploadRefused("not_text")
    return text
