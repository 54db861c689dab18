"""A résumé kept for an invited candidate, as the HR pages or the open API keep one: a real PDF (reportlab) that
names an internship at 招商银行 as 大堂经理助理 — what the personalised-question tests ask about."""
from __future__ import annotations

from bot.resumes.store import save_resume
from bot.store.models import Candidate
from tests.bot.resumes.generate import Spec, to_pdf
from tests.support.chat import invite_member

EMPLOYER, TITLE = "招商银行", "大堂经理助理"
ANSWER = ("我在招商银行实习时担任大堂经理助理。有一次一位老人来办理开户，当时排队的客户很多，我负责引导分流。"
          "我先核对了他的身份证，按照规定帮他在自助设备上填写资料，遇到不会的步骤一步步讲解，还提醒他注意防范电信诈骗。"
          "结果十分钟就办理完成，客户很满意。我学到了办理业务要耐心，也要严格按规定核对身份。")


def bank_intern_pdf() -> bytes:
    return to_pdf(Spec("zh", "张三", "13912345678", "139 1234 5678", "zhangsan2024@163.com",
                       education=[{"school": "中央财经大学", "degree": "本科", "degree_text": "本科",
                                   "major": "金融学", "start": (2020, 9), "end": (2024, 6)}],
                       work=[{"kind": "internship", "employer": EMPLOYER, "title": TITLE,
                              "start": (2023, 7), "end": (2023, 9),
                              "duties": ["协助大堂经理引导客户分流，解答开户与手机银行咨询。"]}],
                       skills=["客户沟通", "Excel"]))


def invited_with_resume(stack, who: str = "zhangsan") -> str:
    """Invite who through the chat and keep the résumé for them; return the interview link."""
    link = invite_member(stack, who)
    saved = save_resume(stack.settings, Candidate.get(Candidate.wecom_userid == who), bank_intern_pdf(),
                        "张三-简历.pdf", "hr")
    assert saved.outcome.ok and saved.resume is not None
    return link
