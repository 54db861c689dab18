"""The sandbox's phones: every SMS its fake Tencent and Alibaba APIs took (bot/sandbox/sms_api.py), by number, and
the replies a person types for a number in the console's 短信 page (/console/sms).

The model, so the product's handling of each answer can be tried: a number ending in 0000 is on the carriers'
blacklist (it unsubscribed: Tencent refuses it, Alibaba accepts and its receipt fails with MBBLACK); one ending
in 1111 does not exist (accepted, the receipt fails with MK:0001); an invalid number is refused; at most
`per_hour` SMS to one number in an hour (5 unless set: lower than the providers' defaults, to be reachable);
a number can also be set to be frequency-limited for a while (`limited_for` seconds: every SMS to it refused with
the hourly limit, as when other senders used up its quota) or to be answered slowly (`answer_after` seconds: the
SMS is taken at once, the answer comes later, so a sender that dies or gives up meanwhile never learns it went);
only the templates of SMS_TEMPLATES and the sandbox's own are approved, and only SMS_SIGN_NAME as signature.
Receipts become available `receipt_delay` seconds after sending (3 unless set), on the sandbox clock, which
POST /sandbox/api/clock moves. Replies: Tencent's pull API hands each out once; as Alibaba, the sandbox POSTs
every reply not yet acknowledged to `push_url` as an SmsUp batch (Alibaba's JSON array).
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory

from bot.clock import CN_TZ
from bot.sms.numbers import national, normalise
from config.settings import Settings
from config.sms import SANDBOX_SMS_TEMPLATES, parse_sms_templates

bp = Blueprint("sandbox_sms", __name__)

STATIC = Path(__file__).parent / "static"
PER_HOUR, RECEIPT_DELAY = 5, 3.0
ANSWER_AFTER_MAX = 60  # seconds: longer than the SDKs' read timeouts (10 s), so a timed-out answer can be tried
PUSH_TIMEOUT = 5
BLACKLISTED, MISSING = "0000", "1111"


def _sandbox_templates() -> dict[str, str]:
    """template id → kind, for the sandbox's own ids of both providers."""
    found: dict[str, str] = {}
    for text in SANDBOX_SMS_TEMPLATES.values():
        found.update({template: kind for kind, template in parse_sms_templates("SANDBOX", text)})
    return found


class SmsState:
    """What the sandbox's phones hold; one per sandbox app, behind its own lock, on the sandbox's clock."""

    def __init__(self, settings: Settings, clock: Callable[[], float], push_url: str = "") -> None:
        self.lock = threading.RLock()
        self.settings = settings
        self.clock = clock
        self.approved = {**_sandbox_templates(), **{template: kind for kind, template in settings.sms_templates}}
        self.push_url = push_url
        self.reset()

    def reset(self) -> None:
        """Forget every SMS, reply and nonce; settings back to their defaults."""
        with self.lock:
            self.messages: dict[str, list[dict]] = {}
            self.replies: dict[str, list[dict]] = {}
            self.nonces: dict[str, float] = {}
            self.per_hour, self.receipt_delay = PER_HOUR, RECEIPT_DELAY
            self.numbers: dict[str, dict[str, float]] = {}  # number → {"limited_until": t, "answer_after": s}
            self.seq = 0

    # -- sending ----------------------------------------------------------------------------------
    def sent_last_hour(self, number: str) -> int:
        """SMS the number was sent (accepted ones) in the last hour."""
        now = self.clock()
        return sum(1 for m in self.messages.get(number, []) if m["accepted"] and m["sent_at"] > now - 3600)

    def limited(self, number: str) -> bool:
        """Whether the number is over its frequency limit: its hourly count, or a limit set for it."""
        with self.lock:
            until = self.numbers.get(number, {}).get("limited_until", 0.0)
            return self.sent_last_hour(number) >= self.per_hour or self.clock() < until

    def set_number(self, number: str, limited_for: float | None = None, answer_after: float | None = None) -> dict:
        """Model one number: frequency-limited for the next limited_for seconds (0: no more), answered
        answer_after seconds late (0: at once); return what it is set to."""
        with self.lock:
            model = self.numbers.setdefault(number, {})
            if limited_for is not None:
                model["limited_until"] = self.clock() + limited_for if limited_for else 0.0
            if answer_after is not None:
                model["answer_after"] = answer_after
            return dict(model)

    def answer_late(self, numbers: list[str]) -> None:
        """Wait (real time, outside the lock) as long as the slowest of numbers is set to be answered."""
        with self.lock:
            wait = max((self.numbers.get(n, {}).get("answer_after", 0.0) for n in numbers), default=0.0)
        if wait:
            time.sleep(wait)

    def record(self, provider: str, number: str, **fields: Any) -> dict:
        """File one SMS the API took or refused under its number; return it."""
        with self.lock:
            self.seq += 1
            now = self.clock()
            accepted = fields.get("accepted", False)
            planned = ("MBBLACK" if number.endswith(BLACKLISTED) else "MK:0001" if number.endswith(MISSING)
                       else "")
            entry = {"id": self.seq, "provider": provider, "to": number, "sent_at": now, "accepted": accepted,
                     "receipt_at": now + self.receipt_delay if accepted else None, "receipt_code": planned,
                     "pulled": False, "provider_id": "", "day": beijing(now, "%Y%m%d"), **fields}
            self.messages.setdefault(number, []).append(entry)
            return entry

    def status(self, entry: dict) -> str:
        """refused, pending (no receipt yet), delivered or failed."""
        if not entry["accepted"]:
            return "refused"
        if self.clock() < entry["receipt_at"]:
            return "pending"
        return "failed" if entry["receipt_code"] else "delivered"

    def due_receipts(self, provider: str, limit: int) -> list[dict]:
        """Receipts now available and never pulled (Tencent's queue), marked pulled; at most limit."""
        with self.lock:
            due = [m for entries in self.messages.values() for m in entries
                   if m["provider"] == provider and m["accepted"] and not m["pulled"]
                   and self.status(m) != "pending"]
            due.sort(key=lambda m: m["receipt_at"])
            for entry in due[:limit]:
                entry["pulled"] = True
            return due[:limit]

    def find(self, number: str, day: str, biz_id: str = "") -> list[dict]:
        """Alibaba's QuerySendDetails: the accepted SMS to number on day (yyyymmdd, Beijing time)."""
        with self.lock:
            return [m for m in self.messages.get(number, []) if m["accepted"] and m["provider"] == "aliyun"
                    and m["day"] == day and (not biz_id or m["provider_id"] == biz_id)]

    # -- replies ----------------------------------------------------------------------------------
    def reply(self, number: str, text: str) -> dict:
        """File a reply the person typed for number; as Alibaba, push every reply not yet acknowledged."""
        with self.lock:
            self.seq += 1
            entry = {"id": self.seq, "from": number, "text": text, "at": self.clock(), "pulled": False,
                     "pushed": False, "push_error": "", "sequence_id": int(self.seq)}
            self.replies.setdefault(number, []).append(entry)
        if self.settings.sms_provider == "aliyun":
            self.push()
        return entry

    def due_replies(self, limit: int) -> list[dict]:
        """Replies never pulled (Tencent's queue), marked pulled; at most limit."""
        with self.lock:
            due = sorted((r for rs in self.replies.values() for r in rs if not r["pulled"]), key=lambda r: r["id"])
            for entry in due[:limit]:
                entry["pulled"] = True
            return due[:limit]

    def push(self) -> None:
        """POST the replies not yet acknowledged to push_url as one SmsUp batch (a 200 acknowledges them)."""
        with self.lock:
            waiting = [r for rs in self.replies.values() for r in rs if not r["pushed"]]
            url = self.push_url
        if not waiting:
            return
        batch = [smsup(r, self.settings.sms_sign_name) for r in waiting]
        try:
            answer = requests.post(url, json=batch, timeout=PUSH_TIMEOUT)
            error = "" if answer.status_code == 200 else f"HTTP {answer.status_code}"
        except (requests.RequestException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:200] if url else "no push URL"
        with self.lock:
            for entry in waiting:
                entry["pushed"], entry["push_error"] = not error, error

    # -- views ------------------------------------------------------------------------------------
    def view(self, entry: dict) -> dict:
        """A stored SMS for the JSON API and the console."""
        shown = {k: v for k, v in entry.items() if k not in ("pulled", "day")}
        return {**shown, "status": self.status(entry)}


def smsup(reply: dict, sign_name: str) -> dict:
    """One reply in Alibaba's SmsUp push shape (Beijing time; the number as its national digits)."""
    country, rest = national(reply["from"])
    return {"phone_number": rest if country == "86" else country + rest, "content": reply["text"],
            "send_time": beijing(reply["at"]), "sign_name": sign_name, "dest_code": "", "sequence_id":
            reply["sequence_id"]}


def beijing(moment: float, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A sandbox time as Alibaba writes one: `2024-01-05 10:00:03`, Beijing time."""
    return dt.datetime.fromtimestamp(moment, CN_TZ).strftime(fmt)


def sms_state() -> SmsState:
    """The SMS state of the sandbox app serving this request."""
    return current_app.extensions["sandbox_sms"]


def provider_id(digits: int = 18) -> str:
    """An opaque id of digits, like the providers' SerialNo and BizId."""
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


# -- the console's JSON API ----------------------------------------------------------------------------
def _error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": message}), status


@bp.get("/console/sms")
def sms_console() -> Response:
    """Serve the SMS page: what each number received, and a box to reply from it."""
    return send_from_directory(STATIC, "sms.html")


@bp.get("/sandbox/api/sms")
def sms_list() -> Response:
    """One number's SMS (those the provider took: `messages`; those it refused: `refused`) and replies, oldest first
    (?to=+86…), or without `to` every number, the newest first (count: the SMS it received)."""
    state = sms_state()
    raw = request.args.get("to", "").strip()
    with state.lock:
        if raw:
            number = normalise(raw) or raw
            entries = state.messages.get(number, [])
            return jsonify({"to": number, "messages": [state.view(m) for m in entries if m["accepted"]],
                            "refused": [state.view(m) for m in entries if not m["accepted"]],
                            "replies": list(state.replies.get(number, []))})
        numbers = []
        for number in set(state.messages) | set(state.replies):
            entries = state.messages.get(number, []) + state.replies.get(number, [])
            last = max(entries, key=lambda e: e["id"])
            numbers.append({"number": number, "count": sum(1 for m in state.messages.get(number, []) if m["accepted"]),
                            "replies": len(state.replies.get(number, [])), "last": last.get("sent_at", last.get("at")),
                            "last_text": last.get("text") or last.get("code", "")})
    numbers.sort(key=lambda n: -n["last"])
    return jsonify({"numbers": numbers, "total": sum(n["count"] for n in numbers),
                    "provider": state.settings.sms_provider, "per_hour": state.per_hour,
                    "receipt_delay": state.receipt_delay, "push_url": state.push_url})


@bp.post("/sandbox/api/sms/reply")
def sms_reply() -> Response | tuple[Response, int]:
    """A reply (上行) from a number: {"from": "+8613800138000", "text": "R"}."""
    data = request.get_json(silent=True) or {}
    number = normalise(str(data.get("from", "")))
    text = data.get("text")
    if number is None:
        return _error("from must be a mobile number, e.g. +8613800138000")
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        return _error("text must be 1–500 characters")
    entry = sms_state().reply(number, text.strip())
    return jsonify({"ok": True, "reply": entry})


@bp.post("/sandbox/api/sms/settings")
def sms_settings() -> Response | tuple[Response, int]:
    """Change the model: {"per_hour": 5, "receipt_delay": 3, "push_url": "http://…"} (any of them), and single
    numbers': {"numbers": {"+8613800138000": {"limited_for": 3600, "answer_after": 5}}} (seconds; 0 undoes)."""
    data = request.get_json(silent=True) or {}
    state = sms_state()
    try:
        per_hour = int(data.get("per_hour", state.per_hour))
        delay = float(data.get("receipt_delay", state.receipt_delay))
    except (TypeError, ValueError):
        return _error("per_hour and receipt_delay must be numbers")
    url = data.get("push_url", state.push_url)
    if not 1 <= per_hour <= 10000 or not 0 <= delay <= 86400 or not isinstance(url, str):
        return _error("per_hour 1–10000, receipt_delay 0–86400 seconds, push_url a URL")
    numbers = _number_models(data.get("numbers") or {})
    if isinstance(numbers, str):
        return _error(numbers)
    with state.lock:
        state.per_hour, state.receipt_delay, state.push_url = per_hour, delay, url
        shown = {number: state.set_number(number, **model) for number, model in numbers.items()}
    return jsonify({"ok": True, "per_hour": per_hour, "receipt_delay": delay, "push_url": url, "numbers": shown})


def _number_models(raw: Any) -> dict[str, dict[str, float]] | str:
    """{"+86…": {"limited_for": s, "answer_after": s}} checked (numbers normalised), or what is wrong with it."""
    wrong = (f"numbers maps mobile numbers to {{limited_for: 0–86400, answer_after: 0–{ANSWER_AFTER_MAX}}} "
             "(seconds)")
    if not isinstance(raw, dict):
        return wrong
    models: dict[str, dict[str, float]] = {}
    for key, model in raw.items():
        number = normalise(str(key))
        if number is None or not isinstance(model, dict) or not set(model) <= {"limited_for", "answer_after"}:
            return wrong
        try:
            values = {name: float(value) for name, value in model.items()}
        except (TypeError, ValueError):
            return wrong
        if not 0 <= values.get("limited_for", 0) <= 86400 or not 0 <= values.get("answer_after", 0) <= ANSWER_AFTER_MAX:
            return wrong
        models[number] = values
    return models


def loads(body: bytes) -> Any:
    """JSON or None."""
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None
