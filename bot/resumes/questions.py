"""Questions built from a candidate's résumé (根据简历生成的个性化问题), by rules HR can read and edit per position.

A rule says when it applies (``when``: an experience, a certificate, a job change, a gap of more than six months, a
skill with no evidence, a major unrelated to the position, or a fallback), which entries it looks at (``kinds``,
``employer``, ``names``, ``related``), the question's template with {slots} filled from the parsed résumé, and the
rubric points its answer is scored by (the schema of a bank question's). config/personalised.yaml holds the shipped
rules; a position's ``personalised`` key may change the count (0-2) or replace the rules.

The rules are tried in order, each gives at most one question, and two questions never come from the same line;
the fallbacks come last. Which entry a rule takes, when several fit, is drawn with the invitation's seed, so the
same invitation always gets the same questions. Each question records the rule and the résumé line it came from.
"""
from __future__ import annotations

import functools
import random
import re
import string
from pathlib import Path
from typing import Any

import yaml

from bot.resumes import corrections
from bot.resumes.model import Resume, Value
from bot.store.models import Resume as ResumeRow

DEFAULTS = Path(__file__).resolve().parents[2] / "config" / "personalised.yaml"
MAX_COUNT = 2
SLOTS = {"experience": ("employer", "title", "start", "end"), "certificate": ("certificate",),
         "change": ("employer", "next_employer"), "gap": ("start", "end", "months", "after", "before"),
         "skill": ("skill",), "major": ("major", "position"), "fallback": ("entry",)}
FILTERS = {"experience": ("kinds", "employer"), "certificate": ("names",), "major": ("related",)}
RULE_KEYS = ("key", "when", "text", "text_en", "competency", "difficulty", "red_flags", "rubric", "kinds", "employer",
             "names", "related")
KINDS = ("work", "internship", "project")
RULE_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")
SLOT_CHARS = 60
LINE_CHARS = 200
DEFAULT_COMPETENCY = "简历追问"
ERASED_TEXT = "（根据简历生成的问题，内容已随候选人的删除请求清除）"


class RulesError(ValueError):
    """A ``personalised`` block breaks a rule; ``field`` is the path inside it (``rules[2].text``, ``count``)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _require(cond: bool, message: str, field: str) -> None:
    if not cond:
        raise RulesError(message, field)


def parse_rules(raw: Any) -> dict[str, Any]:
    """Check a ``personalised`` block ({count, rules}); return it as stored (only what it sets: a position that sets
    the count alone follows the shipped rules). The rubric of each rule is checked by the position's own rules."""
    _require(isinstance(raw, dict), "personalised must be a mapping with count and/or rules", "")
    for key in raw:
        _require(key in ("count", "rules"), f"unknown key {key!r}; known: count, rules", str(key))
    out: dict[str, Any] = {}
    if "count" in raw:
        count = raw["count"]
        _require(type(count) is int and 0 <= count <= MAX_COUNT,
                 f"count must be a whole number from 0 to {MAX_COUNT} (got {count!r})", "count")
        out["count"] = count
    if "rules" in raw:
        rules = raw["rules"]
        _require(isinstance(rules, list), "rules must be a list of rules", "rules")
        _require(len(rules) <= 30, "at most 30 rules", "rules")
        seen: set[str] = set()
        out["rules"] = [_rule(rule, i, seen) for i, rule in enumerate(rules)]
    return out


def _rule(rule: Any, i: int, seen: set[str]) -> dict[str, Any]:
    at = f"rules[{i}]"
    _require(isinstance(rule, dict), f"rule {i + 1} must be a mapping with key, when and text", at)
    for key in rule:
        _require(key in RULE_KEYS, f"rule {i + 1}: unknown key {key!r}; known: {', '.join(RULE_KEYS)}",
                 f"{at}.{key}")
    name = rule.get("key")
    _require(isinstance(name, str) and RULE_KEY.fullmatch(name) is not None,
             f"rule {i + 1}: key must be 1-40 letters, digits, - or _ (got {name!r})", f"{at}.key")
    _require(name not in seen, f"rule key {name!r} is repeated", f"{at}.key")
    seen.add(name)
    when = rule.get("when")
    _require(when in SLOTS, f"rule {name}: when must be one of {', '.join(SLOTS)} (got {when!r})", f"{at}.when")
    for key in ("text", "text_en"):
        if key == "text_en" and key not in rule:
            continue
        _template(rule.get(key), name, when, key, f"{at}.{key}")
    for key in ("kinds", "employer", "names", "related"):
        if key not in rule:
            continue
        _require(key in FILTERS.get(when, ()), f"rule {name}: {key} does not apply to a '{when}' rule",
                 f"{at}.{key}")
        words = rule[key]
        _require(isinstance(words, list) and words and all(isinstance(w, str) and w.strip() for w in words),
                 f"rule {name}: {key} must be a non-empty list of words", f"{at}.{key}")
        if key == "kinds":
            _require(set(words) <= set(KINDS), f"rule {name}: kinds must be among {', '.join(KINDS)}",
                     f"{at}.kinds")
    _require(when != "major" or "related" in rule,
             f"rule {name}: a 'major' rule needs related: the words a related major contains", f"{at}.related")
    return {k: rule[k] for k in RULE_KEYS if k in rule}


def _template(text: Any, name: str, when: str, key: str, field: str) -> None:
    """A question's template: text of at most 2000 characters whose {slots} are those its rule's `when` fills."""
    _require(isinstance(text, str) and text.strip() and len(text) <= 2000,
             f"rule {name}: {key} must be the question, at most 2000 characters", field)
    try:
        slots = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise RulesError(f"rule {name}: {key} has a stray brace ({exc}); write slots as {{employer}}", field) from None
    for slot in slots:
        _require(slot in SLOTS[when], f"rule {name}: unknown slot {{{slot}}}; a '{when}' rule fills "
                 f"{', '.join('{' + s + '}' for s in SLOTS[when])}", field)


@functools.lru_cache(maxsize=1)
def defaults() -> dict[str, Any]:
    """The shipped rules and count (config/personalised.yaml)."""
    parsed = parse_rules(yaml.safe_load(DEFAULTS.read_text(encoding="utf-8")))
    return {"count": parsed.get("count", 1), "rules": parsed.get("rules", [])}


def effective(config: dict[str, Any] | None) -> dict[str, Any]:
    """A position's rules and count: its own where it sets them, the shipped ones elsewhere."""
    base, config = defaults(), config or {}
    return {"count": config.get("count", base["count"]), "rules": config["rules"] if "rules" in config
            else base["rules"]}


def latest_resume(candidate_id: int) -> tuple[Resume, str] | None:
    """The candidate's latest kept résumé, HR's corrections in place, with its text; None when there is none."""
    row = ResumeRow.select().where(ResumeRow.candidate == candidate_id).order_by(ResumeRow.id.desc()).first()
    if row is None or not row.parsed:
        return None
    return Resume.from_dict(corrections.effective(row.parsed, row.corrections or {})), row.text or ""


def for_candidate(candidate_id: int, config: dict[str, Any] | None, position_title: str, seed: str,
                  taken: set[str]) -> list[dict[str, Any]]:
    """The questions the candidate's latest résumé gives under a position's ``personalised`` config ([] without
    a résumé)."""
    found = latest_resume(candidate_id)
    if found is None:
        return []
    return build(found[0], found[1], effective(config), position_title, seed, taken)


def build(resume: Resume, text: str, config: dict[str, Any], position_title: str, seed: str,
          taken: set[str]) -> list[dict[str, Any]]:
    """Up to config's count questions from the résumé: the rules in order, then the fallbacks; one per rule, never
    two from one field; the entry a rule takes drawn with the seed. taken: the keys the interview already uses."""
    count = min(int(config.get("count", 0)), MAX_COUNT)
    rules = [r for r in config.get("rules", []) if r["when"] != "fallback"] + [
        r for r in config.get("rules", []) if r["when"] == "fallback"]
    rng = random.Random(f"personalised:{seed}")
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for rule in rules:
        if len(out) >= count:
            break
        slots_used = [f for key in ("text", "text_en") if rule.get(key)
                      for _, f, _, _ in string.Formatter().parse(rule[key]) if f]
        options = [(slots, field, value) for slots, field, value in matches(rule, resume, position_title)
                   if field not in used and all(slots.get(s) for s in slots_used)]
        if not options:
            continue
        slots, field, value = options[rng.randrange(len(options))]
        used.add(field)
        key = _key(f"cv-{rule['key']}", taken)
        taken.add(key)
        english = {"text_en": rule["text_en"].format_map(slots)} if rule.get("text_en") else {}
        out.append({"key": key, "text": rule["text"].format_map(slots), **english,
                    "competency": rule.get("competency") or DEFAULT_COMPETENCY,
                    "difficulty": rule.get("difficulty", 2), "red_flags": list(rule.get("red_flags", [])),
                    "rubric": [dict(p) for p in rule.get("rubric", [])],
                    "personalised": {"rule": rule["key"], "source": source(text, field, value)}})
    return out


def forget(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions as kept after the candidate's erasure: one built from their résumé loses its texts (Chinese and
    English) and its résumé line (they quote the résumé) and keeps the rule that built it; the bank's stay as
    they were."""
    return [{**{k: v for k, v in q.items() if k != "text_en"}, "text": ERASED_TEXT,
             "personalised": {**q["personalised"], "source": {}}} if q.get("personalised") else q for q in questions]


def _key(base: str, taken: set[str]) -> str:
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def source(text: str, field: str, value: Value) -> dict[str, Any]:
    """Where a question came from: the field's path, the résumé line holding it and the value's span."""
    start = max(0, min(value.start, len(text)))
    begin = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    line = text[begin:end if end >= 0 else len(text)].strip()
    return {"field": field, "text": line[:LINE_CHARS] or value.value[:LINE_CHARS], "span": [value.start, value.end]}


def matches(rule: dict[str, Any], resume: Resume, position_title: str) -> list[tuple[dict[str, str], str, Value]]:
    """Every (slots, field path, value) the rule fits in the résumé, in the résumé's order."""
    when = rule["when"]
    if when == "experience":
        kinds, words = rule.get("kinds") or KINDS, rule.get("employer")
        return [({"employer": _v(x.employer), "title": _v(x.title), "start": _month(x.start), "end": _month(x.end)},
                 f"experience[{i}].employer", x.employer) for i, x in enumerate(resume.experience)
                if x.employer and x.kind in kinds and (not words or _contains(x.employer.value, words))]
    if when == "certificate":
        names = rule.get("names")
        return [({"certificate": _v(c)}, f"certificates[{i}]", c) for i, c in enumerate(resume.certificates)
                if not names or c.value in names]
    if when == "change":
        work = sorted(((i, x) for i, x in enumerate(resume.experience) if x.kind == "work" and x.employer and x.start),
                      key=lambda item: item[1].start.value)
        return [({"employer": _v(a.employer), "next_employer": _v(b.employer)}, f"experience[{j}].employer",
                 b.employer) for (_, a), (j, b) in zip(work, work[1:], strict=False)
                if a.employer.value.casefold() != b.employer.value.casefold()]
    if when == "gap":
        return [({"start": _month(g.start), "end": _month(g.end), "months": str(g.months),
                  "after": g.after[:SLOT_CHARS], "before": g.before[:SLOT_CHARS]}, f"gaps[{i}]",
                 Value(g.before, g.start_offset, g.end_offset)) for i, g in enumerate(resume.gaps)]
    if when == "skill":
        evidence = " ".join(v.value for x in resume.experience for v in (x.title, x.duties) if v).casefold()
        evidence += " ".join(a.value for a in resume.awards).casefold()
        return [({"skill": _v(s)}, f"skills[{i}]", s) for i, s in enumerate(resume.skills)
                if s.value.casefold() not in evidence]
    if when == "major":
        majors = [(i, e.major) for i, e in enumerate(resume.education) if e.major]
        if not majors or any(_contains(m.value, rule["related"]) for _, m in majors):
            return []
        i, major = majors[-1] if len(majors) == 1 else max(
            majors, key=lambda item: resume.education[item[0]].start.value if resume.education[item[0]].start else "")
        return [({"major": _v(major), "position": position_title[:SLOT_CHARS]}, f"education[{i}].major", major)]
    entries = [(f"experience[{i}].employer", x.employer) for i, x in enumerate(resume.experience) if x.employer] + [
        (f"education[{i}].school", e.school) for i, e in enumerate(resume.education) if e.school]
    return [({"entry": _v(value)}, field, value) for field, value in entries[:1]]


def _v(value: Value | None) -> str:
    return value.value.strip()[:SLOT_CHARS] if value else ""


def _month(value: Value | str | None) -> str:
    """2023-07 as 2023年7月; present as 至今."""
    raw = value.value if isinstance(value, Value) else value or ""
    if raw == "present":
        return "至今"
    m = re.fullmatch(r"(\d{4})-(\d{2})", raw)
    return f"{m.group(1)}年{int(m.group(2))}月" if m else ""


def _contains(value: str, words: list[str]) -> bool:
    folded = value.casefold()
    return any(w.strip().casefold() in folded for w in words)
