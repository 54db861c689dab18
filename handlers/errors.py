"""Every error handler: JSON for APIs and WeCom, a page for people, 503 with Retry-After during an outage.

Nothing that goes wrong inside answers with a traceback; the log keeps it.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from bot.errors import OUTAGES, RETRY_AFTER_SECONDS
from bot.store.sealing import SealError

PAGES = ("/hr/", "/r/", "/u/", "/s/")  # people read these: a page, not JSON


def _headers(exc: HTTPException) -> list[tuple[str, str]]:
    # keep what the exception says beyond its body (Allow on 405, WWW-Authenticate on 401)
    return [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]


def init_app(app: Flask) -> None:
    """Answer HTTP errors, outages and anything unexpected on the main app."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith(PAGES):
            return render_template("message.html", title=exc.name, body=exc.description), exc.code, _headers(exc)
        return jsonify(error=exc.description), exc.code, _headers(exc)

    def unavailable(exc: Exception):
        app.logger.warning("%s %s: unavailable (%s: %s)", request.method, request.path, type(exc).__name__, exc)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith(PAGES):
            return render_template("message.html", title="服务暂时不可用",
                                   body="系统正在恢复，请稍后刷新页面。"), 503, retry
        return jsonify(error="服务暂时不可用，请稍后重试。", code="unavailable"), 503, retry

    for outage in OUTAGES:
        app.register_error_handler(outage, unavailable)

    @app.errorhandler(SealError)
    def unreadable(exc: SealError):
        """Stored data that does not open is an operator's problem (a key missing from RECORDING_KEYS): say so."""
        app.logger.error("%s %s: sealed data does not open: %s", request.method, request.path, exc)
        body = "存储的数据无法解密：请管理员检查 RECORDING_KEYS 是否仍包含加密它的密钥。"
        if request.path.startswith(PAGES):
            return render_template("message.html", title="数据无法解密", body=body), 500
        return jsonify(error=body, code="sealed_data_unreadable"), 500

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        if request.path.startswith(PAGES):
            return render_template("message.html", title="出错了",
                                   body="页面处理出错，已记录。请稍后重试；如果一直出现，请联系管理员。"), 500
        return jsonify(error="internal error"), 500


def init_callback_app(app: Flask) -> None:
    """Answer the WeCom callback's errors in JSON; an outage is a 503 WeCom retries."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return jsonify(error=exc.description), exc.code, _headers(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, OUTAGES):
            return jsonify(error="temporarily unavailable; WeCom will retry"), 503, {
                "Retry-After": str(RETRY_AFTER_SECONDS)}
        app.logger.exception("unhandled error in the callback")
        return jsonify(error="internal error"), 500
