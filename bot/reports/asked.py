"""Which questions an interview asked (drawn for it, or the whole bank) and the times the server measured for each,
for the report document and the HR report page (docs/h5-api.md: "Which questions are asked", "Time limits"). A
question built from the candidate's résumé says so, with the rule and the résumé line it came from
(docs/resumes.md: "Questions from the résumé")."""
from __future__ import annotations

from typing import Any

from bot.positions import versions
from bot.store.models import Answer, Interview, QuestionReveal

DIFFICULTY_NAMES = {1: "基础", 2: "标准", 3: "较难"}
PERSONALISED = "根据简历生成"


def measured(row: QuestionReveal | None) -> dict[str, Any]:
    """The server's times for a question: when it was shown, the think time (shown → its first take started) and
    the answer time of the take that stands (started → saved; a typed take that never said when it started is
    timed from when it could start)."""
    if row is None:
        return {"revealed_at": None, "think_seconds": None, "answer_seconds": None, "takes": 0}
    think = (row.first_started_at - row.revealed_at).total_seconds() if row.first_started_at else None
    answer = (row.ended_at - row.started_at).total_seconds() if row.ended_at and row.started_at else None
    return {"revealed_at": row.revealed_at.isoformat(timespec="seconds") + "Z",
            "think_seconds": None if think is None else round(max(think, 0.0), 1),
            "answer_seconds": None if answer is None else round(max(answer, 0.0), 1), "takes": row.takes}


def asked(interview: Interview) -> list[dict[str, Any]]:
    """The interview's questions in the order asked: text, competency, difficulty, the limits, whether answered,
    and the server's times."""
    position = versions.as_asked(interview.invitation.position, interview.position_version)  # its limits, as asked
    shown = {r.question_key: r for r in QuestionReveal.select().where(QuestionReveal.interview == interview)}
    answered = {a.question_key for a in Answer.select(Answer.question_key).where(Answer.interview == interview)}
    out = []
    for ordinal, q in enumerate(interview.questions, 1):
        level = _difficulty(q)
        out.append({"key": q["key"], "ordinal": ordinal, "text": q["text"], "competency": q.get("competency") or "",
                    "difficulty": level, "difficulty_name": DIFFICULTY_NAMES.get(level, str(level)),
                    "think_limit": int(q.get("think_seconds", position.think_seconds)),
                    "answer_limit": int(q.get("answer_seconds", position.answer_seconds)),
                    "answered": q["key"] in answered, **measured(shown.get(q["key"])),
                    **({"personalised": _personalised(q["personalised"])} if q.get("personalised") else {})})
    return out


def _personalised(record: dict[str, Any]) -> dict[str, Any]:
    """根据简历生成: the rule that built the question and the résumé line (field, text, span) it came from."""
    source = record.get("source") or {}
    return {"label": PERSONALISED, "rule": record.get("rule", ""),
            "source": {"field": source.get("field", ""), "text": source.get("text", ""),
                       "span": list(source.get("span") or [])}}


def draw_of(interview: Interview) -> dict[str, Any]:
    """How the questions were drawn (the rule and the seed an audit re-runs), or {} when the whole bank was asked."""
    draw = interview.draw or {}
    return {"rule": draw.get("rule", {}), "seed": draw.get("seed", ""), "bank": len(draw.get("bank", []))} \
        if draw else {}


def _difficulty(question: dict[str, Any]) -> int:
    try:
        return int(question.get("difficulty", 2))
    except (TypeError, ValueError):
        return 2
