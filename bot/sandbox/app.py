"""Assemble the sandbox: fake WeCom API under /cgi-bin/, the chat console, and the link pages."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from bot.links import sms_push_path
from config.settings import Settings

from . import actions, api, api_contacts, api_directory, api_schedule, console, pages, sms, sms_api
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
    departments, placed = organisation_departments(settings.organisation_path, settings.company_name)
    app.extensions["sandbox"] = SandboxState(
        corp_id=settings.wecom_corp_id,
        corp_secret=settings.wecom_secret,
        agent_id=settings.wecom_agent_id,
        members=tuple(sorted(settings.hr_userids | settings.hr_viewers | settings.hr_leads | settings.admin_userids
                             | set(placed)))
        + DEFAULT_CANDIDATES,
        company_name=settings.company_name,
        departments=tuple(departments),
        member_departments=placed,
    )
    # the fake SMS providers (their APIs on `/`, the phones at /console/sms); Alibaba pushes replies to the product
    push_url = f"http://127.0.0.1:{settings.web_port}{sms_push_path(settings)}"
    app.extensions["sandbox_sms"] = sms.SmsState(settings, app.extensions["sandbox"].now, push_url=push_url)
    for blueprint in (api.bp, api_contacts.bp, api_directory.bp, api_directory.names_bp, api_schedule.bp,
                      api_schedule.list_bp, console.bp, actions.bp, pages.bp, sms.bp, sms_api.bp):
        app.register_blueprint(blueprint)
    return app


def organisation_departments(path: Path | None, company: str) -> tuple[list[dict], dict[str, list[int]]]:
    """The sandbox company's departments and who is in which, mirroring the organisation file's units (the company
    is department 1; units are numbered from 2 in the file's order). A file that does not read gives the company
    alone: the product's own sync reports what is wrong with it."""
    departments = [{"id": 1, "name": company or "公司", "parentid": 0, "order": 1}]
    placed: dict[str, list[int]] = {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return departments, placed
    queue = [(unit, 1) for unit in (doc.get("units") if isinstance(doc, dict) else None) or []
             if isinstance(unit, dict)]
    while queue:
        unit, parent = queue.pop(0)
        number = len(departments) + 1
        departments.append({"id": number, "name": str(unit.get("name", ""))[:32], "parentid": parent,
                            "order": 100000 - number})
        for key in ("leads", "recruiters", "interviewers"):
            for userid in unit.get(key) or []:
                if isinstance(userid, str) and number not in placed.setdefault(userid, []):
                    placed[userid].append(number)
        queue += [(child, number) for child in unit.get("units") or [] if isinstance(child, dict)]
    return departments, placed


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
