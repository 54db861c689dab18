"""The Flask application factory."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, jsonify, render_template, request
from wechatpy.work.crypto import WeChatCrypto
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import headers, throttle
from bot.errors import OUTAGES
from bot.intake import Intake
from bot.store.db import database, init_database
from bot.store.kv import get_redis
from config.settings import Settings, get_settings

# During an outage (bot.errors.OUTAGES) requests get 503 with Retry-After, never a 500: WeCom re-sends a callback
# it was refused, the H5 page and API clients retry.
RETRY_AFTER_SECONDS = 5


class CallbackFirst:
    """WSGI: /wecom/callback to the lean callback app, everything else to the main app."""

    def __init__(self, callback_wsgi, main_wsgi):
        self.callback_wsgi, self.main_wsgi = callback_wsgi, main_wsgi

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/wecom/callback":
            return self.callback_wsgi(environ, start_response)
        return self.main_wsgi(environ, start_response)


def callback_app(main: Flask, blueprint) -> Flask:
    """The WeCom callback on its own Flask app: the main app's settings, crypto and intake, but none of the hooks
    people's requests need (no session, no rate limit: it is signed and WeCom must never be refused, no page
    headers beyond the four every response carries). It answers WeCom's servers, where microseconds per request
    are the whole cost (README: `make load`)."""
    lean = Flask("bot.callback", static_folder=None)  # no SECRET_KEY: Flask skips the session entirely
    lean.extensions = main.extensions  # the same dict: one settings, crypto and intake for both
    lean.register_blueprint(blueprint)
    lean.after_request(headers.always)

    @lean.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return jsonify(error=exc.description), exc.code, [(k, v) for k, v in exc.get_headers()
                                                          if k.lower() != "content-type"]

    @lean.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, OUTAGES):
            return jsonify(error="temporarily unavailable; WeCom will retry"), 503, {
                "Retry-After": str(RETRY_AFTER_SECONDS)}
        lean.logger.exception("unhandled error in the callback")
        return jsonify(error="internal error"), 500

    return lean


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application: WeCom callback, H5 interview page, health check."""
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False,
        # The HR pages' session: HttpOnly, not sent on cross-site posts, Secure behind https, a working day long.
        SESSION_COOKIE_NAME="hr_session", SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        # No body over 1 MB unless a view allows more for itself (uploads, sheets): an HR form is a few KB.
        MAX_CONTENT_LENGTH=1024 * 1024)
    app.extensions["settings"] = settings
    app.extensions["wecom_crypto"] = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key,
                                                  settings.wecom_corp_id)
    app.extensions["wecom_intake"] = Intake(get_redis(settings))
    init_database(settings.database_url)
    # Connections open lazily on first query (the callback never needs one) and close after each request.
    app.teardown_request(lambda exc: database.close() if not database.is_closed() else None)
    # Hostile input: per-client rate limits, security headers; X-Forwarded-For only from the proxies we have.
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)
    throttle.init_app(app, settings)
    headers.init_app(app, settings)

    from bot import callback
    from handlers import api as open_api
    from handlers import bulk_page, h5_api, hr_audit, hr_auth, hr_pages, hr_report, interview_page

    app.wsgi_app = CallbackFirst(callback_app(app, callback.bp), app.wsgi_app)
    app.register_blueprint(interview_page.bp)
    app.register_blueprint(h5_api.bp)
    app.register_blueprint(bulk_page.bp)
    app.register_blueprint(hr_auth.bp)
    app.register_blueprint(hr_report.bp)
    app.register_blueprint(hr_pages.bp)
    app.register_blueprint(hr_audit.bp)
    app.register_blueprint(open_api.bp)

    @app.get("/healthz")
    def healthz():
        """Report whether the database and Redis answer."""
        checks = {}
        try:
            database.execute_sql("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
        try:
            get_redis(settings).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = type(exc).__name__
        healthy = all(v == "ok" for v in checks.values())
        return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # keep what the exception says beyond its body (Allow on 405, WWW-Authenticate on 401)
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if request.path.startswith(("/hr/", "/r/")):  # people read these: a page, not JSON
            return render_template("message.html", title=exc.name, body=exc.description), exc.code, headers
        return jsonify(error=exc.description), exc.code, headers

    def unavailable(exc: Exception):
        app.logger.warning("%s %s: unavailable (%s: %s)", request.method, request.path, type(exc).__name__, exc)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith(("/hr/", "/r/")):
            return render_template("message.html", title="服务暂时不可用",
                                   body="系统正在恢复，请稍后刷新页面。"), 503, retry
        return jsonify(error="服务暂时不可用，请稍后重试。", code="unavailable"), 503, retry

    for outage in OUTAGES:
        app.register_error_handler(outage, unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return jsonify(error="internal error"), 500

    return app
