"""Questions from the résumé through the product: a candidate whose résumé names an internship at 招商银行 is asked
about 招商银行 and the title on the H5 page, the answer is scored by the rule's rubric, and HR's report (page and
document) says the question was 根据简历生成 and from which line. A candidate without a résumé gets the bank only.
Real sandbox chat, H5 API, scoring jobs, Redis and database."""
from __future__ import annotations

import json

from bot.interviews import draw
from bot.privacy import erasure
from bot.resumes.questions import ERASED_TEXT
from bot.store.models import Candidate, Interview, Invitation, Position, Report
from tests.handlers.test_api import api  # noqa: F401  (the fixture: HTTP to the app with a full and a masked token)
from tests.support.chat import answer_text, invite_member, token_of
from tests.support.h5 import answer, consent, reveal
from tests.support.hr import login
from tests.support.resumes import ANSWER, invited_with_resume


def test_a_bank_internship_is_asked_about_scored_and_shown_with_its_line(stack):
    link = invited_with_resume(stack, "zhangsan")
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    consent(client, base)
    questions = client.get(f"{base}/state").json["questions"]
    keys = [q["key"] for q in questions]
    assert keys[1] == "cv-bank_internship"  # after the warm-up
    shown = {}
    for key in keys:
        shown[key] = reveal(client, base, key)
        response = answer(client, base, key, ANSWER if key.startswith("cv-") else answer_text(key, "excellent"))
        assert response.status_code == 200, response.json
    shown = shown["cv-bank_internship"]
    assert "招商银行" in shown["text"] and "大堂经理助理" in shown["text"]
    stack.drain()

    report = Report.get()
    [asked] = [q for q in report.document["interview"]["asked"] if q["key"] == "cv-bank_internship"]
    assert asked["personalised"]["label"] == "根据简历生成" and asked["personalised"]["rule"] == "bank_internship"
    assert "招商银行" in asked["personalised"]["source"]["text"]
    assert asked["personalised"]["source"]["field"] == "experience[0].employer"
    [scored] = [a for a in report.document["answers"] if a["question_key"] == "cv-bank_internship"]
    assert scored["status"] == "scored" and scored["total"] > 0, scored  # by the rule's rubric points

    session = login(stack, "hr_li", f"/hr/reports/{report.id}")
    page = session.get(f"{stack.base}/hr/reports/{report.id}", timeout=30)
    assert page.status_code == 200
    row = page.text.split('data-key="cv-bank_internship"')[1].split("</tr>")[0]
    assert "根据简历生成" in row and "招商银行" in row and "大堂经理助理" in row and "来自简历" in row
    assert "另有 1 题根据候选人简历生成" in page.text

    # erased at their request: the question and the line quoted the résumé, so neither is kept
    erasure.erase(Invitation.get().candidate_id, "hr", "hr_li", "test:erase")
    kept = json.dumps([Interview.get().questions, Report.get().document], ensure_ascii=False)
    assert "招商银行" not in kept and "大堂经理助理" not in kept
    assert Interview.get().questions[1]["text"] == ERASED_TEXT
    assert Interview.get().questions[1]["personalised"]["rule"] == "bank_internship"
    page = session.get(f"{stack.base}/hr/reports/{report.id}", timeout=30)
    assert page.status_code == 200 and "招商银行" not in page.text and ERASED_TEXT in page.text


def test_the_draw_is_the_same_on_a_rerun_and_a_candidate_without_a_resume_gets_the_bank_only(stack):
    links = {"zhangsan": invited_with_resume(stack, "zhangsan"), "lisi": invite_member(stack, "lisi")}
    for who, link in links.items():
        invitation = Invitation.select().join(Candidate).where(Candidate.wecom_userid == who).get()
        consent(stack.app.test_client(), f"/h5/api/{token_of(link)}")
        interview = Interview.get(Interview.invitation == invitation)
        seed = interview.draw.get("seed") or draw.seed_for(stack.settings.secret_key, invitation.id)
        again = draw.personalise(draw.draw(invitation.position.questions, invitation.position.draw_rule, seed),
                                 invitation, seed)
        assert [q["key"] for q in again] == [q["key"] for q in interview.questions]
        personalised = [q for q in interview.questions if q.get("personalised")]
        assert len(personalised) == (1 if who == "zhangsan" else 0)



def test_a_position_sets_its_personalised_rules_through_the_open_api(api):  # noqa: F811
    rule = {"key": "project", "when": "experience", "kinds": ["project"], "text": "请讲讲你在{employer}做的项目。",
            "rubric": [{"point": "具体", "description": "讲清项目和自己的任务。", "keywords": ["项目", "负责"]}]}
    doc = {"slug": "dev", "title": "开发", "questions": [{"key": "q1", "text": "介绍一个你写过的程序。"}],
           "personalised": {"count": 2, "rules": [rule]}}
    created = api("POST", "/positions", api.full, json=doc)
    assert created.status_code == 201, created.text
    assert Position.get(Position.slug == "dev").rubric["personalised"] == {"count": 2, "rules": [rule]}
    bad = api("POST", "/positions", api.full,
              json={**doc, "personalised": {"rules": [{**rule, "text": "在{company}做的项目"}]}})
    assert bad.status_code == 422 and "unknown slot {company}" in bad.json()["error"]["message"]
    assert bad.json()["error"]["path"] == "/personalised/rules/0/text"
