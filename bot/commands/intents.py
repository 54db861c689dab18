"""Candidates' keyword intents, tried in this order (bot/channels/conversation.py acts on them); a time phrase,
tried after them all, is a request to reschedule. A word counts anywhere in the text, case ignored."""
from __future__ import annotations

from bot.commands.registry import intent

# Before ERASURE: "确认删除" says 删除 too. Acted on within 10 minutes of the request (bot/privacy/rights.py).
CONFIRM_ERASURE = intent("confirm_erasure", order=10, words=("确认删除", "confirm deletion", "confirm delete"))
ERASURE = intent("erasure", order=20, words=(
    "删除我的数据", "删除我的个人信息", "删除个人信息", "删除我的信息", "删除我的资料", "delete my data",
    "delete my personal data", "erase my data"))
LEAVE_POOL = intent("leave_pool", order=30, words=("退出人才库", "移出人才库", "leave the talent pool"))
REVIEW = intent("review", order=40, words=("人工复核", "人工审核", "复核", "human review"))  # PIPL Art. 24
