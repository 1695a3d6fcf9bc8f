"""portal/domain stays pure: no framework or I/O imports, no reading the clock, no floats.

style.md "What to absorb" #3 and decisions.md "Time": the clock is passed in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[3] / "portal" / "domain"
BANNED_IMPORTS = {
    "flask",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "sqlalchemy",
    "stripe",
    "segno",
    "werkzeug",
    "babel",
    "requests",
    "portal.models",
    "portal.services",
    "portal.extensions",
}
BANNED_CALLS = {"today", "now", "utcnow", "time"}
MODULES = sorted(DOMAIN.rglob("*.py"))


def imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_modules_found() -> None:
    assert len(MODULES) >= 8


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_no_banned_imports(path: Path) -> None:
    imported = imported_names(ast.parse(path.read_text(encoding="utf-8")))
    banned = {
        name
        for name in imported
        for root in BANNED_IMPORTS
        if name == root or name.startswith(root + ".")
    }
    assert not banned


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_no_clock_and_no_float(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in BANNED_CALLS, f"{path.name}:{node.lineno}"
        if isinstance(node, ast.Name):
            assert node.id != "float", f"{path.name}:{node.lineno}"
        if isinstance(node, ast.Constant):
            assert not isinstance(node.value, float), f"{path.name}:{node.lineno}"
