"""The inline SVG bar charts: well-formed, named for assistive technology, escaped, to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from portal.web.svg_charts import BAR_FILL
from portal.web.svg_charts import bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup, parsed to check it is well-formed


def _bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}rect")


def _texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def test_a_chart_is_an_image_named_by_its_title_and_description() -> None:
    markup = bar_chart(
        [("Paid", 3)], chart_id="chart-a", title="Plans", description="Number of plans."
    )
    root = _parse(markup)

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-a-title chart-a-desc"
    assert root.find(f"{SVG}title").text == "Plans"  # type: ignore[union-attr]
    assert root.find(f"{SVG}title").get("id") == "chart-a-title"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Number of plans."  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").get("id") == "chart-a-desc"  # type: ignore[union-attr]


def test_bars_are_proportional_to_their_values_and_labelled_in_text() -> None:
    root = _parse(
        bar_chart(
            [("Small", 25), ("Large", 100), ("Half", 50)],
            chart_id="c",
            title="t",
            description="d",
            value_label=lambda value: f"{value} units",
        )
    )

    widths = [float(rect.get("width", "0")) for rect in _bars(root)]
    assert widths[1] == max(widths)
    assert widths[0] == pytest.approx(widths[1] / 4, abs=0.1)
    assert widths[2] == pytest.approx(widths[1] / 2, abs=0.1)
    assert {rect.get("fill") for rect in _bars(root)} == {BAR_FILL}
    assert _texts(root) == ["Small", "25 units", "Large", "100 units", "Half", "50 units"]


def test_zero_and_negative_values_draw_no_bar_but_keep_their_label() -> None:
    root = _parse(bar_chart([("None", 0), ("Minus", -5)], chart_id="c", title="t", description="d"))

    assert _bars(root) == []
    assert _texts(root) == ["None", "0", "Minus", "-5"]


def test_an_empty_chart_is_still_a_named_image() -> None:
    root = _parse(bar_chart([], chart_id="empty", title="Nothing", description="No data."))

    assert root.get("role") == "img"
    assert _bars(root) == []


def test_text_is_escaped() -> None:
    markup = bar_chart(
        [('<script>alert("x")</script> & co', 1)],
        chart_id='x" onload="evil',
        title="<b>title</b>",
        description="a & b",
        value_label=lambda value: "<1>",
    )
    root = _parse(markup)

    assert "<script>" not in markup
    assert "<b>" not in markup
    assert 'onload="' not in markup
    assert root.get("onload") is None
    assert _texts(root) == ['<script>alert("x")</script> & co', "<1>"]
    assert root.find(f"{SVG}title").text == "<b>title</b>"  # type: ignore[union-attr]


def test_long_labels_wrap_onto_several_lines_within_the_drawing() -> None:
    label = "A remission application was started but not finished in time"
    root = _parse(bar_chart([(label, 10)], chart_id="c", title="t", description="d"))

    label_lines = _texts(root)[:-1]
    assert len(label_lines) == 2
    assert " ".join(label_lines) == label


def test_the_chart_scales_with_its_view_box_and_uses_no_style_attributes() -> None:
    markup = bar_chart([("One", 1), ("Two", 2)], chart_id="c", title="t", description="d")
    root = _parse(markup)

    min_x, min_y, width, height = (float(part) for part in root.get("viewBox", "").split())
    assert (min_x, min_y) == (0, 0)
    scale = float(root.get("width", "0")) / width
    assert float(root.get("height", "0")) == pytest.approx(height * scale, abs=1)
    assert "style=" not in markup
    assert "<style" not in markup
    for rect in _bars(root):
        assert float(rect.get("x", "0")) + float(rect.get("width", "0")) <= width
