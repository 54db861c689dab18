"""One candidate screened and invited like a row of a bulk sheet: a candidate the open API adds (or whose résumé
file it receives) for a position goes through the position's screening rules (bot/bulk/screening.py), with the
fields their latest résumé file gives (bot/resumes/fields.py) where the request did not set them, and is invited
when they pass and the rules auto-invite, as a bulk run's row is.

Résumé files HR drops on a position (a .zip opened as the bulk upload opens one) go the same way: each is read, its
candidate found by the résumé's phone or e-mail or made from its name and contacts, the file kept, and the
candidate screened and invited; each file's outcome is told (read or refused with its reason, screened out, invited).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from bot.bulk.screening import Screener
from bot.bulk.sheets import check_row
from bot.invitations.invites import open_invitation, queue_card
from bot.resumes.fields import screening_fields
from bot.resumes.formats import ResumeRejected
from bot.resumes.intake import read_resume
from bot.resumes.questions import latest_resume
from bot.resumes.safezip import read_zip
from bot.resumes.store import save_resume
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


MAX_FILES = 50  # one drop on a position is read while HR waits; a larger batch goes through the bulk upload page
STATES = {"invited": "已邀请", "passed": "通过筛选（岗位未设自动邀请）", "screened_out": "未通过筛选",
          "refused": "未读取"}


@dataclass
class Dropped:
    """What became of one résumé file dropped on a position (state: invited, passed, screened_out or refused)."""

    filename: str
    state: str
    reason: str = ""
    candidate: Candidate | None = None
    resume_id: int | None = None
    invitation: Invitation | None = None
    new_file: bool = False

    @property
    def label(self) -> str:
        return STATES[self.state]


def unpack(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes, str]]:
    """Each file as (name, bytes, reason): a .zip opened within safezip's limits, its members one by one (a member
    or an archive that cannot be read keeps its reason)."""
    out = []
    for name, data in files:
        if not name.lower().endswith(".zip"):
            out.append((name, data, ""))
            continue
        try:
            members = read_zip(data)
        except ResumeRejected as exc:
            out.append((name, b"", exc.reason))
            continue
        out += [(f"{name} › {PurePosixPath(m.name).name or m.name}", m.data, m.reason) for m in members]
    return out


def candidate_from(fields: dict[str, Any]) -> Candidate:
    """The candidate a résumé names: one with the same phone or e-mail (blind index, as a bulk row is matched), else
    a new one."""
    values = {"name": str(fields.get("name") or "")[:64], "phone": str(fields.get("phone") or "")[:32],
              "email": str(fields.get("email") or "")[:128], "source": "hr"}
    for name in ("phone", "email"):  # the same phone or e-mail is the same person: never invite them twice
        if values[name]:
            found = Candidate.get_or_none(Candidate.lookup(name, values[name]) & Candidate.wecom_userid.is_null()
                                          & Candidate.erased_at.is_null())
            if found:
                return found
    return Candidate.create(**values)


def take_file(settings: Settings, position: Position, name: str, data: bytes, invited_by: str) -> Dropped:
    """Read one file, make or find its candidate, keep the file for them, screen and (auto-)invite them."""
    outcome = read_resume(data, name)
    if not outcome.ok:
        return Dropped(name, "refused", outcome.reason)
    resume = outcome.resume
    raw = {key: getattr(resume, key).value if getattr(resume, key) else None for key in ("name", "phone", "email")}
    fields, reasons = check_row(raw)
    if reasons:
        return Dropped(name, "refused", "简历里" + "；".join(reasons) + "，无法建立候选人")
    candidate = candidate_from(fields)
    saved = save_resume(settings, candidate, data, name, "hr", outcome)
    if not saved.duplicate:  # screening and the pool read Candidate.resume: the newest file's text
        Candidate.update(resume=outcome.document.text).where(Candidate.id == candidate.id).execute()
    done = screen_and_invite(settings, position, Candidate.get_by_id(candidate.id), invited_by)
    state = "invited" if done.invitation else "passed" if done.verdict["passed"] else "screened_out"
    reason = "" if done.verdict["passed"] else "；".join(done.verdict["reasons"])
    return Dropped(name, state, reason, candidate, saved.resume.id, done.invitation, not saved.duplicate)
