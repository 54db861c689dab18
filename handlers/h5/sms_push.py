"""Alibaba Cloud's SmsUp push: candidates' replies to our SMS, POSTed as a JSON array to the secret path of
sms_push_path (bot/links.py). Kept for the minute's pull (bot/channels/sms_inbox.py), answered as Alibaba expects
(`{"code": 0, "msg": "接收成功"}`; anything else makes it push again). A wrong path is a plain 404."""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request

from bot.links import sms_push_path
from bot.sms import send as sms

bp = Blueprint("sms_push", __name__)
MAX_BYTES = 256 * 1024  # a batch of replies; Alibaba pushes far smaller ones


@bp.post("/sms/aliyun/up/<token>")
def aliyun_up(token: str):
    """Keep a batch of pushed replies."""
    settings = current_app.extensions["settings"]
    if settings.sms_provider != "aliyun" or not hmac.compare_digest(f"/sms/aliyun/up/{token}",
                                                                     sms_push_path(settings)):
        return jsonify(code=404, msg="not found"), 404
    body = request.get_data(cache=False)
    if len(body) > MAX_BYTES:
        return jsonify(code=413, msg="too large"), 413
    try:
        taken = sms.accept_replies(settings, body)
    except (ValueError, UnicodeDecodeError) as exc:
        return jsonify(code=400, msg=f"not an SmsUp batch: {exc}"[:200]), 400
    return jsonify(code=0, msg="接收成功", taken=taken)
