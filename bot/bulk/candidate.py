"""One candidate screened and invited like a row of a bulk sheet: a candidate the open API adds (or whose résumé
file it receives) for a position goes through the position's screening rules (bot/bulk/screening.py), with the
fields their latest résumé file gives (bot/resumes/fields.py) where the request did not set them, and is invited
when they pass and the rules auto-invite, as a bulk run's row is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.bulk.screening import Screener
from bot.invitations.invites import open_invitation, queue_card
from bot.resumes.fields import screening_fields
from bot.resumes.questions import latest_resume
from bot.store.models import Candidate, Invitation, Position
from config.settings import Settings
from scoring import text


@dataclass
class Screened:
    """The verdict as the answer shows it, and the invitation when the candidate was invited."""

    verdict: dict[str, Any]
    invitation: Invitation | None = None
    card_queued: bool = False


def fields_of(candidate: Candidate, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """What screening reads for the candidate: their latest résumé file's fields, else their résumé text; a value
    given (the request's) wins."""
    found = latest_resume(candidate.id)
    if found is not None:
        return screening_fields(found[0], found[1], given)
    return {"resume": candidate.resume or "", **{k: v for k, v in (given or {}).items() if v not in (None, "")}}


def screen_and_invite(settings: Settings, position: Position, candidate: Candidate, invited_by: str,
                      given: dict[str, Any] | None = None) -> Screened:
    """Screen the candidate by the position's rules; invite them (the card when they can get one) when they pass
    and the rules auto-invite, as a bulk row is."""
    rules = position.rubric.get("screening") or {}
    text.use_cache_dir(settings.models_dir)
    screener = Screener(rules, position.description,
                        extra_terms=[text.rubric_reference(q) for q in position.questions])
    verdict = screener.screen(fields_of(candidate, given))
    out = Screened({"passed": verdict.passed, "score": round(verdict.score, 1), "match": round(verdict.match, 3),
                    "reasons": list(verdict.reasons), "auto_invite": bool(rules.get("auto_invite", True))})
    if verdict.passed and out.verdict["auto_invite"] and position.is_open:
        out.invitation, is_new = open_invitation(position, candidate, invited_by)
        if (is_new or out.invitation.status == "created") and candidate.wecom_userid:  # as POST /invitations
            queue_card(settings, position, out.invitation)
            out.card_queued = True
    return out
