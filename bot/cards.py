"""Message and card builders, kept within WeCom's documented size limits."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

TEXT_MAX_BYTES = 2048
CARD_TITLE_MAX_BYTES = 128  # conservative: WeCom counts bytes of UTF-8
CARD_DESC_MAX_BYTES = 512
KEYNAME_MAX_BYTES = 20
VALUE_MAX_BYTES = 60
CN_TZ = dt.timezone(dt.timedelta(hours=8))


def clip(text: str, max_bytes: int, ellipsis: str = "…") -> str:
    """Cut text to at most max_bytes of UTF-8 without splitting a character."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    room = max_bytes - len(ellipsis.encode("utf-8"))
    return raw[:room].decode("utf-8", errors="ignore") + ellipsis


def text_message(touser: str, content: str) -> dict[str, Any]:
    """Return a message/send payload for a plain text message."""
    return {"touser": touser, "msgtype": "text", "text": {"content": clip(content, TEXT_MAX_BYTES)}}


def local_time(moment: dt.datetime) -> str:
    """Format a naive UTC datetime as Beijing time for people."""
    return moment.replace(tzinfo=dt.UTC).astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M")


def task_id(prefix: str) -> str:
    """Return a fresh template-card task_id (unique per app, [0-9a-zA-Z_-@], <=128 bytes)."""
    return f"{prefix}-{secrets.token_hex(8)}"


MODE_NAMES = {"video": "视频", "audio": "语音", "text": "文字"}


def answer_modes_text(modes: list[str]) -> str:
    """Say which answer modes a position allows: ['video', 'audio', 'text'] → 视频、语音或文字."""
    names = [MODE_NAMES[m] for m in MODE_NAMES if m in modes]
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "或" + names[-1]


def invitation_card(*, touser: str, company: str, candidate_name: str, position: str, question_count: int,
                    think_seconds: int, answer_seconds: int, answer_modes: list[str], deadline: dt.datetime,
                    link: str, decline_key: str) -> dict[str, Any]:
    """Return the personalized invitation: a button card with the link and a way to decline."""
    greeting = f"{candidate_name}，您好！{company}邀请您参加「{position}」岗位的 AI 视频面试。"
    guide = (f"共 {question_count} 道题，每题有 {think_seconds} 秒思考时间、最多 {answer_seconds // 60} 分钟作答，"
             f"可{answer_modes_text(answer_modes)}作答。请在安静、光线充足的地方用手机打开，全程约 "
             f"{max(5, question_count * (think_seconds + answer_seconds) // 60)} 分钟。")
    fields = [("岗位", position), ("题目数量", f"{question_count} 题"), ("思考时间", f"每题 {think_seconds} 秒"),
              ("截止时间", local_time(deadline))]
    return {
        "touser": touser,
        "msgtype": "template_card",
        "template_card": {
            "card_type": "button_interaction",
            "source": {"desc": clip(f"{company} · 面试助手", 39)},  # WeCom: about 13 characters
            "main_title": {"title": clip("AI 面试邀请", 36), "desc": clip(greeting, 44 * 3)},
            "sub_title_text": clip(guide, CARD_DESC_MAX_BYTES),
            "horizontal_content_list": [
                {"keyname": clip(k, KEYNAME_MAX_BYTES), "value": clip(v, VALUE_MAX_BYTES)} for k, v in fields
            ],
            "card_action": {"type": 1, "url": link},
            "task_id": task_id("inv"),
            "button_list": [
                {"type": 1, "text": "开始面试", "style": 1, "url": link},
                {"type": 0, "text": "暂不参加", "style": 2, "key": decline_key},
            ],
        },
    }
