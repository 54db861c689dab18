"""Funnel analytics against a hand computation: counts per stage (reached, whatever was skipped), each stage's share
of the one before, median hours between consecutive stages over those who reached both, grouped by a dimension."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.reports import funnel

T0 = dt.datetime(2026, 9, 1, 2, 0)


def record(position: str, channel: str, hours: dict[str, float]) -> dict:
    """An invitation that reached each stage named in hours, that many hours after T0."""
    return {"position": position, "unit": "北京分行", "channel": channel, "source": "邀请",
            "times": {stage: T0 + dt.timedelta(hours=h) for stage, h in hours.items()}}


RECORDS = [
    record("柜员", "企业微信", {"invited": 0, "opened": 2, "started": 3, "completed": 4, "recommended": 5, "passed": 29,
                           "second_round": 77, "offered": 101, "hired": 341}),
    # passed, though not recommended
    record("柜员", "短信", {"invited": 0, "opened": 6, "started": 7, "completed": 8, "passed": 20}),
    record("柜员", "短信", {"invited": 0, "opened": 10}),
    record("客户经理", "企业微信", {"invited": 0}),
    record("客户经理", "企业微信", {}),  # not delivered: invited by nobody
]


def test_counts_conversion_and_medians_by_hand():
    overall = funnel.funnel("全部", RECORDS)
    assert overall.counts == {"invited": 4, "opened": 3, "started": 2, "completed": 2, "recommended": 1, "passed": 2,
                              "second_round": 1, "offered": 1, "hired": 1}
    assert overall.conversion["invited"] is None
    assert overall.conversion["opened"] == pytest.approx(3 / 4)
    assert overall.conversion["recommended"] == pytest.approx(1 / 2) and overall.conversion["passed"] == 2.0
    assert overall.median_hours[("invited", "opened")] == 6  # 2, 6, 10
    assert overall.step_sizes[("invited", "opened")] == 3
    assert overall.median_hours[("opened", "started")] == 1
    assert overall.median_hours[("recommended", "passed")] == 24  # only the one who reached both
    assert overall.median_hours[("offered", "hired")] == 240
    assert funnel.duration(overall.median_hours[("offered", "hired")]) == "10.0 天"
    assert funnel.duration(6) == "6.0 小时" and funnel.duration(None) == "—"

    by_position = funnel.by(RECORDS, "position")
    assert [(f.name, f.counts["invited"], f.counts["hired"]) for f in by_position] == \
        [("柜员", 3, 1), ("客户经理", 1, 0)]
    assert by_position[1].median_hours[("invited", "opened")] is None and by_position[1].conversion["opened"] == 0
    by_channel = {f.name: f for f in funnel.by(RECORDS, "channel")}
    assert by_channel["短信"].counts["opened"] == 2 and by_channel["短信"].median_hours[("invited", "opened")] == 8
    with pytest.raises(ValueError):
        funnel.by(RECORDS, "gender")
