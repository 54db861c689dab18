"""HR's page of a position's second-round slots: a recruiter publishes (bad input: the message at its field, nothing
saved, what was typed kept), sees who booked; an interviewer of the position sees candidates masked, publishes and
cancels only their own; every publish and cancel is audited."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.bot.decisions.test_slot_journey import CN, working_day_ahead
from tests.support.hr import csrf, login

# SQLite only: the page's database work is bot/decisions/slots.py's, tested on both
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def weekend_ahead() -> dt.date:
    from bot.decisions.slots import working_day

    day = dt.datetime.now(CN).date() + dt.timedelta(days=2)
    while working_day(day)[0]:
        day += dt.timedelta(days=1)
    return day


def test_publish_see_bookings_masked_for_interviewers_and_cancel(stack):
    from bot.decisions import slots
    from bot.org import team
    from bot.privacy.roles import masked_label
    from bot.store.models import AuditLog, Candidate, InterviewSlot, Invitation, Position

    position = Position.get()
    team.assign(position, None, team.parse_team({"interviewers": ["iv_zhao"]}), "test")
    url = f"{stack.base}/hr/positions/{position.slug}/slots"
    recruiter = login(stack, "hr_li")
    assert f'href="/hr/positions/{position.slug}/slots"' in recruiter.get(f"{stack.base}/hr/positions", timeout=30).text
    page = recruiter.get(url, timeout=30)
    assert page.status_code == 200 and "还没有发布时段" in page.text
    form = {"csrf": csrf(page.text), "date": weekend_ahead().isoformat(), "start": "14:00", "minutes": "30",
            "count": "2", "capacity": "1", "place": "3楼第2会议室", "interviewer": "iv_zhao"}

    refused = recruiter.post(url, data=form, timeout=30)
    assert refused.status_code == 400 and 'data-field="date"' in refused.text and "不是工作日" in refused.text
    assert 'value="3楼第2会议室"' in refused.text  # what was typed stays
    bad_time = recruiter.post(url, data={**form, "start": "25:00"}, timeout=30)
    assert bad_time.status_code == 400 and 'data-field="start"' in bad_time.text
    assert InterviewSlot.select().count() == 0 and not AuditLog.select().where(AuditLog.action == "slot_publish")

    day = working_day_ahead()
    done = recruiter.post(url, data={**form, "date": day.isoformat()}, timeout=30)
    assert done.status_code == 200 and "已发布 2 个时段" in done.text
    first, second = InterviewSlot.select().order_by(InterviewSlot.starts_at)
    assert (first.interviewer, slots.label(first)[-11:], first.place) == ("iv_zhao", "14:00–14:30", "3楼第2会议室")
    overlap = recruiter.post(url, data={**form, "date": day.isoformat(), "start": "14:15", "count": "1"}, timeout=30)
    assert overlap.status_code == 400 and "重叠" in overlap.text and InterviewSlot.select().count() == 2

    candidate = Candidate.create(wecom_userid="wxm", name="王小明")
    invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li",
                                   expires_at=dt.datetime(2099, 1, 1))
    assert slots.book(invitation, first.id, "wxm").status == "booked"
    assert "王小明" in recruiter.get(url, timeout=30).text

    interviewer = login(stack, "iv_zhao", f"/hr/positions/{position.slug}/slots")
    seen = interviewer.get(url, timeout=30)
    assert seen.status_code == 200 and "王小明" not in seen.text and masked_label(candidate) in seen.text
    assert 'name="interviewer"' not in seen.text  # their own times only
    mine = interviewer.post(url, data={**form, "csrf": csrf(seen.text), "date": day.isoformat(), "start": "16:00",
                                       "count": "1", "interviewer": "hr_li"}, timeout=30)
    assert mine.status_code == 200 and InterviewSlot.get(InterviewSlot.starts_at > second.starts_at).interviewer \
        == "iv_zhao"
    booked = interviewer.post(f"{url}/{first.id}/cancel", data={"csrf": csrf(seen.text)}, timeout=30)
    assert booked.status_code == 409 and "已有候选人预约" in booked.text
    cancelled = interviewer.post(f"{url}/{second.id}/cancel", data={"csrf": csrf(seen.text)}, timeout=30)
    assert cancelled.status_code == 200 and InterviewSlot.get_by_id(second.id).cancelled_at is not None
    assert [a.actor for a in AuditLog.select().where(AuditLog.action.in_(["slot_publish", "slot_cancel"]))
            .order_by(AuditLog.id)] == ["hr_li", "iv_zhao", "iv_zhao"]
    assert interviewer.post(url, data={**form, "csrf": "wrong"}, timeout=30).status_code == 400
