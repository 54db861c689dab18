"""The fairness page of a position: its numbers equal a hand computation on a small cohort (65 people reported in the
period, one outside it); HR leads and admins only; every view and export audited; a bad period is a clear 400."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.support.hr import login

# SQLite only: the page reads a handful of plain rows; no database-specific behaviour
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def person(position, n: int, attributes: dict, recommendation: str, decision: str | None = None,
           round_outcome: str | None = None, hire: str | None = None, reported_at: dt.datetime | None = None):
    """One candidate reported for the position, with their AI-round decision, second-round outcome and hire."""
    from bot.store.models import (
        Candidate,
        Decision,
        Hire,
        Interview,
        Invitation,
        Report,
        RoundDecision,
        SelfDeclared,
    )

    candidate = Candidate.create(wecom_userid=f"c{n}", name=f"候选人{n}")
    invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li",
                                   expires_at=dt.datetime(2099, 1, 1), status="completed")
    interview = Interview.create(invitation=invitation, status="completed", consent_at=dt.datetime.now(dt.UTC))
    Report.create(interview=interview, schema_version="1", document={}, total=60.0, recommendation=recommendation,
                  **({"created_at": reported_at} if reported_at else {}))
    if attributes:
        SelfDeclared.create(interview=interview, attributes=attributes)
    if decision:
        Decision.create(interview=interview, outcome=decision, decided_by="hr_li")
    if round_outcome:
        RoundDecision.create(invitation=invitation, outcome=round_outcome, decided_by="hr_li")
    if hire:
        Hire.create(invitation=invitation, status=hire)


def cohort(position) -> None:
    """30 women (10 of them under 25), 32 men (5 of them 35–39), 3 who declared nothing, 1 reported long ago.

    By hand — recommend: 女 9/30 = 0.300, 男 16/32 = 0.500, ratio 0.600 < 0.8, both ≥ 30: flagged.
    pass (待定 and undecided not counted): 女 6/26 = 0.231, 男 12/30 = 0.400, ratio 0.577 — 26 < 30: warned only.
    hire (an open offer, or no outcome yet, not counted): 女 2/4 (hired 2, no_hire 1, declined 1), 男 4/8.
    """
    n = iter(range(1000))
    for i in range(30):  # women: recommended 0–8; pass 0–5, reject 6–25, hold 26–29
        decision = "pass" if i < 6 else "reject" if i < 26 else "hold"
        after = [("hire", "hired"), ("hire", "hired"), ("no_hire", None), ("hire", "declined"), ("hire", "offered"),
                 (None, None)][i] if i < 6 else (None, None)
        person(position, next(n), {"gender": "female", **({"age_band": "under_25"} if i < 10 else {})},
               "recommend" if i < 9 else "consider", decision, *after)
    for i in range(32):  # men: recommended 0–15; pass 0–11, reject 12–29, undecided 30–31
        decision = "pass" if i < 12 else "reject" if i < 30 else None
        after = ("hire", "hired") if i < 4 else ("no_hire", None) if i < 8 else (None, None)  # 8–11: pending
        person(position, next(n), {"gender": "male", **({"age_band": "35_39"} if i < 5 else {})},
               "recommend" if i < 16 else "reject", decision, *after)
    for i in range(3):  # declared nothing: recommended 1, passed 1
        person(position, next(n), {}, "recommend" if i == 0 else "consider", "pass" if i == 0 else "reject")
    person(position, next(n), {"gender": "female"}, "recommend", "pass",
           reported_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=800))


def test_the_numbers_equal_a_hand_computation_for_leads_only_audited(stack):
    from bot.store.models import AuditLog, Position

    position = Position.get()
    cohort(position)
    url = f"{stack.base}/hr/positions/{position.slug}/fairness"

    for user in ("hr_li", "mgr_zhao"):  # a recruiter, an interviewer: not theirs to see
        refused = login(stack, user).get(url, timeout=30)
        assert refused.status_code == 403 and "招聘负责人和管理员" in refused.text
    admin = login(stack, "admin_sun")
    page = admin.get(url, timeout=30)
    assert page.status_code == 200
    assert "报告生成于此期间的面试 <strong>65</strong> 人，其中自愿提供了信息的 <strong>62</strong> 人" in page.text
    assert page.text.count('data-testid="flagged"') == 1 and 'class="flagged"' in page.text
    assert 'data-testid="not-asking"' in page.text  # FAIRNESS_QUESTIONS is off: the page says so
    dashboard = admin.get(f"{stack.base}/hr/positions/{position.slug}", timeout=30).text
    assert f'href="/hr/positions/{position.slug}/fairness"' in dashboard

    exported = admin.get(f"{url}.csv", timeout=30)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    rows = {(line[0], line[1], line[2]): line[3:] for line in lines[1:]}
    assert rows[("性别", "AI 建议：推荐", "女")] == ["30", "9", "0.300", "0.600", "低于五分之四，需关注"]
    assert rows[("性别", "AI 建议：推荐", "男")] == ["32", "16", "0.500", "1.000", "参照组（通过率最高）"]
    assert rows[("性别", "AI 建议：推荐", "未提供")] == ["3", "1", "0.333", "", "不参与比较"]
    assert rows[("性别", "AI 面试决定：进入复试", "女")] == ["26", "6", "0.231", "0.577", "样本过小，不作判断"]
    assert rows[("性别", "AI 面试决定：进入复试", "男")] == ["30", "12", "0.400", "1.000", "参照组（通过率最高）"]
    assert rows[("性别", "录用：已入职", "女")] == ["4", "2", "0.500", "1.000", "参照组（通过率最高）"]
    assert rows[("性别", "录用：已入职", "男")] == ["8", "4", "0.500", "1.000", "样本过小，不作判断"]
    assert rows[("年龄段", "AI 建议：推荐", "25 岁以下")] == ["10", "9", "0.900", "0.900", "样本过小，不作判断"]
    assert rows[("年龄段", "AI 建议：推荐", "35–39 岁")] == ["5", "5", "1.000", "1.000", "参照组（通过率最高）"]
    assert rows[("年龄段", "AI 建议：推荐", "未提供")] == ["50", "12", "0.240", "", "不参与比较"]

    # the period: only the long-ago report
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=800)).date()
    earlier = admin.get(url, params={"since": (old - dt.timedelta(days=1)).isoformat(),
                                     "until": (old + dt.timedelta(days=1)).isoformat()}, timeout=30)
    assert "面试 <strong>1</strong> 人" in earlier.text
    for bad, message in (({"since": "2026-13-01"}, "开始日期的格式应为"),
                         ({"since": "2026-06-02", "until": "2026-06-01"}, "开始日期不能晚于结束日期")):
        answer = admin.get(url, params=bad, timeout=30)
        assert answer.status_code == 400 and message in answer.text

    lead_page = login(stack, "hr_zhou").get(url, timeout=30)
    assert lead_page.status_code == 200
    assert [(a.actor, a.action) for a in AuditLog.select().where(
        AuditLog.action.in_(["view_fairness", "export_fairness"])).order_by(AuditLog.id)] == [
        ("admin_sun", "view_fairness"), ("admin_sun", "export_fairness"), ("admin_sun", "view_fairness"),
        ("hr_zhou", "view_fairness")]


@pytest.fixture(autouse=True)
def lead(monkeypatch):
    """hr_zhou is an HR lead (set before the stack reads the settings)."""
    monkeypatch.setenv("HR_LEADS", "hr_zhou")
