"""Questions from the résumé through the product: a candidate whose résumé names an internship at 招商银行 is asked
about 招商银行 and the title on the H5 page, the answer is scored by the rule's rubric, and HR's report (page and
document) says the question was 根据简历生成 and from which line. A candidate without a résumé gets the bank only.
Real sandbox chat, H5 API, scoring jobs, Redis and database."""
from __future__ import annotations

from bot.interviews import draw
from bot.resumes.store import save_resume
from bot.store.models import Candidate, Interview, Invitation, Report
from tests.bot.resumes.generate import Spec, to_pdf
from tests.support.chat import answer_text, invite_member, token_of
from tests.support.h5 import answer, consent, reveal
from tests.support.hr import login

ANSWER = ("我在招商银行实习时担任大堂经理助理。有一次一位老人来办理开户，当时排队的客户很多，我负责引导分流。"
          "我先核对了他的身份证，按照规定帮他在自助设备上填写资料，遇到不会的步骤一步步讲解，还提醒他注意防范电信诈骗。"
          "结果十分钟就办理完成，客户很满意。我学到了办理业务要耐心，也要严格按规定核对身份。")


def resume_pdf() -> bytes:
    return to_pdf(Spec("zh", "张三", "13912345678", "139 1234 5678", "zhangsan2024@163.com",
                       education=[{"school": "中央财经大学", "degree": "本科", "degree_text": "本科",
                                   "major": "金融学", "start": (2020, 9), "end": (2024, 6)}],
                       work=[{"kind": "internship", "employer": "招商银行", "title": "大堂经理助理",
                              "start": (2023, 7), "end": (2023, 9),
                              "duties": ["协助大堂经理引导客户分流，解答开户与手机银行咨询。"]}],
                       skills=["客户沟通", "Excel"]))


def with_resume(stack, who: str) -> str:
    """Invite who through the chat, then keep a résumé for them (as the HR pages or the open API do)."""
    link = invite_member(stack, who)
    candidate = Candidate.get(Candidate.wecom_userid == who)
    saved = save_resume(stack.settings, candidate, resume_pdf(), "张三-简历.pdf", "hr")
    assert saved.outcome.ok and saved.resume is not None
    return link


def test_a_bank_internship_is_asked_about_scored_and_shown_with_its_line(stack):
    link = with_resume(stack, "zhangsan")
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

    page = login(stack, "hr_li", f"/hr/reports/{report.id}").get(f"{stack.base}/hr/reports/{report.id}", timeout=30)
    assert page.status_code == 200
    row = page.text.split('data-key="cv-bank_internship"')[1].split("</tr>")[0]
    assert "根据简历生成" in row and "招商银行" in row and "大堂经理助理" in row and "来自简历" in row


def test_the_draw_is_the_same_on_a_rerun_and_a_candidate_without_a_resume_gets_the_bank_only(stack):
    links = {"zhangsan": with_resume(stack, "zhangsan"), "lisi": invite_member(stack, "lisi")}
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

