"""Helpers for the debt overview document tests: laid-out PDF text, CSRF, a frozen clock."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.documents import render

_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def laid_out_text(html: str) -> str:
    """The text WeasyPrint places on the pages of the document, in order (what a reader sees)."""
    document = (
        render._weasyprint()  # noqa: SLF001 - the renderer's own WeasyPrint and print.css
        .HTML(string=html, base_url=str(render.PROJECT_ROOT))
        .render(stylesheets=[render._print_css()])  # noqa: SLF001
    )
    texts: list[str] = []
    for page in document.pages:
        for box in page._page_box.descendants():  # noqa: SLF001
            text = getattr(box, "text", None)
            if isinstance(text, str):
                texts.append(text)
    return " ".join(" ".join(texts).split())


def csrf_of(response: TestResponse) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def csrf_from_page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_of(response)
