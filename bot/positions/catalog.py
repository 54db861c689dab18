"""Load positions (question banks and rubrics) from config/positions/*.yaml into the database."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from bot.bulk.screening import RulesError, parse_rules
from bot.clock import utcnow
from bot.positions import versions
from bot.store.db import database
from bot.store.models import Position
from scoring.report import DIMENSIONS

POSITIONS_DIR = Path(__file__).resolve().parents[2] / "config" / "positions"
ANSWER_MODES = {"video", "audio", "text"}
LANGUAGES = {"zh", "en", "auto"}  # the answers' spoken language; auto lets Whisper detect it
NEXT_ROUND_KEYS = {"after_days", "at", "duration_minutes", "place", "contact", "materials"}
DIFFICULTIES = (1, 2, 3)  # 1 basic, 2 standard, 3 demanding; a draw balances them
DEFAULT_DIFFICULTY = 2


class PositionFileError(ValueError):
    """A position file is malformed; the message names the file and the field."""


def _require(cond: bool, name: str, message: str) -> None:
    if not cond:
        raise PositionFileError(f"{name}: {message}")


def parse_position(path: Path) -> dict[str, Any]:
    """Read and validate one position file; return the Position field values."""
    raw = path.read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PositionFileError(f"{path.name}: not valid YAML ({exc})") from None
    return parse_position_doc(doc, path.name, hashlib.sha256(raw).hexdigest())


def parse_position_doc(doc: Any, name: str, source_sha256: str) -> dict[str, Any]:
    """Validate one position document (a file's YAML or an API body); return the Position field values."""
    _require(isinstance(doc, dict), name, "the top level must be a mapping")
    for key in ("slug", "title", "questions"):
        _require(key in doc, name, f"missing '{key}'")
    questions = doc["questions"]
    _require(isinstance(questions, list) and questions, name, "'questions' must be a non-empty list")
    keys = set()
    for i, q in enumerate(questions, 1):
        _require(isinstance(q, dict) and q.get("key") and q.get("text"), name, f"question {i} needs key and text")
        _require(q["key"] not in keys, name, f"question key {q['key']!r} is repeated")
        keys.add(q["key"])
        _check_question(q, name)
    questions = [_normalised(q) for q in questions]
    draw = _parse_draw(doc.get("draw"), questions, name)
    modes = doc.get("answer_modes", sorted(ANSWER_MODES))
    _require(set(modes) <= ANSWER_MODES and modes, name, f"answer_modes must be among {sorted(ANSWER_MODES)}")
    weights = doc.get("dimensions", {})
    _require(isinstance(weights, dict), name, "'dimensions' must map dimension names to weights")
    unknown = sorted(set(weights) - set(DIMENSIONS))
    _require(not unknown, name, f"unknown dimensions {unknown}; known: {list(DIMENSIONS)}")
    _require(not weights or abs(sum(weights.values()) - 1) < 1e-6, name, "dimension weights must sum to 1")
    thresholds = doc.get("thresholds", {})
    _require(isinstance(thresholds, dict) and set(thresholds) <= {"recommend", "consider"}
             and all(isinstance(v, (int, float)) and 0 <= v <= 100 for v in thresholds.values()), name,
             "'thresholds' may set recommend and consider, each 0-100")
    next_round = doc.get("next_round", {})
    _require(isinstance(next_round, dict) and set(next_round) <= NEXT_ROUND_KEYS, name,
             f"'next_round' may set {sorted(NEXT_ROUND_KEYS)}")
    _require(re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", str(next_round.get("at", "10:00"))) is not None, name,
             "next_round.at must be a time like 10:00")
    _require(all(isinstance(next_round.get(k, 1), int) and 0 <= next_round.get(k, 1) <= 60 * 24
                 for k in ("after_days", "duration_minutes")), name,
             "next_round.after_days and duration_minutes must be whole numbers")
    try:
        screening = parse_rules(doc.get("screening"))
    except RulesError as exc:
        raise PositionFileError(f"{name}: {exc}") from None
    language = doc.get("language", "zh")
    _require(language in LANGUAGES, name, f"'language' must be one of {sorted(LANGUAGES)}")
    return {
        "slug": str(doc["slug"]),
        "title": str(doc["title"]),
        "department": str(doc.get("department", "")),
        "description": str(doc.get("description", "")).strip(),
        "think_seconds": int(doc.get("think_seconds", 60)),
        "answer_seconds": int(doc.get("answer_seconds", 120)),
        "max_retakes": int(doc.get("max_retakes", 1)),
        "answer_modes": list(modes),
        "face_analysis": bool(doc.get("face_analysis", False)),
        "deadline_days": int(doc.get("deadline_days", 7)),
        "questions": questions,
        "rubric": {"dimensions": weights, "practice_question": doc.get("practice_question", ""),
                   "thresholds": thresholds, "language": language,
                   "next_round": {k: (str(v) if k in ("at", "place", "contact", "materials") else v)
                                  for k, v in next_round.items()},
                   "materials": str(doc.get("materials", "")).strip(), "screening": screening, "draw": draw},
        "source_sha256": source_sha256,
    }


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_question(q: dict[str, Any], name: str) -> None:
    """The per-question keys beyond key and text: competency, difficulty, the English text, red flags, rubric."""
    where = f"question {q['key']}"
    _require("competency" not in q or _is_text(q["competency"]), name,
             f"{where}: competency must be a non-empty name such as 服务意识")
    difficulty = q.get("difficulty", DEFAULT_DIFFICULTY)
    _require(type(difficulty) is int and difficulty in DIFFICULTIES, name,
             f"{where}: difficulty must be 1, 2 or 3 (got {difficulty!r})")
    _require("text_en" not in q or _is_text(q["text_en"]), name, f"{where}: text_en must be the English text")
    flags = q.get("red_flags", [])
    _require(isinstance(flags, list) and all(_is_text(f) for f in flags), name,
             f"{where}: red_flags must be a list of phrases")
    rubric = q.get("rubric", [])
    _require(isinstance(rubric, list), name, f"{where}: rubric must be a list of points")
    for j, point in enumerate(rubric, 1):
        _require(isinstance(point, dict) and _is_text(point.get("point")), name,
                 f"{where}: rubric point {j} needs its text ('point')")
        _require(isinstance(point.get("keywords"), list), name, f"{where}: rubric points need keywords")
        _require("description" not in point or _is_text(point["description"]), name,
                 f"{where}: rubric point {point['point']!r}: description must be a sentence saying what a good "
                 "answer does")


def _normalised(q: dict[str, Any]) -> dict[str, Any]:
    """A question as stored: its difficulty always set, its competency trimmed, so the draw can read both as is."""
    extra = {"competency": q["competency"].strip()} if "competency" in q else {}
    return {**q, "difficulty": q.get("difficulty", DEFAULT_DIFFICULTY), **extra}


def _parse_draw(raw: Any, questions: list[dict[str, Any]], name: str) -> dict[str, int]:
    """How many questions each interview draws per competency; {} asks every question in order. The bank must be
    able to fill every count, so a draw never comes up short at the candidate's consent."""
    if raw is None or raw == {}:
        return {}
    _require(isinstance(raw, dict), name, "'draw' must map competencies to how many questions to draw")
    for competency, count in raw.items():
        _require(_is_text(competency), name, "draw: each competency must be a non-empty name such as 服务意识")
        _require(type(count) is int and count > 0, name,
                 f"draw.{competency}: the count must be a positive whole number (got {count!r})")
    missing = [q["key"] for q in questions if not _is_text(q.get("competency"))]
    _require(not missing, name, f"draw is set, so every question needs a competency; missing on {missing}")
    bank: dict[str, int] = {}
    for q in questions:
        bank[q["competency"]] = bank.get(q["competency"], 0) + 1
    for competency, count in raw.items():
        have = bank.get(competency.strip(), 0)
        _require(have > 0, name, f"draw.{competency}: no question has this competency; the bank has "
                 f"{sorted(bank)}")
        _require(have >= count, name, f"draw.{competency}: the bank cannot fill the draw: {count} asked, "
                 f"{have} question(s) with this competency")
    return {competency.strip(): count for competency, count in raw.items()}


def sync_positions(directory: Path = POSITIONS_DIR) -> list[str]:
    """Insert or update every position file in directory; return the titles that changed."""
    changed = []
    for path in sorted(directory.glob("*.yaml")):
        values = parse_position(path)
        if save_position(values) != "unchanged":
            changed.append(values["title"])
    return changed


def save_position(values: dict[str, Any], author: str = "seed", source: str = "file") -> str:
    """Insert or update one position from parsed values (by slug); return created, updated or unchanged. A change
    to what it asks or how it scores adds a version (bot/positions/versions.py) in the same transaction."""
    with database.atomic():
        existing = Position.get_or_none(Position.slug == values["slug"])
        if existing is None:
            versions.record(Position.create(**values), values, author, source)
            return "created"
        if existing.source_sha256 == values["source_sha256"]:
            return "unchanged"
        Position.update(**values, updated_at=utcnow()).where(Position.id == existing.id).execute()
        versions.record(existing, values, author, source)
        return "updated"
