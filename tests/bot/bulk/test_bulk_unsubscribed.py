"""A sheet row whose candidate opted out (退订) before it arrived: no invitation, no message; the row is reported with
how and when they opted out, in the run's summary card and its file."""
from __future__ import annotations

import pytest

from tests.support.bulk import TELLER, phone, sheet, upload

HEADER = ("姓名", "手机", "学历", "专业", "工作年限", "简历")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_opted_out_candidate_is_reported_not_invited(stack):
    from bot.bulk import runs as bulk
    from bot.privacy import optout
    from bot.store.models import BulkItem, BulkRun, Candidate, Invitation, OutboundMessage

    upload(stack, sheet([["王五", "13912340001", "本科", "金融学", "3", TELLER]], HEADER), "上周名单.csv")
    stack.drain()
    wangwu = Candidate.get(Candidate.lookup("phone", "13912340001"))
    assert optout.unsubscribe(wangwu.id, "hr", actor="hr_li")
    upload(stack, sheet([["王五", "139 1234 0001", "本科", "金融学", "3", TELLER],
                         ["赵六", "13912340002", "本科", "金融学", "3", TELLER]], HEADER))
    stack.drain()

    run = BulkRun.get(BulkRun.filename == "名单.csv")
    item = BulkItem.get(BulkItem.run == run, BulkItem.row_no == 2)
    assert (item.status, item.invitation_id) == ("unsubscribed", None)
    assert item.reason.startswith("候选人已退订招聘消息（HR 代为登记）；退订于 20")
    assert len(phone(stack, "+8613912340001")) == 1  # the first sheet's invitation; nothing since
    assert len(phone(stack, "+8613912340002")) == 1
    assert Invitation.select().where(Invitation.bulk_run == run).count() == 1
    assert not OutboundMessage.select().where(OutboundMessage.state == "failed").count()  # nothing tried
    assert bulk.counts(run.id)["unsubscribed"] == 1 and bulk.watch_run(run.id) == "done"
    stack.drain()
    [done] = [m["card"] for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"
              and m["card"]["main_title"]["title"] == f"批量邀请 {run.id} 完成"]
    assert "· 候选人已退订招聘消息（HR 代为登记）：1" in done["sub_title_text"]
    [row] = bulk.failure_rows(stack.settings, run)[1:]
    assert row[:4] == ["2", "王五", "13912340001", "unsubscribed"] and row[4] == item.reason
