"""The HR pages' SVG charts: well-formed, offline, script-free, escaped, and geometrically right."""
from __future__ import annotations

import math
import re

import pytest
from defusedxml.ElementTree import fromstring
from markupsafe import Markup

from bot.reports import charts
from tests.support import paths

NS = "{http://www.w3.org/2000/svg}"
SVG_NS = "http://www.w3.org/2000/svg"
DIMS = ["沟通表达", "逻辑思维", "专业能力", "岗位适配", "情绪稳定", "亲和力"]
FUNNEL = [("已邀请", 120), ("已打开", 96), ("已开始", 80), ("已完成", 70), ("已评分", 70), ("已决定", 40)]
NASTY = '<b>&"'
OUTPUT = paths.OUTPUT / "charts"


def parse(svg: Markup):
    """Parse a chart and check what every chart must be: responsive, offline, script-free, labelled."""
    assert isinstance(svg, Markup)
    text = str(svg)
    root = fromstring(text)
    assert root.tag == f"{NS}svg"
    assert re.fullmatch(r"0 0 \d+(\.\d)? \d+(\.\d)?", root.get("viewBox"))
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{NS}title").text
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert "<script" not in text.lower() and "javascript:" not in text.lower()
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {SVG_NS}
    return root


def points(polygon) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in polygon.get("points").split()]


def texts(root, cls: str) -> list[str]:
    return [el.text for el in root.iter(f"{NS}text") if el.get("class") == cls]


def group(root, cls: str):
    return [g for g in root.iter(f"{NS}g") if g.get("class") == cls]


def grid(root):
    """Return the chart's centre and outer radius, read from the grid rings rather than the module's constants."""
    rings = [p for p in root.iter(f"{NS}polygon") if p.get("fill") is None]
    assert len(rings) == 5
    outer = points(rings[-1])
    cx = sum(x for x, _ in outer) / len(outer)
    cy = sum(y for _, y in outer) / len(outer)
    return cx, cy, math.dist((cx, cy), outer[0]), rings


def test_radar_vertices_lie_on_the_rings():
    scores = {"a": 100, "b": 50, "c": 0, "d": 75}
    root = parse(charts.radar(list("abcd"), [("张三", scores)]))
    cx, cy, radius, rings = grid(root)
    for k, ring in enumerate(rings, start=1):
        assert all(math.dist((cx, cy), p) == pytest.approx(radius * k / 5, abs=0.1) for p in points(ring))
    vertices = points(next(iter(group(root, "series"))).find(f"{NS}polygon"))
    assert vertices[0] == pytest.approx((cx, cy - radius), abs=0.1)  # 100 on the first axis: top of the outer ring
    assert vertices[1] == pytest.approx((cx + radius / 2, cy), abs=0.1)  # 50 on the second: half way, to the right
    assert vertices[2] == pytest.approx((cx, cy), abs=0.1)
    assert vertices[3] == pytest.approx((cx - radius * 0.75, cy), abs=0.1)
    assert texts(root, "value") == ["100", "50", "0", "75"]
    assert not group(root, "legend")


def test_radar_clips_and_marks_missing_values():
    scores = {"a": 150, "b": -20, "d": float("nan"), "e": 42.25}
    root = parse(charts.radar(list("abcde"), [("李四", scores)], title="能力"))
    cx, cy, radius, _ = grid(root)
    series = group(root, "series")[0]
    vertices = points(series.find(f"{NS}polygon"))
    assert math.dist((cx, cy), vertices[0]) == pytest.approx(radius, abs=0.1)
    assert all(math.dist((cx, cy), v) == pytest.approx(0, abs=0.1) for v in vertices[1:4])
    assert math.dist((cx, cy), vertices[4]) == pytest.approx(radius * 0.4225, abs=0.1)
    missing = [c for c in series.iter(f"{NS}circle") if c.get("class") == "missing"]
    assert len(missing) == 2 and all(c.get("stroke-dasharray") for c in missing)
    assert texts(root, "value") == ["100", "0", "未评", "未评", "42.2"]
    assert "李四：a 100，b 0，c 未评，d 未评，e 42.2" in root.get("aria-label")


def test_radar_five_series_have_a_legend_and_distinct_colours():
    series = [(f"候选人{i}", {d: 20 * i + 10 for d in DIMS}) for i in range(5)]
    root = parse(charts.radar(DIMS, series, title="对比"))
    fills = [g.find(f"{NS}polygon").get("fill") for g in group(root, "series")]
    assert len(set(fills)) == 5
    legend = group(root, "legend")[0]
    assert [t.text for t in legend.iter(f"{NS}text")] == [label for label, _ in series]
    assert [r.get("fill") for r in legend.iter(f"{NS}rect")] == fills
    assert texts(root, "value") == []  # with several series the numbers would collide; the legend and shape speak
    assert {t.text for t in root.iter(f"{NS}text")} >= set(DIMS)


def test_radar_rejects_bad_shapes():
    with pytest.raises(ValueError):
        charts.radar(["a", "b"], [("x", {})])
    with pytest.raises(ValueError):
        charts.radar(list("abc"), [(str(i), {}) for i in range(6)])
    with pytest.raises(ValueError):
        charts.radar(list("abc"), [])


def test_histogram_counts_per_bin():
    values = [0, 5, -3, 10, 55, 99.9, 100, 150, float("nan")]
    root = parse(charts.histogram(values, title="综合分分布"))
    counts = [int(t) for t in texts_in(group(root, "counts")[0])]
    assert counts == [3, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    assert "共 8 人" in root.get("aria-label")


def texts_in(element) -> list[str]:
    return [t.text for t in element.iter(f"{NS}text")]


def test_histogram_highlight_sits_on_its_value():
    root = parse(charts.histogram([70, 80, 90], highlight=80, highlight_label="前10%"))
    tick = next(t for t in root.iter(f"{NS}text") if t.text == "80")
    line = next(el for el in root.iter(f"{NS}line") if el.get("class") == "highlight")
    assert float(line.get("x1")) == pytest.approx(float(tick.get("x")))
    assert "前10% 80" in texts_in(root)

    root = parse(charts.histogram([70], highlight=120, bins=(0, 50, 100)))
    tick = next(t for t in root.iter(f"{NS}text") if t.text == "100")
    line = next(el for el in root.iter(f"{NS}line") if el.get("class") == "highlight")
    assert float(line.get("x1")) == pytest.approx(float(tick.get("x")))


@pytest.mark.parametrize("values", [[], [float("nan")]])
def test_histogram_empty_state(values):
    root = parse(charts.histogram(values, highlight=50))
    assert "暂无数据" in texts_in(root)
    assert not group(root, "counts")


def test_histogram_rejects_bad_bins():
    with pytest.raises(ValueError):
        charts.histogram([1], bins=(0,))
    with pytest.raises(ValueError):
        charts.histogram([1], bins=(0, 50, 50, 100))


def test_funnel_percentages_of_the_first_stage():
    root = parse(charts.funnel(FUNNEL, title="岗位漏斗"))
    assert texts(root, "value") == ["120 · 100%", "96 · 80%", "80 · 67%", "70 · 58%", "70 · 58%", "40 · 33%"]
    widths = [float(r.get("width")) for r in root.iter(f"{NS}rect")]
    assert widths[1] / widths[0] == pytest.approx(0.8, abs=0.01)
    assert "已决定 40（33%）" in root.get("aria-label")


def test_funnel_zero_first_stage_and_empty():
    root = parse(charts.funnel([("已邀请", 0), ("已打开", 5), ("已开始", -2)]))
    assert texts(root, "value") == ["0 · —", "5 · —", "0 · —"]
    assert "暂无数据" in texts_in(parse(charts.funnel([])))


def test_bars_clip_and_print_values():
    root = parse(charts.bars([("Q1", 82), ("Q2", 130), ("Q3", None), ("Q4", float("nan")), ("Q5", -5)]))
    assert texts(root, "value") == ["82", "100", "未评", "未评", "0"]
    rects = list(root.iter(f"{NS}rect"))
    tracks, bars = rects[0::2], rects[1::2]
    assert float(bars[1].get("width")) == pytest.approx(float(tracks[1].get("width")))
    assert float(bars[0].get("width")) / float(tracks[0].get("width")) == pytest.approx(0.82, abs=0.001)
    assert float(bars[2].get("width")) == 0
    assert "暂无数据" in texts_in(parse(charts.bars([])))


def test_labels_are_escaped():
    outputs = [
        charts.radar([NASTY, "b", "c"], [(NASTY, {NASTY: 10}), ("b", {})], title=NASTY),
        charts.histogram([1], highlight=5, highlight_label=NASTY, title=NASTY),
        charts.funnel([(NASTY, 3)], title=NASTY),
        charts.bars([(NASTY, 3)], title=NASTY),
    ]
    for svg in outputs:
        root = parse(svg)
        assert NASTY not in str(svg)
        assert any(NASTY in (t.text or "") for t in root.iter(f"{NS}text"))
        assert NASTY in root.get("aria-label") and NASTY in root.find(f"{NS}title").text


def test_long_labels_are_cut():
    root = parse(charts.bars([("一二三四五六七八九十十一", 50)]))
    assert texts_in(root)[0] == "一二三四五六七…"


def test_output_is_deterministic():
    def render() -> list[str]:
        return [
            charts.radar(DIMS, [("张三", {"沟通表达": 80.04}), ("李四", {"亲和力": 60})]),
            charts.histogram([1.5, 50, 99], highlight=90),
            charts.funnel(FUNNEL),
            charts.bars([("Q1", 66.66)]),
        ]

    assert render() == render()


def test_render_examples_for_people():
    """Write one example of each chart under tests/output/charts so a human can look at them."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    one = {"沟通表达": 82, "逻辑思维": 74, "专业能力": 91, "岗位适配": 66, "情绪稳定": 78}
    several = [(f"候选人{chr(65 + i)}", {d: 45 + (i * 13 + j * 17) % 55 for j, d in enumerate(DIMS)}) for i in range(5)]
    scores = [35, 47, 55, 58, 61, 63, 66, 68, 70, 71, 72, 74, 75, 77, 78, 80, 82, 85, 88, 91, 95, 100]
    examples = {
        "radar": charts.radar(DIMS, [("张三", one)], title="张三 · 能力雷达（亲和力未评）"),
        "radar_compare": charts.radar(DIMS, several, title="候选人对比"),
        "histogram": charts.histogram(scores, highlight=88, highlight_label="前10%", title="综合分分布"),
        "funnel": charts.funnel(FUNNEL, title="前端工程师 · 招聘漏斗"),
        "bars": charts.bars([("Q1 自我介绍", 82), ("Q2 项目经历与难点复盘", 67.5), ("Q3 团队冲突", None),
                             ("Q4 职业规划", 100)], title="逐题得分"),
    }
    for name, svg in examples.items():
        parse(svg)
        (OUTPUT / f"{name}.svg").write_text(str(svg), encoding="utf-8")
    assert sorted(p.stem for p in OUTPUT.glob("*.svg")) >= sorted(examples)
