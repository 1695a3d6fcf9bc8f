"""Production mode refuses demo settings, listing every problem; gunicorn exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from portal.config import DEMO_SECRET
from portal.config import Config
from portal.config import ConfigError
from portal.config import ProductionConfigError

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")  # the project's own (uv run gunicorn)
GOOD_PRODUCTION = {
    "SALDO_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://saldo@127.0.0.1:5432/saldo",
    "SALDO_ID_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "SALDO_STRIPE_SECRET_KEY": "sk_live_example",
    "SALDO_ID_HASH_KEY": "h" * 48,
    "SALDO_LINK_KEY": "l" * 48,
}


def test_production_with_demo_settings_lists_every_problem() -> None:
    with pytest.raises(ProductionConfigError) as caught:
        Config.from_env({"SALDO_ENV": "production", "SALDO_DEMO": "1"})
    problems = "\n".join(caught.value.problems)
    assert "SALDO_DEMO" in problems
    assert "sandbox" in problems
    assert "SECRET_KEY" in problems
    assert "SQLite" in problems
    assert "SALDO_ID_ENCRYPTION_KEY" in problems
    assert "SALDO_ID_HASH_KEY" in problems
    assert "SALDO_LINK_KEY" in problems
    assert len(caught.value.problems) == 7
    assert all(problem in str(caught.value) for problem in caught.value.problems)


def test_production_refuses_an_explicit_sandbox_provider_and_test_shortcuts() -> None:
    env = {
        **GOOD_PRODUCTION,
        "SALDO_PAYMENT_PROVIDER": "sandbox",
        "SALDO_ARGON2_CHEAP": "1",
        "SALDO_SESSION_COOKIE_SECURE": "0",
        "SECRET_KEY": "short",
    }
    with pytest.raises(ProductionConfigError) as caught:
        Config.from_env(env)
    joined = "\n".join(caught.value.problems)
    for needle in ("sandbox", "SALDO_ARGON2_CHEAP", "SALDO_SESSION_COOKIE_SECURE", "32 characters"):
        assert needle in joined


def test_production_refuses_the_demo_secret_even_with_everything_else_right() -> None:
    with pytest.raises(ProductionConfigError, match="SECRET_KEY"):
        Config.from_env({**GOOD_PRODUCTION, "SECRET_KEY": DEMO_SECRET})


def test_production_settings_that_are_safe_start() -> None:
    config = Config.from_env(GOOD_PRODUCTION)
    assert config.env == "production"
    assert config.effective_payment_provider == "stripe"


def test_an_unknown_environment_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="SALDO_ENV"):
        Config.from_env({"SALDO_ENV": "prod", "SALDO_DEMO": "1"})


def test_gunicorn_refuses_to_start_in_production_with_demo_settings(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SALDO_", "DATABASE_URL", "SECRET_KEY", "PORTAL_"))
    }
    env |= {"SALDO_ENV": "production", "SALDO_DEMO": "1"}
    result = subprocess.run(
        [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "--bind", "127.0.0.1:0"]
        + ["portal:create_app()"],
        cwd=tmp_path,  # anywhere: the config file makes the project importable
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "refuses to start in production mode" in result.stderr
    for needle in ("SALDO_DEMO", "sandbox", "SECRET_KEY", "SQLite"):
        assert needle in result.stderr
    assert "Booting worker" not in result.stderr
