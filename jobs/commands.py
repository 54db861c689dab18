"""Recruiters' chat commands, run by name from the registry (bot/commands)."""
from __future__ import annotations

from typing import Any

from bot.commands import freetext, registry


def run(name: str, args: list[Any], userid: str, key: str) -> str:
    """Carry out one chat command for userid, answering in chat whatever happens."""
    return registry.run(name, args, userid, key)


def question(userid: str, text: str, key: str) -> str:
    """Answer an HR member's free question: run the read-only command it asks for, or point to the right one."""
    return freetext.answer(userid, text, key)
