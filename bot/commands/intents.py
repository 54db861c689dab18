"""What a candidate can say in chat, each intent declared once with its phrasings and its handler.

Acts change something: leaving the talent pool, deleting one's data, declining the invitation, withdrawing
from the process and answering an offer (接受录用 / 拒绝录用) wait for an explicit confirmation
(bot/channels/confirmations.py); a review request, opting out of messages (退订) and a new time go ahead at once.
Answers reply with the position's and the invitation's facts.
确认 and 取消 answer a pending confirmation. A message none of these reads goes to the recruiter
(bot/channels/conversation.py). Phrasings are matched clause by clause with negation and questions
(bot/commands/sentences.py); see docs/candidate-chat.md for the table candidates are promised.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from bot.clock import CN_TZ, local_time
from bot.commands.registry import ANSWER, CANCEL, CONFIRM, CONFIRM_SECONDS, Turn, intent
from bot.decisions import hires, timeparse
from bot.decisions.reschedule import reschedule as move
from bot.invitations.invites import OPEN_STATES
from bot.privacy import optout, rights
from bot.store.models import AuditLog, Hire, Invitation
from bot.talent import pool as talent
from bot.wecom import notify
from bot.wecom.cards import guide_values
from config.settings import get_settings

DECLINABLE = (*OPEN_STATES, "started")


def facts(invitation: Invitation) -> dict[str, Any]:
    """What the answers and explanations may say: the company, the position's numbers, the deadline, retention."""
    settings, position = get_settings(), invitation.position
    return {"company": settings.company_name, "position": position.title,
            "deadline": local_time(invitation.expires_at), "status": invitation.status,
            "retakes": position.max_retakes, "recording_days": settings.recording_retention_days,
            "pool_days": settings.pool_retention_days, "minutes": CONFIRM_SECONDS // 60,
            **guide_values(position, invitation.candidate.locale)}


def reply(turn: Turn, template: str) -> None:
    """Answer the candidate on their channel with a template filled from the invitation's facts."""
    notify.to_candidate(turn.invitation, template, f"{turn.key}:reply", purpose="candidate",
                        **facts(turn.invitation))


@intent("confirm", kind=CONFIRM, order=10, words=(
    "确认", "确定", "是的", "同意", "confirm", "yes"))
def confirm(turn: Turn) -> str:
    """Handled by the conversation: it carries out what waits for confirmation."""
    return "confirm"


@intent("cancel", kind=CANCEL, order=15, words=("取消", "算了", "不要了", "不用了", "cancel",
                                                          "never mind"))
def cancel(turn: Turn) -> str:
    """Handled by the conversation: it drops what waits for confirmation."""
    return "cancel"


# what asks for deletion when said near what it deletes (删掉我的信息, 把我的资料删了, 注销我的信息)
ERASE_ACTS = ("删", "清除", "清空", "销毁", "注销", "抹掉", "抹去")


@intent("erasure", order=20, confirm=True, ask="erasure_confirm", explain="erasure_explain",
        declined="erasure_declined", label="label_erasure", words=(
            "删除我的数据", "删除我的个人信息", "删除个人信息", "删除我的信息", "删除我的资料", "删除数据",
            "删掉我的数据", "delete my data", "delete my personal data", "erase my data", "delete my information"),
        pairs=((ERASE_ACTS, ("数据", "信息", "资料", "录音", "录像", "视频", "简历", "照片", "记录")),
               (("delete", "erase", "remove"), ("data", "information", "personal", "recording", "video"))))
def erasure(turn: Turn) -> str:
    """Delete the candidate's personal data (confirmed): bot/privacy/rights.py records and queues it."""
    return rights.erase_confirmed(turn.invitation, turn.key)


@intent("unsubscribe", order=25, explain="unsubscribe_explain", declined="unsubscribe_declined", words=(
    "退订", "取消订阅", "不要再给我发", "别再给我发", "不要再发短信", "别再发短信", "不要再发消息", "别再发消息",
    "不要再联系我", "别再联系我", "不要再打扰我", "别再打扰我", "unsubscribe", "stop messaging me",
    "stop contacting me", "stop sending", "stop texting", "stop emailing"), alone=("td", "t", "r"),  # 拒收请回复R
    pairs=((("停止", "停发", "别再", "不要再"), ("发送", "发短信", "发消息", "发邮件", "发通知", "给我发")),))
def unsubscribe(turn: Turn) -> str:
    """Opt out of recruiting messages on every channel, at once (bot/privacy/optout.py): the carriers' 退订 / TD
    convention is obeyed on the first message, and it deletes nothing. The acknowledgement is queued first: once
    the opt-out is recorded, nothing more is routed to them."""
    reply(turn, "unsubscribe_done")
    return "unsubscribed" if optout.unsubscribe(turn.candidate.id, "chat") else "already"


@intent("leave_pool", order=30, confirm=True, ask="pool_confirm", explain="pool_explain",
        declined="pool_declined", label="label_leave_pool", words=(
            "退出人才库", "移出人才库", "离开人才库", "不想留在人才库", "不想在人才库", "不要留在人才库",
            "leave the talent pool", "remove me from the talent pool", "leave your talent pool"),
        pairs=((("退出", "移出", "移除", "离开", "拿出", "踢出", "撤出", "删除", "删掉", "取消", "出来", "不要把我放",
                 "别把我放", "不要放", "别放", "不想进", "不要进", "不进", "不希望", "不想在", "不想留在", "不要留在",
                 "不用放"), ("人才库",)),
               (("不用保留", "不需要保留", "不要保留", "别保留", "无需保留", "不用留着", "别留着"), ("简历", "资料"))))
def leave_pool(turn: Turn) -> str:
    """Take the candidate out of the talent pool for good (confirmed)."""
    talent.withdraw(turn.candidate.id, actor=f"candidate:{turn.candidate.id}")
    reply(turn, "pool_withdrawn")
    return "withdrawn"


@intent("decline", order=35, confirm=True, ask="decline_confirm", explain="decline_explain",
        declined="decline_declined", label="label_decline", words=(
            "暂不参加", "不参加", "不想参加", "不打算参加", "不准备参加", "放弃参加", "放弃面试", "放弃这次面试",
            "取消面试", "不去面试", "不想面试", "不打算面试", "不面试了", "不用面试了", "不需要面试了", "不面了",
            "won't be taking the interview", "won't take the interview", "skip the interview",
            "decline the interview", "decline the invitation", "won't attend the interview"),
        pairs=((("不做", "不去", "不参加", "不打算", "不面", "不来", "放弃"), ("面试",)),))
def decline(turn: Turn) -> str:
    """Decline the invitation by text (confirmed), as the card's 暂不参加 button does."""
    return _leave(turn, "decline")


@intent("withdraw", order=38, confirm=True, ask="withdraw_confirm", explain="withdraw_explain",
        declined="withdraw_declined", label="label_withdraw", words=(
            "撤回申请", "撤回应聘", "退出应聘", "退出招聘", "放弃应聘", "不再应聘", "放弃这个岗位",
            "withdraw my application", "withdraw from the process", "withdraw my candidacy"),
        alone=("放弃", "放弃了", "我放弃", "我放弃了"),  # said alone at any stage: leaving the process
        pairs=((("撤回", "撤销", "撤掉", "撤了", "收回", "取消"), ("申请", "投递", "应聘", "简历")),))
def withdraw(turn: Turn) -> str:
    """Withdraw from the process (confirmed): an open invitation is declined; after the interview HR is told."""
    return _leave(turn, "withdraw")


def _leave(turn: Turn, action: str) -> str:
    """Close an open invitation (HR told); after the interview only tell HR; a closed one needs nothing."""
    invitation = turn.invitation
    changed = (Invitation.update(status="declined")
               .where((Invitation.id == invitation.id) & Invitation.status.in_(DECLINABLE)).execute())
    if not changed and invitation.status != "completed":
        reply(turn, "leave_nothing")  # declined, expired or cancelled already: nothing is left to end
        return "nothing"
    AuditLog.create(actor=f"candidate:{turn.candidate.id}", action=action, target_type="invitation",
                    target_id=str(invitation.id), detail={"status": invitation.status, "declined": bool(changed)})
    reply(turn, "decline_ack" if action == "decline" else "withdraw_done")
    notify.to_hr(invitation.invited_by, "hr_declined" if changed else "hr_withdrew", f"{turn.key}:recruiter",
                 invitation=invitation, name=invitation.candidate.display_name, position=invitation.position.title)
    return "declined" if changed else "withdrawn_after"


def _offer_invitation(turn: Turn) -> Invitation | None:
    """The invitation whose offer waits for the candidate's answer, when it is not the one the chat is about (a
    newer invitation for another position came after the offer); None when the chat's own invitation has the offer,
    or no offer waits at all (the latest offer waiting, if several do)."""
    own = hires.of_invitation(turn.invitation)
    if own is not None and own.status == "offered":
        return None
    waiting = (Hire.select().join(Invitation)
               .where((Invitation.candidate == turn.candidate.id) & (Hire.status == "offered"))
               .order_by(Hire.offered_at.desc(), Hire.id.desc()).first())
    return waiting.invitation if waiting is not None else None


def _waiting_offer(turn: Turn) -> tuple[Hire | None, str]:
    """The invitation's offer waiting for an answer, else None and the template that says why there is none."""
    hire = hires.of_invitation(turn.invitation)
    if hire is not None and hire.status == "offered":
        return hire, ""
    return None, "offer_none" if hire is None else "offer_answered_before"


def _no_offer(turn: Turn) -> str:
    """The template to answer with when no offer waits for an answer ('' when one does)."""
    return _waiting_offer(turn)[1]


# both answers to an offer: confirmed first, about the invitation whose offer waits, refused when none does
OFFER_ANSWER = {"confirm": True, "unavailable": _no_offer, "about": _offer_invitation}


@intent("decline_offer", order=44, ask="offer_decline_confirm", explain="offer_decline_explain",
        declined="offer_decline_declined", label="label_offer_decline", **OFFER_ANSWER, words=(
            "拒绝录用", "拒绝offer", "拒绝这份offer", "放弃录用", "放弃offer", "放弃入职", "不去入职了",
            "decline the offer", "turn down the offer", "reject the offer"),
        pairs=((("拒", "推掉", "接受不了", "放弃"), ("offer", "录用")),))  # 我不接受录用: accept_offer, negated
def decline_offer(turn: Turn) -> str:
    """Decline the offer (confirmed): the hire becomes declined, the recruiter is told, the webhook says so."""
    return _answer_offer(turn, "declined")


@intent("accept_offer", order=46, ask="offer_accept_confirm", explain="offer_accept_explain",
        declined="offer_accept_declined", label="label_offer_accept", **OFFER_ANSWER, words=(
            "接受录用", "接受offer", "接受这份offer", "接受这个offer", "接受这份工作", "同意入职", "愿意入职",
            "accept the offer", "accept your offer", "accept the job"),
        alone=("我接受", "接受", "我接受了"), pairs=((("接受", "接了", "接下", "收下"), ("offer", "录用")),))
def accept_offer(turn: Turn) -> str:
    """Accept the offer (confirmed): the hire becomes accepted; the recruiter confirms the first day and papers.
    "我不接受录用" is this intent negated: answered with how to decline, nothing changed."""
    return _answer_offer(turn, "accepted")


def _answer_offer(turn: Turn, status: str) -> str:
    """Record the candidate's answer to an open offer (as HR's /offer would), audited as the candidate's."""
    invitation = turn.invitation
    hire, instead = _waiting_offer(turn)
    if hire is None:  # answered or withdrawn while the confirmation waited
        reply(turn, instead)
        return "nothing"
    try:
        hires.change(hire.id, status, f"candidate:{turn.candidate.id}", version=hire.version)
    except hires.HireError:  # HR changed it a moment ago (withdrawn, recorded): what it is now is the answer
        reply(turn, "offer_answered_before")
        return "nothing"
    reply(turn, "offer_accepted_ack" if status == "accepted" else "offer_declined_ack")
    notify.to_hr(invitation.invited_by, "hr_offer_answered", f"{turn.key}:recruiter", invitation=invitation,
                 name=invitation.candidate.display_name, position=invitation.position.title,
                 status=hires.label(status))
    return status


@intent("review", order=40, explain="review_explain", declined="review_declined", words=(
    "人工复核", "人工审核", "复核", "复审", "重新评估", "重新评分", "申诉", "复议", "human review", "manual review",
    "review by a person"), pairs=((("人工", "真人"), ("看一下", "看看", "再看", "重新看", "审核", "评估", "核实")),
                                   (("human", "person"), ("review", "look at", "check"))))
def review(turn: Turn) -> str:
    """Ask for a human review of the result (PIPL Art. 24): at once, HR told once per decision."""
    return rights.request_review(turn.invitation, turn.key)


@intent("reschedule", order=50, explain="reschedule_explain", declined="reschedule_declined",
        acts_when_asked=lambda text: _when(text).status != "none", words=(
            "改期", "改时间", "改个时间", "改一下时间", "换个时间", "换一个时间", "换时间", "调整时间", "延期",
            "推迟", "往后推", "推后", "改到", "改成", "调到", "改约", "延长", "宽限", "reschedule", "postpone",
            "another time", "more time"))
def reschedule(turn: Turn) -> str:
    """Move the second round or extend the AI interview to the time the message gives (or ask for one)."""
    return move(turn.invitation, turn.text, actor=turn.user, request_key=turn.key)


def _when(text: str) -> timeparse.When:
    return timeparse.parse_when(text, dt.datetime.now(CN_TZ))


def _answer(template: str):
    def handler(turn: Turn) -> str:
        reply(turn, template)
        return template
    handler.__doc__ = f"Answer with the template {template} and the invitation's facts."
    return handler


FAQ = {  # name: (order, words); the answer is the template faq_<name>
    "duration": (60, ("要多久", "需要多久", "花多久", "多长时间", "多少时间", "几分钟", "要多长", "how long",
                      "how much time")),
    "deadline": (62, ("截止", "最晚", "期限", "什么时候前", "什么时候之前", "来得及", "deadline", "due", "last day")),
    "devices": (64, ("手机", "电脑", "浏览器", "设备", "平板", "ipad", "iphone", "安卓", "android", "browser",
                     "device", "laptop", "computer", "phone", "chrome", "safari")),
    "modes": (66, ("语音", "文字", "打字", "视频", "录像", "摄像头", "麦克风", "voice", "video", "typing", "type my",
                   "in writing", "camera", "microphone")),
    "retake": (68, ("重录", "重来", "重答", "重新录", "重新回答", "重做", "再录", "retake", "redo", "try again",
                    "record again", "answer again")),
    "after": (70, ("结果", "之后", "下一步", "后续", "通知我", "多久出", "复试", "过没过", "有没有通过", "通过了吗",
                   "result", "what happens",
                   "next step", "hear back")),
    "data": (72, ("个人信息", "隐私", "数据", "录音", "保存多久", "保留多久", "泄露", "给谁看", "my data", "privacy",
                  "personal data",
                  "recording kept", "stored")),
    "greeting": (90, ("你好", "您好", "在吗", "早上好", "上午好", "下午好", "晚上好", "hello", "hi", "hey")),
    "thanks": (92, ("谢谢", "感谢", "多谢", "thanks", "thank you")),
}

for _name, (_order, _words) in FAQ.items():
    intent(_name, kind=ANSWER, order=_order, words=_words)(_answer(f"faq_{_name}"))
