"""Simple horizontal bar charts as inline SVG markup, for pages that must work without JavaScript.

Pure: (label, value) pairs in, one escaped SVG string out. The chart is an image with a name
(role="img", <title> and <desc> referenced by aria-labelledby); the page's table next to it is
the accessible equivalent, so the chart never needs to be read bar by bar.

Layout, chosen for a 320 px screen: each bar has its label on its own line(s) above it and its
value as text right after it, so nothing depends on colour or on reading an axis. The drawing
is 320 units wide and scales with the viewBox (base CSS: `svg { max-width: 100%; height: auto }`)
to `width` pixels at most. No style attributes (the CSP forbids them): presentation attributes
only.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from collections.abc import Sequence
from html import escape

VIEW_WIDTH = 320
#: drawn size on wide screens (the viewBox scales it down on narrow ones)
DISPLAY_WIDTH = 360
FONT_SIZE = 15
LINE_HEIGHT = 20
BAR_HEIGHT = 20
ROW_GAP = 12
PADDING = 4
#: a conservative average glyph width of a sans-serif font, in units per FONT_SIZE
GLYPH_WIDTH = 0.6
#: characters per label line before it wraps
LABEL_WRAP = 34
BAR_FILL = "#1d4f91"
TEXT_FILL = "#1b1b1b"
AXIS_STROKE = "#505a5f"


def _esc(text: str) -> str:
    return escape(text, quote=True)


def _text_width(text: str) -> float:
    return len(text) * FONT_SIZE * GLYPH_WIDTH


def bar_chart(
    bars: Sequence[tuple[str, int | float]],
    *,
    chart_id: str,
    title: str,
    description: str,
    value_label: Callable[[int | float], str] = str,
) -> str:
    """An SVG bar chart: one horizontal bar per (label, value), longest = largest value.

    `chart_id` makes the ids of <title> and <desc> unique on the page; `value_label` formats a
    value for the text after its bar (e.g. money). Negative values draw no bar (their text
    still shows). With no bars, the chart is only its title, description and a base line.
    """
    value_texts = [value_label(value) for _, value in bars]
    reserve = min(max((_text_width(text) for text in value_texts), default=0) + 8, 160)
    bar_space = VIEW_WIDTH - 2 * PADDING - reserve
    largest = max((value for _, value in bars if value > 0), default=0)
    parts: list[str] = []
    y = PADDING
    for (label, value), value_text in zip(bars, value_texts, strict=True):
        lines = textwrap.wrap(label, LABEL_WRAP) or [""]
        for line in lines:
            y += LINE_HEIGHT
            parts.append(
                f'<text x="{PADDING + 4}" y="{y - 4}" font-size="{FONT_SIZE}" fill="{TEXT_FILL}">'
                f"{_esc(line)}</text>"
            )
        length = round(bar_space * value / largest, 1) if largest and value > 0 else 0
        if length:
            parts.append(
                f'<rect x="{PADDING}" y="{y + 2}" width="{length}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_FILL}"/>'
            )
        parts.append(
            f'<text x="{PADDING + length + 6}" y="{y + BAR_HEIGHT - 2}" font-size="{FONT_SIZE}" '
            f'font-weight="bold" fill="{TEXT_FILL}">{_esc(value_text)}</text>'
        )
        y += BAR_HEIGHT + 2 + ROW_GAP
    height = y + PADDING
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" id="{_esc(chart_id)}" '
        f'role="img" aria-labelledby="{_esc(title_id)} {_esc(desc_id)}" '
        f'viewBox="0 0 {VIEW_WIDTH} {height}" width="{DISPLAY_WIDTH}" '
        f'height="{round(height * DISPLAY_WIDTH / VIEW_WIDTH)}" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{_esc(title_id)}">{_esc(title)}</title>'
        f'<desc id="{_esc(desc_id)}">{_esc(description)}</desc>'
        f'<line x1="{PADDING}" y1="{PADDING}" x2="{PADDING}" y2="{height - PADDING}" '
        f'stroke="{AXIS_STROKE}" stroke-width="1"/>'
        f"{''.join(parts)}</svg>"
    )
