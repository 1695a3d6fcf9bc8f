"""Configuration: safe defaults, refusals outside demo mode."""

from __future__ import annotations

import pytest

from portal.config import Config
from portal.config import ConfigError


def test_demo_mode_runs_with_defaults_on_sqlite() -> None:
    config = Config.from_env({"SALDO_DEMO": "1"})
    assert config.demo is True
    assert config.database_url.startswith("sqlite:///")
    assert config.rules == "nl"


def test_secret_key_is_required_outside_demo_and_test_mode() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env({})


def test_encryption_key_is_required_outside_demo_mode() -> None:
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY"):
        Config.from_env({"SECRET_KEY": "s" * 40})


def test_unknown_rule_pack_is_refused() -> None:
    with pytest.raises(ConfigError, match="PORTAL_RULES"):
        Config.from_env({"SALDO_DEMO": "1", "PORTAL_RULES": "se"})


def test_environment_values_are_typed() -> None:
    config = Config.from_env(
        {
            "SALDO_DEMO": "true",
            "PORTAL_RULES": "dk",
            "SALDO_LOGIN_CODE_DAYS": "30",
            "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/saldo",
        }
    )
    assert (config.rules, config.login_code_days) == ("dk", 30)
    assert config.database_url.startswith("postgresql")
