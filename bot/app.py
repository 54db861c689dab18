"""The Flask application factory."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, jsonify, render_template, request
from wechatpy.work.crypto import WeChatCrypto
from werkzeug.exceptions import HTTPException

from bot.intake import Intake
from bot.store.db import database, init_database
from bot.store.kv import get_redis
from config.settings import Settings, get_settings


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
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8))
    app.extensions["settings"] = settings
    app.extensions["wecom_crypto"] = WeChatCrypto(settings.wecom_token, settings.wecom_aes_key,
                                                  settings.wecom_corp_id)
    app.extensions["wecom_intake"] = Intake(get_redis(settings))
    init_database(settings.database_url)
    # Connections open lazily on first query (the callback never needs one) and close after each request.
    app.teardown_request(lambda exc: database.close() if not database.is_closed() else None)

    from bot import callback
    from handlers import api as open_api
    from handlers import bulk_page, h5_api, hr_auth, hr_pages, hr_report, interview_page

    app.register_blueprint(callback.bp)
    app.register_blueprint(interview_page.bp)
    app.register_blueprint(h5_api.bp)
    app.register_blueprint(bulk_page.bp)
    app.register_blueprint(hr_auth.bp)
    app.register_blueprint(hr_report.bp)
    app.register_blueprint(hr_pages.bp)
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

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return jsonify(error="internal error"), 500

    return app
