"""A kept résumé as HR reads it beside its text: every parsed field (HR's corrections in place) with the span it
was read from, and the text cut into pieces so each field's span can be marked where it stands.

A field's `kind` and a piece's say which are the person's name, phone and e-mail, so the HR page can mask each
piece on its own for masked roles and every span keeps its place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.resumes.corrections import ENTRY_FIELDS, SCALARS

LABELS = {"name": "姓名", "phone": "手机", "email": "邮箱", "school": "学校", "degree": "学历", "major": "专业",
          "start": "开始", "end": "结束", "employer": "单位", "title": "职位", "duties": "职责",
          "skills": "技能", "certificates": "证书", "languages": "语言", "awards": "奖项"}
KINDS = {"work": "工作经历", "internship": "实习经历", "project": "项目经历"}
LISTS = ("skills", "certificates", "languages", "awards")


@dataclass
class Field:
    """One parsed value: its path (what a correction names), where it was read, and whether HR corrected it."""

    path: str
    group: str
    label: str
    value: str
    start: int = 0
    end: int = 0
    corrected: bool = False
    parsed: str = ""
    editable: bool = True
    mark: int | None = None  # the number of the marked piece of text it was read from

    @property
    def kind(self) -> str:
        return self.path if self.path in SCALARS else ""


def fields_of(resume: dict[str, Any]) -> list[Field]:
    """Every field of an effective résumé (corrections.effective) in reading order, with its span."""
    out = [_field(name, "联系信息", LABELS[name], resume.get(name)) for name in SCALARS]
    for i, entry in enumerate(resume.get("education") or []):
        group = f"教育经历 {i + 1}"
        out += [_field(f"education.{i}.{key}", group, LABELS[key], entry.get(key)) for key in ENTRY_FIELDS["education"]]
    for i, entry in enumerate(resume.get("experience") or []):
        group = f"{KINDS.get(entry.get('kind'), '经历')} {i + 1}"
        out += [_field(f"experience.{i}.{key}", group, LABELS[key], entry.get(key))
                for key in ENTRY_FIELDS["experience"]]
    for name in LISTS:
        out += [_field(f"{name}.{i}", LABELS[name], LABELS[name], value, editable=False)
                for i, value in enumerate(resume.get(name) or [])]
    return out


def _field(path: str, group: str, label: str, value: dict[str, Any] | None, editable: bool = True) -> Field:
    value = value or {}
    return Field(path, group, label, str(value.get("value") or ""), int(value.get("start") or 0),
                 int(value.get("end") or 0), bool(value.get("corrected")), str(value.get("parsed") or ""), editable)


def pieces(text: str, fields: list[Field]) -> list[dict[str, Any]]:
    """The text cut at the fields' spans: plain pieces and marked ones (numbered; a field gets its piece's number).
    Overlapping spans keep the first (the longer when two start together)."""
    spans = sorted((f for f in fields if 0 <= f.start < f.end <= len(text)), key=lambda f: (f.start, -f.end))
    out: list[dict[str, Any]] = []
    at = 0
    for f in spans:
        if f.start < at:
            continue
        if f.start > at:
            out.append({"text": text[at:f.start], "mark": None, "path": "", "kind": "", "start": at})
        f.mark = len(out)
        out.append({"text": text[f.start:f.end], "mark": f.mark, "path": f.path, "kind": f.kind, "start": f.start})
        at = f.end
    for f in fields:  # a field whose span another's covers points at that piece
        if f.mark is None and f.end > f.start:
            f.mark = next((p["mark"] for p in out if p["mark"] is not None
                           and p["start"] <= f.start < p["start"] + len(p["text"])), None)
    if at < len(text):
        out.append({"text": text[at:], "mark": None, "path": "", "kind": "", "start": at})
    return out

