"""HR's corrections of a parsed résumé: kept beside what the parser read (never over it), each audited.

A correction names a field by its path — ``name``, ``phone``, ``email``, ``education.0.school``,
``experience.1.title`` … — and holds the corrected value, who made it and when. ``effective`` gives the résumé as
HR sees it: every corrected value in place of the parsed one, its span kept (the line it was read from) and
marked ``corrected``. The audit row names the résumé and the field, never the value (it is personal data).
"""
from __future__ import annotations

import copy
import re
from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.errors import UserError
from bot.store.db import database, write_transaction
from bot.store.models import AuditLog, Resume

SCALARS = ("name", "phone", "email")
ENTRY_FIELDS = {"education": ("school", "degree", "major", "start", "end"),
                "experience": ("employer", "title", "start", "end", "duties")}
PATH = re.compile(r"(?P<field>name|phone|email)|(?P<list>education|experience)\.(?P<index>\d{1,3})\.(?P<key>[a-z]+)")
MAX_VALUE = 500


class CorrectionError(UserError):
    """A correction that cannot be taken (an unknown field, an entry the résumé lacks, a value too long)."""


def correct(resume_id: int, path: str, value: str, actor: str) -> dict[str, Any]:
    """Record HR's value for one field of a parsed résumé (an empty value clears the correction); audited."""
    value = (value or "").strip()
    if len(value) > MAX_VALUE:
        raise CorrectionError(f"修改后的内容超过 {MAX_VALUE} 个字符")
    with write_transaction():  # two corrections at once: the second sees the first (SQLite's lock, PostgreSQL's row)
        query = Resume.select().where(Resume.id == resume_id)
        row = (query if isinstance(database.obj, pw.SqliteDatabase) else query.for_update()).get_or_none()
        if row is None:
            raise CorrectionError("没有这份简历")
        _check(row.parsed or {}, path)
        corrections = dict(row.corrections or {})
        if value:
            corrections[path] = {"value": value, "by": actor[:64], "at": utcnow().isoformat(timespec="seconds")}
        else:
            corrections.pop(path, None)
        Resume.update(corrections=corrections).where(Resume.id == row.id).execute()
        AuditLog.create(actor=actor[:64], action="resume.correct", target_type="resume", target_id=str(row.id),
                        detail={"field": path, "cleared": not value})
    return effective(row.parsed, corrections)


def _check(parsed: dict[str, Any], path: str) -> None:
    m = PATH.fullmatch(path or "")
    if m is None or (m.group("list") and m.group("key") not in ENTRY_FIELDS[m.group("list")]):
        raise CorrectionError(f"无法修改字段 {str(path)[:60]}")
    if m.group("list") and int(m.group("index")) >= len(parsed.get(m.group("list")) or []):
        raise CorrectionError(f"简历里没有第 {int(m.group('index')) + 1} 条{_label(m.group('list'))}")


def _label(kind: str) -> str:
    return {"education": "教育经历", "experience": "工作或实习经历"}[kind]


def effective(parsed: dict[str, Any], corrections: dict[str, Any]) -> dict[str, Any]:
    """The parsed résumé with HR's corrections in place (each marked corrected, its span kept)."""
    out = copy.deepcopy(parsed or {})
    for path, correction in (corrections or {}).items():
        m = PATH.fullmatch(path)
        if m is None:
            continue
        if m.group("field"):
            holder, key = out, m.group("field")
        else:
            entries = out.get(m.group("list")) or []
            if int(m.group("index")) >= len(entries):
                continue
            holder, key = entries[int(m.group("index"))], m.group("key")
        before = holder.get(key) or {"start": 0, "end": 0}
        holder[key] = {**before, "value": correction["value"], "corrected": True, "parsed": before.get("value")}
    return out
