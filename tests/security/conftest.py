"""The security suite's own fixtures.

Every test here runs with all log records captured at DEBUG, as they are made: before the
privacy filters on the "portal" logger and on handlers mask them (a filter is the safety net,
not the fix) and ends by checking that no national id of a debtor made during the
test appears in any record: message, arguments or exception text. The national ids come from
the factories (tests/support/factories.register_debtor is watched) and from the planted ones.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support import factories
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.citizen_ui import freeze_today


def _texts(record: logging.LogRecord) -> list[str]:
    texts = [str(record.msg), repr(record.args)]
    # a bad format string is a bug of its own (tested elsewhere), not a reason to stop here
    with contextlib.suppress(TypeError, ValueError):
        texts.append(record.getMessage())
    if record.exc_info and record.exc_info[1] is not None:
        texts.append(repr(record.exc_info[1]))
    if record.exc_text:
        texts.append(record.exc_text)
    return texts


#: loggers so chatty at DEBUG that they would cost seconds per test; none handles our data
_QUIET = ("fontTools", "weasyprint", "PIL", "urllib3", "asyncio", "faker", "pydyf")


@pytest.fixture(autouse=True)
def national_ids_never_logged(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    # `app` first: building it runs the migrations, whose logging.config.fileConfig resets
    # the root logger (and its level) when it happens inside the test.
    planted: set[str] = set()
    original = factories.register_debtor

    def watched(session: Any, config: Any, country: str, new: Any) -> Any:
        if new.national_id:
            planted.add(new.national_id)
        return original(session, config, country, new)

    monkeypatch.setattr(factories, "register_debtor", watched)
    seen: list[tuple[str, list[str]]] = []
    handle = logging.Logger.handle

    def snapshot(logger: logging.Logger, record: logging.LogRecord) -> None:
        seen.append((record.name, _texts(record)))
        handle(logger, record)

    monkeypatch.setattr(logging.Logger, "handle", snapshot)
    root = logging.getLogger()
    old_level = root.level
    quiet = {name: logging.getLogger(name).level for name in _QUIET}
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    root.setLevel(logging.DEBUG)
    try:
        yield planted
    finally:
        root.setLevel(old_level)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)
    leaks = [
        f"{name}: {text[:200]}"
        for name, texts in seen
        for text in texts
        if any(national_id in text for national_id in planted)
    ]
    assert leaks == [], "a national id reached a log record"


@pytest.fixture(autouse=True)
def _files_and_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Evidence files go to a temporary folder; the citizen views' "today" is pinned."""
    freeze_today(monkeypatch)
    monkeypatch.setattr(
        "portal.services.remission_evidence.evidence_dir", lambda config: tmp_path / "remission"
    )
    monkeypatch.setattr(
        "portal.services.disputes.evidence_dir", lambda config: tmp_path / "disputes"
    )


@pytest.fixture(autouse=True)
def _requests_as_in_production(isolated_requests: object) -> None:  # noqa: F811
    """`g` emptied per request, and SQLite's outer transaction made real (see
    tests/support/auth_helpers.isolated_requests)."""
