"""Calling the bot's receive URL the way WeCom does (docs/wecom.md §1): encrypted POSTs with retries, GET check."""
from __future__ import annotations

import secrets
import time
from typing import Any

import requests

from .protocol import encrypt_callback, url_verification_params

ATTEMPTS = 3
TIMEOUT = 5.0
VERIFY_TIMEOUT = 1.0


def post_callback(url: str, params: dict[str, str], body: bytes, *, attempts: int = ATTEMPTS,
                  timeout: float = TIMEOUT) -> dict[str, Any]:
    """POST one encrypted callback, re-sending the same bytes on non-200 or timeout, 3 times in all."""
    tries: list[dict[str, Any]] = []
    for _ in range(attempts):
        started = time.monotonic()
        try:
            response = requests.post(url, params=params, data=body, timeout=timeout,
                                     headers={"Content-Type": "text/xml; charset=utf-8"})
        except requests.Timeout:
            tries.append({"error": "timeout", "elapsed_ms": _ms(started)})
            continue
        except requests.RequestException as exc:
            tries.append({"error": type(exc).__name__, "elapsed_ms": _ms(started)})
            continue
        tries.append({"status": response.status_code, "elapsed_ms": _ms(started)})
        if response.status_code == 200:
            return {"ok": True, "status": 200, "attempts": tries, "reply": response.text[:2000]}
    last = tries[-1] if tries else {}
    return {"ok": False, "status": last.get("status"), "attempts": tries, "reply": ""}


def send_xml(url: str, token: str, aes_key: str, corp_id: str, xml: str,
             agent_id: int | None = None) -> dict[str, Any]:
    """Encrypt a plaintext callback XML and deliver it to the receive URL."""
    params, body = encrypt_callback(token, aes_key, corp_id, xml, agent_id=agent_id)
    return post_callback(url, params, body)


def verify_url(url: str, token: str, aes_key: str, corp_id: str) -> dict[str, Any]:
    """Run WeCom's GET check: the answer must be the decrypted echostr exactly, within 1 second."""
    expected = str(secrets.randbelow(10**18))
    params = url_verification_params(token, aes_key, corp_id, expected)
    started = time.monotonic()
    try:
        response = requests.get(url, params=params, timeout=VERIFY_TIMEOUT)
    except requests.RequestException as exc:
        return {"ok": False, "error": type(exc).__name__, "elapsed_ms": _ms(started)}
    got = response.content
    return {
        "ok": response.status_code == 200 and got == expected.encode(),
        "status": response.status_code,
        "elapsed_ms": _ms(started),
        "answer_matches": got == expected.encode(),
        "answer_length": len(got),
    }


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
