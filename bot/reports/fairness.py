"""The fairness report's arithmetic: selection rates and impact ratios per group, the four-fifths rule, small samples.

Pure functions over counts (no database: bot/reports/fairness_cohort.py gathers the records). For one attribute
(gender, age band: bot/privacy/self_declared.py) and one stage —

- ``recommend``: the AI's recommendation; assessed = every report, selected = 推荐 (recommend);
- ``pass``: the AI round's decision; assessed = decided pass or reject (待定 is not decided), selected = pass;
- ``hire``: the hire; assessed = a final outcome after the second round (不录用, an offer declined or withdrawn, or
  hired), selected = hired; an offer still open is not counted yet —

each group's selection rate is selected / assessed, and its impact ratio is its rate over the highest rate of any
group (the reference). A ratio under 4/5 is flagged (the EEOC's four-fifths rule, the one New York's Local Law 144
audits report) unless the sample is too small to say: the group or the reference assessed fewer than
MIN_ASSESSED people, or the declared groups together had fewer than MIN_SELECTED selected at that stage (then every
rate rests on a handful of decisions). A small sample is warned, never flagged. People who declared nothing for the
attribute (or chose 不愿透露) are counted apart and never compared.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.privacy.self_declared import ATTRIBUTES, label

STAGES = ("recommend", "pass", "hire")
STAGE_LABELS = {"recommend": "AI 建议：推荐", "pass": "AI 面试决定：进入复试", "hire": "录用：已入职"}
ATTRIBUTE_LABELS = {"gender": "性别", "age_band": "年龄段"}
FOUR_FIFTHS = 0.8
MIN_ASSESSED = 30  # a group (or the reference) assessed fewer than this: its rate is too noisy to judge
MIN_SELECTED = 5  # fewer selected than this across the groups at a stage: no ratio there is judged


@dataclass(frozen=True)
class GroupRow:
    """One group at one stage."""

    group: str
    label: str
    assessed: int
    selected: int
    rate: float | None  # None: nobody assessed
    ratio: float | None  # None: no rate, or nobody in any group selected
    reference: bool  # the group with the highest rate
    small: bool  # warned: too few to judge
    flagged: bool  # ratio under 4/5 on samples large enough


@dataclass(frozen=True)
class StageTable:
    """One attribute at one stage: the declared groups, and those who declared nothing (not compared)."""

    attribute: str
    stage: str
    rows: tuple[GroupRow, ...]
    undeclared: tuple[int, int]  # (assessed, selected)
    few_selected: bool  # fewer than MIN_SELECTED selected across the groups

    @property
    def flagged(self) -> bool:
        return any(row.flagged for row in self.rows)


def tally(records: Iterable[Mapping[str, Any]], attribute: str, stage: str) -> tuple[dict[str, list[int]], list[int]]:
    """Count (assessed, selected) per group of the attribute at the stage, and for those who did not declare it.
    A record: {"attributes": {"gender": "female", …}, "recommend": True | False | None, "pass": …, "hire": …}, where
    None means not assessed at that stage."""
    counts: dict[str, list[int]] = {group: [0, 0] for group in ATTRIBUTES[attribute]}
    undeclared = [0, 0]
    for record in records:
        outcome = record.get(stage)
        if outcome is None:
            continue
        cell = counts.get((record.get("attributes") or {}).get(attribute), undeclared)
        cell[0] += 1
        cell[1] += 1 if outcome else 0
    return counts, undeclared


def table(attribute: str, stage: str, counts: Mapping[str, tuple[int, int] | list[int]],
          undeclared: tuple[int, int] | list[int] = (0, 0)) -> StageTable:
    """Rates, impact ratios and flags for the groups' (assessed, selected); groups nobody was assessed in are left
    out."""
    present = [(group, int(a), int(s)) for group, (a, s) in counts.items() if a > 0]
    rates = {group: s / a for group, a, s in present}
    best = max(rates.values(), default=0.0)
    reference = next((group for group, _, _ in present if rates[group] == best), None)
    ref_small = reference is None or dict((g, a) for g, a, _ in present)[reference] < MIN_ASSESSED
    few = sum(s for _, _, s in present) < MIN_SELECTED
    rows = []
    for group, assessed, selected in present:
        ratio = rates[group] / best if best > 0 else None
        small = assessed < MIN_ASSESSED or ref_small or few
        rows.append(GroupRow(group=group, label=label(attribute, group), assessed=assessed, selected=selected,
                             rate=rates[group], ratio=ratio, reference=group == reference, small=small,
                             flagged=ratio is not None and ratio < FOUR_FIFTHS and not small))
    return StageTable(attribute=attribute, stage=stage, rows=tuple(rows),
                      undeclared=(int(undeclared[0]), int(undeclared[1])), few_selected=few)


def report(records: Iterable[Mapping[str, Any]]) -> list[StageTable]:
    """Every attribute at every stage, in the order the page shows them."""
    records = list(records)
    return [table(attribute, stage, *tally(records, attribute, stage)) for attribute in ATTRIBUTES
            for stage in STAGES]


def coverage(records: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """(people in the period, people who declared at least one attribute)."""
    records = list(records)
    return len(records), sum(1 for record in records if record.get("attributes"))


def verdict(row: GroupRow) -> str:
    """The row's conclusion in words."""
    if row.reference:
        return "参照组（通过率最高）"
    if row.ratio is None:
        return "—"
    if row.small:
        return "样本过小，不作判断"
    return "低于五分之四，需关注" if row.flagged else "未低于五分之四"


def csv_rows(tables: Iterable[StageTable]) -> list[list[Any]]:
    """The export: a header, then one line per group and one for those who declared nothing."""
    lines: list[list[Any]] = [["属性", "阶段", "群体", "评估人数", "通过人数", "通过率", "影响比", "结论"]]
    for t in tables:
        for row in t.rows:
            lines.append([ATTRIBUTE_LABELS[t.attribute], STAGE_LABELS[t.stage], row.label, row.assessed,
                          row.selected, _fixed(row.rate), _fixed(row.ratio), verdict(row)])
        lines.append([ATTRIBUTE_LABELS[t.attribute], STAGE_LABELS[t.stage], "未提供", t.undeclared[0],
                      t.undeclared[1], _fixed(t.undeclared[1] / t.undeclared[0] if t.undeclared[0] else None), "",
                      "不参与比较"])
    return lines


def _fixed(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
