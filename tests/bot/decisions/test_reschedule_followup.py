"""A rescheduling conversation over a week of dates, with the clock moved: the bot asks the hour of the day it
proposes ("请问您希望改到12月7日（周一）下午的几点？"), and the answer ("3点", "下午3点") keeps that day — for the
second round and for the AI interview's deadline, today, tomorrow, at the weekend and across a month's end."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.support.chat import click, invite_member, texts
from tests.support.h5 import reported

CN = dt.timezone(dt.timedelta(hours=8))

# (now in Beijing, what the candidate asks, the day the bot proposes, its label)
WEEK = [
    (dt.datetime(2026, 12, 6, 10, 0), "我能改到明天下午吗？", dt.date(2026, 12, 7), "12月7日（周一）下午"),  # Sunday
    (dt.datetime(2026, 12, 7, 9, 30), "今天下午可以吗", dt.date(2026, 12, 7), "12月7日（周一）下午"),     # today
    (dt.datetime(2026, 12, 9, 20, 0), "能改到周六下午吗", dt.date(2026, 12, 12), "12月12日（周六）下午"),  # weekend
    (dt.datetime(2026, 12, 5, 11, 0), "明天下午行吗", dt.date(2026, 12, 6), "12月6日（周日）下午"),      # Sat → Sun
    (dt.datetime(2026, 11, 30, 18, 0), "我能改到明天下午吗？", dt.date(2026, 12, 1), "12月1日（周二）下午"),  # 月末
    (dt.datetime(2026, 12, 31, 8, 0), "能改到明天下午吗", dt.date(2027, 1, 1), "1月1日（周五）下午"),     # year end
]


@pytest.fixture
def clock(monkeypatch):
    """Move the clock the rescheduling reads to a Beijing time."""
    from bot.decisions import reschedule

    def move(moment: dt.datetime) -> None:
        utc = moment.replace(tzinfo=CN).astimezone(dt.UTC).replace(tzinfo=None)
        monkeypatch.setattr(reschedule, "utcnow", lambda: utc)
    return move


def local(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC).astimezone(CN)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # dates, not storage: the tests below run on both
@pytest.mark.parametrize("now, ask, day, label", WEEK, ids=[w[0].strftime("%m-%d") for w in WEEK])
@pytest.mark.parametrize("answer", ["3点", "下午3点"])
def test_the_hour_given_after_the_bots_question_keeps_the_day_it_proposed(stack, clock, now, ask, day, label,
                                                                          answer):
    from bot.decisions.results import when_text
    from bot.store.models import Appointment

    click(stack, "hr_li", reported(stack), "pass")
    stack.drain()
    clock(now)
    stack.say("zhangsan", ask)
    stack.drain()
    assert texts(stack, "zhangsan")[-1] == f"请问您希望改到{label}的几点？"
    stack.say("zhangsan", answer)
    stack.drain()
    appointment = Appointment.get()
    assert local(appointment.starts_at).date() == day and local(appointment.starts_at).hour == 15
    assert f"复试改到 {when_text(appointment)}" in texts(stack, "zhangsan")[-1]
    assert when_text(appointment).startswith(label.removesuffix("下午"))
    assert any(f"改到了 {when_text(appointment)}" in t for t in texts(stack, "hr_li"))
    # Once used, the proposal is spent: a later bare hour is today's again (or asks which day).
    stack.say("zhangsan", "那就改到后天上午10点吧")
    stack.drain()
    assert local(Appointment.get().starts_at).date() == now.date() + dt.timedelta(days=2)


@pytest.mark.parametrize("now, ask, day, label", WEEK[:1] + WEEK[4:5], ids=["sunday", "month-end"])
def test_before_the_interview_the_answer_is_read_on_the_proposed_day(stack, clock, now, ask, day, label):
    from bot.clock import deadline_on
    from bot.store.models import Invitation

    invite_member(stack)
    Invitation.update(expires_at=deadline_on(now.date() + dt.timedelta(days=5))).execute()
    clock(now)
    stack.say("zhangsan", ask)
    stack.drain()
    assert texts(stack, "zhangsan")[-1] == f"请问您希望改到{label}的几点？"
    stack.say("zhangsan", "下午3点")
    stack.drain()
    assert f"{label.removesuffix('下午')}15:00 完成即可，无需改期" in texts(stack, "zhangsan")[-1]


def test_hr_answering_the_question_keeps_the_day_too(stack, clock):
    from bot.store.models import Appointment

    click(stack, "hr_li", reported(stack), "pass")
    stack.drain()
    clock(dt.datetime(2026, 12, 6, 10, 0))
    stack.say("hr_wang", "/reschedule zhangsan 明天下午")
    stack.drain()
    assert texts(stack, "hr_wang")[-1] == "请问您希望改到12月7日（周一）下午的几点？"
    stack.say("hr_wang", "/reschedule zhangsan 3点")
    stack.drain()
    assert local(Appointment.get().starts_at) == dt.datetime(2026, 12, 7, 15, 0, tzinfo=CN)
