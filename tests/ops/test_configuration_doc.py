"""docs/configuration.md is generated from the config class and gunicorn.conf.py; it must
not drift from them."""

from __future__ import annotations

import importlib.util
from dataclasses import fields
from pathlib import Path
from types import ModuleType

from portal.config import Config
from portal.config import env_var

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "config_reference", ROOT / "scripts" / "config_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_configuration_doc_matches_the_code() -> None:
    generator = _generator()
    assert generator.problems() == []
    assert (ROOT / "docs" / "configuration.md").read_text() == generator.render(), (
        "docs/configuration.md is stale: run `uv run python scripts/config_reference.py`"
    )


def test_every_setting_is_in_the_doc_under_the_variable_from_env_reads() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    for f in fields(Config):
        if f.name == "extra":
            continue
        name = env_var(f.name)
        assert f"| `{name}` |" in doc, name
        if isinstance(f.default, bool):
            raw, expected = ("0", False) if f.default else ("1", True)
        elif isinstance(f.default, int):
            raw, expected = "7", 7
        else:
            continue
        assert getattr(Config.from_env({name: raw, "SALDO_DEMO": "1"}), f.name) == expected


def test_a_string_setting_is_read_from_its_documented_variable() -> None:
    config = Config.from_env({env_var("instance_id"): "app-9", env_var("demo"): "1"})
    assert config.instance_id == "app-9"
