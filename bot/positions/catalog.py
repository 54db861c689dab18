"""Load positions (question banks and rubrics) from config/positions/*.yaml into the database, and the one set of
rules every position document passes, whether it comes from a file, the open API or HR's editor."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import peewee as pw
import yaml

from bot.bulk.screening import RulesError, parse_rules
from bot.clock import utcnow
from bot.org import team
from bot.positions import versions
from bot.positions.training import TrainingError, parse_training
from bot.resumes import questions as personalised
from bot.store.db import database, write_transaction
from bot.store.models import Position
from config.delivery import PolicyError, parse_policy
from scoring.report import DIMENSIONS

POSITIONS_DIR = Path(__file__).resolve().parents[2] / "config" / "positions"
ANSWER_MODES = {"video", "audio", "text"}
LANGUAGES = {"zh", "en", "auto"}  # the answers' spoken language; auto lets Whisper detect it
NEXT_ROUND_KEYS = {"after_days", "at", "duration_minutes", "place", "contact", "materials"}
DIFFICULTIES = (1, 2, 3)  # 1 basic, 2 standard, 3 demanding; a draw balances them
DEFAULT_DIFFICULTY = 2
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # what a new position's code is (the open API, the editor, templates)
# What a file's code may be: a deployment's older files may use other characters (大堂经理), but never a space, a
# control character or a slash, which would break the links and paths built from it.
ANY_SLUG = re.compile(r"[^\s/\\?#%]{1,64}")
QUESTION_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
TOP_KEYS = ("slug", "title", "department", "description", "think_seconds", "answer_seconds", "max_retakes",
            "answer_modes", "face_analysis", "deadline_days", "materials", "practice_question", "language",
            "dimensions", "thresholds", "next_round", "screening", "draw", "personalised", "questions", "unit", "team",
            "competencies", "delivery", "training")
QUESTION_KEYS = ("key", "text", "text_en", "competency", "difficulty", "think_seconds", "answer_seconds",
                 "target_chars", "red_flags", "rubric", "model_answers")
POINT_KEYS = ("point", "description", "keywords", "synonyms", "required", "contradicts")
OWN_DIMENSIONS_MAX = 2  # a position's own dimensions beside the six seeds: the report's radar holds eight
COMPETENCY_LIMIT = 500  # characters of a competency's sentence (what the position asks for in it)
# Whole-number fields with their allowed ranges (the open API's schema says the same: handlers/api/openapi.yaml).
RANGES = {"think_seconds": (0, 3600), "answer_seconds": (10, 3600), "max_retakes": (0, 10),
          "deadline_days": (1, 365), "target_chars": (1, 10000)}
TEXT_LIMITS = {"title": 64, "department": 64, "description": 5000, "materials": 1000, "practice_question": 2000}


class PositionFileError(ValueError):
    """A position document breaks a rule; the message names the file and the field, `field` is the field's path
    in the document (``questions[2].rubric[0].point``, ``dimensions``, ``draw.服务意识``; empty for the whole
    document) and `reason` the message without the file's name, so a form can show it beside that field."""

    def __init__(self, message: str, field: str = "", reason: str = ""):
        super().__init__(message)
        self.field, self.reason = field, reason or message


class PositionChanged(Exception):
    """A save was based on a version that is no longer the current one (someone else saved meanwhile)."""

    def __init__(self, current: int | None, base: int):
        super().__init__(f"the position is at version {current}, not {base}")
        self.current, self.base = current, base


def _require(cond: bool, name: str, message: str, field: str = "") -> None:
    if not cond:
        raise PositionFileError(f"{name}: {message}", field, message)


def parse_position(path: Path) -> dict[str, Any]:
    """Read and validate one position file; return the Position field values."""
    return parse_position_yaml(path.read_bytes(), path.name)


def parse_position_yaml(raw: bytes, name: str) -> dict[str, Any]:
    """Validate a position document written as YAML (a file, an upload); return the Position field values."""
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PositionFileError(f"{name}: not valid YAML ({exc})", "", f"not valid YAML ({exc})") from None
    return parse_position_doc(doc, name, hashlib.sha256(raw).hexdigest())


def digest_of(doc: Any) -> str:
    """The digest of a document sent as JSON (the open API, the editor): a save of the same document is unchanged."""
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _known_keys(doc: dict[str, Any], known: tuple[str, ...], name: str, where: str, prefix: str) -> None:
    """Refuse a key the schema does not have (a typo such as think_second would silently be ignored)."""
    for key in doc:
        _require(isinstance(key, str) and key in known, name,
                 f"{where}unknown key {key!r}; known: {', '.join(known)}", f"{prefix}{key}")


def _whole(doc: dict[str, Any], key: str, name: str, where: str, prefix: str) -> None:
    if key in doc:
        low, high = RANGES[key]
        value = doc[key]
        _require(type(value) is int and low <= value <= high, name,
                 f"{where}{key} must be a whole number from {low} to {high} (got {value!r})", f"{prefix}{key}")


def parse_position_doc(doc: Any, name: str, source_sha256: str) -> dict[str, Any]:
    """Validate one position document (a file's YAML, an API body, HR's editor); return the Position field values.
    The first rule broken raises PositionFileError with the field's path."""
    _require(isinstance(doc, dict), name, "the top level must be a mapping")
    for key in ("slug", "title", "questions"):
        _require(key in doc, name, f"missing '{key}'", key)
    _known_keys(doc, TOP_KEYS, name, "", "")
    _require(isinstance(doc["slug"], str) and ANY_SLUG.fullmatch(doc["slug"]) is not None, name,
             "slug: use 1-64 characters without spaces, /, \\, ?, # or % (lower-case letters, digits, - and _ "
             "are best)", "slug")
    for key, limit in TEXT_LIMITS.items():
        value = doc.get(key, "x")
        _require(isinstance(value, str) and len(value) <= limit, name, f"{key} must be text of at most {limit} "
                 "characters", key)
    _require(bool(doc["title"].strip()), name, "title must not be empty", "title")
    for key in ("think_seconds", "answer_seconds", "max_retakes", "deadline_days"):
        _whole(doc, key, name, "", "")
    _require(isinstance(doc.get("face_analysis", False), bool), name, "face_analysis must be true or false",
             "face_analysis")
    questions = doc["questions"]
    _require(isinstance(questions, list) and questions, name, "'questions' must be a non-empty list", "questions")
    _require(len(questions) <= 50, name, "at most 50 questions", "questions")
    keys = set()
    for i, q in enumerate(questions):
        at = f"questions[{i}]"
        missing = "key" if not (isinstance(q, dict) and q.get("key")) else "text"
        _require(isinstance(q, dict) and q.get("key") and q.get("text"), name,
                 f"question {i + 1} needs key and text", f"{at}.{missing}")
        _require(isinstance(q["key"], str) and QUESTION_KEY.fullmatch(q["key"]) is not None, name,
                 f"question {i + 1}: key must be 1-64 letters, digits, - or _ (got {q['key']!r})", f"{at}.key")
        _require(q["key"] not in keys, name, f"question key {q['key']!r} is repeated", f"{at}.key")
        keys.add(q["key"])
        _check_question(q, name, at)
    questions = [_normalised(q) for q in questions]
    draw = _parse_draw(doc.get("draw"), questions, name)
    modes = doc.get("answer_modes", sorted(ANSWER_MODES))
    _require(isinstance(modes, list) and modes and all(isinstance(m, str) for m in modes)
             and set(modes) <= ANSWER_MODES, name, f"answer_modes must be among {sorted(ANSWER_MODES)}",
             "answer_modes")
    weights = doc.get("dimensions", {})
    _require(isinstance(weights, dict), name, "'dimensions' must map dimension names to weights", "dimensions")
    named = doc.get("competencies") if isinstance(doc.get("competencies"), dict) else {}
    unknown = sorted(set(weights) - set(DIMENSIONS) - set(named))
    _require(not unknown, name, f"unknown dimensions {unknown}: use {list(DIMENSIONS)}, or name the position's own "
             "dimension in competencies with a sentence saying what it asks for", "dimensions")
    own = [d for d in weights if d not in DIMENSIONS]
    _require(len(own) <= OWN_DIMENSIONS_MAX, name, f"at most {OWN_DIMENSIONS_MAX} dimensions of the position's own "
             f"beside the six (the report's chart holds eight); got {own}", "dimensions")
    for dimension, weight in weights.items():
        _require(type(weight) in (int, float) and 0 <= weight <= 1, name,
                 f"dimensions.{dimension}: a weight is a number from 0 to 1 (got {weight!r})",
                 f"dimensions.{dimension}")
    _require(not weights or abs(sum(weights.values()) - 1) < 1e-6, name,
             f"dimension weights must sum to 1 (they sum to {sum(weights.values()):g})", "dimensions")
    thresholds = _parse_thresholds(doc.get("thresholds", {}), name)
    next_round = _parse_next_round(doc.get("next_round", {}), name)
    try:
        screening = parse_rules(doc.get("screening"))
    except RulesError as exc:
        field = re.match(r"screening\.(\w+)", str(exc))
        raise PositionFileError(f"{name}: {exc}", f"screening.{field.group(1)}" if field else "screening",
                                str(exc)) from None
    personal = _parse_personalised(doc.get("personalised"), name)
    try:  # the channels tried in order, what SMS and e-mail may carry, the unopened invitation's fallback
        delivery = parse_policy(doc.get("delivery", {}))
    except PolicyError as exc:
        raise PositionFileError(f"{name}: delivery: {exc}", f"delivery.{exc.field}".rstrip("."),
                                f"delivery: {exc}") from None
    competencies = _parse_competencies(doc.get("competencies", {}), name)
    try:  # a weak dimension's courses or mentors, handed to onboarding (bot/decisions/onboarding.py)
        training = parse_training(doc.get("training", {}), [*DIMENSIONS, *competencies, *weights])
    except TrainingError as exc:
        raise PositionFileError(f"{name}: {exc}", exc.field, str(exc)) from None
    language = doc.get("language", "zh")
    _require(language in LANGUAGES, name, f"'language' must be one of {sorted(LANGUAGES)}", "language")
    return {
        "slug": doc["slug"],
        "title": doc["title"].strip(),
        "department": doc.get("department", "").strip(),
        "description": doc.get("description", "").strip(),
        "think_seconds": doc.get("think_seconds", 60),
        "answer_seconds": doc.get("answer_seconds", 120),
        "max_retakes": doc.get("max_retakes", 1),
        "answer_modes": list(modes),
        "face_analysis": doc.get("face_analysis", False),
        "deadline_days": doc.get("deadline_days", 7),
        "questions": questions,
        "rubric": {"dimensions": weights, "practice_question": doc.get("practice_question", ""),
                   "thresholds": thresholds, "language": language, "next_round": next_round,
                   "materials": doc.get("materials", "").strip(), "screening": screening, "draw": draw,
                   **({"personalised": personal} if personal is not None else {}),
                   **({"delivery": delivery} if delivery else {}),
                   **({"competencies": competencies} if competencies else {}),
                   **({"training": training} if training else {})},
        "source_sha256": source_sha256,
    }


def _parse_competencies(competencies: Any, name: str) -> dict[str, str]:
    """What the position asks for, by competency (合规意识: 严格遵守…): a sentence each, which 岗位适配性 is judged
    against by meaning (scoring/meaning.py), beside the description."""
    _require(isinstance(competencies, dict) and len(competencies) <= 20, name,
             "'competencies' must map up to 20 competency names to a sentence saying what the position asks for",
             "competencies")
    for key, value in competencies.items():
        _require(_is_text(key) and len(key) <= 32, name, "competencies: a name is 1-32 characters such as 合规意识",
                 "competencies")
        _require(_is_text(value) and len(value) <= COMPETENCY_LIMIT, name,
                 f"competencies.{key}: a sentence of at most {COMPETENCY_LIMIT} characters saying what the "
                 "position asks for", f"competencies.{key}")
    return {key.strip(): value.strip() for key, value in competencies.items()}


def _parse_thresholds(thresholds: Any, name: str) -> dict[str, Any]:
    """推荐 and 待定's lower bounds: each 0-100, and 待定's never above 推荐's (else no total could be 待定)."""
    _require(isinstance(thresholds, dict), name, "'thresholds' may set recommend and consider, each 0-100",
             "thresholds")
    for key, value in thresholds.items():
        _require(key in ("recommend", "consider"), name, "'thresholds' may set recommend and consider, each 0-100",
                 f"thresholds.{key}")
        _require(type(value) in (int, float) and 0 <= value <= 100, name,
                 "'thresholds' may set recommend and consider, each 0-100", f"thresholds.{key}")
    recommend, consider = thresholds.get("recommend", 75), thresholds.get("consider", 60)
    _require(consider <= recommend, name, f"thresholds: consider ({consider:g}) must not be above recommend "
             f"({recommend:g})", "thresholds.consider")
    return thresholds


def _parse_next_round(next_round: Any, name: str) -> dict[str, Any]:
    """The 复试通知's details: when, where, whom to call, what to bring."""
    _require(isinstance(next_round, dict), name, f"'next_round' may set {sorted(NEXT_ROUND_KEYS)}", "next_round")
    for key in next_round:
        _require(key in NEXT_ROUND_KEYS, name, f"'next_round' may set {sorted(NEXT_ROUND_KEYS)}",
                 f"next_round.{key}")
    _require(re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", str(next_round.get("at", "10:00"))) is not None, name,
             "next_round.at must be a time like 10:00", "next_round.at")
    for key in ("after_days", "duration_minutes"):
        value = next_round.get(key, 1)
        _require(type(value) is int and 0 <= value <= 60 * 24, name,
                 "next_round.after_days and duration_minutes must be whole numbers", f"next_round.{key}")
    for key in ("place", "contact", "materials"):
        _require(len(str(next_round.get(key, ""))) <= 1000, name, f"next_round.{key}: at most 1000 characters",
                 f"next_round.{key}")
    return {k: (str(v) if k in ("at", "place", "contact", "materials") else v) for k, v in next_round.items()}


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_question(q: dict[str, Any], name: str, at: str) -> None:
    """The per-question keys beyond key and text: competency, difficulty, times, the English text, red flags,
    rubric."""
    where = f"question {q['key']}"
    _known_keys(q, QUESTION_KEYS, name, f"{where}: ", f"{at}.")
    _require(_is_text(q["text"]) and len(q["text"]) <= 2000, name, f"{where}: text must be the question, at most "
             "2000 characters", f"{at}.text")
    _require("competency" not in q or _is_text(q["competency"]), name,
             f"{where}: competency must be a non-empty name such as 服务意识", f"{at}.competency")
    difficulty = q.get("difficulty", DEFAULT_DIFFICULTY)
    _require(type(difficulty) is int and difficulty in DIFFICULTIES, name,
             f"{where}: difficulty must be 1, 2 or 3 (got {difficulty!r})", f"{at}.difficulty")
    for key in ("think_seconds", "answer_seconds", "target_chars"):
        _whole(q, key, name, f"{where}: ", f"{at}.")
    _require("text_en" not in q or _is_text(q["text_en"]), name, f"{where}: text_en must be the English text",
             f"{at}.text_en")
    flags = q.get("red_flags", [])
    _require(isinstance(flags, list) and all(_is_text(f) for f in flags), name,
             f"{where}: red_flags must be a list of phrases", f"{at}.red_flags")
    models = q.get("model_answers", [])  # what a good answer says, for a question without a rubric (scoring)
    _require(isinstance(models, list) and len(models) <= 3 and all(_is_text(m) and len(m) <= 2000 for m in models),
             name, f"{where}: model_answers must be one to three answers, each at most 2000 characters",
             f"{at}.model_answers")
    rubric = q.get("rubric", [])
    _require(isinstance(rubric, list), name, f"{where}: rubric must be a list of points", f"{at}.rubric")
    for j, point in enumerate(rubric):
        there = f"{at}.rubric[{j}]"
        _require(isinstance(point, dict) and _is_text(point.get("point")), name,
                 f"{where}: rubric point {j + 1} needs its text ('point')", f"{there}.point")
        _known_keys(point, POINT_KEYS, name, f"{where}: rubric point {j + 1}: ", f"{there}.")
        _require(isinstance(point.get("keywords"), list), name, f"{where}: rubric points need keywords",
                 f"{there}.keywords")
        for key in ("keywords", "synonyms"):
            words = point.get(key, [])  # YAML reads a word such as 95 as a number: it is a word all the same
            _require(isinstance(words, list) and all(_is_text(w) or type(w) in (int, float) for w in words), name,
                     f"{where}: rubric point {point['point']!r}: {key} must be a list of words", f"{there}.{key}")
        _require("description" not in point or _is_text(point["description"]), name,
                 f"{where}: rubric point {point['point']!r}: description must be a sentence saying what a good "
                 "answer does", f"{there}.description")
        _require(type(point.get("required", False)) is bool, name,
                 f"{where}: rubric point {point['point']!r}: required is true or false", f"{there}.required")
        wrong = point.get("contradicts", [])
        _require(isinstance(wrong, list) and len(wrong) <= 10 and all(_is_text(w) and len(w) <= 200 for w in wrong),
                 name, f"{where}: rubric point {point['point']!r}: contradicts must be up to 10 sentences (each at "
                 "most 200 characters) stating the wrong practice, e.g. 自己先垫钱把差错补上", f"{there}.contradicts")


def _normalised(q: dict[str, Any]) -> dict[str, Any]:
    """A question as stored: its difficulty always set, its competency trimmed, so the draw can read both as is."""
    extra = {"competency": q["competency"].strip()} if "competency" in q else {}
    if q.get("rubric"):  # a word YAML read as a number (110, 95) is kept as the word it is
        extra["rubric"] = [{**p, **{k: [str(w) for w in p[k]] for k in ("keywords", "synonyms") if k in p}}
                           for p in q["rubric"]]
    return {**q, "difficulty": q.get("difficulty", DEFAULT_DIFFICULTY), **extra}


def _parse_draw(raw: Any, questions: list[dict[str, Any]], name: str) -> dict[str, int]:
    """How many questions each interview draws per competency; {} asks every question in order. The bank must be
    able to fill every count, so a draw never comes up short at the candidate's consent."""
    if raw is None or raw == {}:
        return {}
    _require(isinstance(raw, dict), name, "'draw' must map competencies to how many questions to draw", "draw")
    for competency, count in raw.items():
        _require(_is_text(competency), name, "draw: each competency must be a non-empty name such as 服务意识",
                 "draw")
        _require(type(count) is int and count > 0, name,
                 f"draw.{competency}: the count must be a positive whole number (got {count!r})", f"draw.{competency}")
    missing = [q["key"] for q in questions if not _is_text(q.get("competency"))]
    if missing:
        first = next(i for i, q in enumerate(questions) if q["key"] == missing[0])
        _require(False, name, f"draw is set, so every question needs a competency; missing on {missing}",
                 f"questions[{first}].competency")
    bank: dict[str, int] = {}
    for q in questions:
        bank[q["competency"]] = bank.get(q["competency"], 0) + 1
    for competency, count in raw.items():
        have = bank.get(competency.strip(), 0)
        _require(have > 0, name, f"draw.{competency}: no question has this competency; the bank has "
                 f"{sorted(bank)}", f"draw.{competency}")
        _require(have >= count, name, f"draw.{competency}: the bank cannot fill the draw: {count} asked, "
                 f"{have} question(s) with this competency", f"draw.{competency}")
    return {competency.strip(): count for competency, count in raw.items()}


def _parse_personalised(raw: Any, name: str) -> dict[str, Any] | None:
    """The questions built from each candidate's résumé (bot/resumes/questions.py): how many (0-2) and by which
    rules; None when the position follows config/personalised.yaml. A rule's rubric passes a bank question's rules."""
    if raw is None:
        return None
    try:
        parsed = personalised.parse_rules(raw)
    except personalised.RulesError as exc:
        field = f"personalised.{exc.field}" if exc.field else "personalised"
        raise PositionFileError(f"{name}: {field}: {exc}", field, f"{field}: {exc}") from None
    for i, rule in enumerate(parsed.get("rules", [])):
        _check_question({"key": rule["key"], **{k: rule[k] for k in QUESTION_KEYS if k in rule and k != "key"}},
                        name, f"personalised.rules[{i}]")
    return parsed


def document_of(position: Position) -> dict[str, Any]:
    """The position as a document (the shape of a config/positions/*.yaml file): what the editor loads and the YAML
    export writes; parse_position_doc reads it back to the same values."""
    rubric = position.rubric or {}
    doc: dict[str, Any] = {
        "slug": position.slug, "title": position.title, "department": position.department,
        "description": position.description, "think_seconds": position.think_seconds,
        "answer_seconds": position.answer_seconds, "max_retakes": position.max_retakes,
        "answer_modes": list(position.answer_modes), "face_analysis": position.face_analysis,
        "deadline_days": position.deadline_days, "language": rubric.get("language", "zh"),
        "materials": rubric.get("materials", ""), "practice_question": rubric.get("practice_question", ""),
        "dimensions": dict(rubric.get("dimensions") or {}), "thresholds": dict(rubric.get("thresholds") or {}),
        "next_round": dict(rubric.get("next_round") or {}), "screening": dict(rubric.get("screening") or {}),
        "draw": dict(rubric.get("draw") or {}), "questions": json.loads(json.dumps(position.questions or [])),
    }
    if "personalised" in rubric:  # only where the position sets it: the others follow config/personalised.yaml
        doc["personalised"] = json.loads(json.dumps(rubric["personalised"]))
    if rubric.get("competencies"):
        doc["competencies"] = dict(rubric["competencies"])
    if rubric.get("training"):
        doc["training"] = json.loads(json.dumps(rubric["training"]))
    if rubric.get("delivery"):  # only what the position sets: the rest follows the settings (DELIVERY_*)
        doc["delivery"] = json.loads(json.dumps(rubric["delivery"]))
    if position.id is not None:  # where it belongs and who works on it (bot/org)
        doc["unit"] = position.unit.code if position.unit_id else ""
        doc["team"] = team.as_document(team.team_of(position))
    return doc


def org_of(doc: Any, name: str) -> dict[str, Any] | None:
    """The document's organisation keys, checked: `unit` (a unit's code; "" the root) and `team` (recruiters,
    interviewers, hiring_manager). None when it has neither: saving it leaves the position where it is, with its
    team. They are not part of a version: they say who works on the position, not what candidates are asked."""
    if not isinstance(doc, dict) or ("unit" not in doc and "team" not in doc):
        return None
    try:
        unit = team.resolve_unit(doc.get("unit") or "")
        members = team.parse_team(doc.get("team"))
    except team.TeamError as exc:
        raise PositionFileError(f"{name}: {exc}", exc.field, str(exc)) from None
    return {"unit": unit, "team": members}


def sync_positions(directory: Path = POSITIONS_DIR) -> list[str]:
    """Insert or update every position file in directory; return the titles that changed."""
    changed = []
    for path in sorted(directory.glob("*.yaml")):
        raw = path.read_bytes()
        values = parse_position_yaml(raw, path.name)
        if save_position(values, org=org_of(yaml.safe_load(raw), path.name)) != "unchanged":
            changed.append(values["title"])
    return changed


def save_position(values: dict[str, Any], author: str = "seed", source: str = "file",
                  base_version: int | None = None, org: dict[str, Any] | None = None) -> str:
    """Insert or update one position from parsed values (by slug); return created, updated or unchanged. A change
    to what it asks or how it scores adds a version (bot/positions/versions.py) in the same transaction.

    base_version is the version the editor loaded (0: the position must not exist yet); when another save came
    first it raises PositionChanged and saves nothing. Saves of one position are serialised (the write lock on
    SQLite, the position's row on PostgreSQL), so two at the same moment never both take the next number.

    org (from org_of) puts the position in its unit with its team in the same transaction; None leaves both."""
    with write_transaction():
        existing = (Position.select().where(Position.slug == values["slug"]).for_update().first()
                    if not isinstance(database.obj, pw.SqliteDatabase) else
                    Position.get_or_none(Position.slug == values["slug"]))
        if base_version is not None:
            current = versions.current_number(existing) if existing is not None else 0
            if (current or 0) != base_version:
                raise PositionChanged(current or 0, base_version)
        if existing is None:
            created = Position.create(**values)
            if org is not None:
                team.assign(created, org["unit"], org["team"], author)
            versions.record(created, values, author, source)
            return "created"
        if existing.source_sha256 == values["source_sha256"]:
            return "unchanged"
        Position.update(**values, updated_at=utcnow()).where(Position.id == existing.id).execute()
        if org is not None:
            team.assign(existing, org["unit"], org["team"], author)
        versions.record(existing, values, author, source)
        return "updated"
