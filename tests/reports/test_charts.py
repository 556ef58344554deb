"""Server-rendered SVG charts: valid XML, accessible names, one mark per value, escaping, localised numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.utils import translation

from motcua.reports.charts import Series, bar_chart, format_number, format_value, line_chart

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["01/2026", "02/2026", "03/2026", "04/2026", "05/2026", "06/2026"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if name in classes(element)]


def tooltip(element: ET.Element) -> str:
    title = element.find(f"{SVG}title")
    assert title is not None
    return title.text or ""


def two_lines(title: str = "Tỷ lệ giải quyết đúng hạn") -> str:
    on_time = Series("Đúng hạn", [97.5, 98.0, None, 99.25, 100.0, 96.0], "chart-line-1")
    online = Series("Trực tuyến", [40.0, 45.5, 50.0, 52.0, 55.0, 60.0], "chart-line-2")
    return line_chart([on_time, online], MONTHS, title=title, target=90)


def test_line_chart_is_an_accessible_scalable_image() -> None:
    with translation.override("vi"):
        root = parse(two_lines())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 640 260"  # 240 and one legend row
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert title.text == "Tỷ lệ giải quyết đúng hạn"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert desc.text == (
        "Biểu đồ đường từ 01/2026 đến 06/2026: "
        "Đúng hạn từ 96 % đến 100 %, kỳ cuối (06/2026) 96 %; "
        "Trực tuyến từ 40 % đến 60 %, kỳ cuối (06/2026) 60 %; mục tiêu: 90 %."
    )


def test_line_chart_draws_one_point_per_value_and_breaks_the_line_at_a_gap() -> None:
    with translation.override("vi"):
        root = parse(two_lines())
    points = root.findall(f".//{SVG}circle")
    assert len(points) == 11  # 6 + 6 values, one missing
    first = with_class(root, "chart-point")[0]
    assert tooltip(first) == "Đúng hạn – Tháng 01/2026: 97,5 %"
    assert [tooltip(p) for p in points][2] == "Đúng hạn – Tháng 04/2026: 99,25 %"
    on_time_lines = [e for e in root.iter(f"{SVG}polyline") if "chart-line-1" in classes(e)]
    assert [len((e.get("points") or "").split()) for e in on_time_lines] == [2, 3]
    assert len([e for e in root.iter(f"{SVG}polyline") if "chart-line-2" in classes(e)]) == 1


def test_line_chart_axis_runs_from_0_to_100_percent_with_a_labelled_dashed_target() -> None:
    with translation.override("vi"):
        root = parse(line_chart([Series("Đúng hạn", [50.0, 75.0], "chart-line-1")], MONTHS[:2], title="T", target=90))
    ticks = [e.text for e in with_class(root, "chart-tick")]
    assert ticks[:6] == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
    assert ticks[6:] == ["01/2026", "02/2026"]
    # plot from y=16 (100 %) to y=210 (0 %): 90 % sits at 16 + 194 * 0.1
    (target,) = with_class(root, "chart-target-line")
    assert target.get("y1") == target.get("y2") == "35.4"
    assert target.get("stroke-dasharray") == "6 4"
    (label,) = with_class(root, "chart-target-label")
    assert label.text == "Mục tiêu: 90 %"
    # one series: no legend, the tooltip has no series name
    assert with_class(root, "chart-legend") == []
    assert tooltip(with_class(root, "chart-point")[1]) == "Tháng 02/2026: 75 %"


def test_line_chart_rounds_the_axis_of_other_units() -> None:
    with translation.override("vi"):
        root = parse(line_chart([Series("Số ngày", [3.2, 7.9], "chart-line-1")], MONTHS[:2], title="T", unit="ngày"))
    ticks = [e.text for e in with_class(root, "chart-tick")][:-2]
    assert ticks == ["0 ngày", "2 ngày", "4 ngày", "6 ngày", "8 ngày"]
    assert with_class(root, "chart-target") == []


def test_numbers_follow_the_active_language() -> None:
    with translation.override("vi"):
        assert format_number(1234.5) == "1.234,5"
        assert format_value(97.456, "%") == "97,46 %"
        assert format_value(None, "%") == "N/A"
        root = parse(line_chart([Series("A", [97.5], "chart-line-1")], ["01/2026"], title="T"))
        assert tooltip(with_class(root, "chart-point")[0]) == "Tháng 01/2026: 97,5 %"
    with translation.override("en"):
        assert format_number(1234.5) == "1,234.5"
        root = parse(line_chart([Series("A", [97.5], "chart-line-1")], ["01/2026"], title="T"))
        assert tooltip(with_class(root, "chart-point")[0]).endswith(": 97.5 %")


def test_names_from_the_database_are_escaped() -> None:
    evil = '<script>alert("x")</script>'
    with translation.override("vi"):
        line = line_chart(
            [Series(evil, [1.0, 2.0], "chart-line-1"), Series("B", [1.0, 2.0], "chart-line-2")], ["a", evil], title=evil
        )
        bars = bar_chart([(evil, 50.0), ("B & C", None)], title=evil)
    for svg in (line, bars):
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)  # still well-formed
        assert root.find(f"{SVG}title") is not None
        assert root.find(f"{SVG}title").text == evil  # type: ignore[union-attr]
    assert "B &amp; C" in bars


def test_bar_chart_ranks_with_values_na_and_target() -> None:
    items: list[tuple[str, float | None]] = [
        ("Sở Tư pháp", 99.5),
        ("Sở Nông nghiệp và Môi trường", 85.25),
        ("UBND xã Ia Grai", None),
    ]
    with translation.override("vi"):
        root = parse(bar_chart(items, title="Tỷ lệ đúng hạn theo cơ quan", target=90))
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 640 132"  # 24 + 3 × 28 + 24
    rows = with_class(root, "chart-bar-row")
    assert [tooltip(row) for row in rows] == [
        "Sở Tư pháp: 99,5 %",
        "Sở Nông nghiệp và Môi trường: 85,25 %",
        "UBND xã Ia Grai: N/A",
    ]
    assert [e.text for e in with_class(root, "chart-bar-label")] == [name for name, _value in items]
    assert [e.text for e in with_class(root, "chart-bar-value")] == ["99,5 %", "85,25 %"]
    assert [e.text for e in with_class(root, "chart-bar-na")] == ["N/A"]
    bars = root.findall(f".//{SVG}rect")
    assert len(bars) == 2
    assert "chart-bar-below" not in classes(bars[0])
    assert "chart-bar-below" in classes(bars[1])
    assert float(bars[0].get("width") or 0) > float(bars[1].get("width") or 0)
    (target,) = with_class(root, "chart-target-line")
    assert target.get("x1") == target.get("x2")
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == (
        "Biểu đồ cột ngang của 3 mục: cao nhất Sở Tư pháp (99,5 %), thấp nhất Sở Nông nghiệp và Môi trường "
        "(85,25 %); 1 mục không có số liệu; mục tiêu: 90 %, 1 mục chưa đạt."
    )


def test_bar_chart_clips_long_names_but_keeps_them_whole_in_the_tooltip() -> None:
    name = "Trung tâm Phục vụ hành chính công tỉnh Gia Lai - Chi nhánh khu vực phía Đông"
    with translation.override("vi"):
        root = parse(bar_chart([(name, 12.0)], title="T", width=360))
    (label,) = with_class(root, "chart-bar-label")
    assert label.text is not None and label.text.endswith("…") and len(label.text) < len(name)
    assert tooltip(with_class(root, "chart-bar-row")[0]) == f"{name}: 12 %"
