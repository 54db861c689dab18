"""What every open-API endpoint shares: JSON errors, JSON answers, the caller's role, audit, idempotent POSTs."""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, make_response, request

from bot.errors import UserError
from bot.org.access import Access, everything, within
from bot.privacy.roles import RECRUITER, VIEWER
from bot.store.kv import get_redis
from bot.store.models import ApiToken, AuditLog, Position

IDEMPOTENCY_TTL = 86400  # a retried POST within a day is answered again, not done again
IN_FLIGHT_TTL = 60       # a request holding its key longer than this has died; the key may be used again


class ApiError(UserError):
    """A refused API request: HTTP status, a machine code, a message safe to show, where it went wrong."""

    def __init__(self, status: int, code: str, message: str, *, path: str | None = None,
                 details: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None,
                 **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.path, self.details, self.headers, self.extra = path, details, headers or {}, extra

    def body(self) -> dict[str, Any]:
        """The error as the API answers it: {"error": {"code", "message", "path"?, "details"?, …}}."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path is not None:
            error["path"] = self.path
        if self.details:
            error["details"] = self.details
        return {"error": {**error, **self.extra}}


def not_found(what: str) -> ApiError:
    """A 404 naming what was not found."""
    return ApiError(404, "not_found", f"no such {what}")


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer; non-ASCII text stays UTF-8 (what a client and a raw-bytes privacy check both read)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, mimetype="application/json", headers=headers)


def error_response(exc: ApiError) -> Response:
    """The JSON answer for a refused request."""
    return respond(exc.body(), exc.status, exc.headers)


def token() -> ApiToken:
    """The token the current request was authenticated with."""
    return g.api_token


def privacy_role() -> str:
    """The bot.privacy.roles role of the current token: full → recruiter, anything else → viewer (masked)."""
    return RECRUITER if token().role == "full" else VIEWER


def access() -> Access:
    """What the current token may see: its unit's subtree, or everything when it is bound to none."""
    if "api_access" not in g:
        g.api_access = within(token().unit, privacy_role()) if token().unit_id else everything(privacy_role())
    return g.api_access


def visible(position: Position, what: str) -> None:
    """A 404 (not a 403: the token learns nothing of what lies outside its unit) unless it may see the position."""
    if not access().sees(position):
        raise not_found(what)


def body() -> Any:
    """The current request's JSON body, already checked against the document."""
    return g.api_body


def query() -> dict[str, Any]:
    """The current request's query parameters, parsed and checked against the document."""
    return g.api_query


def settings():
    """This app's settings."""
    return current_app.extensions["settings"]


def audit(action: str, target_type: str, target_id: Any, **detail: Any) -> None:
    """Record a write done through the API, by token (never with personal data in the detail)."""
    AuditLog.create(actor=f"api:{token().name}"[:64], action=f"api:{action}"[:32], target_type=target_type,
                    target_id=str(target_id)[:64], detail=detail)


Render = Callable[[dict[str, Any]], Any]  # a recipe (ids and flags) → the JSON answer, read from the database now


def replayable(render: Render, recipe: dict[str, Any], status: int) -> Response:
    """Answer render(recipe), and keep the recipe for a replay of this request (see idempotent)."""
    g.api_replay = recipe
    return respond(render(recipe), status)


def gone(what: str) -> ApiError:
    """A 410 for a replay whose resource was deleted since."""
    return ApiError(410, "gone", f"the {what} this request made was deleted since; nothing to replay")


def idempotent(render: Render) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Let a POST carry an Idempotency-Key: a repeat with the same body gets the first answer's status again.

    Redis keeps the status, a hash of the request and the view's recipe (the ids of what it made or found, and a
    few flags, never personal data), and a replay renders the recipe from the database again: it answers what
    is stored now, so a candidate erased since comes back erased, a webhook deleted since as 410. The view
    answers with replayable(render, recipe, status)."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            key = request.headers.get("Idempotency-Key")
            if not key:
                return make_response(view(**kwargs))
            return _once(get_redis(settings()), _key_name(key), lambda: view(**kwargs), render)

        return wrapper

    return decorate


def _key_name(key: str) -> str:
    return f"api:idem:{token().id}:{hashlib.sha256(key.encode()).hexdigest()}"


def _once(cache, name: str, run: Callable[[], Response], render: Render) -> Response:
    fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + request.get_data()).hexdigest()
    if cache.set(name, json.dumps({"fp": fingerprint, "state": "running"}), nx=True, ex=IN_FLIGHT_TTL):
        try:
            response = make_response(run())
            done = 200 <= response.status_code < 300
            remembered = {"fp": fingerprint, "state": "done", "status": response.status_code,
                          "recipe": g.api_replay} if done else None  # a view answers with replayable()
        except BaseException:
            cache.delete(name)
            raise
        if remembered:
            cache.set(name, json.dumps(remembered), ex=IDEMPOTENCY_TTL)
        else:  # a refusal is not remembered: the caller may fix what was missing and retry with the key
            cache.delete(name)
        return response
    raw = cache.get(name)  # gone already (expired a moment ago): treat it as still running
    stored = json.loads(raw) if raw else {"fp": fingerprint, "state": "running"}
    if stored["fp"] != fingerprint:
        raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with another request",
                       path="/headers/Idempotency-Key")
    if stored["state"] != "done":
        raise ApiError(409, "idempotency_key_in_use", "a request with this Idempotency-Key is still running; "
                                                      "retry in a moment")
    if "recipe" not in stored:  # kept by an older version, the whole answer in it: dropped, the request run again
        cache.delete(name)  # (a repeated write here finds, or refuses, what it made before: none makes it twice)
        return _once(cache, name, run, render)
    return respond(render(stored["recipe"]), stored["status"], {"Idempotent-Replayed": "true"})
