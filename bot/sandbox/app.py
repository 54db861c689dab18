"""Assemble the sandbox: fake WeCom API under /cgi-bin/, the chat console, and the link pages."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import yaml
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
        members=tuple(sorted(settings.hr_userids | settings.hr_viewers | settings.hr_leads | settings.admin_userids
                             | organisation_members(settings.organisation_path)))
        + DEFAULT_CANDIDATES,
        company_name=settings.company_name,
    )
    for blueprint in (api.bp, api_contacts.bp, console.bp, actions.bp, pages.bp):
        app.register_blueprint(blueprint)
    return app


def organisation_members(path: Path | None) -> frozenset[str]:
    """The sandbox company's members named in the organisation file (its units' leads, recruiters, interviewers),
    so they can sign in and chat. A file that does not read adds no one: the product's own sync reports it."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return frozenset()
    found: set[str] = set()
    units = doc.get("units") if isinstance(doc, dict) else None
    while isinstance(units, list) and units:
        unit = units.pop()
        if isinstance(unit, dict):
            for key in ("leads", "recruiters", "interviewers"):
                found |= {u for u in unit.get(key) or [] if isinstance(u, str)}
            units.extend(unit.get("units") or [] if isinstance(unit.get("units"), list) else [])
    return frozenset(found)


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
