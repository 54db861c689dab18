"""The WeCom callback: verify, decrypt, parse, de-duplicate and take into the stream, answer 200 fast.

The dispatcher (jobs/dispatcher.py) runs the handler registry on what the callback took.
"""
from __future__ import annotations

import logging
import time

import redis
from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.work.crypto import WeChatCrypto
from wechatpy.work.exceptions import InvalidCorpIdException
from werkzeug.exceptions import RequestEntityTooLarge

from bot.errors import RETRY_AFTER_SECONDS
from bot.wecom.inbound import MAX_BODY_BYTES, MalformedMessage, dedupe_key, parse_xml, to_message
from bot.wecom.intake import Intake
from bot.wecom.registry import kind_of
from config.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("wecom_callback", __name__)

def _refuse(status: int, error: str) -> tuple[Response, int]:
    return jsonify(error=error), status


def _settings() -> Settings:
    return current_app.extensions["settings"]


def _crypto() -> WeChatCrypto:
    return current_app.extensions["wecom_crypto"]


def _intake() -> Intake:
    return current_app.extensions["wecom_intake"]


def _signed_params(*names: str) -> dict[str, str] | tuple[Response, int]:
    """Read the query parameters WeCom signs; refuse missing ones and stale timestamps."""
    values = {name: request.args.get(name, "") for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        return _refuse(400, f"missing query parameter(s): {', '.join(missing)}")
    try:
        age = abs(time.time() - int(values["timestamp"]))
    except ValueError:
        return _refuse(400, "timestamp must be a Unix time in seconds")
    if age > _settings().callback_max_age:
        return _refuse(403, "stale timestamp: the request is too old or the clocks disagree")
    return values


@bp.get("/wecom/callback")
def verify_url() -> Response | tuple[Response, int]:
    """Answer WeCom's URL verification with the decrypted echostr, as plain text."""
    params = _signed_params("msg_signature", "timestamp", "nonce", "echostr")
    if isinstance(params, tuple):
        return params
    try:
        echo = _crypto().check_signature(params["msg_signature"], params["timestamp"], params["nonce"],
                                         params["echostr"])
    except (InvalidSignatureException, InvalidCorpIdException):
        return _refuse(403, "signature check failed")
    except Exception:  # a correctly signed but undecryptable echostr
        return _refuse(400, "echostr could not be decrypted")
    return Response(echo, mimetype="text/plain")


@bp.post("/wecom/callback")
def receive() -> ResponseReturnValue:
    """Take one encrypted message or event from WeCom."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _refuse(413, f"body larger than {MAX_BODY_BYTES} bytes")
    params = _signed_params("msg_signature", "timestamp", "nonce")
    if isinstance(params, tuple):
        return params
    request.max_content_length = MAX_BODY_BYTES  # also bounds bodies sent without a length
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _refuse(413, f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        envelope = parse_xml(body)
        if not envelope.get("Encrypt"):
            raise MalformedMessage("no <Encrypt> element")
        plain = _crypto().decrypt_message({"Encrypt": envelope["Encrypt"]}, params["msg_signature"],
                                          params["timestamp"], params["nonce"])
        doc = parse_xml(plain)
        message = to_message(doc)
    except (InvalidSignatureException, InvalidCorpIdException):
        return _refuse(403, "signature check failed")
    except MalformedMessage as exc:
        return _refuse(400, f"malformed message: {exc}")
    except Exception as exc:  # signed but undecryptable: padding, base64, length field
        log.warning("undecryptable callback body: %s", type(exc).__name__)
        return _refuse(400, "malformed message: the payload could not be decrypted")

    key = dedupe_key(doc)
    try:
        taken = _intake().take(key, doc)
    except redis.RedisError as exc:  # never 200 for a message we did not take: WeCom re-sends on a non-200
        log.warning("Redis unavailable while taking %s: %s", key, exc)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return jsonify(error="temporarily unavailable; WeCom will retry"), 503, retry
    log.debug("%s %s as %s", "took" if taken else "already had", key, kind_of(message))
    return "", 200
