"""The performance loop on a generated cohort: 300 hires whose performance is drawn from known weights of the
interview dimensions plus noise, imported as a sheet; the correlations recover the order of the true weights and the
suggested weights move from the current ones toward the true ones. A bad sheet: each bad row gets its message, the
good rows are kept."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

# SQLite only: nothing here depends on the database (the unique key is the schema's, tested with migration 018)
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

TRUE = {"沟通能力": 0.40, "逻辑思维": 0.28, "专业匹配度": 0.18, "岗位适配性": 0.10, "情绪稳定性": 0.04}


def make_hire(position, n: int, dims: dict[str, float], *, status: str = "hired", employee: str = "",
              phone: str = ""):
    """A candidate with an AI report of these dimension scores and a hire in `status` (employee id E0001…)."""
    from bot.store.models import Candidate, Hire, Interview, Invitation, Report

    candidate = Candidate.create(name=f"员工{n}", phone=phone)
    invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li",
                                   expires_at=dt.datetime(2099, 1, 1))
    interview = Interview.create(invitation=invitation, status="completed")
    total = sum(dims.values()) / len(dims)
    document = {"schema_version": "1.1", "scoring_version": "test", "generated_at": "2026-01-05T10:00:00+08:00",
                "interview": {}, "total": total, "recommendation": {"key": "recommend", "reasons": []},
                "dimensions": [{"name": k, "weight": 0.2, "score": v, "evidence": []} for k, v in dims.items()]}
    Report.create(interview=interview, schema_version="1.1", document=document, total=total,
                  recommendation="recommend")
    return Hire.create(invitation=invitation, status=status, hired_on=dt.date(2026, 3, 1) if status == "hired"
                       else None, employee_id=employee or f"E{n:04d}")


def sheet(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode("utf-8")


def test_generated_cohort_recovers_the_order_and_the_weights_move_toward_the_truth(env):
    from bot.decisions import performance, performance_analysis
    from bot.store.db import database
    from bot.store.models import AuditLog, PerformanceRecord, Position, Scorecard

    position = Position.get()
    current = performance_analysis.current_weights(position)
    names = list(TRUE)
    rng = np.random.default_rng(7)
    scores = rng.normal(65, 12, size=(300, len(names))).clip(0, 100).round(1)
    signal = ((scores - 65) / 12) @ np.array([TRUE[n] for n in names])
    performance_score = 80 + 6 * (signal + rng.normal(0, 0.25, 300))
    with database.atomic():
        hires = [make_hire(position, i, dict(zip(names, row.tolist(), strict=True))) for i, row in enumerate(scores)]
        for hire, value in zip(hires[:40], signal[:40], strict=True):  # 40 with a second round, rated 1–5
            Scorecard.create(invitation=hire.invitation_id, interviewer="iv_zhao",
                             ratings={"服务意识": int(np.clip(round(3 + 2 * value), 1, 5)), "合规": 3})
    data = sheet([["工号", "考核期", "绩效得分", "销售额（万元）"]]
                 + [[f"E{i:04d}", "2026H2", round(p, 2), 100 + i] for i, p in enumerate(performance_score)])
    rows, unread = performance.read_file(data, "绩效.csv")
    outcome = performance.import_rows(rows, actor="hr_li", source="hr", update=False, sees=lambda p: True,
                                      filename="绩效.csv", problems=unread)
    assert (outcome.created, outcome.problems) == (300, [])
    assert PerformanceRecord.get(PerformanceRecord.period == "2026H2").kpis == {"销售额（万元）": 100.0}
    assert AuditLog.get(AuditLog.action == "performance.import").detail["created"] == 300

    samples = performance_analysis.cohort([position])
    found = {row["name"]: row for row in performance_analysis.correlations(samples)}
    assert all(found[n]["n"] == 300 and not found[n]["small"] for n in names)
    assert sorted(names, key=lambda n: -found[n]["rho"]) == names  # the true weights' order
    top = found["沟通能力"]
    assert top["low"] < top["rho"] < top["high"] and top["low"] > 0 and "正相关" in top["reading"]
    card = found["复试评分卡（平均）"]
    assert card["n"] == 40 and card["rho"] > 0.5 and not card["small"]  # only the hires with a scorecard count

    suggested = performance_analysis.suggestion(position, samples)
    weights = suggested["suggested"]
    assert suggested["n"] == 300 and abs(sum(weights.values()) - 1) < 1e-9 and min(weights.values()) >= 0
    distance = lambda w: sum((w[n] - TRUE[n]) ** 2 for n in names) ** 0.5  # noqa: E731
    assert distance(weights) < 0.6 * distance(current)
    assert weights["沟通能力"] > current["沟通能力"] and weights["情绪稳定性"] < current["情绪稳定性"]

    before = position.rubric["dimensions"]
    number = performance_analysis.accept(position, weights, actor="lead_zhou", base_version=1,
                                         detail={"n": suggested["n"]})
    position = Position.get_by_id(position.id)
    assert number == 2 and position.rubric["dimensions"] == weights
    audit = AuditLog.get(AuditLog.action == "performance.weights")
    assert (audit.actor, audit.detail["before"], audit.detail["version"]) == ("lead_zhou", before, 2)
    with pytest.raises(performance_analysis.WeightsError, match="已被修改"):
        performance_analysis.accept(position, current, actor="lead_zhou", base_version=1, detail={})

    few = performance_analysis.suggestion(position, samples[:29])
    assert few["suggested"] is None and "少于 30" in few["reason"]
    assert "不作解读" in performance_analysis.correlations(samples[:29])[0]["reading"]


def test_a_bad_file_gets_a_message_per_row_and_keeps_the_good_ones(env):
    from bot.decisions import performance
    from bot.store.models import PerformanceRecord, Position

    position = Position.get()
    dims = dict.fromkeys(TRUE, 70.0)
    kept = make_hire(position, 1, dims)
    make_hire(position, 2, dims, status="accepted")
    make_hire(position, 3, dims, phone="13800000003")
    offered = make_hire(position, 4, dims, status="offered", phone="13800000004")
    from bot.store.models import Candidate, Hire

    Candidate.create(name="没录用", phone="13900000009")
    PerformanceRecord.create(hire=Hire.get(Hire.employee_index.matches("E0003")), period="2026H1", score=3)
    data = sheet([
        ["说明：2026 年上半年绩效"],
        ["工号", "手机号", "考核期", "绩效"],
        ["E0001", "", "2026H1", "优秀"],          # 3: kept (优秀 → 4)
        ["E9999", "", "2026H1", "A"],             # 4: unknown employee
        ["E0002", "", "2026H1", "B"],             # 5: not hired yet
        ["E0001", "", "2026H1", "良好"],          # 6: the same period again in the file
        ["", "13800000003", "2026H1", "C"],       # 7: already imported
        ["E0001", "", "2026H2", "很好"],          # 8: not a number, not a grade
        ["", "13900000009", "2026H1", "88"],      # 9: a candidate without a hire
        ["", "13800000004", "2026H1", "88"],      # 10: offered only
        ["E0001", "", "", "88"],                  # 11: no period
        ["", "", "2026H1", "88"],                 # 12: nobody named
        ["E0001", "", "2026Q3", "91.5"],          # 13: kept
    ])
    rows, unread = performance.read_file(data, "绩效.csv")
    outcome = performance.import_rows(rows, actor="hr_li", source="hr", update=False, sees=lambda p: True,
                                      problems=unread)
    messages = {p.row_no: p.message for p in outcome.problems}
    assert outcome.created == 2 and sorted(messages) == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "未知员工" in messages[4] and "E9999" in messages[4]
    assert "尚未入职" in messages[5] and "已接受 offer" in messages[5]
    assert "与第 3 行重复" in messages[6]
    assert "已导入过" in messages[7] and "更新" in messages[7]
    assert "不是数字" in messages[8] and "很好" in messages[8]
    assert "找不到录用记录" in messages[9] and "139****0009" in messages[9] and "13900000009" not in messages[9]
    assert "尚未入职" in messages[10]
    assert "缺少考核期" in messages[11] and "缺少工号" in messages[12]
    assert {(r.period, r.score, r.rating) for r in PerformanceRecord.select().where(PerformanceRecord.hire == kept)} \
        == {("2026H1", 4.0, "优秀"), ("2026Q3", 91.5, "")}
    assert not PerformanceRecord.select().where(PerformanceRecord.hire == offered).exists()

    again = performance.import_rows([(1, {"phone": "13800000003", "period": "2026H1", "rating": "D"})],
                                    actor="api:hrms", source="api", update=True, sees=lambda p: True)
    assert (again.updated, again.problems) == (1, [])
    assert PerformanceRecord.get(PerformanceRecord.period == "2026H1", PerformanceRecord.score == 1.0).rating == "D"
    hidden = performance.import_rows([(1, {"employee_id": "E0001", "period": "2027H1", "rating": "A"})],
                                     actor="hr_x", source="hr", update=False, sees=lambda p: False)
    assert "未知员工" in hidden.problems[0].message  # another unit's hire reads as unknown
    with pytest.raises(performance.PerformanceFileError, match="考核期"):
        performance.read_file(sheet([["工号", "绩效"], ["E0001", "A"]]), "x.csv")


def test_an_excel_sheet_whose_periods_excel_made_dates_is_read_as_months_and_days(env):
    """Excel turns 2026-06 typed into a cell into the date 2026-06-01; the import reads it back as the month."""
    import io

    import openpyxl

    from bot.decisions import performance
    from bot.store.models import PerformanceRecord, Position

    position = Position.get()
    hire = make_hire(position, 1, dict.fromkeys(TRUE, 70.0))
    book = openpyxl.Workbook()
    book.active.append(["工号", "考核期", "绩效"])
    book.active.append(["E0001", dt.datetime(2026, 6, 1), "A"])
    book.active.append(["E0001", dt.datetime(2026, 12, 31), "B"])
    book.active.append(["E0001", dt.date(2027, 3, 1), "C"])
    data = io.BytesIO()
    book.save(data)
    rows, unread = performance.read_file(data.getvalue(), "绩效.xlsx")
    outcome = performance.import_rows(rows, actor="hr_li", source="hr", update=False, sees=lambda p: True,
                                      problems=unread)
    assert (outcome.created, outcome.problems) == (3, [])
    assert {r.period for r in PerformanceRecord.select().where(PerformanceRecord.hire == hire)} \
        == {"2026-06", "2026-12-31", "2027-03"}
