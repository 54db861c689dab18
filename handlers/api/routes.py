"""The open API for other HR systems (/api/v1, documented in handlers/api/openapi.yaml).

Every request goes through one gate before its view runs: the document names the operation, which says whether
a token is needed (security) and which role (x-required-role), and holds the schemas the parameters and the JSON
body are checked against. Every refusal is a JSON error; nothing that goes wrong inside answers with a traceback.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import HTTPException

from bot.errors import OUTAGES, RETRY_AFTER_SECONDS
from handlers.api import hires as api_hires
from handlers.api import hiring as api_hiring
from handlers.api import interviews as api_interviews
from handlers.api import performance as api_performance
from handlers.api import resumes as api_resumes
from handlers.api import spec as api_spec
from handlers.api import suggestions as api_suggestions
from handlers.api import webhooks as api_webhooks
from handlers.api.auth import authenticate
from handlers.api.core import ApiError, error_response, respond

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_BODY = 1024 * 1024
MAX_DEPTH = 32
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "QUERY"]  # OPTIONS: gate() answers
JSON_TYPES = ("application/json",)
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
              415: "unsupported_media_type"}

for child in (api_hiring.bp, api_hires.bp, api_interviews.bp, api_performance.bp, api_resumes.bp, api_suggestions.bp,
              api_webhooks.bp):
    bp.register_blueprint(child)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document (no token needed)."""
    return Response(api_spec.document_json(), mimetype="application/json")


@bp.get("/openapi.yaml")
def openapi_yaml() -> Response:
    """The OpenAPI document as YAML (no token needed)."""
    return Response(api_spec.document_yaml(), mimetype="application/yaml")


@bp.route("/", defaults={"rest": ""}, methods=ANY_METHOD)
@bp.route("/<path:rest>", methods=ANY_METHOD)
def elsewhere(rest: str) -> Response:
    """Any other path or method under /api/v1: a JSON 404 or 405 rather than the app's HTML-ish defaults."""
    allowed = api_spec.allowed_methods(request.path)
    if allowed and request.method not in allowed:
        raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed here; use {', '.join(allowed)}",
                       headers={"Allow": ", ".join(allowed)})
    raise ApiError(404, "not_found", "no such endpoint; see /api/v1/openapi.json")


@bp.before_request
def gate() -> Response | None:
    """Authenticate, authorise and check the request against the document before any view runs."""
    if request.method == "OPTIONS":
        return _options()
    rule = request.url_rule.rule if request.url_rule is not None else ""
    # HEAD runs the GET view (Flask's routing): it must pass the same gate, or it would skip authentication.
    op = api_spec.operation(rule, "GET" if request.method == "HEAD" else request.method)
    if op is None:
        return  # elsewhere() answers
    if op.spec.get("security", [{"bearerAuth": []}]):
        g.api_token = authenticate(request.headers.get("Authorization"))
        role = op.spec.get("x-required-role")
        if role and g.api_token.role != role:
            raise ApiError(403, "forbidden", f"this needs a token with role {role}; this one is {g.api_token.role}")
    g.api_query = api_spec.parameters(op, request.view_args or {}, request.args, request.headers)
    pointer = api_spec.body_pointer(op)
    if request.mimetype == "multipart/form-data" and "multipart/form-data" in op.spec.get("requestBody", {}).get(
            "content", {}):
        pointer = None  # a file upload: the view reads the form, within the operation's own limit
        request.max_content_length = int(op.spec.get("x-max-body", MAX_BODY))
    g.api_body = _json_body(pointer) if pointer else None


def _options() -> Response:
    """The methods the document lists for the path (Flask's own answer would add the catch-all's)."""
    allowed = api_spec.allowed_methods(request.path)
    if not allowed:
        raise ApiError(404, "not_found", "no such endpoint; see /api/v1/openapi.json")
    implicit = ["HEAD"] if "GET" in allowed else []
    return Response(status=204, headers={"Allow": ", ".join([*allowed, *implicit, "OPTIONS"])})


def _json_body(pointer: str) -> object:
    if (request.mimetype or "") not in JSON_TYPES:
        raise ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    request.max_content_length = MAX_BODY  # reading more raises 413, with or without a Content-Length
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid UTF-8 JSON: {str(exc)[:120]}") from None
    _refuse_unstorable(data)
    api_spec.check_body(data, pointer)
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # Python's json takes NaN and Infinity; JSON has neither


def _refuse_unstorable(data: object) -> None:
    """Refuse what parses as JSON but cannot be stored or checked: a lone UTF-16 surrogate (\\ud800), which
    no UTF-8 database or reply can hold, and nesting deeper than any document needs (validators recurse)."""
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ApiError(400, "invalid_json", f"the body is nested more than {MAX_DEPTH} levels deep", path=path)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(400, "invalid_json", "the body holds a lone UTF-16 surrogate", path=path) from None
        elif isinstance(value, dict):
            stack += [(key, path, depth + 1) for key in value]
            stack += [(item, f"{path}/{key}"[:200], depth + 1) for key, item in value.items()]
        elif isinstance(value, list):
            stack += [(item, f"{path}/{index}", depth + 1) for index, item in enumerate(value)]


@bp.errorhandler(ApiError)
def api_error(exc: ApiError) -> Response:
    return error_response(exc)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    message = ("the body is over its limit (1 MB; a résumé file 20 MB)" if code == 413
               else (exc.description or exc.name))
    return error_response(ApiError(code, HTTP_CODES.get(code, "http_error"), message))


@bp.errorhandler(Exception)
def unexpected(exc: Exception) -> Response:
    if isinstance(exc, OUTAGES):  # Redis or the database away for a moment: the client retries
        log.warning("open API: unavailable on %s %s (%s: %s)", request.method, request.path, type(exc).__name__, exc)
        return respond({"error": {"code": "unavailable", "message": "temporarily unavailable; retry shortly"}}, 503,
                       {"Retry-After": str(RETRY_AFTER_SECONDS)})
    log.exception("open API: unhandled error on %s %s", request.method, request.path)
    return respond({"error": {"code": "internal", "message": "something went wrong on our side; it was logged"}}, 500)
