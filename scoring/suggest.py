"""A rubric suggested for a question HR wrote: drafted from the model answers HR pasted (one to three), the question
and its competency, for HR to accept or edit in the position editor. Nothing is scored with it until HR saves it.

From model answers: the longest is the skeleton. Its clauses, in order, are cut into at most four runs of nearly
equal length, one point each: the run is the point's description (HR shortens it), its first clause names it, its
distinctive words are the keywords (jieba TF-IDF, the question's own words left out), and the words of the clauses
of the other model answers that say the same step (cosine ≥ ALSO) are synonyms. The sentence encoder does not group
paraphrases across answers reliably enough (0.45 for the same step said two ways) to do more.

Without model answers the draft is generic: the parts a good
answer to that kind of question has (a behavioural question — 讲一次…经历 — asks for situation, action and result;
any other for concrete steps, the reason and what follows), each with words to look for, marked `generic` so the
editor says they are a starting point.
"""
from __future__ import annotations

import re
from typing import Any

import jieba.analyse
import numpy as np

from scoring import meaning

ALSO = 0.35        # a clause of another model answer this close says the same step: its words become synonyms
MAX_POINTS = 4
MIN_HANZI = 6      # shorter clauses (首先, 我会) are joined to the next by meaning.clauses; this skips leftovers
# Words that carry no point of their own (connectors, pronouns, hedges): never a keyword or a synonym.
FUNCTION_WORDS = frozenset({*meaning.CONNECTORS, "我会", "我们", "他们", "这是", "这个", "那个", "然后", "其次", "最后",
                            "首先", "一个", "一下", "自己", "可以", "就是", "还是", "如果", "因为", "所以", "需要",
                            "时候", "我先", "一些", "这样", "特征"})
BEHAVIOURAL = re.compile(r"经历|一次|曾经|讲讲|举例|举一个|当时|过去")
GENERIC = {
    "behavioural": [
        {"point": "具体情境", "description": "讲清一次真实的经历：时间、地点、自己的角色和面对的问题。",
         "keywords": ["当时", "那次", "负责"], "synonyms": ["有一次", "实习", "项目", "任务"]},
        {"point": "自己的行动", "description": "说明自己具体做了什么、为什么这样做，而不是团队的泛泛介绍。",
         "keywords": ["我先", "安排", "沟通", "解决"], "synonyms": ["主动", "处理", "调整", "协调"]},
        {"point": "结果与反思", "description": "说出结果（最好有数字）和自己学到或改进的地方。",
         "keywords": ["结果", "最终", "学到"], "synonyms": ["完成", "提升", "改进", "收获", "总结"]},
    ],
    "situational": [
        {"point": "具体步骤", "description": "按先后说出会采取的具体做法，而不是态度和口号。",
         "keywords": ["首先", "然后", "最后"], "synonyms": ["先", "再", "接着", "马上"]},
        {"point": "理由与规范", "description": "说明这样做的原因，符合哪些规定或原则。",
         "keywords": ["因为", "规定", "原则"], "synonyms": ["制度", "流程", "为了", "所以"]},
        {"point": "后续跟进", "description": "说明事后如何跟进、汇报或防止再次发生。",
         "keywords": ["跟进", "汇报", "总结"], "synonyms": ["回访", "上报", "改进", "记录"]},
    ],
}


def kind_of(question: str) -> str:
    """behavioural (讲一次…的经历) or situational (你会怎么做): what a generic draft asks for."""
    return "behavioural" if BEHAVIOURAL.search(question or "") else "situational"


def rubric(question: str, model_answers: list[str] | None = None) -> dict[str, Any]:
    """A suggested rubric: {"basis": "model_answers" | "generic", "kind", "points": [{point, description, keywords,
    synonyms}]}, every point valid as a position's rubric point."""
    answers = [a.strip() for a in model_answers or [] if a and a.strip()][:3]
    main = max(answers, key=len) if answers else ""
    parts = [c for c in meaning.clauses(main) if len(meaning.HANZI.findall(c)) >= MIN_HANZI]
    if not parts:
        return {"basis": "generic", "kind": kind_of(question),
                "points": [dict(p) for p in GENERIC[kind_of(question)]]}
    others = [c for a in answers if a != main for c in meaning.clauses(a) if len(meaning.HANZI.findall(c)) >= 4]
    steps = [parts[i:i + size] for i, size in _chunks(len(parts))]
    texts = ["，".join(step) for step in steps]
    near = (meaning.embed(texts) @ meaning.embed(others).T) if others else np.zeros((len(texts), 0))
    points = []
    for k, text in enumerate(texts):
        words = _words(text, question)
        said_also = [others[j] for j in np.argsort(-near[k])[:2] if near[k, j] >= ALSO] if others else []
        extra = [w for w in _words("，".join(said_also), question) if w not in words] if said_also else []
        if not words:
            continue
        points.append({"point": meaning.shorten(steps[k][0].strip("，,。 "), 12), "description": text.strip("，,。 "),
                       "keywords": words[:3], "synonyms": (extra + words[3:])[:6]})
    return {"basis": "model_answers", "kind": kind_of(question), "points": points}


def _chunks(n: int) -> list[tuple[int, int]]:
    """Cut n clauses, in order, into at most MAX_POINTS runs of nearly equal length: (start, size) each."""
    count = min(n, MAX_POINTS)
    sizes = [n // count + (1 if i < n % count else 0) for i in range(count)]
    return [(sum(sizes[:i]), size) for i, size in enumerate(sizes)]


def _words(text: str, question: str) -> list[str]:
    """The group's distinctive words, best first: TF-IDF over jieba's dictionary, the question's own words left out."""
    own = set(jieba.lcut(question or ""))
    return [w for w in jieba.analyse.extract_tags(text, topK=16) if w not in own and w not in FUNCTION_WORDS
            and len(w) >= 2 and meaning.HANZI.search(w)][:12]


