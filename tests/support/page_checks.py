"""Checks every page must pass (notifications-admin's `client_request` idea), for any engineer.

    from tests.support.page_checks import assert_page_ok, parse_html
    response = client.get("/overview")
    assert_page_ok(response, lang="nl")          # raises AssertionError listing every problem
    page = parse_html(response.get_data(as_text=True))
    page.find_all("a", href="/soon/pay")         # a tiny DOM for your own assertions

Only the standard library (html.parser): html5lib is not installed. The tree builder is
strict about end tags (a mismatched close is reported), but lets the elements whose end tag
HTML makes optional (p, li, td...) close implicitly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from typing import Any

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
OPTIONAL_END = frozenset(
    [
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "rb",
        "rt",
        "rp",
    ]
)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
#: <input> types that need no label
UNLABELLED_INPUT_TYPES = frozenset({"hidden", "submit", "button", "reset", "image"})


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    def iter(self) -> Iterator[Node]:
        """This node and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Elements by tag and attributes; `class_="x"` matches one class among several."""
        wanted_class = attrs.pop("class_", None)
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if any(node.attrs.get(name) != value for name, value in attrs.items()):
                continue
            if wanted_class is not None and wanted_class not in node.classes:
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        """The text inside, with HTML whitespace collapsed; no-break spaces are kept, since
        Babel puts them in amounts ("€\xa01.234,56")."""
        parts = [child if isinstance(child, str) else child.text for child in self.children]
        return _HTML_SPACE.sub(" ", " ".join(parts)).strip()

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack: list[Node] = [self.root]
        self.errors: list[str] = []
        self.doctype: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.stack[-1])
        names = [k for k, _ in attrs]
        for name, count in Counter(names).items():
            if count > 1:
                self.errors.append(f"<{tag}> has the attribute {name!r} twice")
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        open_tags = [node.tag for node in self.stack[1:]]
        if tag not in open_tags:
            self.errors.append(f"</{tag}> closes nothing")
            return
        while self.stack[-1].tag != tag:
            closed = self.stack.pop()
            if closed.tag not in OPTIONAL_END:
                self.errors.append(f"<{closed.tag}> is not closed before </{tag}>")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def close(self) -> None:
        super().close()
        for node in self.stack[1:]:
            if node.tag not in OPTIONAL_END | {"html", "body", "head"}:
                self.errors.append(f"<{node.tag}> is never closed")


def parse_html(html: str) -> Node:
    """The document as a small tree (see Node). Structural errors are ignored here."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def page_problems(html: str, *, lang: str | None = None) -> list[str]:
    """Everything wrong with a page, as readable sentences (empty list: the page is fine)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    root, problems = builder.root, list(builder.errors)

    if not builder.doctype or builder.doctype.lower() != "doctype html":
        problems.append("no <!doctype html>")
    html_node = root.find("html")
    if html_node is None or not html_node.attrs.get("lang"):
        problems.append("<html> has no lang attribute")
    elif lang is not None and html_node.attrs["lang"] != lang:
        problems.append(f"<html lang> is {html_node.attrs['lang']!r}, expected {lang!r}")

    # an inline SVG's <title> names the drawing, not the page
    titles = [t for t in root.find_all("title") if all(a.tag != "svg" for a in t.ancestors())]
    if len(titles) != 1 or not titles[0].text.strip():
        problems.append("the page needs exactly one non-empty <title>")
    h1s = root.find_all("h1")
    if len(h1s) != 1:
        problems.append(f"the page has {len(h1s)} <h1> elements, expected exactly one")

    ids = Counter(node.attrs["id"] for node in root.iter() if "id" in node.attrs)
    problems += [f"the id {i!r} is used {n} times" for i, n in ids.items() if n > 1]

    problems += _label_problems(root)
    problems += _form_problems(root)
    problems += _csp_problems(root)

    skip = [a for a in root.find_all("a", class_="skip-link")]
    if not skip or not skip[0].attrs.get("href", "").startswith("#"):
        problems.append("no skip link (<a class='skip-link' href='#main'>)")
    elif skip[0].attrs["href"][1:] not in ids:
        problems.append(f"the skip link points at {skip[0].attrs['href']}, which does not exist")
    return problems


def _label_problems(root: Node) -> list[str]:
    labelled = {node.attrs.get("for") for node in root.find_all("label")}
    problems = []
    for node in root.iter():
        if node.tag not in {"input", "select", "textarea"}:
            continue
        if node.tag == "input" and node.attrs.get("type", "text") in UNLABELLED_INPUT_TYPES:
            continue
        if node.attrs.get("aria-label") or node.attrs.get("aria-labelledby"):
            continue
        if node.attrs.get("id") and node.attrs["id"] in labelled:
            continue
        problems.append(f"<{node.tag} name={node.attrs.get('name')!r}> has no <label for>")
    return problems


def _form_problems(root: Node) -> list[str]:
    problems = []
    for form in root.find_all("form"):
        if form.attrs.get("method", "get").lower() != "post":
            continue
        if not form.find_all("input", name="csrf_token"):
            problems.append(f"the POST form to {form.attrs.get('action')!r} has no csrf_token")
    return problems


def _csp_problems(root: Node) -> list[str]:
    """The CSP forbids inline scripts, inline styles and event-handler attributes."""
    problems = []
    for node in root.iter():
        if "style" in node.attrs:
            problems.append(f"<{node.tag}> has an inline style attribute")
        if any(name.startswith("on") for name in node.attrs):
            problems.append(f"<{node.tag}> has an inline event handler")
        if node.tag == "script" and "src" not in node.attrs:
            problems.append("an inline <script> (blocked by the CSP)")
        if node.tag == "style":
            problems.append("an inline <style> block (blocked by the CSP)")
    return problems


def assert_page_ok(response_or_html: Any, *, lang: str | None = None) -> Node:
    """Fail with every problem listed; returns the parsed page for further assertions."""
    html = (
        response_or_html
        if isinstance(response_or_html, str)
        else response_or_html.get_data(as_text=True)
    )
    problems = page_problems(html, lang=lang)
    assert not problems, "page problems:\n- " + "\n- ".join(problems)
    return parse_html(html)
