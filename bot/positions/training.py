"""A position's optional `training` section: what to suggest to a new hire weak in a dimension (courses, mentors).

    training:
      沟通能力: [「高效沟通」线上课, 导师：王经理]
      合规意识: [反洗钱基础（必修）]

Keys are the report's dimensions (the six seeds or the position's own competencies); each maps to up to 10 short
suggestions (an empty list, as the editor sends for a blank line, is left out). bot/decisions/onboarding.py hands
the suggestions for the weakest dimensions to the hiring manager when the candidate is hired (docs/second-round.md).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DIMENSIONS_MAX = 20
PER_DIMENSION = 10
SUGGESTION_LIMIT = 100  # characters of one course or mentor


class TrainingError(ValueError):
    """The section breaks a rule: `field` is its path in the document (training.沟通能力[1])."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def parse_training(raw: Any, dimensions: Iterable[str]) -> dict[str, list[str]]:
    """The section checked and normalised (names and suggestions stripped); dimensions: those a report can have."""
    known = list(dict.fromkeys(dimensions))
    if not isinstance(raw, dict) or len(raw) > DIMENSIONS_MAX:
        raise TrainingError("training", f"'training' must map up to {DIMENSIONS_MAX} dimensions to lists of courses "
                            "or mentors")
    out: dict[str, list[str]] = {}
    for key, items in raw.items():
        name = key.strip() if isinstance(key, str) else ""
        if name not in known:
            raise TrainingError(f"training.{str(key)[:32]}", f"training: unknown dimension {str(key)[:32]!r}; use "
                                + ", ".join(known))
        if isinstance(items, str):
            items = [items]
        if items in ([], None):  # an empty line of the editor's: no suggestion for this dimension
            continue
        if not isinstance(items, list) or len(items) > PER_DIMENSION:
            raise TrainingError(f"training.{name}", f"training.{name}: a list of 1 to {PER_DIMENSION} courses or "
                                "mentors")
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip() or len(item) > SUGGESTION_LIMIT:
                raise TrainingError(f"training.{name}[{i}]", f"training.{name}[{i}]: a course or mentor is text of 1 "
                                    f"to {SUGGESTION_LIMIT} characters")
        out[name] = [item.strip() for item in items]
    return out


def suggestions(rubric: dict[str, Any], weak: Iterable[str]) -> dict[str, list[str]]:
    """What the position suggests for each weak dimension that it has suggestions for."""
    mapping = (rubric or {}).get("training") or {}
    return {name: list(mapping[name]) for name in weak if mapping.get(name)}
