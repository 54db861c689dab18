"""The consent notice and the record of what a candidate agreed to (PIPL Art. 14, 29: informed, separate consent).

The notice is defined once, on the server (the ``consent_*`` templates in config/messages), and the H5 page renders
it from the state it is sent, so its sha256 is the hash of exactly what the candidate read: the notice's lines —
title, each heading and its text, the agreement, (where the position analyses faces) the face agreement and the
talent pool's agreement — joined with "\\n", UTF-8. A Consent row per kind agreed keeps the version, that hash, when,
and from where.

The talent pool is a separate, optional purpose (PIPL Art. 14, 17: stated before collection): a "pool" row when
the candidate ticks it; declining takes them out of the pool (bot/talent/pool.py's withdraw, the exclusion every
search applies) and the 感谢函 then says nothing of it. The notice names the channel the candidate replies in.
"""
from __future__ import annotations

import hashlib
from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.interviews import channel as channels
from bot.store.db import database
from bot.store.models import Candidate, Consent, Interview, Invitation, Position
from bot.talent import pool
from bot.wecom import messages
from config.settings import Settings

SECTIONS = ("what", "why", "who", "keep", "ai", "rights", "pool")
IP_MAX, USER_AGENT_MAX = 64, 256


def notice(settings: Settings, position: Position, locale: str, channel: str = "member") -> dict[str, Any]:
    """The notice in one language, as the page shows it, with its sha256 (channel: where the candidate replies,
    channel.WHERE's key)."""
    values = {"company": settings.company_name, "position": position.title,
              "days": settings.recording_retention_days, "pdays": settings.personal_data_retention_days,
              "pool_days": settings.pool_retention_days, "channel": channels.where(channel, locale)}

    def line(key: str) -> str:
        return messages.render(f"consent_{key}", locale, **values)

    doc: dict[str, Any] = {
        "title": line("title"),
        "sections": [{"heading": line(f"{name}_h"), "body": line(name)} for name in SECTIONS],
        "agree": line("agree"),
        "face": line("face") if position.face_analysis else "",
        "pool": line("pool_agree"),
    }
    doc["sha256"] = hashlib.sha256(canonical(doc).encode("utf-8")).hexdigest()
    return doc


def canonical(doc: dict[str, Any]) -> str:
    """The text the hash is taken of: every line shown, in order."""
    lines = [doc["title"]]
    for section in doc["sections"]:
        lines += [section["heading"], section["body"]]
    lines.append(doc["agree"])
    if doc.get("face"):
        lines.append(doc["face"])
    if doc.get("pool"):
        lines.append(doc["pool"])
    return "\n".join(lines)


def notices(settings: Settings, position: Position, channel: str = "member") -> dict[str, dict[str, Any]]:
    """The notice in every language the page offers, keyed by locale."""
    return {locale: notice(settings, position, locale, channel) for locale in messages.LOCALES}


def shown_hash(settings: Settings, position: Position, text_sha256: str, locale: str | None,
               channel: str = "member") -> str | None:
    """The hash of the notice the candidate read: the one the page says it showed (None when that is not a
    current notice: the text changed since the page loaded), or, when the page names none, the notice in its
    language."""
    texts = notices(settings, position, channel)
    if text_sha256:
        return text_sha256 if text_sha256 in {t["sha256"] for t in texts.values()} else None
    return texts[messages.normalize_locale(locale)]["sha256"]


def record(interview: Interview, *, version: str, text_sha256: str, face: bool, ip: str, user_agent: str) -> int:
    """Write a Consent row per kind agreed (recording; face when given) unless this version is recorded; return
    how many rows were new (a repeated consent writes none, a new version writes new ones)."""
    created = 0
    for kind in ("recording", "face") if face else ("recording",):
        try:
            with database.atomic():
                Consent.create(interview=interview, kind=kind, version=version, text_sha256=text_sha256,
                               ip=(ip or "")[:IP_MAX], user_agent=(user_agent or "")[:USER_AGENT_MAX])
            created += 1
        except pw.IntegrityError:
            continue
    return created


def record_pool(interview: Interview, agreed: bool | None, *, version: str, text_sha256: str, ip: str,
                user_agent: str) -> None:
    """Keep the candidate's talent-pool choice: agreed, a "pool" Consent row (and a candidate who had left the
    pool is back in it from their next report); declined, out of the pool now and for the searches (any earlier
    "pool" row of theirs is marked withdrawn). None: the page asked nothing (an older page), nothing changes."""
    if agreed is None:
        return
    candidate_id = interview.invitation.candidate_id
    if agreed:
        try:
            with database.atomic():
                Consent.create(interview=interview, kind="pool", version=version, text_sha256=text_sha256,
                               ip=(ip or "")[:IP_MAX], user_agent=(user_agent or "")[:USER_AGENT_MAX])
        except pw.IntegrityError:
            pass
        Candidate.update(withdrawn_at=None).where(Candidate.id == candidate_id).execute()
        return
    Consent.update(withdrawn_at=utcnow()).where(
        (Consent.kind == "pool") & Consent.withdrawn_at.is_null()
        & Consent.interview.in_(Interview.select(Interview.id).join(Invitation)
                                .where(Invitation.candidate == candidate_id))).execute()
    if Candidate.get_by_id(candidate_id).withdrawn_at is None:
        pool.withdraw(candidate_id, f"candidate:{candidate_id}")


def pool_choice(interview: Interview | None) -> bool | None:
    """The candidate's talent-pool choice in this interview: True (a live "pool" row), False (declined: out of
    the pool), None (not asked: an interview begun before the page asked)."""
    if interview is None:
        return None
    if Consent.select().where((Consent.interview == interview) & (Consent.kind == "pool")
                              & Consent.withdrawn_at.is_null()).exists():
        return True
    return False if interview.invitation.candidate.withdrawn_at is not None else None
