"""A position's versions: every save that changes what a candidate is asked or how they are scored adds the next
number, with its author and where it came from (a file, the open API, a template), and an audit row. An interview
names the version it was asked; HR reads the history and the difference between two versions."""
from __future__ import annotations

import difflib
import json
from typing import Any

import peewee as pw

from bot.positions import notices
from bot.store.models import AuditLog, Position, PositionVersion

FIELDS = ("slug", "title", "department", "description", "think_seconds", "answer_seconds", "max_retakes",
          "answer_modes", "face_analysis", "deadline_days", "questions", "rubric")
SOURCES = ("file", "api", "template", "migration", "hr")  # hr: saved in the HR pages' editor


def document_of(values: dict[str, Any]) -> dict[str, Any]:
    """The versioned part of a position's values (not its digest, open state or bookkeeping), JSON-normalised so a
    value read back from the database compares equal to the same value just parsed."""
    return json.loads(json.dumps({name: values[name] for name in FIELDS}, ensure_ascii=False, sort_keys=True))


def latest(position: Position) -> PositionVersion | None:
    return (PositionVersion.select().where(PositionVersion.position == position)
            .order_by(PositionVersion.number.desc()).first())


def current_number(position: Position) -> int | None:
    """The number of the version a new interview of this position is asked (None for a position never saved
    since versions began, which the migration prevents)."""
    return PositionVersion.select(pw.fn.MAX(PositionVersion.number)).where(
        PositionVersion.position == position).scalar()


def record(position: Position, values: dict[str, Any], author: str, source: str) -> PositionVersion | None:
    """Add the next version when the values differ from the latest one's; None when nothing changed. Call it in
    the transaction that saved the position, so a version and its position never disagree."""
    document = document_of(values)
    last = latest(position)
    if last is not None and last.document == document:
        return None
    version = PositionVersion.create(position=position, number=(last.number + 1) if last else 1, document=document,
                                     author=author[:64], source=source[:16])
    AuditLog.create(actor=author[:64], action="position.version", target_type="position",
                    target_id=str(position.id), detail={"slug": position.slug, "number": version.number,
                                                        "source": version.source})
    changed = [name for name in FIELDS if last is not None and last.document.get(name) != document.get(name)]
    notices.version_saved(position, version, changed)  # the team hears of a person's change (HR pages, the API)
    return version


def as_asked(position: Position, number: int | None) -> Position:
    """The position as an interview was asked it (its pinned version's values over the live row), so an edit made
    while candidates are mid-interview changes neither their questions nor how they are scored. The live row for an
    interview from before versions, or whose version is gone."""
    pinned = version(position, number) if number else None
    if pinned is None:
        return position
    return Position(id=position.id, is_open=position.is_open, source_sha256=position.source_sha256,
                    **{**{name: getattr(position, name) for name in FIELDS}, **pinned.document})


def history(position: Position) -> list[PositionVersion]:
    """Every version, newest first."""
    return list(PositionVersion.select().where(PositionVersion.position == position)
                .order_by(PositionVersion.number.desc()))


def version(position: Position, number: int) -> PositionVersion | None:
    return PositionVersion.get_or_none((PositionVersion.position == position) & (PositionVersion.number == number))


def _lines(value: Any) -> list[str]:
    """A stable rendering of one field: text as its lines, anything else as indented, key-sorted JSON."""
    if isinstance(value, str):
        return value.splitlines() or [""]
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2).splitlines()


def diff(old: PositionVersion, new: PositionVersion) -> list[dict[str, Any]]:
    """The fields that differ between two versions, each with its unified diff lines (a line's first character
    says removed '-', added '+' or context ' ')."""
    changes = []
    for name in FIELDS:
        before, after = old.document.get(name), new.document.get(name)
        if before == after:
            continue
        lines = list(difflib.unified_diff(_lines(before), _lines(after), f"v{old.number}", f"v{new.number}",
                                          lineterm="", n=2))
        changes.append({"field": name, "lines": [line for line in lines[2:] if not line.startswith("@@")]
                        or [f"-{before}", f"+{after}"]})
    return changes
