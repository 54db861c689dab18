"""Shared test helpers (moved here from the test modules that used to copy them)."""
from __future__ import annotations

import json

from tests.support.paths import AUDIO

MANIFEST = json.loads((AUDIO / "manifest.json").read_text("utf-8"))


def answer_text(key: str, quality: str) -> str:
    """A typed answer of the given quality from the evaluation clips' scripts."""
    return next(c["text"] for c in MANIFEST if c["question"] == key and c["quality"] == quality)


def texts(stack, user: str, channel: str | None = None) -> list[str]:
    """The text of every plain message user received (app, kf, welcome or confirmed mass message)."""
    out = []
    for m in stack.inbox(user):
        if channel and m["channel"] != channel:
            continue
        body = m["payload"]
        content = (body.get("text") or {}).get("content")
        if content:
            out.append(content)
    return out


def cards(stack, user: str, prefix: str = "decide:") -> list[dict]:
    """Result cards user received (with their current state)."""
    return [m for m in stack.inbox(user) if m["msgtype"] == "template_card"
            and any(b.get("key", "").startswith(prefix) for b in m["card"].get("button_list", []))]


def invite_member(stack, who: str = "zhangsan") -> str:
    stack.say("hr_li", f"/invite 柜员 {who}")
    stack.drain()
    card = [m for m in stack.inbox(who) if m["msgtype"] == "template_card"][0]["card"]
    return card["card_action"]["url"]


def token_of(link: str) -> str:
    """The signed token at the end of an interview link (a query such as ?via=email left off)."""
    return link.split("?", 1)[0].rsplit("/", 1)[1]


def click(stack, user: str, card: dict, outcome: str) -> dict:
    key = next(b["key"] for b in card["card"]["button_list"] if b.get("key", "").endswith(f":{outcome}"))
    return stack.api("POST", "click", json={"user": user, "msgid": card["msgid"], "key": key})


RESULT = ("恭喜您通过", "经过综合评估")  # the 复试通知 and the 感谢函


def results(stack, user: str = "zhangsan", channel: str | None = None) -> list[str]:
    return [t for t in texts(stack, user, channel) if any(word in t for word in RESULT)]



def card_now(stack, user: str, card: dict) -> dict:
    """The same card as user sees it now (after updates)."""
    return next(m for m in stack.inbox(user) if m.get("msgid") == card["msgid"] and m["msgtype"] == "template_card")


def reject(stack, user: str, card: dict) -> dict:
    """不通过 on the card, then 确认 on the question it turns into (the two clicks that decide)."""
    click(stack, user, card, "reject")
    stack.drain()
    return click(stack, user, card_now(stack, user, card), "confirm")
