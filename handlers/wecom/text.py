"""Text messages: recruiter commands, /help, and a short hint for anything else."""
from __future__ import annotations

from bot.commands import parse as commands
from bot.queues import COMMANDS, DELIVERY, enqueue
from bot.wecom.registry import Inbound, handles
from jobs import bulk, chat, delivery, invitations
from jobs import commands as command_jobs


def reply(inbound: Inbound, text: str) -> None:
    """Queue a text reply to the sender of inbound."""
    user = inbound.message.source
    enqueue(DELIVERY, delivery.send_text, user, text, inbound.key, key=f"reply:{inbound.key}")


@handles("text")
def on_text(inbound: Inbound) -> None:
    """Parse the text as a command, check the sender's role, and queue the work."""
    user = inbound.message.source
    is_recruiter = user in inbound.settings.recruiters
    try:
        text = inbound.message.content or ""
        command = commands.parse(text)
        if command is None and not is_recruiter:  # a candidate writing: a time to reschedule, a review request
            enqueue(COMMANDS, chat.candidate_text, "member", user, text[:2000], inbound.key,
                    key=f"candidate:{inbound.key}")
            return None
        if command is None:
            return reply(inbound, commands.HINT)
        if command.spec.recruiter_only and not is_recruiter:
            return reply(inbound, commands.REFUSAL)
        if command.name == "help":
            return reply(inbound, commands.help_text(is_recruiter))
        if command.name == "invite":
            position, candidates = commands.invite_args(command)
            enqueue(COMMANDS, invitations.invite, position, candidates, user, inbound.key,
                    key=f"invite:{inbound.key}")
        if command.name in commands.ARITY:
            args = commands.recruiter_args(command)
            enqueue(COMMANDS, command_jobs.run, command.name, list(args), user, inbound.key,
                    key=f"{command.name}:{inbound.key}")
        if command.name == "bulk":
            action, ref = commands.bulk_args(command)
            enqueue(COMMANDS, bulk.command, action, ref, user, inbound.key, key=f"bulk:{inbound.key}")
        if command.name == "reschedule":
            who, when = commands.reschedule_args(command)
            enqueue(COMMANDS, chat.hr_reschedule, who, when, user, inbound.key, key=f"reschedule:{inbound.key}")
    except commands.UsageError as exc:
        reply(inbound, str(exc))
