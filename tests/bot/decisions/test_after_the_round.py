"""After the AI round: scorecards (validated per field, several interviewers, editable by their author until the
final decision), the final decision decided once (录用 opens the hire and sends the 录用通知 — never by SMS —,
不录用 the 感谢函), the hire's states (illegal changes and stale versions refused, a hire date before the interview
refused), and erasure clearing the notes and the employee id."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from bot.clock import utcnow

SCORES = {"沟通能力": 86, "逻辑思维": 62, "专业匹配度": 81, "岗位适配性": 74, "情绪稳定性": 90, "亲和力": 70}
DOC = {"schema_version": "test", "scoring_version": "test", "generated_at": "2026-11-20T02:00:00+00:00",
       "total": 78.0, "interview": {}, "integrity": {"flags": []}, "answers": [],
       "recommendation": {"key": "recommend", "label": "推荐", "confidence_label": "高", "note": "", "reasons": []},
       "dimensions": [{"name": n, "weight": 0.2, "score": s, "evidence": []} for n, s in SCORES.items()],
       "highlights": [], "concerns": [], "suggestions": ["多举例"]}
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def passed_candidate(userid: str = "wxm", name: str = "王小明", decided: bool = True):
    """A member candidate of the first position who took the AI interview on 2026-11-20 and was passed."""
    from bot.store.models import Candidate, Decision, Interview, Invitation, Position, Report

    candidate = Candidate.create(wecom_userid=userid, name=name)
    invitation = Invitation.create(position=Position.get(), candidate=candidate, invited_by="hr_li",
                                   expires_at=dt.datetime(2099, 1, 1))
    interview = Interview.create(invitation=invitation, status="completed",
                                 completed_at=dt.datetime(2026, 11, 20, 2, 0))
    report = Report.create(interview=interview, schema_version="test", document=DOC, total=78.0,
                           recommendation="recommend")
    if decided:
        Decision.create(interview=interview, outcome="pass", decided_by="hr_li", decided_at=utcnow())
    return invitation, report


COMPETENCIES = ["服务意识", "合规意识", "专业知识", "抗压", "沟通表达"]  # the teller's (config/positions)


def form(**ratings) -> dict:
    return {"ratings": {n: ratings.get(n, "4") for n in COMPETENCIES}, "notes": "表达清楚，数据分析偏弱",
            "lean": "hire", "shareable": True}


@SQLITE
def test_scorecards_then_one_offer_then_the_hire(env):
    from bot.decisions import final, hires, scorecards
    from bot.org import team
    from bot.privacy import erasure
    from bot.store.models import AuditLog, Hire, OutboundMessage, Position, Scorecard

    position = Position.get()
    team.assign(position, None, team.parse_team({"interviewers": ["iv_zhao"], "hiring_manager": "mgr_qian"}), "test")
    waiting, _ = passed_candidate("lisi", "李四", decided=False)
    with pytest.raises(scorecards.ScorecardError, match="尚未通过 AI 面试"):
        scorecards.save(env, waiting.id, "iv_zhao", form())
    invitation, _ = passed_candidate()
    assert sorted(scorecards.competencies(invitation)) == sorted(COMPETENCIES)

    with pytest.raises(scorecards.ScorecardError) as bad:
        scorecards.save(env, invitation.id, "iv_zhao", {**form(合规意识="6"), "lean": "", "notes": "长" * 3001})
    assert set(bad.value.problems) == {"rating:合规意识", "lean", "notes"}
    assert "请为「合规意识」选择 1 到 5 分" in bad.value.problems["rating:合规意识"]
    with pytest.raises(scorecards.ScorecardError, match="只有该岗位的面试官"):
        scorecards.save(env, invitation.id, "stranger", form())
    assert Scorecard.select().count() == 0

    mine, created = scorecards.save(env, invitation.id, "iv_zhao", form(合规意识="2"))
    again, created_again = scorecards.save(env, invitation.id, "iv_zhao", {**form(合规意识="3"), "lean": "hold"})
    assert created and not created_again and again.id == mine.id and again.ratings["合规意识"] == 3
    scorecards.save(env, invitation.id, "hr_wang", {**form(), "shareable": False, "notes": "仅供内部"})
    cards = scorecards.of_invitation(invitation)
    assert scorecards.averages(cards, ["合规意识"]) == {"合规意识": 3.5}
    assert scorecards.leans(cards) == {"hire": 1, "no_hire": 0, "hold": 1}
    assert [a.action for a in AuditLog.select().where(AuditLog.action.startswith("scorecard"))] == [
        "scorecard_submit", "scorecard_edit", "scorecard_submit"]

    assert final.decide(invitation.id, "hire", "iv_zhao", "k0")[0] == "refused"  # interviewers do not decide
    assert final.decide(invitation.id, "hold", "hr_wang", "k1")[0] == "held"
    result, decision = final.decide(invitation.id, "hire", "hr_li", "k2")
    assert result == "decided" and decision.outcome == "hire"
    late, standing = final.decide(invitation.id, "no_hire", "hr_wang", "k3")
    assert late == "already" and (standing.outcome, standing.decided_by) == ("hire", "hr_li")
    with pytest.raises(scorecards.ScorecardError, match="hr_li 已作出最终决定"):
        scorecards.save(env, invitation.id, "iv_zhao", form())
    [offer] = OutboundMessage.select().where(OutboundMessage.idempotency_key == f"offer:{invitation.id}")
    assert offer.channel == "member" and "恭喜您" in offer.payload["text"]["content"]
    told = OutboundMessage.select().where(OutboundMessage.recipient == "hr_wang")
    assert any("hr_li 对王小明（「柜员」）作出最终决定：录用" in m.payload["text"]["content"] for m in told)

    hire = Hire.get()
    assert (hire.status, hire.version) == ("offered", 1)
    with pytest.raises(hires.HireError, match="「已发录用通知」不能改为「已入职」"):
        hires.change(hire.id, "hired", "hr_li", hired_on="2027-01-04", employee_id="E1234")
    hire, changed = hires.change(hire.id, "accepted", "hr_li", version=1)
    assert changed and (hire.status, hire.version) == ("accepted", 2) and hire.responded_at
    with pytest.raises(hires.HireError) as stale:
        hires.change(hire.id, "withdrawn", "hr_wang", version=1)
    assert stale.value.code == "version_conflict" and "hr_li" in stale.value.message
    with pytest.raises(hires.HireError, match="入职日期 2026-11-19 早于候选人的面试日期 2026-11-20"):
        hires.change(hire.id, "hired", "hr_li", version=2, hired_on="2026-11-19", employee_id="E1234")
    with pytest.raises(hires.HireError, match="工号"):
        hires.change(hire.id, "hired", "hr_li", version=2, hired_on="2027-01-04", employee_id="E 12")
    with pytest.raises(hires.HireError, match="请填写入职日期"):
        hires.change(hire.id, "hired", "hr_li", version=2, hired_on="", employee_id="E1234")
    other, _ = passed_candidate("wangwu", "王五")
    Hire.create(invitation=other, status="hired", employee_id="E1234")
    with pytest.raises(hires.HireError, match="工号 E1234 已登记给另一位入职者"):
        hires.change(hire.id, "hired", "hr_li", version=2, hired_on="2027-01-04", employee_id="E1234")
    Hire.update(employee_id="E9").where(Hire.invitation == other).execute()
    hire, _ = hires.change(hire.id, "hired", "hr_li", version=2, hired_on="2027-01-04", employee_id="E1234")
    assert (hire.status, hire.hired_on, hire.employee_id, hire.version) == ("hired", dt.date(2027, 1, 4), "E1234", 3)
    assert Hire.get_or_none(Hire.employee_index == Hire.employee_index.of("e1234")) is not None
    [card] = OutboundMessage.select().where(OutboundMessage.idempotency_key.startswith(f"onboarding:{hire.id}:"))
    text = card.payload["text"]["content"]
    assert card.recipient == "mgr_qian" and "相对薄弱：逻辑思维、亲和力" in text and "表达清楚" in text
    assert "仅供内部" not in text

    erasure.erase(invitation.candidate_id, "hr", "admin", "erase:1")
    assert {c.notes for c in Scorecard.select().where(Scorecard.invitation == invitation)} == {""}
    assert Hire.get_by_id(hire.id).employee_id == ""


@SQLITE
def test_no_hire_sends_the_thank_you_and_an_offer_never_goes_by_sms(env):
    from bot.decisions import final, scorecards
    from bot.store.models import Candidate, Hire, Invitation, OutboundMessage, Position
    from bot.wecom import notify

    position = Position.get()
    Position.update(rubric={**position.rubric, "competencies": {}}).where(Position.id == position.id).execute()
    invitation, _ = passed_candidate()
    assert scorecards.competencies(invitation) == [d["name"] for d in DOC["dimensions"]]  # none: the report's
    assert final.decide(invitation.id, "no_hire", "hr_li", "k")[0] == "decided"
    [letter] = OutboundMessage.select().where(OutboundMessage.idempotency_key == f"round_thanks:{invitation.id}")
    assert "很遗憾这次未能录用" in letter.payload["text"]["content"] and not Hire.select().exists()

    texting = Candidate.create(phone="13800138000", name="短信")
    by_sms = Invitation.create(position=invitation.position, candidate=texting, invited_by="hr_li",
                               expires_at=dt.datetime(2099, 1, 1))
    assert notify.route(by_sms, "second_round") == "sms" and notify.route(by_sms, "offer") == "none"
    Candidate.update(email="duanxin@example.com").where(Candidate.id == texting.id).execute()
    assert notify.route(Invitation.get_by_id(by_sms.id), "offer") == "email"


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_recruiters_deciding_at_once_decide_once(env):
    from bot.decisions import final
    from bot.store.db import db_session
    from bot.store.models import Hire, OutboundMessage, RoundDecision

    invitation, _ = passed_candidate()
    start = threading.Barrier(2, timeout=5)
    answers: dict[str, str] = {}

    def race(userid: str, outcome: str) -> None:
        with db_session():
            start.wait()
            answers[userid] = final.decide(invitation.id, outcome, userid, f"race:{userid}")[0]

    threads = [threading.Thread(target=race, args=args) for args in (("hr_li", "hire"), ("hr_wang", "no_hire"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(answers.values()) == ["already", "decided"]
    decision = RoundDecision.get()
    winner = next(u for u, r in answers.items() if r == "decided")
    assert decision.decided_by == winner
    assert Hire.select().count() == (1 if decision.outcome == "hire" else 0)
    sent = OutboundMessage.select().where(OutboundMessage.idempotency_key.in_(
        [f"offer:{invitation.id}", f"round_thanks:{invitation.id}"])).count()
    assert sent == 1
