"""Assemble the sandbox: fake WeCom API under /cgi-bin/, the chat console, and the link pages."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from config.settings import Settings

from . import actions, api, api_contacts, console, pages
from .state import DEFAULT_CANDIDATES, SandboxState


def create_sandbox_app(settings: Settings, callback_url: str | None = None) -> Flask:
    """Build the sandbox app; its state is app.extensions["sandbox"]."""
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SANDBOX_SETTINGS=settings,
        SANDBOX_CALLBACK_URL=callback_url or f"http://127.0.0.1:{settings.web_port}/wecom/callback",
        MAX_CONTENT_LENGTH=25 << 20,  # room for a 20 MB file upload plus multipart overhead
    )
    app.json.ensure_ascii = False
    app.extensions["sandbox"] = SandboxState(
        corp_id=settings.wecom_corp_id,
        corp_secret=settings.wecom_secret,
        agent_id=settings.wecom_agent_id,
        members=tuple(sorted(settings.hr_userids | settings.hr_viewers | settings.hr_leads | settings.admin_userids))
        + DEFAULT_CANDIDATES,
        company_name=settings.company_name,
    )
    for blueprint in (api.bp, api_contacts.bp, console.bp, actions.bp, pages.bp):
        app.register_blueprint(blueprint)
    return app


@dataclass
class RunningSandbox:
    """A sandbox served from a background thread, for tests of the bot."""

    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:40123."""
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def api_base(self) -> str:
        """Return the WeCom API base to give the bot's client."""
        return f"{self.url}/cgi-bin/"

    @property
    def state(self) -> SandboxState:
        """Return the running sandbox's state."""
        return self.app.extensions["sandbox"]

    def shutdown(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.thread.join(timeout=5)


def serve_in_thread(app: Flask, port: int = 0) -> RunningSandbox:
    """Serve the app on 127.0.0.1 (port 0: any free port) from a daemon thread."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="wecom-sandbox", daemon=True)
    thread.start()
    return RunningSandbox(app, server, thread)
