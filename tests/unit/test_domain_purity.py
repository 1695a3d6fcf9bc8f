"""portal/domain stays pure: no framework, no database, no I/O libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "portal" / "domain"
FORBIDDEN = {
    "flask",
    "flask_babel",
    "flask_login",
    "sqlalchemy",
    "stripe",
    "segno",
    "werkzeug",
    "requests",
    "httpx",
    "weasyprint",
    "portal.models",
    "portal.services",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_framework(path: Path) -> None:
    bad = {
        name
        for name in _imports(path)
        if any(name == forbidden or name.startswith(forbidden + ".") for forbidden in FORBIDDEN)
    }
    assert bad == set(), f"{path.name} imports {sorted(bad)}"


def test_domain_never_reads_the_clock() -> None:
    for path in DOMAIN.rglob("*.py"):
        text = path.read_text()
        assert "date.today()" not in text and "datetime.now(" not in text, path.name
