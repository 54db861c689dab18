"""What an answer says: rubric coverage, relevance, structure, specificity, length and filler words.

A rubric point is made by meaning (scoring/meaning.py: its description against the answer's clauses, with a sentence
encoder) or by its keywords, which lift a point the encoder missed but never make it whole alone (`combined_rubric`).
Gaming (read back, recited, keyword list, padding) is reported beside them.

Pure functions over Simplified Chinese text (transcripts are converted before they get here). Whisper base
writes homophones (倾听→轻听, 大堂→大唐, 按时→暗示), so in a transcript (`spoken=True`) rubric keywords and red
flags also match by toneless pinyin with the common accent mergers (zh/z, ch/c, sh/s, n/l, in/ing, en/eng); a
typed answer matches them literally (经理 is not 经历 when the candidate wrote it). Relevance compares pinyin keys.

A negation negates what it governs, not its clause (`negated`): in 金额不大的话我就自己先补 不 negates 大 only,
while in 不跟他说一定能赚 the saying, and what is said, are negated. Only real figures count as specific detail:
digits, percentages, amounts and Chinese numerals with a magnitude or a unit of money (三十万元, 百分之二十, 两万元,
一百多笔), not counting words (一个、两个、一次、几个).
"""
from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba
import jieba.analyse
import jieba.posseg
from pypinyin import Style, lazy_pinyin

from scoring import meaning

jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading at INFO on every first cut
HANZI = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]+")
TOKEN = re.compile(r"[A-Za-z0-9]+|\S")  # a Latin word or number, or any other single character
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
NEGATION = ("不", "没", "别", "未", "无需", "不用", "不必")
# Where a negation's scope ends: a connective that opens the next predicate (金额不大的话|我就自己先补).
SCOPE_ENDS = ("的话", "就", "才", "那么", "但", "可是", "而是", "所以", "然后", "否则", "不过", "只是", "要不")
DEGREE = ("太", "很", "怎么", "那么", "特别", "算", "是很")  # 不太多: the negation reaches past these
STATES = ("大", "小", "多", "少", "高", "低", "够", "对", "好", "行", "错", "贵", "急", "难", "重", "严重", "清楚")
ENGLISH_NEGATION = re.compile(r"\b(?:not|never|no|don't|won't|wouldn't|didn't|cannot|can't)\s+(?:\w+\s+)?$")

# Cue words, by what they show. Lists are deliberately short and common; a cue counts once per answer.
ORDER_CUES = ("首先", "第一", "其次", "第二", "然后", "接着", "再次", "第三", "最后", "一是", "二是", "三是",
              "一方面", "另一方面", "之后", "接下来", "随后", "事后", "第一时间", "first", "second", "then",
              "next", "finally", "先", "再")
WEAK_ORDER_CUES = ("先", "再", "then")  # common inside other words and phrases: they only add a little
CAUSAL_CUES = ("因为", "所以", "因此", "由于", "为了", "如果", "那么", "但是", "不过", "否则", "既然", "这样",
               "要是", "的话", "不然", "免得", "说明", "只要", "反而", "because", "so that", "therefore", "if ",
               "however")
EXAMPLE_CUES = ("比如", "例如", "举个例子", "举例", "有一次", "那次", "当时", "记得", "像是", "for example",
                "for instance", "once")
SUMMARY_CUES = ("总之", "总的来说", "综上", "总结", "归根结底", "我学到", "学到")
STAR_CUES = {
    "情境": ("当时", "那次", "有一次", "那时候", "去年", "实习", "期间"),
    "任务": ("任务", "目标", "负责", "需要", "要求", "截止"),
    "行动": ("我先", "我就", "我会", "安排", "计划", "主动", "采取", "处理"),
    "结果": ("结果", "最终", "完成", "达到", "提升", "减少", "按时", "学到", "收获"),
}
# Spoken fillers. Ambiguous ones (这个/那个/就是/然后) count only when a pause mark follows them.
FILLERS_ALWAYS = ("嗯", "呃", "额", "唔", "就是说", "然后呢", "怎么说呢")
FILLERS_BEFORE_PAUSE = ("这个", "那个", "就是", "然后", "啊", "吧")
PAUSE_MARKS = "，,。、…"
_UNITS = "个|年|月|天|次|元|块钱|块|万|亿|笔|位|名|分钟|小时|周|岁|倍|份|人|家|项|户|张|成"
_CN = "零〇一二两三四五六七八九十百千万亿"
NUMBER = re.compile(  # real figures only; 一个、两个、一次 are counting words
    r"\d+(?:\.\d+)?\s*(?:%|％|‰|" + _UNITS + r")?"                        # 3次, 20%, 5万, 2024
    r"|百分之[零〇一二两三四五六七八九十百点]+"                                   # 百分之二十
    r"|(?<![几数多])[" + _CN + r"]*[十百千万亿][" + _CN + r"]*[多余]?(?:" + _UNITS + r")"  # 三十万元, 一百多笔
    r"|[零〇一二两三四五六七八九](?:点[零〇一二三四五六七八九]+)?(?:万元|万|亿元|亿|千元|元|块钱|倍|成)")  # 两万元

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def use_cache_dir(folder: Path) -> None:
    """Keep jieba's dictionary cache (9 MB, written on its first use) in folder instead of the temp dir."""
    folder.mkdir(parents=True, exist_ok=True)
    jieba.dt.cache_file = str(folder / "jieba.cache")


def fuzzy(syllable: str) -> str:
    """Fold a toneless pinyin syllable across the usual mergers, so homophones and near-homophones meet."""
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    if syllable.startswith("n"):
        syllable = "l" + syllable[1:]
    if syllable.endswith("ing"):
        syllable = syllable[:-1]
    elif syllable.endswith("eng") and syllable != "eng":
        syllable = syllable[:-1]
    return syllable


@functools.lru_cache(maxsize=4096)
def pinyin_key(word: str) -> str:
    """The fuzzy pinyin of a word, syllables joined by spaces ('倾听' and '轻听' both give 'qin tin')."""
    keys = []
    for token in TOKEN.findall(word):
        keys.append(fuzzy(lazy_pinyin(token, style=Style.NORMAL)[0]) if HANZI.match(token) else token.lower())
    return " ".join(keys)


@dataclass(frozen=True)
class PinyinText:
    """A text as fuzzy pinyin (one syllable per hanzi; Latin words and numbers whole), and for each token
    where its key starts in that string → where the token starts in the text."""
    text: str
    keys: str
    starts: dict[int, int]

    @classmethod
    @functools.lru_cache(maxsize=32)  # rubric points and red flags search the same answer
    def of(cls, text: str) -> PinyinText:
        parts, starts, pos = [], [], 1
        for match in TOKEN.finditer(text):
            token = match.group(0)
            key = fuzzy(lazy_pinyin(token)[0]) if HANZI.match(token) else token.lower()
            starts.append((pos, match.start()))
            parts.append(key)
            pos += len(key) + 1
        keys = " " + " ".join(parts) + " "
        return cls(text, keys, dict(starts))

    def find(self, word: str) -> list[int]:
        """Character offsets where word occurs, by the same pinyin (which includes the exact spelling)."""
        needle = f" {pinyin_key(word.lower())} "
        found, at = [], self.keys.find(needle)
        while at != -1:
            if at + 1 in self.starts:
                found.append(self.starts[at + 1])
            at = self.keys.find(needle, at + 1)
        return found


def content_chars(text: str) -> int:
    """Length of what was said: hanzi plus Latin words (an English answer counts words as units)."""
    return len(HANZI.findall(text)) + len(LATIN_WORD.findall(text))


def sentences(text: str) -> list[str]:
    """The text's sentences, stripped, in order."""
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


def quote_around(text: str, offset: int, limit: int = 40) -> str:
    """The sentence holding offset, shortened to about limit characters around it."""
    start = max(text.rfind(mark, 0, offset) for mark in "。！？!?；;\n，,") + 1
    ends = [i for i in (text.find(mark, offset) for mark in "。！？!?；;\n") if i != -1]
    end = min(ends) if ends else len(text)
    quote = text[start:end].strip(" ，,")
    if len(quote) > limit:
        quote = quote[:limit] + "…"
    return quote


def negated(text: str, offset: int, word: str, *, reach: int = 1) -> bool:
    """Whether a negation governs the word at offset: one just before it (不上报), or, with reach n, one up to n
    characters before it in the same clause whose scope runs on to it (不跟他说一定能赚). A negation's scope is what
    it governs: it ends after an adjective or quantity (不大, 不太多), at a connective that opens the next
    predicate (的话, 就, 但是…) and at the clause's end. A word that is a negation itself (不用上报) counts as is,
    unless a negation before it governs it in turn (不是不用上报)."""
    clause_start = max([text.rfind(mark, 0, offset) for mark in "。！？!?；;，,\n"]) + 1
    start = max(clause_start, offset - reach - 2)
    window = text[start:offset]
    for neg in NEGATION:
        at = window.find(neg)
        while at != -1:
            if _governs(text[start + at + len(neg):offset]):
                return True
            at = window.find(neg, at + 1)
    return bool(ENGLISH_NEGATION.search(text[max(0, offset - 24):offset].lower()))


def _governs(gap: str) -> bool:
    """Whether a negation followed by gap reaches what comes after the gap."""
    if not gap:
        return True
    if any(end in gap for end in SCOPE_ENDS) or gap[0] in "的了":  # 不大的, 没了: the negated predicate ended
        return False
    words = [(w.word, w.flag) for w in jieba.posseg.lcut(gap)]
    while words and words[0][0] in DEGREE and len(words) > 1:
        words = words[1:]
    first, flag = words[0]
    if first in NEGATION or first in ("有", "是", "会", "能", "要", "用"):
        return True
    # An adjective or quantity is all a negation governs (不大 negates 大): what follows is outside its scope.
    return not (flag.startswith(("a", "m")) or first in STATES)


def find(text: str, word: str, *, spoken: bool) -> list[int]:
    """Character offsets where word occurs: by pinyin in a transcript (homophones included), else literally (a
    Latin word whole, ignoring case)."""
    if spoken:
        return PinyinText.of(text).find(word)
    pattern = re.escape(word.lower())
    if LATIN_WORD.match(word):
        pattern = r"(?<![a-z0-9])" + pattern
    if LATIN_WORD.fullmatch(word[-1:] or "-"):
        pattern += r"(?![a-z0-9])"
    return [m.start() for m in re.finditer(pattern, text.lower())]


def rubric_coverage(text: str, rubric: list[dict[str, Any]], *, spoken: bool = False) -> dict[str, Any]:
    """Score each rubric point: 1 for a keyword, 0.8 for a synonym only; in a transcript, homophone matches are
    flagged (exact False)."""
    points, total = [], 0.0
    for point in rubric:
        hits = []
        for weight, words in ((1.0, point.get("keywords") or []), (0.8, point.get("synonyms") or [])):
            for word in words:
                for offset in find(text, word, spoken=spoken):
                    heard = text[offset:offset + len(word)]
                    if negated(text, offset, word):
                        continue
                    hits.append({"word": word, "heard": heard, "exact": heard == word, "weight": weight,
                                 "quote": quote_around(text, offset)})
                    break
        score = max((h["weight"] for h in hits), default=0.0)
        total += score
        points.append({"point": point["point"], "hit": bool(hits), "score": score, "matches": hits[:4]})
    return {"coverage": total / len(rubric) if rubric else 0.0, "points": points,
            "hit": [p["point"] for p in points if p["hit"]], "missed": [p["point"] for p in points if not p["hit"]]}


def red_flags(text: str, flags: list[str], *, spoken: bool = False) -> list[dict[str, Any]]:
    """Phrases of a wrong or non-compliant practice (自己垫付, 保证收益) that the answer says, un-negated."""
    found = []
    for flag in flags:
        for offset in find(text, flag, spoken=spoken):
            if not negated(text, offset, flag, reach=8):  # be slow to accuse: 不跟他说一定能赚 is not a flag
                heard = text[offset:offset + len(flag)]
                found.append({"word": flag, "heard": heard, "quote": quote_around(text, offset)})
                break
    return found


@functools.lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    tfidf = jieba.analyse.default_tfidf
    return tfidf.idf_freq, tfidf.median_idf


STOPWORDS = frozenset("的 了 是 我 你 他 她 它 们 在 和 就 也 都 这 那 有 会 要 吧 吗 呢 啊 嗯 很 还 "
                      "一个 我们 你们 他们 这个 那个 什么 怎么 自己 可以 一下 因为 所以 然后 "
                      "如果 就是 还是 或者 但是 不是 没有 觉得 时候".split())


def weighted_terms(text: str) -> Counter:
    """TF-IDF weights of the text's content words, keyed by fuzzy pinyin (so homophones share a key)."""
    idf, median = _idf()
    counts: Counter = Counter()
    for word in jieba.cut(text):
        word = word.strip()
        if len(word) < 2 and not LATIN_WORD.fullmatch(word or "-"):
            continue
        if word in STOPWORDS or not (HANZI.search(word) or LATIN_WORD.search(word)):
            continue
        counts[pinyin_key(word.lower())] += idf.get(word, median)
    return counts


def cosine(a: Counter, b: Counter) -> float:
    """Cosine similarity of two sparse weight vectors."""
    dot = sum(weight * b[key] for key, weight in a.items() if key in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def rubric_reference(question: dict[str, Any]) -> str:
    """The question's own vocabulary: its text and every rubric keyword and synonym."""
    words = [question.get("text", "")]
    for point in question.get("rubric") or []:
        words += [point.get("point", ""), *(point.get("keywords") or []), *(point.get("synonyms") or [])]
    return " ".join(words)


def relevance(text: str, reference: str) -> float:
    """How much the answer talks about the reference's subject: TF-IDF cosine, scaled so 0.25 reads as 1."""
    return min(1.0, cosine(weighted_terms(text), _reference_terms(reference)) / 0.25)


@functools.lru_cache(maxsize=64)
def _reference_terms(reference: str) -> Counter:
    """A question's or position's vocabulary weights: the same for every answer, so computed once."""
    return weighted_terms(reference)


def cues_found(text: str, cues: tuple[str, ...]) -> list[str]:
    """The cue words present in the text (each once, in cue order)."""
    lowered = text.lower()
    return [cue for cue in cues if cue in lowered]


def structure(text: str) -> dict[str, Any]:
    """Signs of an organised answer: ordered steps, reasons, examples, a conclusion, the STAR parts."""
    order = cues_found(text, ORDER_CUES)
    order_strong = [c for c in order if c not in WEAK_ORDER_CUES]
    causal, examples, summary = (cues_found(text, c) for c in (CAUSAL_CUES, EXAMPLE_CUES, SUMMARY_CUES))
    star = {part: cues_found(text, cues) for part, cues in STAR_CUES.items()}
    star_parts = [part for part, found in star.items() if found]
    steps = min(1.0, len(order_strong) / 2 + 0.25 * (len(order) > len(order_strong)))
    score = (0.35 * steps + 0.25 * min(1.0, len(causal) / 2) + 0.2 * min(1.0, len(examples) + len(summary))
             + 0.2 * len(star_parts) / len(STAR_CUES))
    return {"score": round(min(1.0, score), 3), "order": order, "causal": causal, "examples": examples,
            "summary": summary, "star": star_parts, "sentences": len(sentences(text))}


# What a good answer does, with or without a rubric: says what the speaker would do (clauses with an action), why
# (a stated reason or purpose), and owns it (我会…, not 看情况/听安排). Measured for the questions without a rubric,
# where nothing else tells an answer that acts from one that only talks about the topic.
OWNERSHIP_CUES = ("我会", "我先", "我来", "我就", "我去", "我马上", "我立刻", "我主动", "我负责", "我自己", "我们会",
                  "我及时", "我一定", "I will", "I'd", "I would")
REASON_CUES = ("因为", "为了", "防止", "以免", "避免", "否则", "以便", "确保", "保证", "不然", "这样", "所以",
               "because", "so that")
NOT_ACTIONS = frozenset("是 有 觉得 认为 希望 知道 想 会 要 能 可以 应该 需要 就是 说 感觉 喜欢 看 没有 在 算 像 "
                        "叫 让 使 得 成 变 显得 属于 值得".split())
ACTIONS_FULL = 5  # action clauses for a full action score (excellent answers here: 5–12; weak: 1–2)


def craft(text: str) -> dict[str, Any]:
    """Action, reason and ownership: clauses of four or more hanzi with a verb that is not a copula, modal or opinion
    word (jieba's part-of-speech tags), reason cues, ownership cues."""
    actions = 0
    for clause in meaning.clauses(text):
        if len(HANZI.findall(clause)) < 4:
            continue
        if any(flag.startswith("v") and word not in NOT_ACTIONS for word, flag in jieba.posseg.cut(clause)):
            actions += 1
    reasons, owned = cues_found(text, REASON_CUES), cues_found(text, OWNERSHIP_CUES)
    score = 0.55 * min(1.0, actions / ACTIONS_FULL) + 0.25 * min(1.0, len(reasons) / 2) + 0.2 * bool(owned)
    return {"score": round(score, 3), "actions": actions, "reasons": reasons, "ownership": owned}


def specificity(text: str) -> dict[str, Any]:
    """Concrete detail: numbers with units and concrete examples."""
    numbers = [m.group(0) for m in NUMBER.finditer(text)]
    examples = cues_found(text, EXAMPLE_CUES)
    return {"score": round(min(1.0, (len(numbers) + len(examples)) / 3), 3), "numbers": numbers[:8],
            "examples": examples}


def fillers(text: str) -> dict[str, Any]:
    """Filler words (嗯/呃/就是说…; 那个/这个/然后 only when a pause mark follows them)."""
    found: Counter = Counter()
    for word in FILLERS_ALWAYS:
        found[word] += text.count(word)
    for word in FILLERS_BEFORE_PAUSE:
        found[word] += sum(text.count(word + mark) for mark in PAUSE_MARKS)
    found = Counter({w: n for w, n in found.items() if n})
    chars = max(1, content_chars(text))
    return {"count": sum(found.values()), "per_100_chars": round(100 * sum(found.values()) / chars, 2),
            "words": dict(found.most_common(5))}


def length_adequacy(chars: int, target: int) -> float:
    """0 below a fifth of the target length, 1 at the target, and a gentle cap for rambling (3× target)."""
    if chars <= target * 0.2:
        return 0.0
    score = min(1.0, (chars - target * 0.2) / (target * 0.8))
    if chars > target * 3:
        score = max(0.6, 1.0 - (chars - target * 3) / (target * 6))
    return round(score, 3)


# A rubric's coverage is at least this share of how closely the answer addresses the question (meaning.analyse's
# `addressed`): a short answer on the point in words the rubric did not foresee, or a transcript too garbled for the
# points (让客户端注视的时候… for 重试), is not worth nothing. On the development set: rho 0.895 → 0.913 (genuine
# answers), gaming below every adequate answer 24 → 38 of 51 (the adequate answers rose); 0.8 lifted weak answers.
ADDRESSED_SHARE = 0.6
KEYWORD_SHARE = 0.8  # a keyword hit alone makes 80% of a point; what the clause means makes the rest, or all of it
HIT = 0.5             # a point whose combined score reaches this is answered (listed as hit, quoted as evidence)
CRAFT_BASE, CRAFT_GAIN = 0.4, 0.9  # without a rubric, coverage is how closely the answer addresses the question ×
# min(1, 0.4 + 0.9 craft): an answer that acts, with a reason and as its own (craft ≥ 0.67), keeps all of it


def combined_rubric(keywords: dict[str, Any], sense: dict[str, Any], craft_score: float = 1.0) -> dict[str, Any]:
    """Each point's score from its meaning match and its keyword match: max(meaning, 0.8 keyword + 0.2 meaning).

    Meaning alone can make a point in the candidate's own words; a keyword (pinyin-tolerant in a transcript) lifts a
    point the encoder missed, e.g. in a garbled transcript, but never makes it whole on its own. craft_score
    (`craft`) scales what stands in for the points: the rubric's question-similarity floor, and, with neither rubric
    nor model answer, the similarity to the question itself."""
    if sense["basis"] != "rubric":  # no keywords to boost: the model answers' sentences, or the question itself
        keywords = {"coverage": 0.0, "points": [{"point": p["point"], "score": 0.0, "matches": []}
                                                for p in sense["points"]]}
    points, total = [], 0.0
    for kw, mn in zip(keywords["points"], sense["points"], strict=True):
        score = max(mn["score"], KEYWORD_SHARE * kw["score"] + (1 - KEYWORD_SHARE) * mn["score"])
        matches = list(kw["matches"])
        if mn["score"] >= HIT and mn["quote"]:
            matches.insert(0, {"word": "", "heard": mn["quote"], "exact": True, "weight": mn["score"],
                               "quote": mn["quote"], "by": "meaning"})
        total += score
        points.append({"point": kw["point"], "hit": score >= HIT, "score": round(score, 3), "keyword": kw["score"],
                       "meaning": mn["score"], "similarity": mn["similarity"], "matches": matches[:4]})
    coverage = total / len(points) if points and sense["basis"] == "rubric" else sense["coverage"]
    acts = min(1.0, CRAFT_BASE + CRAFT_GAIN * craft_score)  # what stands in for the points is for an answer that acts
    if sense["basis"] == "rubric":  # a short answer on the point, in words the rubric did not foresee
        coverage = max(coverage, ADDRESSED_SHARE * sense.get("addressed", 0.0) * acts)
    elif sense["basis"] == "question":  # nothing to cover but the question: on topic, and acting on it
        coverage *= acts
    return {"coverage": round(coverage, 3), "points": points,
            "basis": sense["basis"],
            "keyword_coverage": round(keywords["coverage"], 3), "meaning_coverage": sense["coverage"],
            "hit": [p["point"] for p in points if p["hit"]], "missed": [p["point"] for p in points if not p["hit"]]}


def analyse(text: str, question: dict[str, Any], position_reference: str, *, target_chars: int = 100,
            spoken: bool = False, profile: tuple[str, ...] = (), custom: dict[str, str] | None = None) -> dict:
    """Every text signal of one answer to one question; spoken: text is a transcript (words match by pinyin);
    profile: what the position asks of a person (meaning.profile), for 岗位适配性; custom: the position's own
    dimensions with their sentences (合规意识 → …), each matched by meaning."""
    chars = content_chars(text)
    sense = meaning.analyse(text, question, target_chars=target_chars)
    made = craft(text)
    return {
        "chars": chars,
        "rubric": combined_rubric(rubric_coverage(text, question.get("rubric") or [], spoken=spoken), sense,
                                  made["score"]),
        "craft": made,
        "relevance": round(relevance(text, rubric_reference(question)), 3),
        # stored, not scored: raising relevance with it lifted topical but wrong answers (docs/scoring.md)
        "question_similarity": sense["question_similarity"],
        "gaming": sense["gaming"],
        "position_relevance": round(relevance(text, position_reference), 3),
        "structure": structure(text),
        "specificity": specificity(text),
        "fillers": fillers(text),
        "length": {"chars": chars, "target": target_chars, "score": length_adequacy(chars, target_chars)},
        "fit": meaning.fit(text, profile, custom) if profile or custom else None,
        "red_flags": red_flags(text, question.get("red_flags") or [], spoken=spoken),
    }


def position_reference(description: str, questions: list[dict[str, Any]]) -> str:
    """The position's vocabulary: its description and every question's text and rubric words."""
    return " ".join([description, *(rubric_reference(q) for q in questions)])
