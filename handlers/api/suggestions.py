"""Open API: a suggested rubric for a question (what HR's position editor offers as 建议评分要点). Nothing is saved:
the client puts the points, edited, into a position document and saves that."""
from __future__ import annotations

from flask import Blueprint, Response

from bot.positions import suggestions
from bot.store.models import Position
from handlers.api.core import body, not_found, respond, visible

bp = Blueprint("api_suggestions", __name__)


@bp.post("/rubric-suggestions")
def suggest_rubric() -> Response:
    """Draft a question's rubric from its model answers (generic without them); the body is checked by the
    document (question 1-2000 characters with a visible one, at most three answers of 2000)."""
    data = body()
    if data.get("position"):  # a position the token cannot see is as if there were none
        position = Position.get_or_none(Position.slug == data["position"])
        if position is None:
            raise not_found("position")
        visible(position, "position")
    return respond(suggestions.draft(data["question"], data.get("model_answers", [])))
