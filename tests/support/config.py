"""The configuration every test app starts from."""

from __future__ import annotations

import tempfile
from typing import Any

from portal.config import Config

#: Uploads and exports that tests write go here, never into the repository's instance/ folder.
TEST_DATA_DIR = tempfile.mkdtemp(prefix="saldo-test-data-")


def make_test_config(database_url: str, **overrides: Any) -> Config:
    base = Config(
        testing=True,
        demo=True,
        database_url=database_url,
        argon2_cheap=True,
        rules="nl",
        session_cookie_secure=False,
        data_dir=TEST_DATA_DIR,
    )
    return base.with_overrides(**overrides) if overrides else base


def sibling_database_url(database_url: str, name: str) -> str:
    """Another database next to the worker's one (same PostgreSQL server, or another file)."""
    if database_url.startswith("sqlite:///"):
        return database_url.rsplit("/", 1)[0] + f"/{name}.sqlite"
    return database_url.rsplit("/", 1)[0] + f"/{name}"
