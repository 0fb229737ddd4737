"""The report's SVG charts: well-formed, accessible, CSP-clean, and safe with citizens' labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from liveline.followup.charts import (
    bar_chart,
    format_number,
    format_percent,
    line_chart,
    nice_ticks,
    paired_bar_chart,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert(1)</script>"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{{{NS['svg']}}}{tag}") if cls in e.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{{{NS['svg']}}}text")]


def all_charts(label: str = "ЖКХ") -> list[str]:
    return [
        bar_chart([(label, 3), ("Дороги", 1)], "Темы"),
        line_chart([("19:00", 1), (label, 4)], "Вопросов в минуту"),
        paired_bar_chart([(label, 0.6, 0.4), ("Дороги", 0.4, 0.6)], "Справедливость"),
    ]


# ---- every chart ---------------------------------------------------------------------------------


@pytest.mark.parametrize("svg", all_charts())
def test_charts_are_accessible_images(svg: str) -> None:
    root = parse(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    first, second = list(root)[:2]
    assert first.tag.endswith("title") and first.get("id") == title_id and first.text
    assert second.tag.endswith("desc") and second.get("id") == desc_id and second.text
    assert "PT Sans" in root.get("font-family", "") and "sans-serif" in root.get("font-family", "")
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


@pytest.mark.parametrize("svg", all_charts())
def test_charts_pass_a_strict_csp(svg: str) -> None:
    root = parse(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert not element.tag.endswith(("script", "style", "foreignObject"))


@pytest.mark.parametrize("svg", all_charts(HOSTILE))
def test_a_hostile_label_is_text_not_markup(svg: str) -> None:
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
    shown = texts(root) + [e.text or "" for e in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(HOSTILE in t for t in shown)


def test_quotes_and_control_characters_in_labels_keep_the_svg_well_formed() -> None:
    label = 'Посёлок "Мирный" \' onload="alert(1)" \x00\x1b & Ко'
    for svg in all_charts(label):
        root = parse(svg)
        assert all("onload" not in element.attrib for element in root.iter())
    hostile_title = bar_chart([("a", 1)], f"{HOSTILE} \x07")
    assert parse(hostile_title).find("svg:title", NS).text == f"{HOSTILE} \ufffd"  # type: ignore[union-attr]


@pytest.mark.parametrize("chart", [bar_chart, line_chart, paired_bar_chart])
def test_empty_input_says_there_is_no_data(chart: object) -> None:
    root = parse(chart([], "Пусто"))  # type: ignore[operator]
    assert "Нет данных" in texts(root)
    assert not by_class(root, "rect", "chart-bar")
    assert not by_class(root, "circle", "chart-point")


# ---- bar chart -----------------------------------------------------------------------------------


def test_bar_chart_draws_one_bar_per_item_longest_for_the_largest() -> None:
    items = [("ЖКХ и отопление", 42), ("Дороги", 31), ("Транспорт", 18), ("Прочее", 0)]
    root = parse(bar_chart(items, "Вопросы по темам"))
    bars = by_class(root, "rect", "chart-bar")
    assert len(bars) == 4
    widths = [float(b.get("width", "0")) for b in bars]
    assert widths == sorted(widths, reverse=True) and widths[-1] == 0
    assert widths[1] / widths[0] == pytest.approx(31 / 42, rel=0.01)
    assert [e.text for e in by_class(root, "text", "chart-label")] == [label for label, _ in items]
    assert [e.text for e in by_class(root, "text", "chart-value")] == ["42", "31", "18", "0"]


def test_bar_chart_grows_with_its_items_and_shortens_long_labels() -> None:
    short = parse(bar_chart([("a", 1)], "t"))
    tall = parse(bar_chart([(str(i), i) for i in range(20)], "t"))
    assert int(tall.get("height", "0")) > int(short.get("height", "0"))
    long_label = "Очень длинное название населённого пункта " * 3
    root = parse(bar_chart([(long_label, 5)], "t", width=400))
    (label,) = by_class(root, "text", "chart-label")
    assert label.text and label.text.endswith("…") and len(label.text) < len(long_label)
    assert long_label.strip() in (root.find("svg:g/svg:title", NS).text or "")  # type: ignore[union-attr]


def test_bar_chart_survives_odd_numbers() -> None:
    root = parse(
        bar_chart([("nan", float("nan")), ("inf", float("inf")), ("neg", -3), ("big", 1_234_567.5)], "t")
    )
    assert len(by_class(root, "rect", "chart-bar")) == 4
    assert "1\u00a0234\u00a0567,5" in texts(root)


# ---- line chart ----------------------------------------------------------------------------------


def test_line_chart_has_a_point_per_minute_and_round_ticks() -> None:
    points = [(f"19:{m:02d}", v) for m, v in enumerate([2, 5, 9, 14, 12, 18, 25, 31, 28, 22, 19, 24])]
    root = parse(line_chart(points, "Вопросов в минуту"))
    assert len(by_class(root, "circle", "chart-point")) == len(points)
    (line,) = by_class(root, "polyline", "chart-line")
    assert len(line.get("points", "").split()) == len(points)
    ticks = [e.text for e in by_class(root, "text", "chart-tick")]
    assert ["0", "10", "20", "30", "40"] == ticks[:5]
    assert "19:00" in ticks and "19:10" in ticks
    assert [e.text for e in by_class(root, "text", "chart-peak")] == ["31"]


def test_line_chart_with_many_points_labels_round_minutes() -> None:
    points = [(f"{19 + m // 60}:{m % 60:02d}", m % 7) for m in range(180)]
    root = parse(line_chart(points, "Три часа"))
    assert len(by_class(root, "circle", "chart-point")) == 180
    x_ticks = [e.text for e in by_class(root, "text", "chart-tick") if ":" in (e.text or "")]
    assert x_ticks == ["19:00", "19:30", "20:00", "20:30", "21:00", "21:30"]


def test_line_chart_with_a_single_point_or_all_zeros() -> None:
    assert len(by_class(parse(line_chart([("19:00", 3)], "t")), "circle", "chart-point")) == 1
    zeros = parse(line_chart([("19:00", 0), ("19:01", 0)], "t"))
    assert len(by_class(zeros, "circle", "chart-point")) == 2
    assert not by_class(zeros, "text", "chart-peak")


# ---- paired bar chart ----------------------------------------------------------------------------


def test_paired_bars_show_received_and_answered_shares() -> None:
    items = [("ЖКХ", 0.38, 0.45), ("Дороги", 0.27, 0.30), ("с. Выселки", 0.12, 0.05)]
    root = parse(paired_bar_chart(items, "Доля вопросов"))
    first = by_class(root, "rect", "chart-bar-first")
    second = by_class(root, "rect", "chart-bar-second")
    assert len(first) == len(second) == 3
    assert first[0].get("fill") != second[0].get("fill")
    assert [e.text for e in by_class(root, "text", "chart-legend")] == ["Получено", "Отвечено"]
    values = [e.text for e in by_class(root, "text", "chart-value")]
    assert values == ["38\u00a0%", "45\u00a0%", "27\u00a0%", "30\u00a0%", "12\u00a0%", "5\u00a0%"]
    assert float(second[2].get("width", "0")) < float(first[2].get("width", "0"))


def test_paired_bars_take_a_custom_legend_and_format() -> None:
    root = parse(
        paired_bar_chart([("a", 10, 4)], "t", legend=("Вопросов", "Ответов"), value_format=format_number)
    )
    assert [e.text for e in by_class(root, "text", "chart-legend")] == ["Вопросов", "Ответов"]
    assert [e.text for e in by_class(root, "text", "chart-value")] == ["10", "4"]


# ---- numbers -------------------------------------------------------------------------------------


def test_numbers_are_written_the_russian_way() -> None:
    assert format_number(1234) == "1\u00a0234"
    assert format_number(12.5) == "12,5"
    assert format_number(0.25) == "0,25"
    assert format_number(-3) == "−3"
    assert format_percent(0.425) == "42\u00a0%"
    assert format_percent(0.055) == "5,5\u00a0%"


def test_nice_ticks() -> None:
    assert nice_ticks(0, 31) == [0, 10, 20, 30, 40]
    assert nice_ticks(0, 1, integral=True) == [0, 1]
    assert nice_ticks(0, 0.9) == [0, 0.25, 0.5, 0.75, 1.0]
