"""Reading rescheduling requests: times, ranges, questions for what cannot be read, and the trigger."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.decisions.timeparse import CN_TZ, MAX_CHARS, When, describe, parse_when, wants_reschedule

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=CN_TZ)  # a Tuesday


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CN_TZ)


@pytest.mark.parametrize("text, start, end", [
    # relative days, weekdays and the examples from the brief
    ("改期至下周一下午2点", at(11, 30, 14), None),
    ("明天上午十点可以吗", at(11, 25, 10), None),
    ("能不能改到周三下午两点半", at(11, 25, 14, 30), None),
    ("后天晚上七点", at(11, 26, 19), None),
    ("大后天上午10点", at(11, 27, 10), None),
    ("3天后上午10点", at(11, 27, 10), None),
    ("下下周一上午9点半", at(12, 7, 9, 30), None),
    ("下个星期三上午10点", at(12, 2, 10), None),
    ("礼拜天上午10点", at(11, 29, 10), None),
    ("周二下午3点", at(11, 24, 15), None),  # today, still ahead
    ("周二上午9点", at(12, 1, 9), None),  # today's has passed: next week's
    ("周一下午3点", at(11, 30, 15), None),  # jionlp: yesterday
    ("下周一，下午3点", at(11, 30, 15), None),  # jionlp: two phrases, the time today
    # dates
    ("11月30日14:00", at(11, 30, 14), None),
    ("11.30 下午3点", at(11, 30, 15), None),
    ("12/1 下午3点", at(12, 1, 15), None),
    ("2026-12-01 14:00", at(12, 1, 14), None),
    ("１１月３０日１４：００", at(11, 30, 14), None),
    ("1月5日上午10点", at(1, 5, 10, year=2027), None),  # jionlp: last January
    ("20号下午3点", at(12, 20, 15), None),
    # hours: Chinese numerals, periods of the day, the afternoon reading of bare 1–6 点
    ("两点", at(11, 24, 14), None),
    ("明天3点", at(11, 25, 15), None),
    ("明天八点", at(11, 25, 8), None),
    ("明天12点", at(11, 25, 12), None),
    ("明天中午12点", at(11, 25, 12), None),
    ("十二点半", at(11, 24, 12, 30), None),
    ("明天三点一刻", at(11, 25, 15, 15), None),
    ("明天九点四十五", at(11, 25, 9, 45), None),
    ("明天14:30", at(11, 25, 14, 30), None),
    ("明天14点30分", at(11, 25, 14, 30), None),
    ("明天下午3.30", at(11, 25, 15, 30), None),
    ("明天2.30", at(11, 25, 14, 30), None),
    ("明天傍晚6点", at(11, 25, 18), None),
    ("明早9点", at(11, 25, 9), None),  # jionlp: today
    ("明天下午2点左右", at(11, 25, 14), None),
    # ranges
    ("下周二下午2点到4点之间都行", at(12, 1, 14), at(12, 1, 16)),
    ("明天2点-4点", at(11, 25, 14), at(11, 25, 16)),
    ("明天11点到2点", at(11, 25, 11), at(11, 25, 14)),
    ("下午2点 到 4点", at(11, 24, 14), at(11, 24, 16)),
    ("明天下午2:00到4:00", at(11, 25, 14), at(11, 25, 16)),
    ("明天下午三点半到五点", at(11, 25, 15, 30), at(11, 25, 17)),
    ("12月1日14:00-16:00", at(12, 1, 14), at(12, 1, 16)),
    # noise around the time
    ("不好意思，我明天上午有课，能改到后天下午三点吗？", at(11, 26, 15), None),
    ("原定明天上午10点的面试，能改到后天下午三点吗", at(11, 26, 15), None),
    ("明天上午有课，后天下午三点可以吗", at(11, 26, 15), None),
    ("我的电话13800138000，明天下午3点可以", at(11, 25, 15), None),
])
def test_times_that_can_be_read(text, start, end):
    when = parse_when(text, NOW)
    assert (when.status, when.start, when.end) == ("ok", start, end)
    assert when.start.utcoffset() == dt.timedelta(hours=8)
    assert when.text and when.question == ""


@pytest.mark.parametrize("text, question", [
    ("下周一", "请问您希望改到11月30日（周一）的几点？"),
    ("改到明天吧", "请问您希望改到11月25日（周三）的几点？"),
    ("周五下午", "请问您希望改到11月27日（周五）下午的几点？"),
    ("3天后", "请问您希望改到11月27日（周五）的几点？"),
    ("周三或周四下午", "请问您选哪一个时间：“周三”还是“周四下午”？"),
    ("明天下午2点或3点", "请问您选哪一个时间：“明天下午2点”还是“3点”？"),
    ("明天下午2点到4点，或者后天上午", "请问您选哪一个时间：“明天下午2点到4点”还是“后天上午”？"),
    ("下周一、周二下午都可以", "请问您选哪一个时间：“下周一”还是“周二下午”？"),
    ("后天下午三点或者大后天上午十点", "请问您选哪一个时间：“后天下午三点”还是“大后天上午十点”？"),
    ("明天上午十点可以吗？不行的话后天下午2点也可以", "请问您希望改到哪一个时间：“明天上午十点”还是“后天下午2点”？"),
    ("9点", "请问是哪一天的09:00？"),  # today's 9点 has passed
    ("明天凌晨3点", "确认一下是11月25日（周三）03:00（凌晨）吗？"),
    ("明天晚上12点", "确认一下是11月26日（周四）00:00（凌晨）吗？"),
    ("2027年8月1日上午10点", "确认一下是2027年8月1日（周日）10:00吗？"),
    ("推迟到下周", "请问具体改到哪一天的几点？"),
    ("推迟3天", "请问具体改到哪一天的几点？"),
    ("明天下午2点以后", "请问具体改到哪一天的几点？"),
    ("下午三点前", "请问具体改到哪一天的几点？"),
])
def test_unclear_times_get_a_question(text, question):
    when = parse_when(text, NOW)
    assert (when.status, when.question) == ("ambiguous", question)


@pytest.mark.parametrize("text", ["今天上午9点", "昨天下午3点", "这周一下午3点", "11月20日下午3点"])
def test_past_times(text):
    when = parse_when(text, NOW)
    assert (when.status, when.question) == ("past", "这个时间已经过去了，请给一个之后的时间。")


@pytest.mark.parametrize("text, bad", [
    ("2月30日", "2月30日"),
    ("二月三十日上午十点", "二月三十日"),
    ("2026-02-30 10:00", "2026-02-30"),
    ("明天25点", "25点"),
    ("明天14:75", "14:75"),
    ("下午4点到2点", "下午4点到2点"),
])
def test_impossible_times(text, bad):
    when = parse_when(text, NOW)
    assert (when.status, when.text, when.start) == ("invalid", bad, None)
    assert when.question


@pytest.mark.parametrize("text", [
    "", "   ", "ok", "tomorrow 3pm", "🙂🙂👍", "改期", "下午好，我想改期", "现在不方便", "面试编号2026",
    "我有3年经验", "\x00\ufffd", "1" * 10_000, "明天下午" * 2_560, "reschedule please " * 600,
])
def test_no_time_at_all(text):
    assert parse_when(text, NOW) == When("none")


@pytest.mark.parametrize("now, text, start", [
    (dt.datetime(2026, 11, 29, 20, 0, tzinfo=CN_TZ), "下周一上午10点", at(11, 30, 10)),  # said on a Sunday
    (dt.datetime(2026, 11, 29, 20, 0, tzinfo=CN_TZ), "周日下午3点", at(12, 6, 15)),
    (dt.datetime(2026, 12, 31, 23, 0, tzinfo=CN_TZ), "明天上午10点", at(1, 1, 10, year=2027)),
    (dt.datetime(2026, 12, 31, 23, 0, tzinfo=CN_TZ), "1月5日下午2点", at(1, 5, 14, year=2027)),
    # 07:30 in Shanghai is still the day before in UTC: "今天" is Shanghai's today whatever now's zone
    (dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC), "今天上午10点", at(11, 24, 10)),
])
def test_other_nows(now, text, start):
    assert parse_when(text, now) == When("ok", start, text=text)


def test_long_input_is_read_only_up_to_its_bound():
    """A 40,000-character message costs what its first MAX_CHARS cost (the work is bounded, not timed here)."""
    text = ("明天下午" * 7 + "。") * 1_300
    assert parse_when(text, NOW) == parse_when(text[:MAX_CHARS], NOW)


@pytest.mark.parametrize("text", [
    "改期", "我想改期", "明天上午十点可以吗", "能不能改到周三下午两点半", "面试能推迟一下吗", "可以换个时间吗",
    "下周一下午2点方便吗", "能提前到明天上午吗", "另约一个时间吧", "想调整一下面试时间", "后天下午三点行吗",
])
def test_reschedule_requests(text):
    assert wants_reschedule(text)


@pytest.mark.parametrize("text", [
    "可以吗", "好的，明天见", "我明天上午有课", "收到，谢谢", "这个岗位还招人吗", "面试需要带什么材料？",
    "下午好", "", "🙂", "我有3年经验，可以吗", "ok 行吗",
])
def test_not_reschedule_requests(text):
    assert not wants_reschedule(text)


@pytest.mark.parametrize("when, text", [
    (When("ok", at(11, 30, 14)), "11月30日（周一）14:00"),
    (When("ok", at(11, 30, 14), at(11, 30, 16)), "11月30日（周一）14:00–16:00"),
    (When("ok", at(11, 30, 22), at(12, 1, 9, 30)), "11月30日（周一）22:00–12月1日（周二）09:30"),
    (When("ok", dt.datetime(2026, 11, 30, 6, tzinfo=dt.UTC)), "11月30日（周一）14:00"),
    (When("none"), ""),
])
def test_describe(when, text):
    assert describe(when) == text


def test_describe_reads_back_what_was_parsed():
    assert describe(parse_when("下周二下午2点到4点之间都行", NOW)) == "12月1日（周二）14:00–16:00"


@pytest.mark.parametrize("answer, start, end", [
    ("3点", at(11, 25, 15), None),
    ("下午3点", at(11, 25, 15), None),
    ("3点到4点", at(11, 25, 15), at(11, 25, 16)),
    ("晚上8点", at(11, 25, 20), None),
    ("后天上午10点", at(11, 26, 10), None),  # a day of its own wins over the proposal
])
def test_an_answer_to_our_question_is_read_on_the_day_it_proposed(answer, start, end):
    question = parse_when("我能改到明天下午吗？", NOW)
    assert question.status == "ambiguous" and (question.day, question.part) == (dt.date(2026, 11, 25), "下午")
    when = parse_when(answer, NOW, day=question.day, part=question.part)
    assert (when.status, when.start, when.end) == ("ok", start, end)


def test_a_proposed_day_that_has_passed_is_past_and_a_bare_part_asks_again():
    assert parse_when("3点", at(11, 26, 9), day=dt.date(2026, 11, 25), part="下午").status == "past"
    again = parse_when("上午吧", NOW, day=dt.date(2026, 11, 25), part="下午")
    assert again.question == "请问您希望改到11月25日（周三）上午的几点？" and again.day == dt.date(2026, 11, 25)
