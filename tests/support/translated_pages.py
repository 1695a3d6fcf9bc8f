"""Helpers for the "every page is translated" test: which English texts must not be seen in a
language, and the text a person sees (or hears from a screen reader) on a page.

    english = english_texts("da")            # English source texts that Danish translates
    seen = visible_text(html)                # text nodes plus title/aria-label/alt/placeholder
    [text for text in english if text in seen]
    english_on_page(html, "da", english_names(rule_pack, "da"))   # both, plus rule-pack names
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from collections.abc import Mapping
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
#: shorter English texts ("Amount", "Close") are too often the same word in another language,
#: a name, or part of other text
MIN_LENGTH = 14
#: what a msgid holds besides text: placeholders (%(name)s, %s, {name}) and HTML markup
_NOT_TEXT = re.compile(r"%\(\w+\)[sdif]|%[sdif%]|\{[^{}]*\}|<[^<>]*>|&[a-z]+;|&#\d+;")
_SPACE = re.compile(r"\s+")
#: attributes whose values are shown, or read out by a screen reader
SHOWN_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
_HIDDEN_CONTENT = frozenset({"script", "style", "template"})


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@cache
def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(form) for form in value]


def _fragments(msgid: str) -> list[str]:
    """The plain-text runs of a msgid between its placeholders and tags, long enough to check."""
    return [
        text
        for part in _NOT_TEXT.split(msgid)
        if len(text := _squash(part)) >= MIN_LENGTH and re.search(r"[A-Za-z]{3}", text)
    ]


def _shows_english(message: Message | None) -> bool:
    """No usable translation: gettext falls back to the English msgid."""
    if message is None or message.fuzzy:
        return True
    return not all(_forms(message.string))


@cache
def english_texts(locale: str) -> frozenset[str]:
    """English texts (msgids of translations/messages.pot, or their runs between placeholders)
    that must not appear on a page shown in `locale`.

    Left out: short texts, texts the locale's catalog translates to themselves ("Saldo",
    "MobilePay"), and texts that occur inside one of the locale's own translations.
    """
    template = _catalog(TRANSLATIONS / "messages.pot")
    catalog = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    translated = " \n ".join(
        _squash(form) for message in catalog if message.id for form in _forms(message.string)
    )
    wanted: set[str] = set()
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id)
        translations = set() if _shows_english(message) else set(_forms(message.string))  # type: ignore[union-attr]
        for msgid in _forms(source.id):
            if msgid in translations:
                continue
            for fragment in _fragments(msgid):
                if fragment not in translated:
                    wanted.add(fragment)
    return frozenset(wanted)


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.parts.append(f" {values[name]} ")
        if tag == "input" and values.get("type") in {"submit", "button", "reset"}:
            self.parts.append(f" {values.get('value') or ''} ")
        if tag in _HIDDEN_CONTENT:
            self.hidden_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_CONTENT:  # <template/> has no content to hide
            self.handle_starttag("span", attrs)
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_CONTENT and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text nodes and shown attribute values, whitespace collapsed.

    Text nodes are joined as they are, so a sentence with a link or <strong> in it reads as
    one; block elements are separated by the line breaks of the template."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return _squash("".join(parser.parts))


def _name_maps(value: object) -> Iterator[Mapping[str, str]]:
    """Every {locale: name} mapping in a rule pack (claim types, departments, debt help...)."""
    if isinstance(value, Mapping):
        if "en" in value and all(isinstance(name, str) for name in value.values()):
            yield value
        return
    if isinstance(value, tuple | list):
        for item in value:
            yield from _name_maps(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _name_maps(getattr(value, item.name))


def english_names(rule_pack: object, locale: str) -> frozenset[str]:
    """The rule pack's English names whose name in `locale` (Flemish: the pack's Dutch name)
    is different, and that no translation of the locale's catalog contains."""
    catalog = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    translated = " \n ".join(
        _squash(form) for message in catalog if message.id for form in _forms(message.string)
    )
    maps = list(_name_maps(rule_pack))
    local = " \n ".join(str(m.get(locale) or m.get(locale.split("_")[0]) or "") for m in maps)
    return frozenset(
        english
        for names in maps
        if len(english := _squash(names["en"])) >= 5
        and (names.get(locale) or names.get(locale.split("_")[0]) or english) != english
        and not re.search(rf"\b{re.escape(english)}\b", translated + local)
    )


def english_on_page(html: str, locale: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The English texts (see english_texts) and English rule-pack `names` (whole words, see
    english_names) that the page shows, sorted."""
    seen = visible_text(html)
    found = {text for text in english_texts(locale) if text in seen}
    found |= {name for name in names if re.search(rf"\b{re.escape(name)}\b", seen)}
    return sorted(found)
