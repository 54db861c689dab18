"""Message and card builders, kept within WeCom's documented size limits."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from bot.clock import local_time
from bot.wecom.messages import render, strings

TEXT_MAX_BYTES = 2048
CARD_TITLE_MAX_BYTES = 128  # conservative: WeCom counts bytes of UTF-8
CARD_DESC_MAX_BYTES = 512
KEYNAME_MAX_BYTES = 20
VALUE_MAX_BYTES = 60


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


def task_id(prefix: str) -> str:
    """Return a fresh template-card task_id (unique per app, [0-9a-zA-Z_-@], <=128 bytes)."""
    return f"{prefix}-{secrets.token_hex(8)}"


MODE_NAMES = {"video": "视频", "audio": "语音", "text": "文字"}
MODE_NAMES_EN = {"video": "video", "audio": "voice", "text": "text"}


def answer_modes_text(modes: list[str], locale: str = "zh-CN") -> str:
    """Say which answer modes a position allows: ['video', 'audio', 'text'] → 视频、语音或文字."""
    table, comma, last = (MODE_NAMES_EN, ", ", " or ") if locale == "en" else (MODE_NAMES, "、", "或")
    names = [table[m] for m in table if m in modes]
    return names[0] if len(names) == 1 else comma.join(names[:-1]) + last + names[-1]


def invitation_card(*, touser: str, locale: str, company: str, candidate_name: str, position: Any,
                    deadline: dt.datetime, link: str, decline_key: str) -> dict[str, Any]:
    """Return the personalized invitation (个性化指引): a button card with the link and a way to decline. It greets
    the member by name, never by their userid (a candidate_name that is the userid greets them 您好)."""
    guide = render("invitation_guide", locale, **guide_values(position, locale))
    names = strings("invitation_fields", locale)
    values = [position.title, render("invitation_count", locale, n=position.asked_count),
              render("invitation_think", locale, n=span(*seconds_range(position, "think_seconds"))),
              local_time(deadline)]
    name = "" if candidate_name == touser else candidate_name
    greeting = render("invitation_greeting", locale, name=name, company=company, position=position.title)
    return {
        "touser": touser,
        "msgtype": "template_card",
        "template_card": {
            "card_type": "button_interaction",
            "source": {"desc": clip(render("card_source", locale, company=company), 39)},  # about 13 characters
            "main_title": {"title": clip(render("invitation_title", locale), 36), "desc": clip(greeting, 44 * 3)},
            "sub_title_text": clip(guide, CARD_DESC_MAX_BYTES),
            "horizontal_content_list": [
                {"keyname": clip(k, KEYNAME_MAX_BYTES), "value": clip(v, VALUE_MAX_BYTES)}
                for k, v in zip(names, values, strict=False)
            ],
            "card_action": {"type": 1, "url": link},
            "task_id": task_id("inv"),
            "button_list": [
                {"type": 1, "text": render("invitation_start", locale), "style": 1, "url": link},
                {"type": 0, "text": render("invitation_decline", locale), "style": 2, "key": decline_key},
            ],
        },
    }


def seconds_range(position: Any, key: str) -> tuple[int, int]:
    """The least and most think_seconds or answer_seconds of the position's questions (a question may set its own;
    the others take the position's)."""
    default = getattr(position, key)
    values = [q.get(key, default) if isinstance(q.get(key, default), int) else default
              for q in position.questions or []] or [default]
    return min(values), max(values)


def span(low: int, high: int) -> str:
    """60 or 60–90: what the candidate is told, true for every question they may get."""
    return str(low) if low == high else f"{low}–{high}"


def guide_values(position: Any, locale: str) -> dict[str, Any]:
    """The numbers of an invitation's guide: questions, think/answer time (the range over the questions, so the
    first one's 60 s is not announced as 90), modes, total time (at most), materials."""
    count = position.asked_count
    think, answer = seconds_range(position, "think_seconds"), seconds_range(position, "answer_seconds")
    return {"questions": count, "think": span(*think),
            "answer_minutes": span(max(1, answer[0] // 60), max(1, answer[1] // 60)),
            "modes": answer_modes_text(position.answer_modes, locale),
            "total_minutes": max(5, count * (think[1] + answer[1]) // 60),
            "materials": (position.rubric or {}).get("materials", "")}


def report_card(*, touser: str, locale: str, company: str, name: str, position: str, doc: dict[str, Any],
                report_id: int, report_url: str, task: str, buttons: bool = True, channel: str = "",
                label: str = "") -> dict[str, Any]:
    """Return the HR result card: the candidate (name in the title; `label`, default the name, and how they were
    reached, `channel`, on the first line), total, dimension scores, top highlight and concern, and decision buttons
    (none for interviewers and hiring managers, whose card only opens the report)."""
    rec = doc["recommendation"]
    lines = [render("card_candidate", locale, name=label or name, channel=channel)] if channel else []
    if doc.get("highlights"):
        lines.append(render("card_highlight", locale, text=doc["highlights"][0]))
    concern = (doc.get("concerns") or doc.get("suggestions") or [None])[0]
    if concern:
        lines.append(render("card_concern", locale, text=concern))
    flags = (doc.get("integrity") or {}).get("flags") or []
    if flags:
        lines.append(render("card_flag", locale, text=flags[0]))
    lines.append(render("card_note", locale))
    dims = [{"keyname": clip(d["name"], KEYNAME_MAX_BYTES), "value": f"{d['score']:.0f}"}
            for d in doc["dimensions"][:6]]
    desc = render("card_desc", locale, position=position, total=f"{doc['total']:.0f}", recommendation=rec["label"],
                  confidence=rec.get("confidence_label", ""))
    card = template_card(touser, "button_interaction" if buttons else "text_notice", locale, company,
                         render("card_title", locale, name=name), desc, "\n".join(lines), dims, report_url, task)
    if not buttons:
        return card
    card["template_card"]["button_list"] = [
                {"type": 0, "text": render("card_pass", locale), "style": 1, "key": f"decide:{report_id}:pass"},
                {"type": 0, "text": render("card_hold", locale), "style": 2, "key": f"decide:{report_id}:hold"},
                {"type": 0, "text": render("card_reject", locale), "style": 3, "key": f"decide:{report_id}:reject"},
                {"type": 1, "text": render("card_view", locale), "style": 4, "url": report_url},
    ]
    return card


def digest_card(*, touser: str, locale: str, company: str, date: str, counts: dict[str, int], summary: str,
                url: str) -> dict[str, Any]:
    """Return the daily digest: a text_notice card with the day's numbers."""
    fields = [{"keyname": clip(render(f"digest_{k}", locale), KEYNAME_MAX_BYTES), "value": str(v)}
              for k, v in counts.items()]
    return template_card(touser, "text_notice", locale, company, render("digest_title", locale, date=date),
                 render("digest_desc", locale), summary, fields, url, task_id("digest"))


def template_card(touser: str, card_type: str, locale: str, company: str, title: str, desc: str, text: str,
          fields: list[dict[str, str]], url: str, task: str) -> dict[str, Any]:
    """A template card's common parts, each clipped to WeCom's limits (the title about 12 characters)."""
    return {
        "touser": touser,
        "msgtype": "template_card",
        "template_card": {
            "card_type": card_type,
            "source": {"desc": clip(render("card_source", locale, company=company), 39)},
            "main_title": {"title": clip(title, 36), "desc": clip(desc, 44 * 3)},
            "sub_title_text": clip(text, CARD_DESC_MAX_BYTES),
            "horizontal_content_list": fields[:6],
            "card_action": {"type": 1, "url": url},
            "task_id": task,
        },
    }


def asking_card(card: dict[str, Any], title: str, desc: str, confirm: tuple[str, str],
                back: tuple[str, str, int]) -> dict[str, Any]:
    """The same card (same task_id) asking a question: title and desc in place of its main title, and a confirming
    button (text, key; red) and a going-back one (text, key, style) in place of its buttons."""
    buttons = [{"type": 0, "text": confirm[0], "style": 3, "key": confirm[1]},
               {"type": 0, "text": back[0], "style": back[2], "key": back[1]}]
    return {**card, "main_title": {"title": clip(title, 36), "desc": clip(desc, 44 * 3)}, "button_list": buttons}
