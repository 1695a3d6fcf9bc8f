"""The configuration every test app starts from."""

from __future__ import annotations

from typing import Any

from portal.config import Config


def make_test_config(database_url: str, **overrides: Any) -> Config:
    base = Config(
        testing=True,
        demo=True,
        database_url=database_url,
        argon2_cheap=True,
        rules="nl",
        session_cookie_secure=False,
    )
    return base.with_overrides(**overrides) if overrides else base


def sibling_database_url(database_url: str, name: str) -> str:
    """Another database next to the worker's one (same PostgreSQL server, or another file)."""
    if database_url.startswith("sqlite:///"):
        return database_url.rsplit("/", 1)[0] + f"/{name}.sqlite"
    return database_url.rsplit("/", 1)[0] + f"/{name}"
