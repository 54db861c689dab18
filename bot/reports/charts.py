"""Server-side SVG charts for the HR pages: radar, histogram, funnel and bars, as inline, script-free SVG.

The SVG is written here rather than with pygal (3.1.3, LGPL-3.0+): pygal's output carries an inline <script>,
a random uuid per chart (so it is not deterministic) and ~18 KB of CSS for one radar, has no role/aria-label or
missing-value marker, and would need all of that regex-stripped after every render. These charts are a few
polygons and rectangles with exact geometry, so a small module we own is simpler than patching a library's output.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH = 480
FONT = '"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif'
# Okabe–Ito: stays distinguishable under the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7")
INK, MUTED, GRID, TRACK = "#333", "#888", "#ddd", "#eee"
EMPTY = "暂无数据"
MISSING = "未评"
# A white outline under text keeps numbers readable where they cross lines or fills.
HALO = {"stroke": "#fff", "stroke_width": "3", "paint_order": "stroke"}
DEFAULT_BINS: tuple[float, ...] = tuple(float(edge) for edge in range(0, 101, 10))


def _n(x: float) -> str:
    # One decimal at most keeps the output small and byte-for-byte stable.
    s = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _el(tag: str, content: str = "", **attrs: object) -> str:
    rendered = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(_n(v) if isinstance(v, float) else v)}"'
        for name, v in attrs.items()
        if v is not None
    )
    return f"<{tag}{rendered}>{content}</{tag}>" if content else f"<{tag}{rendered}/>"


def _text(x: float, y: float, text: str, **attrs: object) -> str:
    return _el("text", str(escape(text)), x=float(x), y=float(y), **attrs)


def _clip(text: str, units: int) -> str:
    # A CJK character is about twice as wide as a Latin one; cut long labels so they never overlap.
    widths = [2 if ord(ch) >= 0x2E80 else 1 for ch in text]
    if sum(widths) <= units:
        return text
    used = cut = 0
    for w in widths:
        if used + w > units - 2:
            break
        used, cut = used + w, cut + 1
    return text[:cut] + "…"


def _score(value: float | None, max_value: float) -> float | None:
    if value is None or math.isnan(float(value)):
        return None
    return min(max(float(value), 0.0), float(max_value))


def _percent(count: int, first: int) -> str:
    return "—" if first <= 0 else f"{int(100 * count / first + 0.5)}%"


def _title_height(title: str) -> int:
    return 30 if title else 0


def _title(title: str) -> str:
    if not title:
        return ""
    return _text(WIDTH / 2, 20, _clip(title, 60), font_size=15, font_weight="bold", text_anchor="middle")


def _svg(height: float, name: str, summary: str, body: str) -> Markup:
    label = f"{name}：{summary}" if summary else name
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}" width="100%"'
        f' role="img" aria-label="{escape(label)}" font-family=\'{FONT}\' font-size="12" fill="{INK}">'
        f"<title>{escape(name)}</title>{body}</svg>"
    )


def _empty(title: str, name: str) -> Markup:
    top = _title_height(title)
    body = _title(title) + _text(WIDTH / 2, top + 60, EMPTY, font_size=14, fill=MUTED, text_anchor="middle")
    return _svg(top + 110, title or name, EMPTY, body)


def radar(
    dimensions: Sequence[str],
    series: Sequence[tuple[str, Mapping[str, float]]],
    *,
    max_value: float = 100,
    title: str = "",
) -> Markup:
    """Draw 1–5 candidates' scores on 3–8 dimensions as a radar chart."""
    n = len(dimensions)
    if not 3 <= n <= 8:
        raise ValueError("radar needs 3 to 8 dimensions")
    if not 1 <= len(series) <= 5:
        raise ValueError("radar needs 1 to 5 series")
    if not max_value > 0:
        raise ValueError("max_value must be positive")
    radius, top = 130.0, _title_height(title)
    cx, cy = WIDTH / 2, top + radius + 34

    def point(i: float, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def points(radii: Sequence[float]) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in (point(i, r) for i, r in enumerate(radii)))

    grid = [_el("polygon", points=points([radius * k / 5] * n)) for k in range(1, 6)]
    grid += [_el("line", x1=cx, y1=cy, x2=point(i, radius)[0], y2=point(i, radius)[1]) for i in range(n)]
    parts = [_title(title), _el("g", "".join(grid), fill="none", stroke=GRID)]
    labels = []
    for i, name in enumerate(dimensions):
        (x, y), c, s = point(i, radius + 16), (point(i, 1)[0] - cx), (point(i, 1)[1] - cy)
        anchor = "middle" if abs(c) < 0.3 else ("start" if c > 0 else "end")
        dy = "0" if s < -0.5 else ("0.9em" if s > 0.5 else "0.35em")
        labels.append(_text(x, y, _clip(str(name), 12), text_anchor=anchor, dy=dy))
    parts.append(_el("g", "".join(labels), font_size=13))

    summary = []
    for idx, (label, scores) in enumerate(series):
        colour = PALETTE[idx]
        values = [_score(scores.get(d), max_value) for d in dimensions]
        radii = [radius * (v or 0.0) / max_value for v in values]
        shapes = [_el("polygon", points=points(radii), fill=colour, fill_opacity="0.15", stroke=colour,
                      stroke_width="2", stroke_linejoin="round")]
        for i, (v, r) in enumerate(zip(values, radii, strict=True)):
            x, y = point(i, r)
            if v is None:
                shapes.append(_el("circle", cx=x, cy=y, r="4.5", fill="#fff", stroke=colour,
                                  stroke_dasharray="2 2", class_="missing"))
            else:
                shapes.append(_el("circle", cx=x, cy=y, r="3", fill=colour))
            if len(series) == 1:
                shapes.append(_text(*point(i, r + 11), MISSING if v is None else _n(v), font_size=11,
                                    text_anchor="middle", dy="0.35em", class_="value", **HALO))
        parts.append(_el("g", "".join(shapes), class_="series"))
        words = "，".join(f"{d} {MISSING if v is None else _n(v)}" for d, v in zip(dimensions, values, strict=True))
        summary.append(f"{label}：{words}")

    # Ring values sit half way between the last and first axis, where no vertex label lands; the innermost ring is
    # left unlabelled because a missing value's 未评 sits there. Drawn last, with a halo, to stay legible over fills.
    ticks = [_text(*point(-0.5, radius * k / 5 * math.cos(math.pi / n)), _n(max_value * k / 5)) for k in range(2, 6)]
    parts.append(_el("g", "".join(ticks), font_size=9, fill=MUTED, text_anchor="middle", dy="0.35em", **HALO))

    height = cy + radius + 34
    if len(series) > 1:
        legend = []
        for idx, (label, _) in enumerate(series):
            row, col, in_row = idx // 3, idx % 3, min(3, len(series) - idx // 3 * 3)
            x, y = (WIDTH - in_row * 150) / 2 + col * 150 + 8, height + 8 + row * 22
            legend.append(_el("rect", x=x, y=y, width="12", height="12", rx="2", fill=PALETTE[idx]))
            legend.append(_text(x + 18, y + 6, _clip(str(label), 18), dy="0.35em"))
        parts.append(_el("g", "".join(legend), class_="legend"))
        height += (len(series) + 2) // 3 * 22 + 10
    return _svg(height, title or "雷达图", "；".join(summary), "".join(parts))


def histogram(
    values: Sequence[float],
    *,
    bins: Sequence[float] = DEFAULT_BINS,
    highlight: float | None = None,
    highlight_label: str = "",
    title: str = "",
) -> Markup:
    """Draw how many values fall in each bin, with an optional marker line at `highlight`."""
    edges = [float(b) for b in bins]
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError("bins must be at least two increasing edges")
    lo, hi = edges[0], edges[-1]
    counts = [0] * (len(edges) - 1)
    for value in values:
        if value is None or math.isnan(float(value)):
            continue
        v = min(max(float(value), lo), hi)
        # bisect_right puts the top edge in a bin of its own; it belongs to the last one.
        counts[min(bisect_right(edges, v) - 1, len(counts) - 1)] += 1
    total = sum(counts)
    if not total:
        return _empty(title, "分布直方图")

    top = _title_height(title)
    plot_top, left, right = top + 24, 24.0, WIDTH - 24.0
    base = plot_top + 150

    def x_of(v: float) -> float:
        return left + (right - left) * (v - lo) / (hi - lo)

    tallest = max(counts)
    rects, numbers = [], []
    for i, count in enumerate(counts):
        h = (base - plot_top - 16) * count / tallest
        x0, x1 = x_of(edges[i]) + 1, x_of(edges[i + 1]) - 1
        rects.append(_el("rect", x=x0, y=base - h, width=max(x1 - x0, 0.5), height=float(h)))
        numbers.append(_text((x0 + x1) / 2, base - h - 4, str(count)))
    ticks = "".join(_text(x_of(e), base + 16, _n(e)) for e in edges)
    parts = [
        _title(title),
        _el("g", "".join(rects), fill=PALETTE[0]),
        _el("line", x1=left, y1=base, x2=right, y2=base, stroke=INK),
        _el("g", ticks, font_size=10, fill=MUTED, text_anchor="middle"),
    ]
    summary = f"共 {total} 人；" + "，".join(
        f"{_n(a)}–{_n(b)}：{c}" for a, b, c in zip(edges, edges[1:], counts, strict=False)
    )
    if highlight is not None and not math.isnan(highlight):
        at = min(max(float(highlight), lo), hi)
        x, text = x_of(at), f"{highlight_label} {_n(at)}".strip()
        anchor = "start" if x < left + 50 else ("end" if x > right - 50 else "middle")
        parts.append(_el("line", x1=x, y1=plot_top - 4, x2=x, y2=base, stroke=PALETTE[3], stroke_width="1.5",
                         stroke_dasharray="4 3", class_="highlight"))
        parts.append(_text(x, plot_top - 8, text, fill=PALETTE[3], font_size=11, text_anchor=anchor))
        summary += f"；标记 {text}"
    # Counts go on top of the marker line so it never strikes through a number.
    parts.append(_el("g", "".join(numbers), font_size=11, text_anchor="middle", class_="counts", **HALO))
    return _svg(base + 28, title or "分布直方图", summary, "".join(parts))


def _rows(rows: Sequence[tuple[str, float | None, str]], *, scale_max: float, track: bool, top: int) -> str:
    label_end, bar_x, bar_w, row_h = 104.0, 112.0, 270.0, 32
    parts = []
    for i, (label, value, caption) in enumerate(rows):
        y = top + i * row_h
        width = bar_w * (value or 0.0) / scale_max if scale_max > 0 else 0.0
        parts.append(_text(label_end, y + 16, _clip(label, 16), text_anchor="end", dy="0.35em"))
        if track:
            parts.append(_el("rect", x=bar_x, y=y + 6.0, width=bar_w, height="20", rx="3", fill=TRACK))
        parts.append(_el("rect", x=bar_x, y=y + 6.0, width=float(width), height="20", rx="3", fill=PALETTE[0]))
        parts.append(_text(bar_x + width + 6, y + 16, caption, dy="0.35em", class_="value"))
    return "".join(parts)


def funnel(stages: Sequence[tuple[str, int]], *, title: str = "") -> Markup:
    """Draw each stage's count as a bar, labelled with the count and its share of the first stage."""
    if not stages:
        return _empty(title, "漏斗图")
    counts = [(str(name), max(int(count), 0)) for name, count in stages]
    first = counts[0][1]
    rows = [(name, float(c), f"{c} · {_percent(c, first)}") for name, c in counts]
    top = _title_height(title) + 8
    body = _title(title) + _rows(rows, scale_max=max(c for _, c in counts), track=False, top=top)
    summary = "，".join(f"{name} {c}（{_percent(c, first)}）" for name, c in counts)
    return _svg(top + len(rows) * 32 + 8, title or "漏斗图", summary, body)


def bars(items: Sequence[tuple[str, float]], *, max_value: float = 100, title: str = "") -> Markup:
    """Draw one horizontal bar per item on a 0..max_value scale, with the value at its end."""
    if not items:
        return _empty(title, "条形图")
    if not max_value > 0:
        raise ValueError("max_value must be positive")
    scored = [(str(name), _score(value, max_value)) for name, value in items]
    rows = [(name, v, MISSING if v is None else _n(v)) for name, v in scored]
    top = _title_height(title) + 8
    body = _title(title) + _rows(rows, scale_max=float(max_value), track=True, top=top)
    summary = "，".join(f"{name} {caption}" for name, _, caption in rows)
    return _svg(top + len(rows) * 32 + 8, title or "条形图", summary, body)
