"""Server-rendered, accessible SVG charts for the statistics pages (no JavaScript, nothing fetched).

- `line_chart`: one line per series over x labels (months "01/2026"), gaps where a value is missing, an
  optional dashed target line;
- `bar_chart`: horizontal bars (an agency ranking), the value at the end of each bar, "N/A" as text.

Each chart is one ``<svg role="img">`` sized by its ``viewBox`` (``width="100%"``, so it shrinks to a
360 px screen) with a ``<title>`` and a one-sentence ``<desc>`` tied to it by ``aria-labelledby``; every
point and bar has its own ``<title>`` tooltip. Colours come from CSS classes (``reports/charts.css``), never
inline styles, so the pages' Content-Security-Policy holds. Every text is escaped (names come from the
database) and numbers follow the active language: ``97,5`` in Vietnamese, ``97.5`` in English.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PERCENT = "%"
MONTH_POINT = _("Tháng %(label)s")
NOT_AVAILABLE = _("N/A")
FONT_WIDTH = 7.2  # average width of a character of the 13-unit chart font, to fit labels


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name (legend, tooltips), a value per x label (None: no data) and the
    CSS class that colours it (``chart-line-1`` .. ``chart-line-6``)."""

    name: str
    values: Sequence[float | None]
    css_class: str


# ---- numbers ---------------------------------------------------------------------------------------------


def format_number(value: float) -> str:
    """97.5 -> '97,5' (vi) / '97.5' (en); at most 2 decimals, no trailing zeros, thousands grouped."""
    rounded = round(float(value), 2)
    if rounded == int(rounded):
        decimals = 0
    elif round(rounded, 1) == rounded:
        decimals = 1
    else:
        decimals = 2
    return str(
        numberformat.format(
            rounded if decimals else int(rounded),
            get_format("DECIMAL_SEPARATOR"),
            decimal_pos=decimals,
            grouping=3,
            thousand_sep=get_format("THOUSAND_SEPARATOR"),
            force_grouping=True,
        )
    )


def format_value(value: float | None, unit: str) -> str:
    """'97,5 %', '12 ngày', or 'N/A'."""
    if value is None:
        return str(NOT_AVAILABLE)
    number = format_number(value)
    return f"{number} {unit}" if unit else number


def _nice_step(span: float) -> float:
    """A round step (1, 2, 2.5, 5 × 10^k) that cuts `span` into about five intervals."""
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _axis(values: Iterable[float | None], unit: str, target: float | None) -> tuple[float, float]:
    """The top of the value axis and its step: 0..100 for percentages (more if a value exceeds 100)."""
    known = [v for v in values if v is not None]
    if target is not None:
        known.append(target)
    highest = max(known, default=0.0)
    if unit == PERCENT and highest <= 100:
        return 100.0, 20.0
    if highest <= 0:
        return 1.0, 0.2
    step = _nice_step(highest)
    return step * math.ceil(highest / step - 1e-9), step


def _ticks(top: float, step: float) -> list[float]:
    count = round(top / step)
    return [round(i * step, 6) for i in range(count + 1)]


def _coordinate(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _join(parts: Iterable[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _text(value: str | Promise) -> str:
    return str(value)


def _ids() -> tuple[str, str]:
    key = uuid.uuid4().hex[:10]
    return f"chart-{key}-title", f"chart-{key}-desc"


def _svg(kind: str, width: int, height: int, title: str, desc: str, body: SafeString) -> SafeString:
    title_id, desc_id = _ids()
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {width} {height}" '
        'width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{title_id} {desc_id}">'
        '<title id="{title_id}">{title}</title><desc id="{desc_id}">{desc}</desc>{body}</svg>',
        kind=kind,
        width=width,
        height=height,
        title_id=title_id,
        desc_id=desc_id,
        title=title,
        desc=desc,
        body=body,
    )


def _target_label(target: float, unit: str) -> str:
    return gettext("Mục tiêu: %(value)s") % {"value": format_value(target, unit)}


# ---- line chart ------------------------------------------------------------------------------------------


def _series_summary(series: Series, labels: Sequence[str], unit: str) -> str:
    known = [(label, value) for label, value in zip(labels, series.values, strict=False) if value is not None]
    if not known:
        return gettext("%(name)s: không có số liệu") % {"name": series.name}
    last_label, last_value = known[-1]
    values = [value for _label, value in known]
    return gettext("%(name)s từ %(low)s đến %(high)s, kỳ cuối (%(label)s) %(last)s") % {
        "name": series.name,
        "low": format_value(min(values), unit),
        "high": format_value(max(values), unit),
        "label": last_label,
        "last": format_value(last_value, unit),
    }


def _line_description(series: Sequence[Series], labels: Sequence[str], unit: str, target: float | None) -> str:
    if not labels or not series:
        return gettext("Biểu đồ đường: không có số liệu.")
    parts = "; ".join(_series_summary(line, labels, unit) for line in series)
    sentence = gettext("Biểu đồ đường từ %(first)s đến %(last)s: %(parts)s") % {
        "first": labels[0],
        "last": labels[-1],
        "parts": parts,
    }
    if target is not None:
        sentence += "; " + _target_label(target, unit).lower()
    return sentence + "."


def line_chart(
    series: Sequence[Series],
    labels: Sequence[str],
    *,
    title: str,
    unit: str = PERCENT,
    target: float | None = None,
    width: int = 640,
    height: int = 240,
    point_label: str | Promise = MONTH_POINT,
) -> SafeString:
    """A line per series over `labels`; None leaves a gap. `point_label` names an x label in the tooltips
    ("Tháng %(label)s": "Tháng 01/2026: 97,5 %")."""
    for line in series:
        if len(line.values) != len(labels):
            raise ValueError(f"series {line.name!r} has {len(line.values)} values for {len(labels)} labels")
    legend_rows = math.ceil(len(series) / 3) if len(series) > 1 else 0
    height = height + 20 * legend_rows
    axis_top, step = _axis((v for line in series for v in line.values), unit, target)
    tick_room = max(len(format_value(tick, unit)) for tick in _ticks(axis_top, step)) * FONT_WIDTH
    left, right, top, bottom = max(48.0, tick_room + 12), 16.0, 16.0, 30.0 + 20 * legend_rows
    plot_width, plot_height = width - left - right, height - top - bottom

    def x(index: int) -> float:
        if len(labels) <= 1:
            return left + plot_width / 2
        return left + plot_width * index / (len(labels) - 1)

    def y(value: float) -> float:
        return top + plot_height * (1 - min(max(value, 0.0), axis_top) / axis_top)

    parts: list[SafeString] = []
    # grid and value axis
    for tick in _ticks(axis_top, step):
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="chart-tick" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                _coordinate(left),
                _coordinate(y(tick)),
                _coordinate(left + plot_width),
                _coordinate(y(tick)),
                _coordinate(left - 6),
                _coordinate(y(tick)),
                format_value(tick, unit),
            )
        )
    # x labels: thinned so that they never overlap
    label_width = max((len(label) for label in labels), default=0) * FONT_WIDTH + 8
    room = plot_width / max(len(labels) - 1, 1)
    every = max(1, math.ceil(label_width / room)) if len(labels) > 1 else 1
    shown = set(range(0, len(labels), every))
    if labels and len(labels) - 1 not in shown:
        if max(shown) and len(labels) - 1 - max(shown) < every:
            shown.discard(max(shown))  # too close to the last label, which is always shown
        shown.add(len(labels) - 1)
    for index, label in enumerate(labels):
        if index not in shown:
            continue
        parts.append(
            format_html(
                '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                _coordinate(x(index)),
                _coordinate(top + plot_height + 18),
                label,
            )
        )
    parts.append(
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            _coordinate(left),
            _coordinate(top + plot_height),
            _coordinate(left + plot_width),
            _coordinate(top + plot_height),
        )
    )
    if target is not None:
        target_y = _coordinate(y(target))
        parts.append(
            format_html(
                '<g class="chart-target"><title>{label}</title>'
                '<line class="chart-target-line" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke-dasharray="6 4"/>'
                '<text class="chart-target-label" x="{x2}" y="{ty}" text-anchor="end">{label}</text></g>',
                label=_target_label(target, unit),
                x1=_coordinate(left),
                x2=_coordinate(left + plot_width),
                y=target_y,
                ty=_coordinate(y(target) - 5),
            )
        )
    several = len(series) > 1
    for line in series:
        runs: list[list[str]] = [[]]
        points: list[SafeString] = []
        for index, value in enumerate(line.values):
            if value is None:
                runs.append([])
                continue
            cx, cy = _coordinate(x(index)), _coordinate(y(value))
            runs[-1].append(f"{cx},{cy}")
            tip = f"{_text(point_label) % {'label': labels[index]}}: {format_value(value, unit)}"
            if several:
                tip = f"{line.name} – {tip}"
            points.append(
                format_html(
                    '<circle class="chart-point {}" cx="{}" cy="{}" r="4"><title>{}</title></circle>',
                    line.css_class,
                    cx,
                    cy,
                    tip,
                )
            )
        paths = [
            format_html('<polyline class="chart-line {}" points="{}" fill="none"/>', line.css_class, " ".join(run))
            for run in runs
            if len(run) > 1
        ]
        parts.append(
            format_html('<g class="chart-series"><title>{}</title>{}{}</g>', line.name, _join(paths), _join(points))
        )
    if several:
        column = plot_width / 3
        for index, line in enumerate(series):
            lx = left + column * (index % 3)
            ly = top + plot_height + 40 + 20 * (index // 3)
            name = line.name if len(line.name) * FONT_WIDTH < column - 32 else _clip(line.name, column - 32)
            parts.append(
                format_html(
                    '<g class="chart-legend"><line class="chart-line {}" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                    '<text class="chart-legend-label" x="{}" y="{}" dominant-baseline="middle">{}</text></g>',
                    line.css_class,
                    _coordinate(lx),
                    _coordinate(ly),
                    _coordinate(lx + 22),
                    _coordinate(ly),
                    _coordinate(lx + 28),
                    _coordinate(ly),
                    name,
                )
            )
    description = _line_description(series, labels, unit, target)
    return _svg("line", width, height, title, description, _join(parts))


# ---- bar chart -------------------------------------------------------------------------------------------


def _clip(text: str, room: float) -> str:
    """`text` cut to fit `room` units, with an ellipsis (the full text is in the row's tooltip)."""
    fits = max(int(room / FONT_WIDTH), 4)
    return text if len(text) <= fits else text[: fits - 1].rstrip() + "…"


def _bar_description(items: Sequence[tuple[str, float | None]], unit: str, target: float | None) -> str:
    known = [(name, value) for name, value in items if value is not None]
    if not known:
        return gettext("Biểu đồ cột ngang: không có số liệu.")
    best = max(known, key=lambda item: item[1])
    worst = min(known, key=lambda item: item[1])
    sentence = gettext(
        "Biểu đồ cột ngang của %(count)s mục: cao nhất %(best)s (%(best_value)s), thấp nhất %(worst)s (%(worst_value)s)"
    ) % {
        "count": len(items),
        "best": best[0],
        "best_value": format_value(best[1], unit),
        "worst": worst[0],
        "worst_value": format_value(worst[1], unit),
    }
    missing = len(items) - len(known)
    if missing:
        sentence += "; " + gettext("%(count)s mục không có số liệu") % {"count": missing}
    if target is not None:
        below = sum(1 for _name, value in known if value < target)
        sentence += "; " + gettext("%(label)s, %(count)s mục chưa đạt") % {
            "label": _target_label(target, unit).lower(),
            "count": below,
        }
    return sentence + "."


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str = PERCENT,
    target: float | None = None,
    width: int = 640,
) -> SafeString:
    """Horizontal bars, one per (name, value) in the given order; None is written "N/A" instead of a bar.

    Bars under the target get the class ``chart-bar-below`` (their value says so too, colour is not the only
    cue)."""
    row_height, bar_height = 28.0, 18.0
    label_room = min(max((len(name) for name, _value in items), default=0) * FONT_WIDTH + 8, width * 0.4)
    left, right, top, bottom = label_room + 8, 72.0, 24.0, 24.0
    plot_width = width - left - right
    height = int(top + row_height * max(len(items), 1) + bottom)
    axis_top, step = _axis((value for _name, value in items), unit, target)

    def x(value: float) -> float:
        return left + plot_width * min(max(value, 0.0), axis_top) / axis_top

    parts: list[SafeString] = []
    plot_bottom = top + row_height * max(len(items), 1)
    for tick in _ticks(axis_top, step):
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}"/>'
                '<text class="chart-tick" x="{x}" y="{ty}" text-anchor="middle">{label}</text>',
                x=_coordinate(x(tick)),
                y1=_coordinate(top),
                y2=_coordinate(plot_bottom),
                ty=_coordinate(plot_bottom + 16),
                label=format_value(tick, unit),
            )
        )
    for index, (name, value) in enumerate(items):
        row_top = top + row_height * index
        middle = _coordinate(row_top + row_height / 2)
        label = format_html(
            '<text class="chart-bar-label" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
            _coordinate(left - 8),
            middle,
            _clip(name, label_room),
        )
        tip = f"{name}: {format_value(value, unit)}"
        if value is None:
            mark = format_html(
                '<text class="chart-bar-na" x="{}" y="{}" dominant-baseline="middle">{}</text>',
                _coordinate(left + 4),
                middle,
                NOT_AVAILABLE,
            )
        else:
            below = " chart-bar-below" if target is not None and value < target else ""
            end = x(value)
            mark = format_html(
                '<rect class="chart-bar{}" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="chart-bar-value" x="{}" y="{}" dominant-baseline="middle">{}</text>',
                below,
                _coordinate(left),
                _coordinate(row_top + (row_height - bar_height) / 2),
                _coordinate(end - left),
                _coordinate(bar_height),
                _coordinate(end + 4),
                middle,
                format_value(value, unit),
            )
        parts.append(format_html('<g class="chart-bar-row"><title>{}</title>{}{}</g>', tip, label, mark))
    parts.append(
        format_html(
            '<line class="chart-axis" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}"/>',
            x=_coordinate(left),
            y1=_coordinate(top),
            y2=_coordinate(plot_bottom),
        )
    )
    if target is not None:
        target_x = _coordinate(x(target))
        parts.append(
            format_html(
                '<g class="chart-target"><title>{label}</title>'
                '<line class="chart-target-line" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke-dasharray="6 4"/>'
                '<text class="chart-target-label" x="{x}" y="{ty}" text-anchor="{anchor}">{label}</text></g>',
                label=_target_label(target, unit),
                x=target_x,
                y1=_coordinate(top - 4),
                y2=_coordinate(plot_bottom),
                ty=_coordinate(top - 8),
                anchor="end" if x(target) > left + plot_width / 2 else "start",
            )
        )
    description = _bar_description(items, unit, target)
    return _svg("bar", width, height, title, description, _join(parts))
