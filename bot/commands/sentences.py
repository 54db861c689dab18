"""Reading a candidate's message as sentences: clauses, negation, questions, and where each intent is mentioned.

A keyword found anywhere is not a request: "我不想退出人才库" says 退出人才库 and means the opposite, and
"怎么退出人才库？" asks how rather than asking for it. So a message is cut into clauses (at ，。！？；, at 但是 /
不过 / but), and each intent's phrasing found in a clause is read with what stands before it there: a negation
(the scorer's list in scoring/text.py, plus 并非 and English not/don't/never/no need) makes it negated, a question
word or mark anywhere in the clause makes it a question. Phrasings are matched by their spelling or, for Chinese of
three or more characters, by their fuzzy pinyin (退出人材库 is a typing slip for 退出人才库), through the scorer's
PinyinText; English phrasings allow a small misspelling.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from scoring.text import HANZI, NEGATION, PinyinText

CLAUSE = re.compile(r"([^,.!?;\n，。！？；、]+)([,.!?;\n，。！？；、]*)")
TURNS = re.compile(r"但是|不过|可是|\bbut\b|\bhowever\b", re.IGNORECASE)
CHINESE_NEGATION = (*NEGATION, "并非")
# Phrases that hold a negation character without negating what follows: masked before negation is looked for.
NOT_NEGATION = ("不好意思", "对不起", "不错", "不客气", "没问题", "没关系", "差不多", "不知道", "不清楚", "不太清楚",
                "要不要", "是不是", "能不能", "可不可以", "会不会", "有没有", "行不行", "好不好", "可以不",
                "未来", "特别", "区别", "分别", "告别", "别人", "别的", "识别", "不管", "不论", "不仅", "不但")
ENGLISH_NEGATION = re.compile(r"\b(?:not|never|no|don'?t|doesn'?t|didn'?t|won'?t|can'?t|cannot|wouldn'?t|"
                              r"shouldn'?t|isn'?t|aren'?t|haven'?t|hasn'?t|no need|no longer)\b")
CHINESE_QUESTION = ("吗", "嘛", "呢", "怎么", "怎样", "如何", "能不能", "可不可以", "是否", "什么", "为什么", "为啥",
                    "哪", "多久", "多长", "要不要", "会不会", "有没有", "是不是", "请问", "咋", "几点", "几天",
                    "几道", "几个", "想知道", "想问")
ENGLISH_QUESTION = re.compile(r"^(?:how|what|why|when|where|which|who|can i|could i|may i|do i|does|is it|"
                              r"is there|are|will|should i|would)\b|\bhow (?:to|do|can|long|many|much)\b")
ENGLISH_WORD = re.compile(r"[a-z0-9']+")
PAIR_GAP = 8  # characters at most between an action word and its object (请把我的面试录音删掉)
PAIR_MASKED = ("人工智能",)  # 人工 of 人工智能 is no person
CANNOT = ("不了", "不起", "不来", "不下")  # 接受不了, 删不了: the act cannot be done, it is not asked for
OTHER_PARTY = re.compile(r"别家|其他|其它|别的|另一家|另外一家|\bother\b|\banother\b")
# the candidate telling what they did (我把照片删了, 我已经删掉了, 我刚才不小心删了), not asking for it
_BEFORE = r"(?:已经|已|刚才|刚刚|刚|不小心|自己)"
OWN_DEED = re.compile(rf"(?<![帮给替让叫请])我{_BEFORE}*把|我{_BEFORE}+$")


@dataclass(frozen=True)
class Clause:
    """One clause of a message, normalised (NFKC, lower case), and whether it asks a question."""

    text: str
    question: bool

    def masked(self) -> str:
        """The clause with phrases like 不好意思 blanked out, offsets kept, so their 不 negates nothing."""
        out = self.text
        for phrase in NOT_NEGATION:
            out = out.replace(phrase, "_" * len(phrase))
        return out

    def negated_at(self, offset: int, phrase: str) -> bool:
        """Whether a negation stands before the phrase at offset in this clause. A phrase that starts with one
        (不参加, 别再给我发) is read as it is, so a negation before it negates the whole: 我没说不参加."""
        before = self.masked()[:offset]
        return any(neg in before for neg in CHINESE_NEGATION) or bool(ENGLISH_NEGATION.search(before))

    def negated_anywhere(self) -> bool:
        """Whether the clause says a negation anywhere (a confirmation must be free of any)."""
        masked = self.masked()
        return any(neg in masked for neg in CHINESE_NEGATION) or bool(ENGLISH_NEGATION.search(masked))

    def find(self, phrase: str, *, exact: bool = False) -> int:
        """Where the phrase starts in the clause (-1: nowhere), by spelling, else by pinyin or a near spelling."""
        at = -1 if phrase.isascii() else self.text.find(phrase)
        if at != -1 or (exact and not phrase.isascii()):
            return at
        if len(HANZI.findall(phrase)) >= 3:  # two syllables sound like too much else: 复核 and 符合
            found = PinyinText.of(self.text).find(phrase)
            return found[0] if found else -1
        if phrase.isascii():
            found = re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", self.text)
            if found or exact or len(phrase) < 6:
                return found.start() if found else -1
            return _near_english(self.text, phrase)
        return -1

    def find_pair(self, acts: tuple[str, ...], objects: tuple[str, ...]) -> tuple[int, int, str]:
        """Where an action word and what it acts on are said near each other, in either order (删掉我的信息,
        把我的资料删了): the pair's start, the action word's offset and the action word (negation is read before the
        action: 我的资料不要删); (-1, -1, "") when they are not. Words inside PAIR_MASKED (人工智能) count for
        nothing; an action that cannot be done (接受不了), another party's thing (别家的offer) and what the candidate
        says they did themselves (我把照片删了, 我已经删了) ask for nothing."""
        text = self.text
        for phrase in PAIR_MASKED:
            text = text.replace(phrase, "_" * len(phrase))
        best = (-1, -1, "")
        for act in acts:
            for act_at in _all(text, act):
                if _own_deed(text, act_at, act) or text.startswith(CANNOT, act_at + len(act)) \
                        or _negates_another(text, act_at, act, acts):
                    continue
                for thing in objects:
                    for thing_at in _all(text, thing):
                        gap = thing_at - (act_at + len(act)) if thing_at >= act_at else act_at - (thing_at + len(thing))
                        start, end = min(act_at, thing_at), max(act_at + len(act), thing_at + len(thing))
                        if 0 <= gap <= PAIR_GAP and not OTHER_PARTY.search(text[start:end]) \
                                and (best[0] == -1 or start < best[0]):
                            best = (start, act_at, act)
        return best


def _own_deed(text: str, act_at: int, act: str) -> bool:
    """Whether the act is told as the candidate's own deed: 我把照片删了, 我已经删了, 我删掉了简历里的一段."""
    before, after = text[:act_at], text[act_at + len(act):act_at + len(act) + 2]
    told = before.endswith("我") and "了" in after and not act.startswith(CHINESE_NEGATION)  # 我不去了: a will
    return bool(OWN_DEED.search(before)) or told


def _negates_another(text: str, act_at: int, act: str, acts: tuple[str, ...]) -> bool:
    """Whether an act that starts with a negation (不希望, 不打算) negates another act of the pair right after it:
    我不希望离开人才库 and 我不打算放弃面试 ask to stay, whichever order the object comes in."""
    if not act.startswith(CHINESE_NEGATION):
        return False
    tail = text[act_at + len(act):act_at + len(act) + PAIR_GAP]
    return any(other in tail for other in acts if not other.startswith(CHINESE_NEGATION))


def _all(text: str, word: str) -> list[int]:
    """Every offset where word starts in text."""
    return [m.start() for m in re.finditer(re.escape(word), text)]


def normalise(text: str) -> str:
    """Full-width letters, digits and punctuation as their ASCII forms; lower case; runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def clauses(text: str) -> list[Clause]:
    """The message's clauses in order, each marked as a question or not."""
    out = []
    for part in TURNS.split(normalise(text)):
        for match in CLAUSE.finditer(part):
            body, marks = match.group(1).strip(), match.group(2)
            if body:
                out.append(Clause(body, "?" in marks or is_question(body)))
    return out


def is_question(body: str) -> bool:
    """Whether a clause asks something (吗, 怎么, 如何, how, can I, …), the mark aside."""
    return any(word in body for word in CHINESE_QUESTION) or bool(ENGLISH_QUESTION.search(body))


def _near_english(text: str, phrase: str) -> int:
    """Where a run of words in text spells phrase with at most a slip or two (delet my data), or -1."""
    words = list(ENGLISH_WORD.finditer(text))
    size = len(phrase.split())
    first, last = phrase[0], phrase.split()[-1][0]
    for i in range(len(words) - size + 1):
        window = words[i:i + size]
        if (window[0].group(0)[0], window[-1].group(0)[0]) != (first, last):
            continue  # a slip keeps the first letters of the ends: "is the interview" is no "skip the interview"
        candidate = " ".join(w.group(0) for w in window)
        if difflib.SequenceMatcher(None, candidate, phrase).ratio() >= 0.88:
            return window[0].start()
    return -1
