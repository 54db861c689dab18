"""The structured résumé: plain dataclasses that turn into JSON and back. Every value carries the span
(start, end offsets into the extracted text) it was read from, so HR sees it beside the original line."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class Value:
    """One value and where it was read: text[start:end]."""

    value: str
    start: int
    end: int

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Value | None:
        return None if not data else cls(data["value"], int(data["start"]), int(data["end"]))


@dataclass
class Education:
    school: Value | None = None
    degree: Value | None = None  # canonical: 博士 | 硕士 | 本科 | 大专 | 中专 | 高中
    major: Value | None = None
    start: Value | None = None  # "YYYY-MM" (month 01 when only the year is written)
    end: Value | None = None  # "YYYY-MM" or "present"
    start_offset: int = 0
    end_offset: int = 0


@dataclass
class Experience:
    kind: str = "work"  # work | internship | project
    employer: Value | None = None
    title: Value | None = None
    start: Value | None = None
    end: Value | None = None
    duties: Value | None = None
    start_offset: int = 0
    end_offset: int = 0


@dataclass
class Gap:
    """More than six months between one entry's end and the next one's start."""

    start: str  # "YYYY-MM"
    end: str
    months: int
    after: str  # what came before (a school or an employer), "" when unknown
    before: str
    start_offset: int = 0  # the span of the entry after the gap
    end_offset: int = 0


@dataclass
class Section:
    kind: str
    title: str
    start: int
    end: int


@dataclass
class Resume:
    name: Value | None = None
    phone: Value | None = None  # the mobile as 11 digits (a landline as written)
    email: Value | None = None
    education: list[Education] = field(default_factory=list)
    experience: list[Experience] = field(default_factory=list)
    skills: list[Value] = field(default_factory=list)
    certificates: list[Value] = field(default_factory=list)  # canonical names (银行从业资格, CFA, 初级会计 …)
    languages: list[Value] = field(default_factory=list)
    awards: list[Value] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    years_of_experience: float = 0.0  # work entries only (internships and projects apart), overlaps counted once
    internship_months: int = 0
    sections: list[Section] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    @property
    def highest_degree(self) -> str:
        """The highest canonical degree among the education entries ("" when none)."""
        order = ("博士", "硕士", "本科", "大专", "中专", "高中")
        found = {e.degree.value for e in self.education if e.degree}
        return next((d for d in order if d in found), "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Resume:
        """The résumé a to_dict() made (what the sealed column holds)."""
        values = {name: Value.load(data.get(name)) for name in ("name", "phone", "email")}
        return cls(
            **values,
            education=[Education(**{k: Value.load(v) if isinstance(v, dict) else v for k, v in e.items()})
                       for e in data.get("education", [])],
            experience=[Experience(**{k: Value.load(v) if isinstance(v, dict) else v for k, v in e.items()})
                        for e in data.get("experience", [])],
            **{name: [Value.load(v) for v in data.get(name, [])]
               for name in ("skills", "certificates", "languages", "awards")},
            gaps=[Gap(**g) for g in data.get("gaps", [])],
            years_of_experience=float(data.get("years_of_experience", 0.0)),
            internship_months=int(data.get("internship_months", 0)),
            sections=[Section(**s) for s in data.get("sections", [])],
            schema_version=int(data.get("schema_version", SCHEMA_VERSION)),
        )
