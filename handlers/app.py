"""The Flask application factory: settings, database and Redis, then a short list of registrations."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask
from wechatpy.work.crypto import WeChatCrypto
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.store.db import database, init_database
from bot.store.kv import get_redis
from bot.wecom import callback
from bot.wecom.intake import Intake
from config.settings import Settings, get_settings
from handlers import bodies, errors, headers, health, throttle
from handlers.api import routes as open_api
from handlers.bulk import page as bulk_page
from handlers.h5 import api as h5_api
from handlers.h5 import fairness as h5_fairness
from handlers.h5 import page as interview_page
from handlers.h5 import short as short_link
from handlers.h5 import slots as slot_page
from handlers.h5 import sms_push
from handlers.h5 import unsubscribe as unsubscribe_page
from handlers.hr import audit as hr_audit
from handlers.hr import auth as hr_auth
from handlers.hr import campaign as hr_campaign
from handlers.hr import fairness as hr_fairness
from handlers.hr import funnel as hr_funnel
from handlers.hr import guide as hr_guide
from handlers.hr import pages as hr_pages
from handlers.hr import performance as hr_performance
from handlers.hr import positions as hr_positions
from handlers.hr import report as hr_report
from handlers.hr import resumes as hr_resumes
from handlers.hr import scorecards as hr_scorecards
from handlers.hr import slots as hr_slots
from scoring import media

BLUEPRINTS = (health.bp, interview_page.bp, h5_api.bp, short_link.bp, sms_push.bp, unsubscribe_page.bp, slot_page.bp,
              bulk_page.bp, hr_auth.bp, hr_report.bp, hr_pages.bp, hr_positions.bp, hr_campaign.bp, hr_audit.bp,
              hr_resumes.bp, hr_slots.bp, hr_guide.bp, hr_scorecards.bp, open_api.bp, h5_fairness.bp, hr_fairness.bp,
              hr_performance.bp, hr_funnel.bp)


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
    are the whole cost (docs/testing.md: `make load`)."""
    lean = Flask("bot.wecom.callback", static_folder=None)  # no SECRET_KEY: Flask skips the session entirely
    lean.request_class = bodies.BoundedRequest  # a body sent without a length is bounded too
    lean.extensions = main.extensions  # the same dict: one settings, crypto and intake for both
    lean.register_blueprint(blueprint)
    lean.after_request(headers.always)
    errors.init_callback_app(lean)
    return lean


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application: WeCom callback, H5 interview page, HR pages, open API, health check."""
    settings = settings or get_settings()
    media.require_codecs()  # recordings are checked in this process: a broken PyAV fails here, not on an upload
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__, static_folder=None)  # templates: handlers/templates (plain pages) + each blueprint's
    app.request_class = bodies.BoundedRequest  # bodies sent without a length (chunked) are bounded too: 413
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
    errors.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.wsgi_app = CallbackFirst(callback_app(app, callback.bp), app.wsgi_app)
    return app
