"""The second-round page beside the report: an interviewer's scorecard refused with a message per field (what was
typed kept), then saved; the interviewer sees the candidate masked and no one else's notes; a recruiter decides
录用 once (a second recruiter is told who decided) and moves the hire on with its version (a stale form and a hire
date before the interview refused, each with its message)."""
from __future__ import annotations

import pytest

from tests.bot.decisions.test_after_the_round import COMPETENCIES, passed_candidate
from tests.support.hr import csrf, login

# SQLite only: the page's database work is bot/decisions' (the race is tested on PostgreSQL there)
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_scorecard_decision_and_hire_through_the_page(stack):
    from bot.org import team
    from bot.privacy.roles import masked_label
    from bot.store.models import Hire, Position, RoundDecision, Scorecard

    team.assign(Position.get(), None, team.parse_team({"interviewers": ["iv_zhao"]}), "test")
    invitation, report = passed_candidate()
    url = f"{stack.base}/hr/reports/{report.id}/second-round"
    recruiter = login(stack, "hr_li")
    assert 'data-testid="second-round-link"' in recruiter.get(f"{stack.base}/hr/reports/{report.id}", timeout=30).text
    hr_scorecard = {f"rating:{n}": "4" for n in COMPETENCIES} | {"lean": "hire", "notes": "内部意见"}
    first = recruiter.get(url, timeout=30)
    recruiter.post(f"{stack.base}/hr/reports/{report.id}/scorecard", data={**hr_scorecard, "csrf": csrf(first.text)},
                   timeout=30)

    interviewer = login(stack, "iv_zhao", f"/hr/reports/{report.id}/second-round")
    page = interviewer.get(url, timeout=30)
    assert page.status_code == 200 and masked_label(invitation.candidate) in page.text and "王小明" not in page.text
    assert "内部意见" not in page.text  # another interviewer's notes: recruiters only
    typed = {f"rating:{n}": "5" for n in COMPETENCIES[1:]} | {"notes": "沟通清楚", "shareable": "yes",
                                                               "csrf": csrf(page.text)}
    refused = interviewer.post(f"{stack.base}/hr/reports/{report.id}/scorecard", data=typed, timeout=30)
    assert refused.status_code == 400 and f'data-field="rating:{COMPETENCIES[0]}"' in refused.text
    assert 'data-field="lean"' in refused.text and "沟通清楚" in refused.text
    assert Scorecard.select().where(Scorecard.interviewer == "iv_zhao").count() == 0
    saved = interviewer.post(f"{stack.base}/hr/reports/{report.id}/scorecard",
                             data={**typed, f"rating:{COMPETENCIES[0]}": "3", "lean": "hire"}, timeout=30)
    assert saved.status_code == 200 and "评分表已保存" in saved.text
    assert interviewer.post(f"{stack.base}/hr/reports/{report.id}/final",
                            data={"outcome": "hire", "csrf": csrf(page.text)}, timeout=30).status_code == 403

    other = login(stack, "hr_wang", f"/hr/reports/{report.id}/second-round")
    stale_form = other.get(url, timeout=30)
    decided = recruiter.post(f"{stack.base}/hr/reports/{report.id}/final",
                             data={"outcome": "hire", "csrf": csrf(first.text)}, timeout=30)
    assert decided.status_code == 200 and "已记录最终决定" in decided.text and "沟通清楚" in decided.text
    late = other.post(f"{stack.base}/hr/reports/{report.id}/final",
                      data={"outcome": "no_hire", "confirm": "yes", "csrf": csrf(stale_form.text)}, timeout=30)
    assert late.status_code == 409 and "hr_li 已于" in late.text and "录用，未重复处理" in late.text
    assert RoundDecision.get().outcome == "hire"

    hire_url = f"{stack.base}/hr/reports/{report.id}/hire"
    token = csrf(first.text)
    assert recruiter.post(hire_url, data={"status": "accepted", "version": "1", "csrf": token},
                          timeout=30).status_code == 200
    stale = other.post(hire_url, data={"status": "withdrawn", "version": "1", "csrf": csrf(stale_form.text)},
                       timeout=30)
    assert stale.status_code == 409 and "请刷新后重试" in stale.text
    early = recruiter.post(hire_url, data={"status": "hired", "version": "2", "hired_on": "2026-11-01",
                                           "employee_id": "E1234", "csrf": token}, timeout=30)
    assert early.status_code == 400 and 'data-field="hired_on"' in early.text and "早于候选人的面试日期" in early.text
    assert 'value="E1234"' in early.text
    done = recruiter.post(hire_url, data={"status": "hired", "version": "2", "hired_on": "2027-01-04",
                                          "employee_id": "E1234", "csrf": token}, timeout=30)
    assert done.status_code == 200 and "已入职" in done.text and Hire.get().employee_id == "E1234"
