"""A suggested rubric for a question HR is writing (scoring/suggest.py), with a note saying in HR's words what it
was drafted from: the editor's 建议评分要点 and the open API's /rubric-suggestions answer the same. Nothing is
saved: HR edits the draft into the position and saves it."""
from __future__ import annotations

from typing import Any

from scoring import suggest

TEXT_MAX = 2000  # a question's text and each model answer, as the position rules allow them
ANSWERS_MAX = 3
NOTES = {
    "model_answers": "这是根据参考答案起草的建议评分要点，请逐条修改（要点名称、说明、关键词），点“保存”后才生效。",
    "behavioural": "没有参考答案：下面是行为题（讲一次经历）的通用评分要点，只是起点。"
                   "请按岗位改写，或先填写参考答案再生成。",
    "situational": "没有参考答案：下面是情境题（你会怎么做）的通用评分要点，只是起点。"
                   "请按岗位改写，或先填写参考答案再生成。",
}


def draft(question: str, model_answers: list[str]) -> dict[str, Any]:
    """{"basis", "kind", "points", "note"}: the suggested points (each valid as a position's rubric point) and the
    note; blank model answers are ignored, so none at all gives the generic draft for the question's kind."""
    drafted = suggest.rubric(question, model_answers)
    note = NOTES["model_answers" if drafted["basis"] == "model_answers" else drafted["kind"]]
    return {**drafted, "note": note}
