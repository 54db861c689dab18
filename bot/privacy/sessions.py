"""HR members' sign-in sessions, held in Redis so that they can be ended.

The browser's cookie carries only a random id (signed by the web app). Redis keeps the session under a hash of
that id (a copy of Redis opens no session), with the member and the session's form token, for eight hours from
sign-in; a per-member set lets every session of a member end at once: at logout (that one), when the member is
no longer on any role list, and when an admin ends them (the HR sessions page, or `python -m jobs.cli sessions
end USERID`). The role is never stored: it is read from the settings on every request.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

import redis

SESSION_SECONDS = 8 * 3600  # a working day; the cookie's own lifetime is the same
KEY = "hr:session:"          # + sha256(id): the session's hash (userid, csrf, started)
MEMBER = "hr:sessions:"      # + userid: the keys of the member's sessions
MEMBERS = "hr:sessions"      # sorted set: members with sessions, by their latest sign-in
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class HrSession:
    key: str
    userid: str
    csrf: str
    started_at: float


def _key(session_id: str) -> str:
    return KEY + hashlib.sha256(session_id.encode()).hexdigest()


def start(client: redis.Redis, userid: str) -> tuple[str, HrSession]:
    """Open a session for the member; return its id (for the cookie, never stored) and the session."""
    session_id, now = secrets.token_urlsafe(32), time.time()
    session = HrSession(_key(session_id), userid, secrets.token_urlsafe(24), now)
    pipe = client.pipeline()
    pipe.hset(session.key, mapping={"userid": userid, "csrf": session.csrf, "started_at": f"{now:.3f}"})
    pipe.expire(session.key, SESSION_SECONDS)
    pipe.sadd(MEMBER + userid, session.key)
    pipe.expire(MEMBER + userid, SESSION_SECONDS)  # the newest session lives longest
    pipe.zadd(MEMBERS, {userid: now})
    pipe.execute()
    return session_id, session


def find(client: redis.Redis, session_id: object) -> HrSession | None:
    """The live session of this id; None for an ended, expired, forged or malformed one."""
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        return None
    key = _key(session_id)
    data = {k.decode(): v.decode() for k, v in client.hgetall(key).items()}
    if not data.get("userid") or not data.get("csrf"):
        return None
    return HrSession(key, data["userid"], data["csrf"], float(data.get("started_at") or 0))


def end(client: redis.Redis, session: HrSession) -> None:
    """End one session (logout)."""
    pipe = client.pipeline()
    pipe.delete(session.key)
    pipe.srem(MEMBER + session.userid, session.key)
    pipe.execute()


def end_all(client: redis.Redis, userid: str) -> int:
    """End every session of the member; return how many were still live."""
    keys = list(client.smembers(MEMBER + userid))
    pipe = client.pipeline()
    if keys:
        pipe.delete(*keys)
    pipe.delete(MEMBER + userid)
    pipe.zrem(MEMBERS, userid)
    return pipe.execute()[0] if keys else 0


def signed_in(client: redis.Redis) -> list[tuple[str, int, float]]:
    """(userid, live sessions, latest sign-in as Unix time) of every member with a live session, latest first;
    members whose sessions have all expired are dropped from the list on the way."""
    members = []
    for raw, latest in client.zrevrange(MEMBERS, 0, -1, withscores=True):
        userid = raw.decode()
        keys = list(client.smembers(MEMBER + userid))
        live = sum(client.exists(key) for key in keys)
        if live:
            members.append((userid, live, latest))
        else:
            client.zrem(MEMBERS, userid)
    return members
