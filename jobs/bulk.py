"""Bulk invitations: /bulk commands, an uploaded sheet, and the run's chunks."""
from __future__ import annotations

from bot.bulk import imports, runs
from bot.talent import pool


def command(action: str, ref: str | int, userid: str, key: str) -> str:
    """/bulk <岗位> or /bulk status|pause|resume|cancel <id>."""
    return runs.command(action, ref, userid, key)


def import_sheet(stored: str, userid: str, position_id: int, filename: str, request_key: str,
                 mapping: dict[str, str] | None = None) -> str:
    """Read a stored upload (its columns as the recruiter mapped them), screen it and start its run; the object is
    deleted after."""
    outcome = imports.import_sheet(stored, userid, position_id, filename, request_key, mapping)
    pool.enter_resumes()  # the candidates whose résumé files came with it, in the talent pool now
    return outcome


def run_chunk(run_id: int) -> str:
    """Invite the next chunk of a run's rows."""
    return runs.run_chunk(run_id)
