"""How interview results relate to later performance, per position or per unit (bot/decisions/performance_stats.py
does the statistics), and the suggested dimension weights HR may accept as the position's next version.

The cohort is every hire in state hired of the positions looked at who has at least one imported period and an AI
report. Their performance is one number each: every period's scores are turned into percentile ranks among all the
hires imported for that period (so a period graded A–D and one scored out of 100, or graded on a stricter curve,
compare), and a hire's number is the mean of their periods' ranks. The predictors are the report's dimension scores
and total, and the second-round scorecard's average (each interviewer's mean rating, averaged over interviewers).

Accepting a suggestion saves the position through the ordinary path (save_position, bot/positions/catalog.py), so it
becomes a new version with its author, and writes an audit row with the weights before and after; nothing changes
by itself."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.decisions import performance_stats as ps
from bot.positions import versions
from bot.positions.catalog import PositionChanged, PositionFileError, document_of, parse_position_doc, save_position
from bot.positions.catalog import digest_of as position_digest
from bot.store.db import write_transaction
from bot.store.models import AuditLog, Hire, Interview, Invitation, PerformanceRecord, Position, Report, Scorecard
from scoring.report import DEFAULT_WEIGHTS, DIMENSIONS

OUTCOME_NOTE = ("后续绩效＝该员工各考核期绩效在同期已导入员工中的百分位排名的平均值（各期评分口径不同也可比较）；"
                "相关系数为 Spearman 等级相关，95% 区间为 2000 次自助抽样（固定随机种子）")
SCORECARD = "复试评分卡（平均）"
TOTAL = "AI 总分"


@dataclass
class Sample:
    """One hire as the analysis sees them: their interview's numbers and their later performance."""
    hire_id: int
    position_id: int
    dimensions: dict[str, float]
    total: float
    scorecard: float | None
    performance: float
    periods: int = 1


def _percentiles() -> dict[tuple[int, str], float]:
    """(hire id, period) → the hire's percentile rank (0–1, ties averaged) among everyone imported for the period."""
    by_period: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for hire_id, period, score in PerformanceRecord.select(PerformanceRecord.hire, PerformanceRecord.period,
                                                           PerformanceRecord.score).tuples():
        by_period[period].append((hire_id, score))
    ranks = {}
    for period, rows in by_period.items():
        ranked = ps.midranks(np.array([score for _, score in rows], float))
        for (hire_id, _), rank in zip(rows, ranked, strict=True):
            ranks[(hire_id, period)] = float((rank - 0.5) / len(rows))
    return ranks


def cohort(positions: list[Position]) -> list[Sample]:
    """The hired hires of these positions with performance and a report, each as a Sample."""
    if not positions:
        return []
    hires = list(Hire.select(Hire.id, Invitation.id, Invitation.position).join(Invitation)
                 .where((Hire.status == "hired") & (Invitation.position.in_([p.id for p in positions]))))
    if not hires:
        return []
    ranks = _percentiles()
    periods: dict[int, list[float]] = defaultdict(list)
    for (hire_id, _), rank in ranks.items():
        periods[hire_id].append(rank)
    invitations = [h.invitation.id for h in hires if periods.get(h.id)]
    reports = {r.interview.invitation_id: r for r in Report.select(Report, Interview).join(Interview)
               .where(Interview.invitation.in_(invitations))}
    cards: dict[int, list[float]] = defaultdict(list)
    for card in Scorecard.select(Scorecard.invitation, Scorecard.ratings).where(Scorecard.invitation.in_(invitations)):
        values = [float(v) for v in (card.ratings or {}).values() if isinstance(v, int | float)
                  and not isinstance(v, bool)]
        if values:
            cards[card.invitation_id].append(sum(values) / len(values))
    samples = []
    for hire in hires:
        report = reports.get(hire.invitation.id)
        if not periods.get(hire.id) or report is None:
            continue
        dims = {d["name"]: float(d["score"]) for d in (report.document or {}).get("dimensions", [])
                if isinstance(d, dict) and isinstance(d.get("score"), int | float)}
        card = cards.get(hire.invitation.id)
        samples.append(Sample(hire.id, hire.invitation.position_id, dims, float(report.total),
                              sum(card) / len(card) if card else None,
                              sum(periods[hire.id]) / len(periods[hire.id]), len(periods[hire.id])))
    return samples


def _order(names: set[str]) -> list[str]:
    """The seeded dimensions first (the report's order), then a position's own ones by name."""
    return [d for d in DIMENSIONS if d in names] + sorted(names - set(DIMENSIONS))


def correlations(samples: list[Sample]) -> list[dict[str, Any]]:
    """One row per predictor: each dimension, the AI total, the scorecard average; n, rho, interval, small."""
    rows = []
    names = _order({name for s in samples for name in s.dimensions})
    predictors = [(name, "dimension", lambda s, name=name: s.dimensions.get(name)) for name in names]
    predictors += [(TOTAL, "total", lambda s: s.total), (SCORECARD, "scorecard", lambda s: s.scorecard)]
    for name, kind, value in predictors:
        pairs = [(value(s), s.performance) for s in samples if value(s) is not None]
        x = np.array([p[0] for p in pairs], float)
        y = np.array([p[1] for p in pairs], float)
        found = ps.correlation(x, y)
        rows.append({"name": name, "kind": kind, "n": found.n, "rho": found.rho, "low": found.low,
                     "high": found.high, "small": found.small, "reading": reading(found)})
    return rows


def reading(found: ps.Correlation) -> str:
    """What may be said of a correlation: nothing below MIN_SAMPLE; otherwise only whether the interval excludes 0
    (never strong or weak: how much matters is HR's judgement of the interval, and of the caveats)."""
    if found.small:
        return f"样本不足 {ps.MIN_SAMPLE}，不作解读"
    if found.rho is None or found.low is None:
        return "无法计算（取值没有变化）"
    if found.low > 0:
        return "正相关（95% 区间不含 0）"
    if found.high < 0:
        return "负相关（95% 区间不含 0）"
    return "方向不确定（95% 区间含 0）"


def current_weights(position: Position) -> dict[str, float]:
    """The position's dimension weights as its reports use them (the defaults when it sets none)."""
    return dict((position.rubric or {}).get("dimensions") or DEFAULT_WEIGHTS)


def suggestion(position: Position, samples: list[Sample]) -> dict[str, Any]:
    """The suggested weights for the position from its cohort, beside the current ones; with `reason` (and no
    weights) when the sample is too small or the weights cannot be fitted."""
    current = current_weights(position)
    names = list(current)
    usable = [s for s in samples if s.position_id == position.id and all(n in s.dimensions for n in names)]
    out: dict[str, Any] = {"current": current, "n": len(usable), "suggested": None, "reason": ""}
    if len(usable) < ps.MIN_SAMPLE:
        out["reason"] = (f"有绩效和完整维度得分的已入职员工只有 {len(usable)} 人（少于 {ps.MIN_SAMPLE}），"
                         "不给出权重建议")
        return out
    x = np.array([[s.dimensions[n] for n in names] for s in usable], float)
    y = np.array([s.performance for s in usable], float)
    if np.ptp(y) == 0:
        out["reason"] = "所有员工的绩效相同，无法拟合权重"
        return out
    fit = ps.suggest(x, y, np.array([current[n] for n in names], float))
    out.update(suggested=rounded(dict(zip(names, fit.weights.tolist(), strict=True))), strength=fit.lam,
               cv_error=round(fit.cv_error, 4), cv_error_current=round(fit.cv_error_current, 4))
    return out


def rounded(weights: dict[str, float], places: int = 2) -> dict[str, float]:
    """Weights rounded to `places` decimals that still sum to exactly 1 (the remainder goes to the largest)."""
    out = {name: round(max(0.0, w), places) for name, w in weights.items()}
    largest = max(out, key=out.get)
    out[largest] = round(out[largest] + round(1.0 - sum(out.values()), places), places)
    return out


class WeightsError(ValueError):
    """A suggestion that cannot be saved (the position changed since, the weights do not parse); a Chinese message."""


def accept(position: Position, weights: dict[str, float], *, actor: str, base_version: int,
           detail: dict[str, Any]) -> int:
    """Save the weights as the position's next version (as HR's editor would, source hr) and audit it; return the
    version number. WeightsError when someone saved the position since base_version, or the weights are invalid."""
    doc = document_of(position)
    before = dict(doc.get("dimensions") or {})
    doc["dimensions"] = weights
    try:
        values = parse_position_doc(doc, "岗位", position_digest(doc))
    except PositionFileError as exc:  # weights that do not sum to 1, a dimension the position does not know
        raise WeightsError(f"建议的权重无法保存：{exc.reason or exc}") from None
    with write_transaction():
        try:
            save_position(values, author=actor, source="hr", base_version=base_version)
        except PositionChanged as exc:
            raise WeightsError(f"岗位已被修改（现在是第 {exc.current} 版，您看到的是第 {base_version} 版），"
                               "请刷新页面，按最新数据重新计算后再采纳") from None
        number = versions.current_number(position) or 0
        AuditLog.create(actor=actor[:64], action="performance.weights", target_type="position",
                        target_id=str(position.id), detail={"slug": position.slug, "before": before,
                                                            "after": weights, "version": number, **detail})
    return number
