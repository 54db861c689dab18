"""Members' names from the WeCom directory (读取成员, user/get), so a member candidate is greeted by name.

A member invited by userid (`/invite 柜员 zhangsan`, a sheet's 企业微信ID column, the open API) who has no name yet
gets the directory's as Candidate.name; a name HR gave (a sheet's, the API's) is never replaced. WeCom's answer is
kept in Redis for a day (sealed like the name column, under a keyed hash of the userid, so no key names anyone) and
asked again once it is older; an answer without a name is kept too (since June 2022 WeCom leaves `name` out for apps
that are not shown it; some get the userid in its place): such a member is greeted "您好", never by their id. A
look-up that fails (rate limit, network, WeCom busy) never holds an invitation back: it goes out without the name,
nothing is cached, and the next invitation asks again, after a pause of a minute so that a bulk run does not wait
on a WeCom that is down row after row.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable

from bot.errors import OUTAGES, WeComError
from bot.store.kv import get_redis
from bot.store.models import Candidate
from bot.store.sealed import blind_index, open_value, seal_value
from bot.store.sealing import SealError
from bot.wecom.delivery import wecom

log = logging.getLogger(__name__)

CACHE_TTL = 86400  # a day: a renamed member is greeted by the new name from the next day on
PAUSE_TTL = 60  # after a failed look-up, invitations go out without asking for a minute
KEY = "wecom:member-name:{}"
PAUSE_KEY = "wecom:member-name:pause"
NO_NAME = "-"  # cached: WeCom answered, without a name
CONTEXT = "redis.member_name"  # the sealed value's associated data
NAME_MAX = 64
USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
# Answers about the member rather than about WeCom: not found, not a member, outside the app's visible range.
NO_SUCH_MEMBER = (40003, 46004, 60011, 60111)


def member_name(userid: str) -> str:
    """The member's name in the WeCom directory (cached a day); "" when WeCom gives none or cannot be asked now."""
    if not USERID.fullmatch(userid or ""):
        return ""
    try:
        cache = get_redis()
        stored = cache.get(cache_key(userid))
        known = _opened(stored.decode()) if stored is not None else None
        if known is not None:
            return known
        if cache.exists(PAUSE_KEY):
            return ""
    except OUTAGES as exc:  # Redis away for a moment: invite without the name
        log.warning("member name of %s not read: %s", userid, exc)
        return ""
    try:
        answer = wecom().get("user/get", params={"userid": userid})
    except WeComError as exc:
        if exc.errcode not in NO_SUCH_MEMBER:
            log.warning("user/get %s failed (%s): invited without the name, asked again next time", userid, exc)
            _quietly(lambda: cache.set(PAUSE_KEY, "1", ex=PAUSE_TTL))
            return ""
        answer = {}
    name = str(answer.get("name") or "").strip()[:NAME_MAX]
    if name == userid:  # an app not shown names may get the userid in its place
        name = ""
    _quietly(lambda: cache.set(cache_key(userid), seal_value(name, CONTEXT) if name else NO_NAME, ex=CACHE_TTL))
    return name


def cache_key(userid: str) -> str:
    """The Redis key of a member's cached name: a keyed hash of the userid, not the userid itself."""
    return KEY.format(blind_index(userid, "member-name", str))


def _opened(stored: str) -> str | None:
    """The cached name ("" for none); None when it cannot be read (sealed under a key since retired): ask again."""
    if stored == NO_NAME:
        return ""
    try:
        return open_value(stored, CONTEXT)
    except (SealError, ValueError, UnicodeDecodeError):
        return None


def _quietly(write: Callable[[], object]) -> None:
    try:
        write()
    except OUTAGES as exc:
        log.warning("member name not cached: %s", exc)


def fill_name(candidate: Candidate, given: str = "") -> Candidate:
    """Give a member candidate who has no name yet the one HR `given` (a sheet's), else the directory's (its blind
    index follows); a name they have (HR's from a sheet or the API, or the directory's from before) is kept.
    Returns the candidate as it now is."""
    if candidate.name or not candidate.wecom_userid or candidate.erased_at is not None:
        return candidate
    name = given[:NAME_MAX] or member_name(candidate.wecom_userid)
    if name and Candidate.update(name=name).where((Candidate.id == candidate.id) & (Candidate.name == "")).execute():
        candidate.name = name
    return candidate
