"""HR's funnel page on a small fixture: each stage reached from the rows the product writes (an invitation sent and
opened, an interview, a report, a decision, a second-round appointment, an offer, a hire), grouped by position and
by channel, with the medians between stages; charts are inline SVG; a bad period or grouping is a clear 400."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from bot.clock import CN_TZ
from bot.reports import funnel
from tests.support.hr import login

# SQLite only: plain rows, nothing database-specific
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_funnel_by_position_and_channel(stack):
    from bot.store.models import (
        Appointment,
        Candidate,
        Decision,
        Hire,
        Interview,
        Invitation,
        Position,
        Report,
    )

    position = Position.get()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).replace(microsecond=0)
    t0 = now - dt.timedelta(days=20)

    def at(hours: float) -> dt.datetime:
        return t0 + dt.timedelta(hours=hours)

    hired = Invitation.create(position=position, candidate=Candidate.create(wecom_userid="a"), invited_by="hr_li",
                              expires_at=dt.datetime(2099, 1, 1), status="completed", created_at=at(0),
                              sent_at=at(0), opened_at=at(3))
    interview = Interview.create(invitation=hired, status="completed", consent_at=at(4), started_at=at(4),
                                 completed_at=at(5))
    Report.create(interview=interview, schema_version="1", document={}, total=80.0, recommendation="recommend",
                  created_at=at(6))
    Decision.create(interview=interview, outcome="pass", decided_by="hr_li", decided_at=at(30))
    Appointment.create(invitation=hired, starts_at=at(78))
    Hire.create(invitation=hired, status="hired", offered_at=at(102), hired_on=(t0 + dt.timedelta(days=15)).date())
    Invitation.create(position=position, candidate=Candidate.create(phone="13800000000"), invited_by="hr_li",
                      channel="sms", expires_at=dt.datetime(2099, 1, 1), status="opened", created_at=at(0),
                      sent_at=at(0), opened_at=at(9))
    Invitation.create(position=position, candidate=Candidate.create(wecom_userid="c"), invited_by="hr_li",
                      expires_at=dt.datetime(2099, 1, 1), created_at=at(0))  # never sent: invited nobody

    recruiter = login(stack, "hr_li")
    assert 'href="/hr/funnel"' in recruiter.get(f"{stack.base}/hr/", timeout=30).text
    page = recruiter.get(f"{stack.base}/hr/funnel", timeout=30)
    assert page.status_code == 200 and "<svg" in page.text
    assert not any(f'{attr}="http' in page.text for attr in ("src", "href"))  # nothing from elsewhere
    row = page.text.split(f'<tr data-group="{position.title}">')[1].split("</tr>")[0]
    cells = [cell.split("<")[0].strip() for cell in row.split('data-stage="')[1:]]
    assert [c.split('">')[1] for c in cells] == ["2", "2", "1", "1", "1", "1", "1", "1", "1"]
    assert '<tr data-step="invited-opened"><td>已邀请</td><td>已打开</td><td class="num">6.0 小时</td>' \
           '<td class="num">2</td></tr>' in page.text  # 3 h and 9 h
    first_day = dt.datetime.combine((t0 + dt.timedelta(days=15)).date(), dt.time(), CN_TZ)  # 00:00 Beijing
    to_start = (first_day.astimezone(dt.UTC).replace(tzinfo=None) - at(102)).total_seconds() / 3600
    assert f'<td class="num">{funnel.duration(to_start)}</td>' in page.text.split('data-step="offered-hired"')[1]

    by_channel = recruiter.get(f"{stack.base}/hr/funnel", params={"by": "channel"}, timeout=30).text
    assert '<tr data-group="短信">' in by_channel and '<tr data-group="企业微信">' in by_channel
    before = recruiter.get(f"{stack.base}/hr/funnel", params={"until": (t0 - dt.timedelta(days=1)).date()
                                                              .isoformat(), "since": "2020-01-01"}, timeout=30)
    assert "此期间没有邀请" in before.text
    for params, message in (({"by": "gender"}, "分组方式只能是"), ({"since": "昨天"}, "开始日期的格式应为")):
        for path in ("/hr/funnel", "/hr/funnel.csv"):
            refused = recruiter.get(f"{stack.base}{path}", params=params, timeout=30)
            assert refused.status_code == 400 and message in refused.text

    assert 'href="/hr/funnel.csv?since=' in page.text
    exported = recruiter.get(f"{stack.base}/hr/funnel.csv", params={"by": "channel"}, timeout=30)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    assert exported.headers["Content-Disposition"].startswith('attachment; filename="funnel-channel-')
    assert exported.content.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["渠道", "已邀请", "已打开"] and "已邀请→已打开（小时，中位数）" in table[0]
    rows = {row[0]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    assert set(rows) == {"全部", "短信", "企业微信"}
    everyone = rows["全部"]
    assert (everyone["已邀请"], everyone["已打开占上一步（%）"], everyone["已邀请→已打开（小时，中位数）"]) \
        == ("2", "100.0", "6.0")
    assert rows["短信"]["已入职"] == "0" and rows["企业微信"]["已入职"] == "1"
