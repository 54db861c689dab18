"""Keeping a résumé: the file sealed in the object store (bot/store/storage) like a recording, the text and the
structured résumé in sealed columns of a Resume row; HR's corrections kept beside the parsed values.

The file is written first and the row after it; a row that cannot be written takes its file with it, so nothing
is half-saved. The same file sent twice for one candidate is kept once (its sha256).
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

import peewee as pw

from bot.resumes.intake import Outcome, read_resume
from bot.store.db import database
from bot.store.models import Candidate, Resume
from bot.store.storage import get_storage
from config.settings import Settings

log = logging.getLogger(__name__)

SOURCES = ("api", "bulk", "hr", "h5")
MIMES = {"pdf": ("application/pdf", ".pdf"),
         "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
         "text": ("text/plain", ".txt"), "html": ("text/html", ".html"), "mht": ("multipart/related", ".mht")}


@dataclass
class Saved:
    """What became of one file: its row (when read and kept) and the outcome of reading it."""

    outcome: Outcome
    resume: Resume | None = None
    duplicate: bool = False


def folder(candidate_id: int) -> str:
    """Where a candidate's résumé files live in the store (erasure deletes the folder)."""
    return f"resumes/{int(candidate_id)}/"


def save_resume(settings: Settings, candidate: Candidate, data: bytes, filename: str, source: str,
                outcome: Outcome | None = None) -> Saved:
    """Read the file (unless its outcome of reading is given) and keep it for the candidate; a file that is not read
    is not kept (its outcome says why)."""
    if source not in SOURCES:
        raise ValueError(f"unknown résumé source {source!r}")
    outcome = outcome or read_resume(data, filename)
    if not outcome.ok:
        return Saved(outcome)
    digest = hashlib.sha256(data).hexdigest()
    found = Resume.get_or_none((Resume.candidate == candidate.id) & (Resume.sha256 == digest))
    if found is not None:
        return Saved(outcome, found, duplicate=True)
    mime, suffix = MIMES[outcome.document.kind]
    key = f"{folder(candidate.id)}{digest[:16]}-{secrets.token_hex(4)}{suffix}"
    store = get_storage(settings)
    key_id = store.put(key, data)
    try:
        with database.atomic():
            row = Resume.create(candidate=candidate.id, source=source, filename=filename[-255:], mime=mime,
                                size=len(data), sha256=digest, path=key, key_id=key_id,
                                text=outcome.document.text, parsed=outcome.resume.to_dict(), corrections={})
    except pw.IntegrityError:  # the same file for the same candidate a moment ago
        store.delete(key)
        return Saved(outcome, Resume.get((Resume.candidate == candidate.id) & (Resume.sha256 == digest)), True)
    except BaseException:
        store.delete(key)
        raise
    log.info("résumé %s kept for candidate %s (%s, %d bytes)", row.id, candidate.id, outcome.document.kind,
             len(data))
    return Saved(outcome, row)


def open_file(settings: Settings, resume: Resume) -> bytes:
    """The résumé file as the candidate sent it (authenticated; SealError when it does not open)."""
    return get_storage(settings).get(resume.path)
