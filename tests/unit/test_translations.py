"""Every page exists in Danish, Dutch and English: the catalogs are current and complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("da", "nl", "en", "nl_BE", "fr")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[str]:
    return {str(message.id) for message in catalog if message.id}


def test_extracted_strings_match_the_committed_template(tmp_path: Path) -> None:
    """Fails when someone adds a string without running `make translations`."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    committed = _read(ROOT / "translations" / "messages.pot")
    assert _ids(_read(fresh)) == _ids(committed), "run `make translations` and translate"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_without_fuzzy_entries(locale: str) -> None:
    template = _ids(_read(ROOT / "translations" / "messages.pot"))
    catalog = _read(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po")
    missing = sorted(
        str(m.id)
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    )
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:3]}"
    assert not fuzzy, f"{locale}: fuzzy entries {fuzzy[:3]}"
    assert template <= _ids(catalog), f"{locale}: not updated from messages.pot"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_their_placeholders(locale: str) -> None:
    catalog = _read(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po")
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        wanted = set(PLACEHOLDER.findall(str(message.id)))
        got = set(PLACEHOLDER.findall(str(message.string)))
        assert wanted == got, f"{locale}: {message.id!r} -> {message.string!r}"
