"""Recruiters' query commands from chat."""
from __future__ import annotations

from bot.commands import recruiter


def run(name: str, args: list[str], userid: str, key: str) -> str:
    """Carry out one recruiter command."""
    return recruiter.run(name, args, userid, key)
