"""The onboarding hand-off: when a candidate is hired, the hiring manager gets a card with what the interviews showed
— the report's dimension scores, the weakest dimensions, the training the position suggests for them (its `training`
section: bot/positions/training.py) and the second-round notes their authors marked shareable — and the
candidate.hired webhook and the open API's hire resource carry the same.

The hiring manager is the position team's hiring_manager, else its recruiters (bot/org/team.py).
"""
from __future__ import annotations

from typing import Any

from bot.decisions import scorecards
from bot.integrations.webhooks import iso
from bot.links import report_link
from bot.org import team
from bot.positions.training import suggestions
from bot.store.models import Hire, Invitation
from bot.wecom import notify
from config.settings import get_settings

WEAKEST = 2  # how many dimensions count as the weakest
WEAK_BELOW = 80  # … and only those scoring under this (a candidate strong everywhere has none)


def dimensions(invitation: Invitation) -> list[dict[str, Any]]:
    """The report's dimension scores, as {name, score}."""
    report = scorecards.report_of(invitation)
    found = (report.document or {}).get("dimensions", []) if report is not None else []
    return [{"name": d["name"], "score": d.get("score")} for d in found if d.get("name")]


def weakest(scores: list[dict[str, Any]]) -> list[str]:
    """The lowest-scoring dimensions under WEAK_BELOW, lowest first (at most WEAKEST)."""
    ranked = sorted((d for d in scores if isinstance(d["score"], int | float) and d["score"] < WEAK_BELOW),
                    key=lambda d: d["score"])
    return [d["name"] for d in ranked[:WEAKEST]]


def package(invitation: Invitation) -> dict[str, Any]:
    """What onboarding is handed: scores, weakest dimensions, suggested training, shareable notes, the scorecards'
    mean ratings."""
    scores = dimensions(invitation)
    weak = weakest(scores)
    names = scorecards.competencies(invitation)
    return {"dimensions": scores, "weakest": weak,
            "training": suggestions(invitation.position.rubric or {}, weak),
            "second_round": {"ratings": scorecards.averages(scorecards.of_invitation(invitation), names),
                             "notes": scorecards.shareable_notes(invitation)}}


def hire_data(hire: Hire) -> dict[str, Any]:
    """The hire as the open API and its webhooks show it (the onboarding package once hired); "candidate_id"
    becomes the candidate as each reader may see them."""
    invitation = hire.invitation
    data = {"id": hire.id, "invitation_id": invitation.id, "candidate_id": invitation.candidate_id,
            "position": {"slug": invitation.position.slug, "title": invitation.position.title},
            "status": hire.status, "version": hire.version, "offered_at": iso(hire.offered_at),
            "responded_at": iso(hire.responded_at),
            "hired_on": hire.hired_on.isoformat() if hire.hired_on else None,
            "unit": hire.unit.code if hire.unit_id else None, "employee_id": hire.employee_id or None,
            "updated_by": hire.updated_by, "updated_at": iso(hire.updated_at)}
    if hire.status == "hired":
        data["onboarding"] = package(invitation)
    return data


def manager_of(invitation: Invitation) -> list[str]:
    """Who gets the onboarding card: the position's hiring manager, else its recruiters."""
    members = team.team_of(invitation.position)
    return members["hiring_manager"][:1] or team.recruiters(get_settings(), invitation.position)


def hand_off(hire: Hire) -> None:
    """Queue the onboarding card to the hiring manager (once per hire)."""
    settings = get_settings()
    invitation = hire.invitation
    found = package(invitation)
    training = "\n".join(f"• {name}：{'、'.join(items)}" for name, items in found["training"].items())
    notes = "\n".join(f"• {n['interviewer']}：{n['notes'][:300]}" for n in found["second_round"]["notes"])
    for userid in manager_of(invitation):
        notify.to_hr(userid, "hr_onboarding", f"onboarding:{hire.id}:{userid}", invitation=invitation,
                     name=invitation.candidate.display_name, position=invitation.position.title,
                     hired_on=hire.hired_on.isoformat() if hire.hired_on else "",
                     unit=hire.unit.name if hire.unit_id else "",
                     dimensions="、".join(f"{d['name']} {d['score']:g}" for d in found["dimensions"]
                                         if isinstance(d["score"], int | float)),
                     weak="、".join(found["weakest"]), training=training, notes=notes,
                     link=_report_url(settings, invitation))


def _report_url(settings: Any, invitation: Invitation) -> str:
    report = scorecards.report_of(invitation)
    return report_link(settings, report.id) if report is not None else settings.public_base_url + "/hr/"
