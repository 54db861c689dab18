"""Text messages: chat commands (declared in bot/commands), HR's free questions and candidates' messages for a
worker."""
from __future__ import annotations

from bot.commands import registry
from bot.queues import COMMANDS, DELIVERY, enqueue
from bot.wecom.registry import Inbound, handles
from jobs import chat, delivery
from jobs import commands as command_jobs


def reply(inbound: Inbound, text: str) -> None:
    """Queue a text reply to the sender of inbound."""
    user = inbound.message.source
    enqueue(DELIVERY, delivery.send_text, user, text, inbound.key, key=f"reply:{inbound.key}")


@handles("text")
def on_text(inbound: Inbound) -> None:
    """Parse the text as a command, check the sender's role and arguments, and queue the work."""
    user = inbound.message.source
    standing = registry.standing_now(inbound.settings, user)  # a recruiter or reader: the lists, units, teams
    try:
        text = inbound.message.content or ""
        call = registry.parse(text)
        if call is None and standing is None:  # a candidate writing: a time to reschedule, a review request
            enqueue(COMMANDS, chat.candidate_text, "member", user, text[:2000], inbound.key,
                    key=f"candidate:{inbound.key}")
            return None
        if call is None:  # HR asking in their own words ("柜员面试进度怎么样了"): answered or pointed to a command
            enqueue(COMMANDS, command_jobs.question, user, text[:2000], inbound.key, key=f"question:{inbound.key}")
            return None
        if not registry.allowed(call.command, standing):
            return reply(inbound, registry.REFUSAL)
        args = registry.arguments(call)
        if call.command.inline:  # /help: no job
            return reply(inbound, call.command.func(*args, userid=user, key=inbound.key))
        enqueue(COMMANDS, command_jobs.run, call.name, list(args), user, inbound.key, key=f"{call.name}:{inbound.key}")
    except registry.UsageError as exc:
        reply(inbound, str(exc))
