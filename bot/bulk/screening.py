"""Screen candidate rows (bot.bulk.sheets) against a position's `screening:` rules and its job description.

Rules (education, major, years, required skills) decide pass or fail; a ranking score of 0-100 adds the
semantic match and what exceeds the minimum (degree, a related major, bonus skills, experience). Every verdict
says why, in plain Chinese, so a recruiter can check it.

The semantic match is a TF-IDF cosine of the résumé against the job description (plus the extra terms: the
position's questions and the rules' skills and majors, at half weight), over the words of jieba's full mode
(every dictionary word in the text, overlaps included, as search engines index: 中国建设银行 gives 建设银行 and
银行), stop words and single hanzi dropped, each synonym folded into its key before cutting. The IDF weights
are jieba's own table (jieba.analyse, the one scoring/text.py uses), not ones fitted to the uploaded sheet:
BM25 (rank_bm25, bm25s) takes its IDF from the batch, so one résumé's score would depend on who else was in the
file and a fixed threshold would mean different things from sheet to sheet; its raw scores have no fixed range
either. A cosine of fixed weights is 0-1 by construction and the same résumé always gets the same match. Term
counts are damped (1 + ln tf, three at most), and a résumé of fewer than MIN_TERMS distinct content words has
its match scaled down in proportion: cosine favours short texts, and a few keywords (or one repeated) are not a
résumé. On teller.yaml a teller's résumé scores 0.2-0.45, other bank or sales work about 0.1, a graduate's about
0.05, a programmer's about 0.02.

Speed: cutting is most of the cost, and full mode cuts about twice as fast as the default mode (it skips the
best-path search); the description is cut once per Screener, and each word's weight is looked up once.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jieba
import jieba.analyse

from bot.bulk.fields import EDUCATION_LEVELS, normalise_education
from scoring.text import HANZI, LATIN_WORD, STOPWORDS, negated

jieba.setLogLevel(logging.WARNING)

RANK = {"博士": 5, "硕士": 4, "本科": 3, "大专": 2, "高中": 1, "中专": 1, "其他": 0}
EDUCATION_POINTS = {"博士": 15, "硕士": 12, "本科": 10, "大专": 6, "高中": 2, "中专": 2, "其他": 0}
MATCH_POINTS, MATCH_FULL = 45, 0.4  # a match of 0.4 or more earns all 45 points
MAJOR_POINTS, BONUS_POINTS, BONUS_CAP, YEAR_POINTS, YEARS_CAP = 10, 5, 20, 2, 10
EXTRA_WEIGHT = 0.5  # questions and skills describe the job less directly than its description
MIN_TERMS = 30  # distinct content words of a résumé of ~80 characters; shorter ones get a smaller match
MAX_COUNT = 3  # occurrences of a word that still add weight
DEFAULTS: dict[str, Any] = {"education_min": None, "majors": [], "majors_required": False, "years_min": 0,
                            "years_max": None, "required_skills": [], "bonus_skills": [], "synonyms": {},
                            "match_min": 0.0, "auto_invite": False}
# Words every résumé has: they say nothing about fit for this job.
RESUME_STOPWORDS = frozenset("本人 具有 具备 能够 良好 较强 相关 工作 经验 负责 参与 期间 熟悉 熟练 掌握 一定 "
                             "以及 及其 进行 通过 主要 情况 方面 其中 曾经 目前 现在 毕业 大学 学院".split())
EMPTY_HINT = "请补上简历内容"  # what a row with no résumé text should change, unless the caller knows better
EDUCATION_IN_TEXT = re.compile(r"(博士|硕士|研究生|本科|大专|专科|中专|高中)\s*(?:学历|毕业|学位|文凭)"
                               r"|学历\s*[:：为是]?\s*(博士|硕士|研究生|本科|大专|专科|中专|高中)")


class RulesError(ValueError):
    """A `screening:` section is malformed; the message names the field."""


def _strings(raw: dict, key: str) -> list[str]:
    value = raw.get(key, DEFAULTS[key]) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"screening.{key} must be a list of words")
    return [v.strip() for v in value]


def _number(raw: dict, key: str, low: float, high: float, *, optional: bool = False) -> float | None:
    value = raw.get(key, DEFAULTS[key])
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise RulesError(f"screening.{key} must be a number from {low:g} to {high:g}"
                         + (" or null" if optional else "") + f" (got {value!r})")
    return float(value)


def parse_rules(raw: dict | None) -> dict:
    """Validate and normalise a position's `screening:` section; None gives rules everyone passes."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise RulesError("screening must be a mapping")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise RulesError(f"screening: unknown fields {unknown}; known: {list(DEFAULTS)}")
    education = raw.get("education_min")
    if education is not None:
        level = normalise_education(str(education))
        if level == "其他":
            raise RulesError(f"screening.education_min must be one of {list(EDUCATION_LEVELS[:-1])} "
                             f"(got {education!r})")
        education = level
    years_min = _number(raw, "years_min", 0, 60, optional=True) or 0.0
    years_max = _number(raw, "years_max", 0, 60, optional=True)
    if years_max is not None and years_max < years_min:
        raise RulesError(f"screening.years_max ({years_max:g}) is below years_min ({years_min:g})")
    synonyms = raw.get("synonyms") or {}
    if not isinstance(synonyms, dict) or not all(
            isinstance(k, str) and k.strip() and isinstance(v, list)
            and all(isinstance(w, str) and w.strip() for w in v) for k, v in synonyms.items()):
        raise RulesError("screening.synonyms must map a word to a list of words that mean the same")
    flags = {}
    for key in ("majors_required", "auto_invite"):
        flags[key] = raw.get(key, DEFAULTS[key])
        if not isinstance(flags[key], bool):
            raise RulesError(f"screening.{key} must be true or false (got {flags[key]!r})")
    majors = _strings(raw, "majors")
    if flags["majors_required"] and not majors:
        raise RulesError("screening.majors_required is true but screening.majors is empty")
    return {"education_min": education, "majors": majors, "majors_required": flags["majors_required"],
            "years_min": years_min, "years_max": years_max, "required_skills": _strings(raw, "required_skills"),
            "bonus_skills": _strings(raw, "bonus_skills"),
            "synonyms": {k.strip(): [w.strip() for w in v] for k, v in synonyms.items()},
            "match_min": _number(raw, "match_min", 0, 1), "auto_invite": flags["auto_invite"]}


@dataclass(frozen=True)
class Verdict:
    """Whether a candidate passes the rules, their ranking score (0-100), match (0-1) and the reasons."""
    passed: bool
    score: float
    match: float
    reasons: tuple[str, ...]


def _years(value: float) -> str:
    return f"{value:g}"


class Screener:
    """The rules and the job description of one position, prepared once for many résumés."""

    def __init__(self, rules: dict, job_description: str, extra_terms: Iterable[str] = ()):
        self.rules = parse_rules(rules)
        synonyms = self.rules["synonyms"]
        self._variants = {term: [term.lower(), *(w.lower() for w in synonyms.get(term, []))]
                          for term in {*self.rules["required_skills"], *self.rules["bonus_skills"],
                                       *self.rules["majors"], *synonyms}}
        folds = {w: term.lower() for term, words in self._variants.items() for w in words[1:] if w != term.lower()}
        self._folds = folds
        self._fold = re.compile("|".join(map(re.escape, sorted(folds, key=len, reverse=True)))) if folds else None
        tfidf = jieba.analyse.default_tfidf
        self._idf, self.median_idf = tfidf.idf_freq, tfidf.median_idf
        self._weights: dict[str, float] = {}
        extra = [*extra_terms, *self._variants]
        self._job = self.vector(job_description)
        for term, weight in self.vector(" ".join(extra)).items():
            self._job[term] = self._job.get(term, 0.0) + EXTRA_WEIGHT * weight
        self._job_norm = math.sqrt(sum(w * w for w in self._job.values()))

    def term_weight(self, word: str) -> float:
        """A word's IDF weight, 0 for stop words, single hanzi and punctuation (cached)."""
        weight = self._weights.get(word)
        if weight is None:
            keep = ((HANZI.search(word) and len(word) >= 2) or (LATIN_WORD.fullmatch(word) and len(word) >= 2)) \
                and word not in STOPWORDS and word not in RESUME_STOPWORDS
            weight = self._idf.get(word, self.median_idf) if keep else 0.0
            if len(self._weights) < 500_000:  # a bound for a worker that lives long
                self._weights[word] = weight
        return weight

    def vector(self, text: str) -> dict[str, float]:
        """The text's TF-IDF vector (damped counts × fixed IDF), not normalised; the talent pool uses it too."""
        text = text.lower()
        if self._fold is not None:
            text = self._fold.sub(lambda m: self._folds[m.group(0)], text)
        weights, vector = self._weights, {}
        for word, n in Counter(jieba.lcut(text, cut_all=True)).items():
            weight = weights.get(word)
            if weight is None:
                weight = self.term_weight(word)
            if weight:
                vector[word] = (1.0 + math.log(min(n, MAX_COUNT))) * weight
        return vector

    def match(self, resume: str) -> float:
        """The résumé's TF-IDF cosine with the job description (scaled down for very short résumés), 0-1."""
        if not resume.strip() or not self._job_norm:
            return 0.0
        vector = self.vector(resume)
        norm = math.sqrt(sum(w * w for w in vector.values()))
        job = self._job
        dot = sum(w * job[word] for word, w in vector.items() if word in job)
        return dot / (norm * self._job_norm) * min(1.0, len(vector) / MIN_TERMS) if norm else 0.0

    def _has(self, text: str, term: str) -> bool:
        for word in self._variants.get(term, [term.lower()]):
            start = text.find(word)
            while start != -1:
                if not negated(text, start, word):
                    return True
                start = text.find(word, start + 1)
        return False

    def screen(self, fields: dict, empty_hint: str = EMPTY_HINT) -> Verdict:
        """Screen one candidate (a Row's fields) against the rules; say why, and for a row with no résumé text
        what to change (`empty_hint`: the sheet knows whether its résumé column is missing or this cell empty)."""
        rules, fails, notes, score = self.rules, [], [], 0.0
        resume = str(fields.get("resume") or "")
        text = resume.lower()

        education, inferred = str(fields.get("education") or ""), False
        if not education or education == "其他":
            found = EDUCATION_IN_TEXT.search(resume)
            if found:
                education, inferred = normalise_education(found.group(1) or found.group(2)), True
        education = normalise_education(education) if education else ""
        label = f"学历 {education}" + ("（从简历推断）" if inferred else "")
        minimum = rules["education_min"]
        if minimum and not education:
            fails.append(f"未填写学历，要求 {minimum} 及以上")
        elif minimum and education == "其他":
            fails.append(f"学历无法确认（不是博士、硕士、本科、大专、高中或中专），要求 {minimum} 及以上")
        elif minimum and RANK[education] < RANK[minimum]:
            fails.append(f"{label} 低于要求的 {minimum}")
        elif education and education != "其他":
            score += EDUCATION_POINTS[education]
            notes.append(f"{label} (+{EDUCATION_POINTS[education]})")

        if rules["majors"]:
            major = str(fields.get("major") or "").strip()
            hit = major and next((m for m in rules["majors"] if self._has(major.lower(), m)), None)
            wanted = "、".join(rules["majors"])
            if hit:
                score += MAJOR_POINTS
                notes.append(f"专业 {major} 与岗位相关 (+{MAJOR_POINTS})")
            elif rules["majors_required"]:
                fails.append(f"专业 {major} 不在要求的专业内（{wanted}）" if major
                             else f"未填写专业，要求 {wanted} 相关专业")
            elif major:
                notes.append(f"专业 {major} 与岗位不直接相关")

        years = fields.get("years")
        if isinstance(years, (int, float)):
            if years < rules["years_min"]:
                fails.append(f"工作年限 {_years(years)} 年，低于要求的 {_years(rules['years_min'])} 年")
            elif rules["years_max"] is not None and years > rules["years_max"]:
                fails.append(f"工作年限 {_years(years)} 年，超过上限 {_years(rules['years_max'])} 年")
            elif years > 0:
                points = min(YEARS_CAP, round(YEAR_POINTS * years))
                score += points
                notes.append(f"工作年限 {_years(years)} 年 (+{points})")
        elif rules["years_min"] > 0:
            fails.append(f"未填写工作年限，要求至少 {_years(rules['years_min'])} 年")

        missing = [s for s in rules["required_skills"] if not self._has(text, s)]
        if missing:
            fails.append(f"缺少必备技能：{'、'.join(missing)}")
        elif rules["required_skills"]:
            notes.append(f"必备技能齐全：{'、'.join(rules['required_skills'])}")
        bonus = [s for s in rules["bonus_skills"] if self._has(text, s)]
        if bonus:
            points = min(BONUS_CAP, BONUS_POINTS * len(bonus))
            score += points
            notes.append(f"加分技能：{'、'.join(bonus)} (+{points})")

        match = self.match(resume)
        points = round(MATCH_POINTS * min(1.0, match / MATCH_FULL))
        score += points
        if not resume.strip() and rules["match_min"] > 0:
            fails.append(f"没有简历内容：{empty_hint}（匹配度记为 0，要求至少 {rules['match_min']:.2f}）")
        elif not resume.strip():
            notes.append("没有简历内容，匹配度记为 0")
        elif match < rules["match_min"]:
            fails.append(f"简历与岗位描述匹配度 {match:.2f}，低于 {rules['match_min']:.2f}")
        else:
            notes.append(f"简历与岗位描述匹配度 {match:.2f} (+{points})")
        return Verdict(not fails, float(min(100, score)), round(match, 4), tuple(fails + notes))

    def screen_many(self, rows: list[dict], empty_hint: str = EMPTY_HINT) -> list[Verdict]:
        """Screen many candidates (Row fields), in order."""
        return [self.screen(fields, empty_hint) for fields in rows]
