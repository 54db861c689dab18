"""Bulk invitations through the sandbox: the /bulk command, the upload page, screening, progress, the summary
file, pause/cancel, and 10,000 rows that survive a worker killed mid-run."""
from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest

from tests.support.bulk import TELLER, member_row, sheet, upload
from tests.support.chat import texts
from tests.support.hr import login
from tests.support.paths import REPO


def test_a_small_sheet_is_screened_invited_reported_and_summarised(stack):
    from bot.bulk import runs as bulk
    from bot.store.models import BulkItem, BulkRun, Invitation

    rows = [member_row(i) for i in range(3)]
    rows.append(["王五", "1380013800", "", "本科", "金融", "2", TELLER])             # phone too short
    rows.append(["赵六", "13900000001", "c00001", "本科", "金融", "2", TELLER])      # same phone as row 3
    rows.append(["孙七", "13700000007", "", "本科", "金融", "2", TELLER])            # no WeCom account: SMS
    rows.append(["周八", "13700000008", "c00008", "高中", "计算机", "0", "熟悉 Java 和 Go 后端开发"])  # screened out
    upload(stack, sheet(rows))
    stack.drain()
    run = BulkRun.get()
    assert run.total_rows == 7 and run.invalid_rows == 2 and run.screened_out == 1
    [received] = [t for t in texts(stack, "hr_li") if "已收到「柜员」名单" in t]
    assert "共 7 行" in received and "无效 2 行" in received and "筛选未通过 1 行" in received
    [errors] = [t for t in texts(stack, "hr_li") if "以下行未导入" in t]
    assert "第 5 行" in errors and "第 6 行" in errors and "与第 3 行重复" in errors
    for i in range(3):
        assert [m for m in stack.inbox(f"c{i:05d}") if m["msgtype"] == "template_card"]
    assert not stack.inbox("c00008")
    assert bulk.watch_run(run.id) == "done"
    stack.drain()
    [done] = [m["card"] for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"]
    assert done["main_title"]["title"] == f"批量邀请 {run.id} 完成"
    assert {f["keyname"]: f["value"] for f in done["horizontal_content_list"]} == {
        "送达": "4", "失败": "0", "无效行": "2", "筛选未通过": "1", "已有邀请": "0"}
    assert "送达渠道：企业微信 3 · 短信 1" in done["sub_title_text"]
    [invited] = stack.api("GET", "sms", params={"to": "+8613700000007"})["messages"]
    assert invited["text"].startswith("【示例银行】孙七您好")
    path = urlparse(done["card_action"]["url"]).path
    download = login(stack, "hr_li", path).get(f"{stack.base}{path}", timeout=30)
    failed = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert download.status_code == 200 and failed[0][0] == "行号" and len(failed) == 1 + 2 + 1
    assert stack.app.test_client().get("/bulk/failures/forged.csv").status_code == 403
    [file] = [m for m in stack.inbox("hr_li") if m["msgtype"] == "file"]
    assert file["payload"]["file"]["media_id"]
    assert Invitation.select().count() == 4  # 3 members + one by SMS
    assert BulkItem.select().where(BulkItem.status == "invalid").count() == 2
    # The same file uploaded again is the same run: nothing is invited twice.
    upload(stack, sheet(rows))
    stack.drain()
    assert BulkRun.select().count() == 1 and Invitation.select().count() == 4


@pytest.mark.parametrize("text, reply", [
    ("/bulk", "用法：/bulk"),
    ("/bulk pause abc", "用法：/bulk"),
    ("/bulk 宇航员", "没有找到岗位「宇航员」"),
    ("/bulk status 99", "用法：/bulk"),
])
def test_malformed_bulk_commands_get_a_usage_line(stack, text, reply):
    stack.say("hr_li", text)
    stack.drain()
    assert any(reply in t for t in texts(stack, "hr_li"))


def test_only_recruiters_may_bulk_invite_and_links_cannot_be_forged(stack):
    stack.say("zhangsan", "/bulk 柜员")
    stack.drain()
    assert any("仅限招聘人员" in t for t in texts(stack, "zhangsan"))
    client = stack.app.test_client()
    assert client.get("/bulk/forged-token").status_code == 403
    assert client.post("/bulk/" + "x" * 600, data={}).status_code == 403


@pytest.mark.parametrize("data, name, reason", [
    (b"", "empty.csv", "请选择"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "photo.png", ""),
])
def test_bad_files_are_refused_with_a_reason(stack, data, name, reason):
    from bot.store.models import BulkRun

    stack.say("hr_li", "/bulk 柜员")
    stack.drain()
    link = [t for t in texts(stack, "hr_li") if "上传" in t][0].rsplit("：", 1)[1]
    client = stack.app.test_client()
    answer = client.post(urlparse(link).path, data={"file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")
    stack.drain()
    if reason:
        assert answer.status_code == 400 and reason in answer.get_data(as_text=True)
    else:
        assert any("无法导入" in t for t in texts(stack, "hr_li"))
    assert BulkRun.select().count() == 0


def test_a_chunk_that_died_halfway_sends_its_recorded_cards_on_the_retry(stack, monkeypatch):
    """Each row commits its invitation and card before the next: a chunk that meets a database lock after 7 rows
    fails (RQ retries it), and the retry sends those 7 cards too, not only the rows still pending."""
    import peewee as pw

    from bot.bulk import runs as bulk
    from bot.store.models import BulkRun, Invitation

    monkeypatch.setattr(bulk, "CHUNK", 10)
    monkeypatch.setattr(bulk, "queue_chunk", lambda run_id, after: None)  # chunks run by hand here
    upload(stack, sheet([member_row(i) for i in range(12)]))
    stack.drain()
    run, real, calls = BulkRun.get(), bulk._invite_row, []

    def locked_after_seven(settings, run, item):
        calls.append(item.id)
        if len(calls) == 8:
            raise pw.OperationalError("database is locked")
        return real(settings, run, item)

    monkeypatch.setattr(bulk, "_invite_row", locked_after_seven)
    with pytest.raises(pw.OperationalError):
        bulk.run_chunk(run.id)
    assert Invitation.select().where(Invitation.status == "created").count() == 7  # recorded, not sent
    monkeypatch.setattr(bulk, "_invite_row", real)
    assert bulk.run_chunk(run.id) == "more" and bulk.run_chunk(run.id) == "queued"  # the rest, then nothing left
    assert Invitation.select().count() == 12 and Invitation.select().where(Invitation.status != "sent").count() == 0
    cards = [m for i in range(12) for m in stack.inbox(f"c{i:05d}") if m["msgtype"] == "template_card"]
    assert len(cards) == 12  # each candidate's card once


def test_pause_resume_and_cancel(stack, monkeypatch):
    from bot.bulk import runs as bulk
    from bot.store.models import BulkItem, BulkRun, Invitation

    monkeypatch.setattr(bulk, "CHUNK", 10)
    held = []
    monkeypatch.setattr(bulk, "queue_chunk", lambda run_id, after: held.append(run_id))  # chunks run by hand here
    upload(stack, sheet([member_row(i) for i in range(40)]))
    stack.drain()
    run = BulkRun.get()
    stack.say("hr_li", f"/bulk pause {run.id}")
    stack.drain()
    assert BulkRun.get().status == "paused" and any("已暂停" in t for t in texts(stack, "hr_li"))
    assert bulk.run_chunk(run.id) == "paused" and Invitation.select().count() == 0
    stack.say("hr_li", f"/bulk resume {run.id}")
    stack.drain()
    assert BulkRun.get().status == "running" and held == [run.id, run.id]
    assert bulk.run_chunk(run.id) == "more" and Invitation.select().count() == 10
    stack.say("hr_wang", f"/bulk cancel {run.id}")  # the HR team may stop a colleague's run
    stack.drain()
    assert BulkRun.get().status == "cancelled" and bulk.run_chunk(run.id) == "cancelled"
    assert BulkItem.select().where(BulkItem.status == "skipped").count() == 30
    assert Invitation.select().count() == 10
    assert bulk.watch_run(run.id) == "done"
    stack.drain()
    [done] = [m["card"] for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"]
    assert "取消 30" in done["sub_title_text"]
    stack.say("lisi", f"/bulk status {run.id}")  # not a recruiter
    stack.drain()
    assert not any("批量邀请" in t for t in texts(stack, "lisi"))


def test_ten_thousand_rows_survive_a_worker_killed_mid_run(stack, monkeypatch):
    """10,000 members through the upload, screening and a real worker process, killed halfway and restarted.

    On PostgreSQL 1,000 rows make the same case (the kill still lands mid-run, a chunk half done); the full 10,000
    run on SQLite, whose single writer is the tighter limit at that size."""
    from bot.bulk import runs as bulk
    from bot.clock import utcnow
    from bot.sandbox.gate import sandbox_state
    from bot.store.models import BulkRun, Invitation, OutboundMessage
    from bot.wecom import delivery

    total = 1_000 if stack.settings.database_url.startswith("postgres") else 10_000
    started = time.monotonic()
    upload(stack, sheet([member_row(i) for i in range(total)]), "万人名单.csv")

    def worker() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "jobs.worker", "commands", "delivery"], cwd=REPO,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def delivered() -> int:
        with stack.sandbox_app.app_context():
            state = sandbox_state()
            with state.lock:
                return sum(1 for user, entries in state.timeline.items() if user.startswith("c")
                           for e in entries if e.get("msgtype") == "template_card" and not e["dropped"])

    log = (stack.settings.data_dir / "worker.log").open("ab")
    first = worker()
    deadline = time.monotonic() + 600
    while delivered() < total // 3 and time.monotonic() < deadline:
        assert first.poll() is None, (stack.settings.data_dir / "worker.log").read_text()[-3000:]
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)  # mid-run: a chunk half done, a card maybe sent but not recorded
    first.wait()
    halfway = delivered()
    assert 0 < halfway < total
    # What the scheduler does after the lease and the stall timeout pass (time moved on, not waited for):
    OutboundMessage.update(lease_until=utcnow()).where(OutboundMessage.state == "sending").execute()
    monkeypatch.setattr(bulk, "STALL_SECONDS", 0)
    second = worker()
    try:
        while time.monotonic() < deadline:
            delivery.requeue_due()
            if bulk.watch() and BulkRun.get().finished_at is not None:
                break
            time.sleep(1)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(30)
    elapsed = time.monotonic() - started
    run = BulkRun.get()
    assert run.finished_at is not None, bulk.counts(run.id)
    assert Invitation.select().count() == total
    with stack.sandbox_app.app_context():
        state = sandbox_state()
        with state.lock:
            cards = {user: sum(1 for e in entries if e.get("msgtype") == "template_card")
                     for user, entries in state.timeline.items() if user.startswith("c")}
    assert len(cards) == total and set(cards.values()) == {1}, "a candidate got no card or two"
    stats = stack.api("GET", "stats")
    assert stats["dropped"] == 0 and stats["busiest_minute"] <= 10_000
    assert stats["members"].get("hr_li", {}).get("last_minute", 0) <= 30
    print(f"\n{total} rows: killed after {halfway} cards, finished in {elapsed:.0f} s")


def test_a_position_that_wants_a_look_first_waits_for_resume(stack):
    from bot.store.models import BulkRun, Position

    position = Position.get(Position.slug == "teller")
    rubric = position.rubric
    rubric["screening"] = {**rubric["screening"], "auto_invite": False}
    Position.update(rubric=rubric).where(Position.id == position.id).execute()
    upload(stack, sheet([member_row(i) for i in range(3)]))
    stack.drain()
    run = BulkRun.get()
    assert run.status == "paused" and not stack.inbox("c00000")
    assert any(f"/bulk resume {run.id}" in t for t in texts(stack, "hr_li"))
    stack.say("hr_li", f"/bulk resume {run.id}")
    stack.drain()
    assert all(stack.inbox(f"c{i:05d}") for i in range(3))
