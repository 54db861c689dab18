"""Funnel analytics across positions and units: how many invitations reached each stage, from invited to hired, and
the median time between consecutive stages, overall and by unit, position, channel or source.

Pure functions over records (bot/reports/funnel_data.py gathers them): a record is one invitation, with the group it
falls in for each dimension and the time (naive UTC) it reached each stage, None where it did not. A stage counts
every invitation that reached it, whatever it skipped (HR may pass someone the AI did not recommend), so a stage can
hold people the one before it does not. A median between two stages is taken over the invitations that reached both,
in hours.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STAGES = ("invited", "opened", "started", "completed", "recommended", "passed", "second_round", "offered", "hired")
STAGE_LABELS = {"invited": "已邀请", "opened": "已打开", "started": "已开始", "completed": "已完成",
                "recommended": "AI 推荐", "passed": "通过 AI 面试", "second_round": "已复试", "offered": "已发 offer",
                "hired": "已入职"}
DIMENSIONS = {"position": "岗位", "unit": "机构", "channel": "渠道", "source": "来源"}
STEPS = tuple(zip(STAGES, STAGES[1:], strict=False))  # consecutive stages: the times between them


@dataclass(frozen=True)
class Funnel:
    """One group's funnel: counts per stage, each stage's share of the one before, median hours per step."""

    name: str
    counts: dict[str, int]
    conversion: dict[str, float | None]  # stage → count / the previous stage's count (None for the first, or 0 before)
    median_hours: dict[tuple[str, str], float | None]  # (stage, next stage) → median hours; None when nobody did both
    step_sizes: dict[tuple[str, str], int]  # how many invitations each median is over


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600


def funnel(name: str, records: Iterable[Mapping[str, Any]]) -> Funnel:
    """The funnel of these records."""
    records = list(records)
    counts = {stage: sum(1 for r in records if r["times"].get(stage) is not None) for stage in STAGES}
    conversion: dict[str, float | None] = {STAGES[0]: None}
    for before, stage in STEPS:
        conversion[stage] = counts[stage] / counts[before] if counts[before] else None
    medians: dict[tuple[str, str], float | None] = {}
    sizes: dict[tuple[str, str], int] = {}
    for step in STEPS:
        spans = [_hours(r["times"][step[0]], r["times"][step[1]]) for r in records
                 if r["times"].get(step[0]) is not None and r["times"].get(step[1]) is not None]
        spans = [max(span, 0.0) for span in spans]  # a stage stamped a moment before the one before it: no time
        medians[step] = statistics.median(spans) if spans else None
        sizes[step] = len(spans)
    return Funnel(name=name, counts=counts, conversion=conversion, median_hours=medians, step_sizes=sizes)


def by(records: Iterable[Mapping[str, Any]], dimension: str) -> list[Funnel]:
    """A funnel per group of the dimension (unit, position, channel, source), the largest first."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(record[dimension], []).append(record)
    made = [funnel(name, members) for name, members in groups.items()]
    return sorted(made, key=lambda f: (-f.counts[STAGES[0]], f.name))


def duration(hours: float | None) -> str:
    """A median in words: 5.5 小时, 3.2 天; — when there is none."""
    if hours is None:
        return "—"
    return f"{hours:.1f} 小时" if hours < 48 else f"{hours / 24:.1f} 天"


def csv_rows(overall: Funnel, groups: list[Funnel], dimension: str) -> Iterable[list[Any]]:
    """The page's numbers as rows for a CSV: a header, then 全部 and each group with its count and share of the
    stage before at every stage, and the median hours (one decimal) of every step; empty where there is none."""
    yield ([DIMENSIONS[dimension]] + [STAGE_LABELS[s] for s in STAGES]
           + [f"{STAGE_LABELS[s]}占上一步（%）" for s in STAGES[1:]]
           + [f"{STAGE_LABELS[a]}→{STAGE_LABELS[b]}（小时，中位数）" for a, b in STEPS])
    for group in (overall, *groups):
        yield ([group.name] + [group.counts[s] for s in STAGES]
               + ["" if group.conversion[s] is None else round(100 * group.conversion[s], 1) for s in STAGES[1:]]
               + ["" if group.median_hours[step] is None else round(group.median_hours[step], 1) for step in STEPS])
