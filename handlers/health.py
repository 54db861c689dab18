"""/healthz: whether the database and Redis answer (for load balancers and `make run`'s checks)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from bot.store.db import database
from bot.store.kv import get_redis

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report whether the database and Redis answer."""
    checks = {}
    try:
        database.execute_sql("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    try:
        get_redis(current_app.extensions["settings"]).ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = type(exc).__name__
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503
