"""The checks every sandbox API call passes: injected faults, access_token, JSON body, call log."""
from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from .state import SandboxState
from .validate import ApiError

SECRET_PARAMS = {"access_token", "corpsecret"}


def sandbox_state() -> SandboxState:
    """Return the state of the sandbox app serving this request."""
    return current_app.extensions["sandbox"]


def json_body() -> dict:
    """Parse the request body as a JSON object, or raise WeCom's 47001."""
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ApiError(47001, "data format error")
    g.sandbox_body = data
    return data


def _answer(result: Any) -> tuple[Response, int | None]:
    if isinstance(result, Response):
        return result, None
    return jsonify(result), result.get("errcode", 0)


def endpoint(bp: Blueprint, path: str, methods: tuple[str, ...] = ("GET",), *, auth: bool = True) -> Callable:
    """Register a view as WeCom API `path`, wrapped in fault injection, token check and logging."""

    def decorate(view: Callable[[SandboxState], Any]) -> Callable:
        @functools.wraps(view)
        def wrapped() -> Response | tuple[Response, int]:
            state = sandbox_state()
            g.sandbox_body = None
            fault = state.take_fault(path)
            status = 200
            if fault and fault.get("status"):
                status = int(fault["status"])
                response, errcode = jsonify({"errcode": -1, "errmsg": "system error"}), None
            elif fault and "errcode" in fault:
                errcode = int(fault["errcode"])
                errmsg = fault.get("errmsg") or ("system busy" if errcode == -1 else "injected fault")
                response = jsonify({"errcode": errcode, "errmsg": errmsg})
            else:
                try:
                    if auth:
                        state.check_token(request.args.get("access_token"))
                    response, errcode = _answer(view(state))
                except ApiError as exc:
                    response, errcode = jsonify(exc.payload()), exc.errcode
            if fault and g.sandbox_body is None and request.method == "POST":  # refused: still log what was sent
                g.sandbox_body = request.get_json(silent=True, force=True)
            params = {k: v for k, v in request.args.items() if k not in SECRET_PARAMS}
            state.log_call({
                "path": path, "method": request.method, "params": params, "body": g.sandbox_body,
                "errcode": errcode, "status": status, "fault": bool(fault),
            })
            if fault and fault.get("delay"):
                # A slow WeCom: the call is carried out, its answer comes late. A client that gave up waiting
                # cannot know the call went through (a delay alone still delivers the message).
                time.sleep(float(fault["delay"]))
            return response, status

        bp.add_url_rule(f"/{path}", endpoint=path.replace("/", "__"), view_func=wrapped, methods=list(methods))
        return wrapped

    return decorate


def ok(**fields: Any) -> dict[str, Any]:
    """Return a success body: errcode 0, errmsg "ok" and the given fields."""
    return {"errcode": 0, "errmsg": "ok", **fields}
