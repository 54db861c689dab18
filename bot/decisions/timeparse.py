"""Read the time in a Chinese rescheduling request ("能改到下周一下午2点吗") as an Asia/Shanghai datetime.

jionlp finds and parses the time phrases; this module decides what a recruiter would take them to mean, and
anything it cannot read with confidence becomes a polite question to send back rather than a guess.
Everything is relative to `now` in UTC+8 (a naive `now` is taken as UTC+8); weeks start on Monday.

- A day without a time of day (下周一, 明天, 11月30日) or with only a part of the day (明天下午) → "ambiguous".
- An hour without 上午/下午/晚上…: 1–6 点 is the afternoon (两点 → 14:00; 2:00 too), 7–11 the morning, 12 noon.
  晚上/傍晚 are PM, 中午12点 is 12:00. A start before 06:00 (凌晨3点, 0点, 晚上12点) → "ambiguous": confirm it.
- Ranges (下午2点到4点, 2点-4点, 14:00~16:00) give start and end; an end that would precede the start is PM
  (11点到2点 → 11:00–14:00). Open ones (2点以后, 3点前) → "ambiguous".
- Alternatives (周三或周四下午, 周三、周四, 明天下午2点/3点), or several different times with no 改到-like verb
  pointing at one of them, → "ambiguous", and the question lists them.
- 周X/星期X/礼拜X is the coming one: today while its time is ahead, else next week's. 这周X/本周X stay in this
  week (so may be "past"); 下周X is in next week, 下下周X the week after. A day of the month that has passed
  (20号) is next month's; a month and day (1月5日) next year's when that is within 180 days, else "past".
- A time of day without a day is today; once passed → "ambiguous" (which day?). "11.30" and "12/1" are
  dates; "2.30", which cannot be one, is 2:30.
- Before now → "past"; dates and times that cannot exist (2月30日, 25点, 14:75, 下午4点到2点) → "invalid";
  more than 180 days ahead → "ambiguous" (confirm). A week or month (下周) or a shift (推迟3天) → "ambiguous".
  Years, durations (3年经验), 现在 and greetings (下午好) are not times.
- A follow-up to our own question ("请问您希望改到12月7日（周一）下午的几点？" → "3点"): the caller passes the day (and
  part of the day) the question proposed, and a time without a day of its own is read on that day ("3点" → 12月7日
  15:00, "晚上8点" → 12月7日 20:00); a message that names a day ("后天3点") keeps its own.
- Only the first 300 characters are read, and runs of over 30 time-like characters are skipped: jionlp's
  extractor spends ~10 ms per character on them (10 KB of "明天下午" took over two minutes).
"""
from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import io
import logging
import re
import threading
from dataclasses import dataclass

from bot.clock import CN_TZ, day_label

with contextlib.redirect_stdout(io.StringIO()):  # jionlp and jiojio print a banner on import
    import jionlp
    from jionlp.rule.rule_pattern import TIME_CHAR_STRING

log = logging.getLogger(__name__)

# What jionlp 1.5.31 reads wrongly, and where it is put right:
# - A timestamp time_base becomes the server's local time (UTC in production): a naive UTC+8 datetime is passed.
# - Bare 1–6 点 are AM (两点 → 02:00, 三点一刻 → 03:15, 2点-4点 → 02:00–04:00): _afternoon.
# - A range's end is AM when the period word is only on its start (下午2:00到4:00 → 14:00–04:00), or the end of
#   the hour (下午2点到4点之间 → 16:59:59): _afternoon.
# - 周一 said on a Tuesday is yesterday, 1月5日 said in November last January: _roll. (Its ret_future
#   over-corrects: 周三 said on a Tuesday becomes 下周三, 11月30日 next year's.)
# - 明早9点 is today 09:00; 11.30 and 12.1 as dates are ignored; 下午3.30 is just "the afternoon"; full-width
#   digits (１４：００) are not read; 周三、周四下午 and 周三/周四下午 lose 周三: _normalise.
# - 2月30日 comes back as this month's 30th; 25点 is dropped or wrapped to 01:00 the next day: _impossible.
# - 下午好 is this afternoon, 现在 is now, 面试编号2026 the year 2026: _GREETING, _NOT_TIME, _read.
# - The extractor splits 下周一，下午3点 and 明天下午三点半到五点 in two (the second half today, at 05:00):
#   _phrases joins neighbours and parses them again as one phrase.
# - The parsers keep per-call state on shared objects: calls are serialised with _LOCK.

MAX_CHARS = 300
MAX_RUN = 30
HORIZON = dt.timedelta(days=180)


_LOCK = threading.Lock()
# Full-width digits, letters and :./- (not ，（） which jionlp reads differently in ASCII)
_HALF_WIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF21 + i: 0x41 + i for i in range(26)}
_HALF_WIDTH |= {0xFF41 + i: 0x61 + i for i in range(26)}
_HALF_WIDTH |= {ord("："): ":", ord("．"): ".", ord("／"): "/", ord("－"): "-", 0x3000: " "}
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_N = r"(?<![\d零〇一二两三四五六七八九十])(\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"

_GREETING = re.compile(r"(早上|上午|中午|下午|晚上)好|早安|午安|晚安")
_SHORTHANDS = (("明早", "明天早上"), ("今早", "今天早上"), ("明晚", "明天晚上"), ("今晚", "今天晚上"), ("、", "或"))
_SLASH_OR = re.compile(r"(?<!\d)/|/(?!\d)")
_DOT_TIME = re.compile(r"((?:上午|中午|下午|晚上|早上|傍晚|[今明后]天|[日号]|(?:周|星期|礼拜)[一二三四五六日天])\s*)"
                       r"(\d{1,2})\.(\d{2})(?!\d)")
_DOT_DATE = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})(?![\d.年万千元kKwW%个倍岁米])")
_TIME_RUN = re.compile(TIME_CHAR_STRING)
_SEPARATORS = re.compile(r"[\s,，、()（）]+")

_YMD = re.compile(r"(?<!\d)(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_MD = re.compile(_N + r"\s*月\s*" + _N + r"\s*[日号]?|(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
_HOUR = re.compile(_N + r"\s*[点时](?![间候代])")
_HM = re.compile(r"(?<!\d)(\d{1,2})\s*:\s*(\d{2})(?!\d)")
_MINUTE = re.compile(r"[点时]\s*" + _N + r"\s*分")

_CLOCK = re.compile(r"\d{1,2}\s*:\s*\d{2}|[\d零〇一二两三四五六七八九十]\s*[点时](?![间候代])")
_PERIOD = re.compile(r"上午|早上|早晨|清晨|早|凌晨|中午|午间|下午|傍晚|晚上|晚间|晚|夜|[AaPp]\.?[Mm]")
_OPEN = re.compile(r"([点分]|\d)\s*[以之]?[前后]")
_DAY = re.compile(r"[今明后昨前]天|周|星期|礼拜|月|[日号]|天后|\d{4}|/")
_BARE_WEEKDAY = re.compile(r"(?<![下上这本个])(周|星期|礼拜)[一二三四五六七日天]")
_MONTH_DAY = re.compile(r"\d{1,2}\s*月|\d{1,2}/\d{1,2}")
_DAY_OF_MONTH = re.compile(r"^\s*\d{1,2}\s*[日号]")
_NOT_TIME = {"现在", "目前", "当前", "此时", "刚才", "刚刚", "今年", "明年", "去年"}

_RANGE_GAP = re.compile(r"\s*(到|至|~|～|-|—|–|－)\s*")
_JOIN_GAP = re.compile(r"[\s,，]*")
_ALT_GAP = re.compile(r"[\s,，]*(或者|或是|或|还是)[\s,，]*")
_TARGET = re.compile(r"(改期|改|换|调整?|挪|推迟|延期|延后|提前|放|约|定|安排)(到|至|为|成|在)\s*$")
_SHIFT = re.compile(r"推迟|延后|延期|推后|往后推|提前")

_STRONG = re.compile(r"改期|改个?时间|换个?时间|换一?天|另约|重新约|改约|调整(一下)?(面试)?时间|调时间|改天|"
                     r"推迟|延期|延后")
_WEAK = re.compile(r"改到|改成|改为|改在|改至|换到|换成|调到|调整到|挪到|放到|约在|约到|定在|提前|可以吗|可不可以|行吗|"
                   r"行不行|方便吗|方不方便|好吗|能吗|有空吗|都行|都可以")

Q_PAST = "这个时间已经过去了，请给一个之后的时间。"
Q_WHEN = "请问具体改到哪一天的几点？"


@dataclass(frozen=True)
class When:
    """What a message says about a time; `question` is the reply for anything but "ok" and "none"."""

    status: str  # "ok" | "ambiguous" | "past" | "invalid" | "none"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    question: str = ""
    text: str = ""
    day: dt.date | None = None  # the day a question proposes ("…12月7日（周一）下午的几点？"), for the answer
    part: str = ""              # and the part of that day it names (下午)


@dataclass(frozen=True)
class _Reading:
    text: str
    kind: str  # "point" | "range" | "open" | "blur" | "day" | "coarse" | "shift"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    targeted: bool = False

    @property
    def rank(self) -> int:
        return {"point": 3, "range": 3, "open": 3, "blur": 2, "day": 1}.get(self.kind, 0)


def parse_when(text: str, now: dt.datetime, *, day: dt.date | None = None, part: str = "") -> When:
    """Read the time a chat message asks for; "none" when it holds no time expression at all. day and part: what
    the question this message answers proposed (When.day, When.part), for a time that names no day."""
    try:
        return _parse(text, now, day, part)
    except Exception:  # jionlp on unforeseen input: the chat gets a question, never a traceback
        log.exception("time parsing failed")
        return When("invalid", question="没能看懂这个时间，请换个写法，例如“11月30日下午2点”。")


def wants_reschedule(text: str) -> bool:
    """Tell whether a chat message asks to change or set an appointment time."""
    if not isinstance(text, str) or not text.strip():
        return False
    norm = _normalise(text)
    if _STRONG.search(norm):
        return True
    return bool(_WEAK.search(norm)) and parse_when(text, dt.datetime.now(CN_TZ)).status != "none"


def describe(when: When) -> str:
    """Render a time for a confirmation: '11月30日（周一）14:00' or '11月30日（周一）14:00–16:00'."""
    if when.start is None:
        return ""
    start = when.start.astimezone(CN_TZ)
    out = f"{day_label(start)}{start:%H:%M}"
    if when.end is not None:
        end = when.end.astimezone(CN_TZ)
        out += f"–{end:%H:%M}" if end.date() == start.date() else f"–{day_label(end)}{end:%H:%M}"
    return out


def _parse(text: str, now: dt.datetime, day: dt.date | None = None, part: str = "") -> When:
    if not isinstance(text, str) or not text.strip():
        return When("none")
    now = now.astimezone(CN_TZ) if now.tzinfo else now.replace(tzinfo=CN_TZ)
    base = now.replace(tzinfo=None, microsecond=0)
    norm = _normalise(text)
    bad = _impossible(norm, base.date())
    if bad:
        return When("invalid", question=f"“{bad}”不是一个有效的时间，请再确认一下。", text=bad)
    phrases, alternatives = _phrases(norm, base)
    if alternatives:
        options = "还是".join(f"“{p}”" for p in alternatives)
        return When("ambiguous", question=f"请问您选哪一个时间：{options}？", text="或".join(alternatives))
    readings = [r for r in (_read(p, base, targeted) for p, targeted in phrases) if r is not None]
    readings = [r for r in readings if r.kind != "shift" or _SHIFT.search(norm)]
    if not readings:
        return When("none")
    chosen = [r for r in readings if r.targeted] or readings
    best = max(r.rank for r in chosen)
    chosen = [r for r in chosen if r.rank == best]
    if len({(r.start, r.end) for r in chosen}) > 1:
        options = "还是".join(f"“{r.text}”" for r in chosen)
        return When("ambiguous", question=f"请问您希望改到哪一个时间：{options}？", text=chosen[-1].text)
    reading = chosen[-1]
    if day is not None and reading.kind in ("point", "range", "open", "blur") and not _DAY.search(reading.text):
        reading = _read(_on_day(reading.text, day, part), base, reading.targeted) or reading
    return _resolve(reading, base)


def _on_day(phrase: str, day: dt.date, part: str) -> str:
    """The phrase as said on the proposed day, in its part of the day unless the phrase names its own."""
    return f"{day.year}年{day.month}月{day.day}日" + ("" if _PERIOD.search(phrase) else part) + phrase


def _normalise(text: str) -> str:
    text = text[:MAX_CHARS].translate(_HALF_WIDTH)
    text = _GREETING.sub("，", text)
    for short, full in _SHORTHANDS:
        text = text.replace(short, full)
    text = _SLASH_OR.sub("或", text)
    text = _DOT_TIME.sub(r"\1\2:\3", text)
    return _DOT_DATE.sub(_dot, text)


def _dot(m: re.Match[str]) -> str:
    """Read "11.30" as a date, and "2.30", which cannot be one, as a time."""
    first, second = int(m[1]), int(m[2])
    if 1 <= first <= 12 and _valid_date(2028, first, second):
        return f"{first}月{second}日"
    return f"{first}:{m[2]}" if len(m[2]) == 2 and first <= 24 and second <= 59 else m.group()


def _extractable(text: str) -> str:
    """Cut runs of time-like characters longer than MAX_RUN at separators and blank what is still too long."""
    def cut(run: str) -> str:
        if len(run) <= MAX_RUN:
            return run
        return _SEPARATORS.sub(lambda m: "。" * len(m.group()), run)

    def blank(run: str) -> str:
        return run if len(run) <= MAX_RUN else "。" * len(run)

    text = _TIME_RUN.sub(lambda m: cut(m.group()), text)
    return _TIME_RUN.sub(lambda m: blank(m.group()), text)


def _impossible(text: str, today: dt.date) -> str:
    """Return the first date or time in text that cannot exist, or ""."""
    for m in _YMD.finditer(text):
        if not _valid_date(int(m[1]), int(m[2]), int(m[3])):
            return m.group()
    for m in _MD.finditer(text):
        month, day = (_to_int(n) for n in ((m[1], m[2]) if m[1] else (m[3], m[4])))
        year = today.year + ((month, day) < (today.month, today.day))  # the year it most likely means
        if not text[:m.start()].endswith("年") and not _valid_date(year, month, day):
            return m.group()
    for pattern, limit in ((_HOUR, 24), (_MINUTE, 59)):
        for m in pattern.finditer(text):
            if _to_int(m[1]) > limit:
                return m.group()
    for m in _HM.finditer(text):
        if int(m[1]) > 24 or int(m[2]) > 59:
            return m.group()
    return ""


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _to_int(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
    return int("".join(str(_CN_DIGITS[c]) for c in numeral))


def _phrases(text: str, base: dt.datetime) -> tuple[list[tuple[str, bool]], list[str]]:
    """Return the time phrases (and whether a 改到-like verb points at each), or the alternatives offered."""
    with _LOCK:
        found = jionlp.ner.extract_time(_extractable(text), time_base=base, with_parsing=False)
    spans = [e["offset"] for e in found if e["text"] not in _NOT_TIME]
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and _joins(text, merged[-1], start, end):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    for (_, end), (start, _) in zip(merged, merged[1:], strict=False):
        if _ALT_GAP.fullmatch(text[end:start]):
            return [], [text[s:e] for s, e in merged]
    return [(text[s:e], bool(_TARGET.search(text[max(0, s - 6):s]))) for s, e in merged], []


def _joins(text: str, left: list[int], start: int, end: int) -> bool:
    """Tell whether a phrase continues the one before: a range's end, or the time of a day just named."""
    gap, right = text[left[1]:start], text[start:end]
    if _RANGE_GAP.fullmatch(gap):
        return True
    day_then_time = not _CLOCK.search(text[left[0]:left[1]]) and _CLOCK.search(right) and not _DAY.search(right)
    return bool(_JOIN_GAP.fullmatch(gap) and day_then_time)


def _read(phrase: str, base: dt.datetime, targeted: bool) -> _Reading | None:
    """Parse one phrase with jionlp and say what kind of time it is (None: not a time to schedule)."""
    try:
        with _LOCK:
            parsed = jionlp.parse_time(phrase, time_base=base)
    except Exception:  # jionlp raises ValueError (and worse) on phrases it extracted itself
        return None
    if parsed["type"] == "time_delta":
        return _Reading(phrase, "shift", targeted=targeted)
    if parsed["type"] not in ("time_point", "time_span"):
        return None
    first, last = parsed["time"]
    if "inf" in (first, last):
        return _Reading(phrase, "open", targeted=targeted)
    start, end = dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
    if _CLOCK.search(phrase):
        if parsed["type"] == "time_point":
            return _Reading(phrase, "point", start, targeted=targeted)
        kind = "open" if _OPEN.search(phrase) else "range"
        return _Reading(phrase, kind, start, end, targeted)
    if end - start <= dt.timedelta(days=1):
        return _Reading(phrase, "blur" if parsed["definition"] == "blur" else "day", start, end, targeted)
    if end - start <= dt.timedelta(days=31):
        return _Reading(phrase, "coarse", targeted=targeted)
    return None


def _resolve(reading: _Reading, base: dt.datetime) -> When:
    """Turn the chosen reading into a When, applying the rules in the module docstring."""
    phrase = reading.text
    if reading.kind in ("open", "coarse", "shift"):
        return When("ambiguous", question=Q_WHEN, text=phrase)
    if reading.kind in ("blur", "day"):
        day = _roll(phrase, reading.start, base, whole_day=True)
        if day.date() < base.date():
            return When("past", question=Q_PAST, text=phrase)
        found = _PERIOD.search(phrase)
        part = found.group() if found and reading.kind == "blur" else ""
        return When("ambiguous", question=f"请问您希望改到{day_label(day)}{part}的几点？", text=phrase,
                    day=day.date(), part=part)
    start, end = _afternoon(phrase, reading.start, reading.end)
    if end is not None and end <= start:
        return When("invalid", question="结束时间早于开始时间，请再确认一下时间段。", text=phrase)
    rolled = _roll(phrase, start, base, whole_day=False)
    if end is not None:
        end += rolled - start
    start = rolled
    return _judge(phrase, start, end, base)


def _afternoon(phrase: str, start: dt.datetime, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime | None]:
    """Read bare 1–6 点 as PM and a range's end as PM when it would otherwise precede the start."""
    pm = dt.timedelta(hours=12)
    bare = not _PERIOD.search(phrase)
    if bare and 1 <= start.hour <= 6:
        start += pm
    if end is None:
        return start, None
    if end.second == 59:  # jionlp's "until the end of that hour/minute": the range ends where it was named
        end = end.replace(minute=0 if end.minute == 59 else end.minute, second=0)
    if bare and 1 <= end.hour <= 6:
        end += pm
    if end <= start and end.hour < 12 and end + pm > start:
        end += pm
    return start, end


def _roll(phrase: str, start: dt.datetime, base: dt.datetime, whole_day: bool) -> dt.datetime:
    """Move a bare weekday, day of the month or month-day that has passed to its next occurrence."""
    passed = start.date() < base.date() if whole_day else start < base
    if not passed or re.search(r"\d{4}|年", phrase):
        return start
    if _BARE_WEEKDAY.search(phrase):
        return start + dt.timedelta(days=7)
    if _MONTH_DAY.search(phrase):
        with contextlib.suppress(ValueError):  # 2月29日 without a leap year next year stays past
            later = start.replace(year=start.year + 1)
            return later if later - base <= HORIZON else start
        return start
    if _DAY_OF_MONTH.search(phrase):
        month = start.month % 12 + 1
        with contextlib.suppress(ValueError):
            return start.replace(year=start.year + (month == 1), month=month)
    return start


def _judge(phrase: str, start: dt.datetime, end: dt.datetime | None, base: dt.datetime) -> When:
    """Give the status of a fully read time: past, odd hour, far away, or ok."""
    if start < base:
        if not _DAY.search(phrase):
            return When("ambiguous", question=f"请问是哪一天的{start:%H:%M}？", text=phrase)
        return When("past", question=Q_PAST, text=phrase)
    when = When("ok", start.replace(tzinfo=CN_TZ), end and end.replace(tzinfo=CN_TZ), text=phrase)
    if start.hour < 6 or "凌晨" in phrase:
        return When("ambiguous", when.start, when.end, f"确认一下是{describe(when)}（凌晨）吗？", phrase)
    if start - base > HORIZON:
        return When("ambiguous", when.start, when.end, f"确认一下是{start.year}年{describe(when)}吗？", phrase)
    return when

