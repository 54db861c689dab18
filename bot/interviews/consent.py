"""The consent notice and the record of what a candidate agreed to (PIPL Art. 14, 29: informed, separate consent).

The notice is defined once, on the server (the ``consent_*`` templates in config/messages), and the H5 page renders
it from the state it is sent, so its sha256 is the hash of exactly what the candidate read: the notice's lines —
title, each heading and its text, the agreement and (where the position analyses faces) the face agreement —
joined with "\\n", UTF-8. A Consent row per kind agreed keeps the version, that hash, when, and from where.
"""
from __future__ import annotations

import hashlib
from typing import Any

import peewee as pw

from bot.store.db import database
from bot.store.models import Consent, Interview, Position
from bot.wecom import messages
from config.settings import Settings

SECTIONS = ("what", "why", "who", "keep", "ai", "rights")
IP_MAX, USER_AGENT_MAX = 64, 256


def notice(settings: Settings, position: Position, locale: str) -> dict[str, Any]:
    """The notice in one language, as the page shows it, with its sha256."""
    values = {"company": settings.company_name, "position": position.title,
              "days": settings.recording_retention_days, "pdays": settings.personal_data_retention_days}

    def line(key: str) -> str:
        return messages.render(f"consent_{key}", locale, **values)

    doc: dict[str, Any] = {
        "title": line("title"),
        "sections": [{"heading": line(f"{name}_h"), "body": line(name)} for name in SECTIONS],
        "agree": line("agree"),
        "face": line("face") if position.face_analysis else "",
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
    return "\n".join(lines)


def notices(settings: Settings, position: Position) -> dict[str, dict[str, Any]]:
    """The notice in every language the page offers, keyed by locale."""
    return {locale: notice(settings, position, locale) for locale in messages.LOCALES}


def shown_hash(settings: Settings, position: Position, text_sha256: str, locale: str | None) -> str | None:
    """The hash of the notice the candidate read: the one the page says it showed (None when that is not a
    current notice: the text changed since the page loaded), or, when the page names none, the notice in its
    language."""
    texts = notices(settings, position)
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
