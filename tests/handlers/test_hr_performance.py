"""HR's performance pages: a recruiter uploads an Excel sheet (good rows kept, each bad row listed with its message),
reads the position's correlations with the sample size and intervals, accepts the suggested weights as the next
version (audited; a stale page is refused); the unit page pools the unit's positions; an interviewer gets a 403."""
from __future__ import annotations

import io

import numpy as np
import pytest

from tests.bot.decisions.test_performance import TRUE, make_hire
from tests.support.hr import csrf, login

# SQLite only: the pages' database work is bot/decisions/performance*.py's
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def workbook(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_read_accept_and_scope(stack):
    from bot.org import team
    from bot.store.db import database
    from bot.store.models import AuditLog, OrgUnit, PerformanceRecord, Position, PositionVersion, UnitMember

    position = Position.get()
    unit = OrgUnit.create(code="bj", name="北京分行")
    team.assign(position, unit, team.parse_team({"interviewers": ["iv_zhao"]}), "test")
    UnitMember.create(unit=unit, userid="hr_li", role="recruiter")
    names = list(TRUE)
    rng = np.random.default_rng(11)
    scores = rng.normal(65, 12, size=(40, len(names))).round(1)
    with database.atomic():
        for i, row in enumerate(scores):
            make_hire(position, i, dict(zip(names, row.tolist(), strict=True)))
    make_hire(position, 99, dict.fromkeys(names, 60.0), status="offered")
    grades = ["A", "B", "C", "D"]
    order = np.argsort(-((scores - 65) @ np.array([TRUE[n] for n in names])))
    rows = [["工号", "考核期", "绩效等级", "姓名"]]
    rows += [[f"E{i:04d}", "2026H2", grades[rank * 4 // 40], "某某"] for rank, i in enumerate(order)]
    rows += [["E0099", "2026H2", "A", ""], ["E0000", "2026H2", "优秀", ""], ["E0001", "2027H1", "很好", ""]]

    recruiter = login(stack, "hr_li", "/hr/performance")
    form = recruiter.get(f"{stack.base}/hr/performance", timeout=30)
    assert form.status_code == 200 and 'name="file"' in form.text
    assert f'href="/hr/positions/{position.slug}/performance"' in form.text
    sent = recruiter.post(f"{stack.base}/hr/performance", data={"csrf": csrf(form.text)}, timeout=30,
                          files={"file": ("绩效.xlsx", workbook(rows))})
    assert sent.status_code == 200 and "新导入 40 条" in sent.text and "3 行未导入" in sent.text
    assert "尚未入职" in sent.text and "与第 " in sent.text and "很好" in sent.text
    assert PerformanceRecord.select().count() == 40
    junk = recruiter.post(f"{stack.base}/hr/performance", data={"csrf": csrf(form.text)}, timeout=30,
                          files={"file": ("x.csv", "工号,绩效\nE0001,A\n".encode())})
    assert junk.status_code == 400 and "缺少必需的列：考核期" in junk.text

    url = f"{stack.base}/hr/positions/{position.slug}/performance"
    page = recruiter.get(url, timeout=30)
    assert page.status_code == 200 and 'data-testid="cohort">40<' in page.text
    assert 'data-name="沟通能力" data-small="false"' in page.text and "95% 区间" in page.text
    assert 'name="w:沟通能力"' in page.text
    accepted = recruiter.post(f"{url}/weights", data={"csrf": csrf(page.text), "base": "1", **{
        f"w:{n}": w for n, w in zip(names, ("0.4", "0.3", "0.15", "0.1", "0.05"), strict=True)}}, timeout=30)
    assert accepted.status_code == 200 and "保存为岗位第 2 版" in accepted.text
    assert Position.get_by_id(position.id).rubric["dimensions"]["沟通能力"] == 0.4
    assert PositionVersion.get(PositionVersion.number == 2).author == "hr_li"
    assert AuditLog.get(AuditLog.action == "performance.weights").actor == "hr_li"
    stale = recruiter.post(f"{url}/weights", data={"csrf": csrf(page.text), "base": "1", **{
        f"w:{n}": "0.2" for n in names}}, timeout=30)
    assert stale.status_code == 409 and "已被修改" in stale.text

    pooled = recruiter.get(f"{stack.base}/hr/units/bj/performance", timeout=30)
    assert pooled.status_code == 200 and "北京分行" in pooled.text and 'data-testid="cohort">40<' in pooled.text
    assert 'name="w:' not in pooled.text

    interviewer = login(stack, "iv_zhao", f"/hr/positions/{position.slug}/performance")
    assert interviewer.get(url, timeout=30).status_code == 403
    assert interviewer.get(f"{stack.base}/hr/performance", timeout=30).status_code == 403
