"""In-memory state of the sandbox company: tokens, delivered messages, codes, media, call log, faults, mailboxes.

Everything sits behind one re-entrant lock; API views hold it for a whole check-then-change step.
Time comes from `now()` (a clock plus an offset) so tests can move time instead of sleeping.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .validate import USERID, ApiError

TOKEN_TTL = 7200
RESPONSE_CODE_TTL = 72 * 3600
MEDIA_TTL = 3 * 86400
OAUTH_CODE_TTL = 300
EVENT_CODE_TTL = 20  # welcome_code and kf send_msg_on_event code
KF_TOKEN_TTL = 600
KF_WINDOW = 48 * 3600
KF_WINDOW_MESSAGES = 5
PER_MINUTE, PER_HOUR = 30, 1000
CALL_LOG_SIZE = 5000
DEFAULT_CANDIDATES = ("zhangsan", "lisi")


def new_id(nbytes: int = 16) -> str:
    """Return an opaque random id (letters, digits, - and _)."""
    return secrets.token_urlsafe(nbytes)


class SandboxState:
    """The sandbox company's state; one per sandbox app."""

    def __init__(
        self, *, corp_id: str, corp_secret: str, agent_id: int, members: tuple[str, ...] = (),
        company_name: str = "", clock: Callable[[], float] = time.time, departments: tuple[dict, ...] = (),
        member_departments: dict[str, list[int]] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        # the directory (department/list, user/simplelist): the company is department 1
        self.departments = list(departments) or [{"id": 1, "name": company_name or "公司", "parentid": 0, "order": 1}]
        self.member_departments = dict(member_departments or {})
        self.corp_id = corp_id
        self.agent_id = agent_id
        self._secret = corp_secret
        self.company_name = company_name
        self.default_members = tuple(members) or DEFAULT_CANDIDATES
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        """Forget everything: tokens, messages, codes, media, log, faults, customers, mailboxes, directory names,
        clock offset."""
        with self.lock:
            self.offset = 0.0
            self.version = 0
            self.seq = 0
            self.tokens: dict[str, float] = {}
            self.timeline: dict[str, list[dict]] = {}
            self.messages: dict[str, dict] = {}
            self.task_ids: dict[str, str] = {}
            self.response_codes: dict[str, dict] = {}
            self.duplicates: dict[tuple[str, str], tuple[float, str]] = {}
            self.media: dict[str, dict] = {}
            self.receipts: dict[str, deque[float]] = {}
            self.dropped: dict[str, int] = {}
            self.calls: deque[dict] = deque(maxlen=CALL_LOG_SIZE)
            self.faults: dict[str, deque[dict]] = {}
            self.members: set[str] = set(self.default_members)
            self.customers: dict[str, dict] = {}
            open_kfid = "wk" + new_id(12).replace("-", "x").replace("_", "y")
            name = f"{self.company_name}招聘" if self.company_name else "招聘客服"
            account = {"open_kfid": open_kfid, "name": name, "avatar": "", "manage_privilege": True}
            self.kf_accounts = {open_kfid: account}
            self.kf_msgs: list[dict] = []
            self.kf_tokens: dict[str, float] = {}
            self.kf_windows: dict[tuple[str, str], dict] = {}
            self.kf_sent: set[str] = set()
            self.kf_codes: dict[str, dict] = {}
            self.contact_ways: dict[str, dict] = {}
            self.welcome_codes: dict[str, dict] = {}
            self.oauth_codes: dict[str, dict] = {}
            # e-mail the sandbox's SMTP server took (bot/sandbox/mail.py): recipient address (lower-cased) → messages
            self.mailboxes: dict[str, list[dict]] = {}
            # members' names in the directory (user/get); one not here is answered without a name
            self.member_names: dict[str, str] = {}
            # calendar events apps created (oa/schedule/add, bot/sandbox/api_schedule.py): schedule_id → schedule
            self.schedules: dict[str, dict] = {}

    # -- time ---------------------------------------------------------------------------------
    def now(self) -> float:
        """Return the sandbox's current time (seconds since the epoch)."""
        return self.clock() + self.offset

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward; return the new time."""
        with self.lock:
            self.offset += seconds
            self.version += 1
            return self.now()

    # -- credentials ----------------------------------------------------------------------------
    def issue_token(self, corpid: str | None, secret: str | None) -> tuple[str, int]:
        """Check corpid/secret and return the app's access_token with its remaining lifetime."""
        if not corpid:
            raise ApiError(41002, "corpid missing")
        if not hmac.compare_digest(corpid.encode(), self.corp_id.encode()):
            raise ApiError(40013, "invalid corpid")
        if not secret:
            raise ApiError(41004, "corpsecret missing")
        if not hmac.compare_digest(secret.encode(), self._secret.encode()):
            raise ApiError(40001, "invalid credential, invalid secret")
        with self.lock:
            now = self.now()
            # Like WeCom, repeat calls inside the lifetime return the same token.
            for token, expires in self.tokens.items():
                if expires > now:
                    return token, int(expires - now)
            token = new_id(48)
            self.tokens[token] = now + TOKEN_TTL
            return token, TOKEN_TTL

    def check_token(self, token: str | None) -> None:
        """Raise the errcode WeCom gives for a missing, unknown or expired access_token."""
        if not token:
            raise ApiError(41001, "access_token missing")
        with self.lock:
            expires = self.tokens.get(token)
            if expires is None:
                raise ApiError(40014, "invalid access_token")
            if expires <= self.now():
                raise ApiError(42001, "access_token expired")

    def expire_tokens(self) -> int:
        """Expire every issued token (they then answer 42001); return how many were live."""
        with self.lock:
            now = self.now()
            live = sum(1 for expires in self.tokens.values() if expires > now)
            self.tokens = {token: min(expires, now - 1) for token, expires in self.tokens.items()}
            return live

    # -- faults and call log ----------------------------------------------------------------------
    def add_fault(self, path: str, fault: dict, times: int = 1) -> None:
        """Queue a fault for an API path (e.g. "message/send"): errcode, status or delay, `times` calls."""
        with self.lock:
            self.faults.setdefault(path.strip("/"), deque()).append({**fault, "times": max(1, int(times))})

    def take_fault(self, path: str) -> dict | None:
        """Consume one use of the oldest fault queued for this path."""
        with self.lock:
            queue = self.faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            fault["times"] -= 1
            if fault["times"] <= 0:
                queue.popleft()
            return {k: v for k, v in fault.items() if k != "times"}

    def log_call(self, entry: dict) -> None:
        """Append an API call (no secrets in it) to the call log."""
        with self.lock:
            self.calls.append({**entry, "time": self.now()})

    # -- members, customers, conversations ----------------------------------------------------------
    def is_customer(self, uid: str) -> bool:
        """Tell whether an id belongs to an external WeChat user rather than a member."""
        return uid in self.customers

    def is_member(self, uid: str) -> bool:
        """Any well-formed userid is a member of the sandbox company, customers excepted."""
        return bool(USERID.fullmatch(uid)) and uid not in self.customers

    def add_entry(self, user: str, entry: dict) -> dict:
        """Append an entry to a user's conversation (stamping id and time) and return it."""
        with self.lock:
            self.seq += 1
            self.version += 1
            entry = {"id": self.seq, "time": self.now(), **entry}
            self.timeline.setdefault(user, []).append(entry)
            if not self.is_customer(user):
                self.members.add(user)
            return entry

    def deliver(self, user: str, entry: dict) -> dict:
        """Deliver an app message to a member, dropping it silently past 30/min or 1000/h like WeCom."""
        with self.lock:
            now = self.now()
            times = self.receipts.setdefault(user, deque())
            while times and times[0] <= now - 3600:
                times.popleft()
            last_minute = sum(1 for t in times if t > now - 60)
            dropped = last_minute >= PER_MINUTE or len(times) >= PER_HOUR
            if dropped:
                self.dropped[user] = self.dropped.get(user, 0) + 1
            else:
                times.append(now)
            return self.add_entry(user, {**entry, "direction": "to_user", "dropped": dropped})

    def member_stats(self) -> dict[str, Any]:
        """Return per-member receive counts and the number of silently dropped messages."""
        with self.lock:
            now = self.now()
            members = {}
            for user in sorted(set(self.receipts) | set(self.dropped)):
                times = [t for t in self.receipts.get(user, ()) if t > now - 3600]
                members[user] = {
                    "last_minute": sum(1 for t in times if t > now - 60),
                    "last_hour": len(times),
                    "dropped": self.dropped.get(user, 0),
                }
            every = sorted(t for times in self.receipts.values() for t in times)
            busiest, start = 0, 0
            for end, moment in enumerate(every):  # the company's busiest 60 s (WeCom: 10,000 per API a minute)
                while moment - every[start] >= 60:
                    start += 1
                busiest = max(busiest, end - start + 1)
            return {"members": members, "dropped": sum(self.dropped.values()), "busiest_minute": busiest}

    # -- single-use codes -----------------------------------------------------------------------------
    def issue_code(self, table: dict[str, dict], **data: Any) -> str:
        """Store a fresh single-use code with its data in one of the code tables."""
        with self.lock:
            code = new_id(24)
            table[code] = {**data, "issued": self.now(), "used": False}
            return code

    def take_code(self, table: dict[str, dict], code: str | None, ttl: float) -> tuple[str, dict | None]:
        """Consume a code: return ("ok", data), or ("unknown" | "used" | "expired", data or None)."""
        with self.lock:
            record = table.get(code or "")
            if record is None:
                return "unknown", None
            if record["used"]:
                return "used", record
            if self.now() - record["issued"] > ttl:
                return "expired", record
            record["used"] = True
            self.version += 1
            return "ok", record
