"""A 1,000-row sheet of outsiders through `/bulk` in the sandbox, with two real worker processes and one SIGKILLed
mid-run: each valid candidate invited exactly once over the first channel that reaches them (SMS before e-mail),
counted where the providers received it (the sandbox's phones and its SMTP mailboxes), not in our outbox; receipts
recorded; the rows not invited — opted out before, blacklisted at the provider, invalid, repeated — reported with
their reasons; a frequency-limited SMS sent later, not dropped; a number that cannot take SMS gets the e-mail,
once. The worker is killed while the provider holds the SMS it sent and has not answered yet; when the message's
lease runs out, the retry finds that SMS at the provider (bot/sms/once.py) instead of sending it again.

Row i of the sheet is line i + 2 of the file (line 1 is the header), as the summary file numbers it."""
from __future__ import annotations

import re
import time
from collections import Counter
from urllib.parse import urlparse

import pytest

from tests.support import workers
from tests.support.bulk import TELLER, mailbox, sheet, upload

HEADER = ("姓名", "手机", "邮箱", "学历", "专业", "工作年限", "简历")
TOTAL = 1000
EARLIER_SMS, EARLIER_MAIL = range(0, 10), range(10, 15)  # opted out before the sheet: by SMS reply, by the link
INVALID = range(15, 35)
BLACKLISTED = range(35, 40)   # the provider refuses them as unsubscribed (carriers' 退订)
MISSING = range(40, 42)       # numbers that do not exist: taken, the receipt fails
NO_SMS = range(42, 52)        # 140…: no mobile range; with an e-mail beside
LIMITED, SLOW = 52, 500       # over the provider's hourly limit; answered slowly (the worker is killed meanwhile)
REPEATED = range(990, 1000)   # the same person as an earlier row


def phone(i: int) -> str:
    if i in BLACKLISTED:
        return f"136{i:04d}0000"
    if i in MISSING:
        return f"136{i:04d}1111"
    if i in NO_SMS:
        return f"140{i:08d}"
    return f"137{i:04d}5{i % 1000:03d}"


def email(i: int) -> str:
    return f"hou{i:04d}@example.com"


def contacts(i: int) -> tuple[str, str]:
    """(phone, e-mail) of row i: phone only, e-mail only, or both."""
    if i in REPEATED:
        return contacts(100 + (i - REPEATED.start) * 10)
    if i in EARLIER_SMS or i == SLOW:
        return phone(i), ""
    if i in EARLIER_MAIL:
        return "", email(i)
    if i in NO_SMS or i == LIMITED or i in BLACKLISTED[:2]:
        return phone(i), email(i)
    if i in BLACKLISTED or i in MISSING:
        return phone(i), ""
    kind = i % 3
    return (phone(i) if kind != 1 else "", email(i) if kind != 0 else "")


def row(i: int) -> list[str]:
    number, address = contacts(i)
    name = f"候选人{i:04d}"
    if i in INVALID:  # four kinds of rows the sheet check refuses
        number, address, name = [(f"137{i:04d}5", "", name), ("", f"bad{i}@", name), ("", "", name),
                                 (phone(i), "", "")][i % 4]
    return [name, number, address, "本科", "金融学", "3", TELLER]


def e164(number: str) -> str:
    return "+86" + number


def reached_by(i: int) -> tuple[str, str]:
    """(channel, address) by which row i's invitation must arrive, once; ("", "") for a row that gets nothing."""
    if i in INVALID or i in REPEATED or i in EARLIER_SMS or i in EARLIER_MAIL or i in BLACKLISTED:
        return "", ""
    number, address = contacts(i)
    return ("sms", e164(number)) if number and i not in NO_SMS else ("email", address)


def received(stack) -> tuple[Counter, Counter]:
    """What the providers took: SMS by number, e-mails by address."""
    phones, boxes = stack.api("GET", "sms")["numbers"], stack.api("GET", "mail")["mailboxes"]
    return (Counter({n["number"]: n["count"] for n in phones if n["count"]}),
            Counter({b["address"]: b["count"] for b in boxes}))


def refused(stack, i: int) -> list[str]:
    """The codes the provider refused row i's SMS with."""
    return [m["code"] for m in stack.api("GET", "sms", params={"to": e164(phone(i))})["refused"]]


@pytest.fixture
def mail_unthrottled(monkeypatch):
    """MAIL_RATE up (30 a minute by default, for the whole deployment): the sheet's e-mails go in seconds."""
    monkeypatch.setenv("MAIL_RATE", "100000")


def opted_out_before(stack) -> None:
    """An earlier sheet invited 15 of the people; 10 answered the SMS with R, 5 took the e-mail's one-click link."""
    from bot.channels import sms_inbox

    upload(stack, sheet([row(i) for i in [*EARLIER_SMS, *EARLIER_MAIL]], HEADER), "上周名单.csv")
    stack.drain()
    for i in EARLIER_SMS:
        stack.api("POST", "sms/reply", json={"from": e164(phone(i)), "text": "R"})
    assert sms_inbox.pull()["replies"] == len(EARLIER_SMS)
    stack.drain()
    client = stack.app.test_client()
    for i in EARLIER_MAIL:
        [invitation] = mailbox(stack, email(i))
        link = re.search(r"<(http[^>]+/u/[^>]+)>", invitation["headers"]["List-Unsubscribe"]).group(1)
        assert client.post(urlparse(link).path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def watching(procs, logs, deadline: float) -> None:
    """Fail with its log when a worker died that the test did not kill, or when time is up."""
    for proc, path in zip(procs, logs, strict=True):
        assert proc.returncode == -9 or proc.poll() is None, path.read_text()[-3000:]
    assert time.monotonic() < deadline, "the run did not settle in time"


def kill_the_sender(stack, procs, logs, deadline: float) -> None:
    """Once the provider has taken the slow number's SMS (its answer still to come), SIGKILL the worker whose job
    sends it: the outbox never learns the SMS went."""
    from rq import Worker

    from bot.store.kv import get_redis

    while not stack.api("GET", "sms", params={"to": e164(phone(SLOW))})["messages"]:
        watching(procs, logs, deadline)
        time.sleep(0.05)
    [pid] = [w.pid for w in Worker.all(connection=get_redis())
             if (job := w.get_current_job()) is not None and job.func_name == "jobs.bulk.run_chunk"]
    workers.kill(next(proc for proc in procs if proc.pid == pid))


def quiet(run, orphan) -> bool:
    """Every row of the run taken and every message tried, but the orphan: the dead worker's, still `sending`."""
    from bot.store.models import BulkItem, OutboundMessage

    return not (BulkItem.select().where((BulkItem.run == run) & (BulkItem.status == "pending")).exists()
                or OutboundMessage.select().where(OutboundMessage.state.in_(("pending", "sending"))
                                                  & (OutboundMessage.id != orphan.id)).exists())


def invitation_message(number: str):
    """The invitation SMS of the candidate with number (their only message)."""
    from bot.store.models import Candidate, Invitation, OutboundMessage

    return OutboundMessage.select().join(Invitation).join(Candidate).where(
        Candidate.lookup("phone", number)).get()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_thousand_outsiders_each_invited_once_with_a_worker_killed(mail_unthrottled, stack, monkeypatch, tmp_path):
    from bot.bulk import runs as bulk
    from bot.channels import sms_inbox
    from bot.clock import utcnow
    from bot.store.models import BulkItem, BulkRun, Candidate, Invitation, OutboundMessage
    from bot.wecom import delivery

    began = time.monotonic()
    monkeypatch.setattr(bulk, "STALL_SECONDS", 3600)  # the scheduler's stall check comes when the test says
    stack.api("POST", "sms/settings", json={"receipt_delay": 0})
    opted_out_before(stack)
    earlier_sms, earlier_mail = received(stack)
    stack.api("POST", "sms/settings", json={"numbers": {e164(phone(LIMITED)): {"limited_for": 3600},
                                                         e164(phone(SLOW)): {"answer_after": 3}}})
    upload(stack, sheet([row(i) for i in range(TOTAL)], HEADER))
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    procs = workers.start(logs)
    deadline = time.monotonic() + 150
    try:
        kill_the_sender(stack, procs, logs, deadline)
        killed = time.monotonic() - began
        stack.api("POST", "sms/settings", json={"numbers": {e164(phone(SLOW)): {"answer_after": 0}}})
        monkeypatch.setattr(bulk, "STALL_SECONDS", 0)  # the scheduler's tick two minutes on: the run re-queued
        bulk.watch()
        monkeypatch.setattr(bulk, "STALL_SECONDS", 3600)
        run = BulkRun.get(BulkRun.filename == "名单.csv")
        orphan = invitation_message(phone(SLOW))
        while not quiet(run, orphan):
            watching(procs, logs, deadline)
            time.sleep(0.3)
        # the dead worker's SMS: its lease runs out (two minutes) and the scheduler's tick queues it again
        assert OutboundMessage.get_by_id(orphan.id).state == "sending"
        OutboundMessage.update(lease_until=orphan.created_at).where(OutboundMessage.id == orphan.id).execute()
        assert delivery.requeue_due() >= 1
        while OutboundMessage.get_by_id(orphan.id).state == "sending" or not quiet(run, orphan):
            watching(procs, logs, deadline)
            time.sleep(0.3)
    finally:
        workers.stop(procs)
    settled = time.monotonic() - began

    # The frequency-limited SMS waits for the hour, not dropped and not handed to e-mail: then it goes.
    limited = invitation_message(phone(LIMITED))
    assert limited.state == "deferred" and limited.last_error.startswith("LimitExceeded.PhoneNumberOneHourLimit")
    assert 3000 < (limited.next_attempt_at - utcnow()).total_seconds() <= 3600
    assert refused(stack, LIMITED) == ["LimitExceeded.PhoneNumberOneHourLimit"]
    stack.api("POST", "sms/settings", json={"numbers": {e164(phone(LIMITED)): {"limited_for": 0}}})
    stack.drain()  # the hour is up: its delayed job runs
    assert OutboundMessage.get_by_id(limited.id).state == "sent"
    # Receipts: each SMS of the run reported delivered, or the carrier's failure.
    while sms_inbox.pull()["receipts"]:
        pass
    codes = Counter(m.response_code for m in OutboundMessage.select().join(Invitation).where(
        (Invitation.bulk_run == run) & (OutboundMessage.channel == "sms") & (OutboundMessage.state == "sent")))
    assert codes == {"DELIVERED": codes.total() - len(MISSING), "MK:0001": len(MISSING)}

    # Exactly one message per candidate per channel, counted where the providers took them.
    sms, mail = received(stack)
    want_sms = Counter({to: 1 for i in range(TOTAL) if (way := reached_by(i))[0] == "sms" for to in [way[1]]})
    want_mail = Counter({to: 1 for i in range(TOTAL) if (way := reached_by(i))[0] == "email" for to in [way[1]]})
    assert sms - earlier_sms == want_sms, {n: c for n, c in (sms - earlier_sms).items() if c != want_sms[n]}
    assert mail - earlier_mail == want_mail, {a: c for a, c in (mail - earlier_mail).items() if c != want_mail[a]}
    assert len(want_sms) + len(want_mail) == 950 and codes.total() == len(want_sms)
    for i in BLACKLISTED:  # refused once as unsubscribed; no e-mail instead
        assert refused(stack, i) == ["FailedOperation.PhoneNumberInBlacklist"]
    slow = OutboundMessage.get_by_id(orphan.id)
    [taken] = stack.api("GET", "sms", params={"to": e164(phone(SLOW))})["messages"]
    assert (slow.state, slow.attempts, slow.wecom_msgid) == ("sent", 2, taken["provider_id"])
    for i in NO_SMS:  # the SMS could not go: the e-mail prepared beside it went instead, once
        candidate = Candidate.get(Candidate.lookup("email", email(i)))
        invitation = Invitation.get(Invitation.candidate == candidate, Invitation.bulk_run == run)
        assert invitation.channel == "email" and invitation.status == "sent"

    # The rows not invited, each with its reason: in the run's items, the summary card and its file.
    statuses = Counter(item.status for item in BulkItem.select().where(BulkItem.run == run))
    assert statuses == {"queued": 955, "unsubscribed": len(EARLIER_SMS) + len(EARLIER_MAIL),
                        "invalid": len(INVALID) + len(REPEATED)}
    channels = Counter(i.channel for i in Invitation.select().where(Invitation.bulk_run == run))
    assert channels == {"sms": len(want_sms) + len(BLACKLISTED), "email": len(want_mail)}  # one each: 955
    assert bulk.watch_run(run.id) == "done"
    stack.drain()
    rows = {int(r[0]): r for r in bulk.failure_rows(stack.settings, BulkRun.get_by_id(run.id))[1:]}
    assert set(rows) == {i + 2 for i in [*EARLIER_SMS, *EARLIER_MAIL, *BLACKLISTED, *INVALID, *REPEATED]}
    for i in [*EARLIER_SMS, *EARLIER_MAIL]:
        how = "短信回复退订或号码在运营商黑名单" if i in EARLIER_SMS else "邮件一键退订"
        assert rows[i + 2][3] == "unsubscribed" and rows[i + 2][4].startswith(f"候选人已退订招聘消息（{how}）；退订于 ")
    for i in BLACKLISTED:
        assert rows[i + 2][3] == "failed" and rows[i + 2][4].startswith("候选人已退订招聘消息（短信回复退订")
    for i in INVALID:
        assert ["不是 11 位", "格式不正确", "没有联系方式", "姓名为空"][i % 4] in rows[i + 2][4]
    for i in REPEATED:  # named with the row it repeats
        assert rows[i + 2][4].startswith(f"与第 {100 + (i - REPEATED.start) * 10 + 2} 行重复")
    [done] = [m["card"] for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"
              and m["card"]["main_title"]["title"] == f"批量邀请 {run.id} 完成"]
    assert {f["keyname"]: f["value"] for f in done["horizontal_content_list"]} == {
        "送达": "950", "失败": "5", "无效行": "30", "筛选未通过": "0", "已有邀请": "0"}
    assert "· 候选人已退订招聘消息（短信回复退订或号码在运营商黑名单）：15" in done["sub_title_text"]
    assert "已退订 15" in done["sub_title_text"] and re.search(r"送达渠道：短信 \d+ · 邮件 \d+", done["sub_title_text"])
    print(f"\nkilled at {killed:.1f}s, settled at {settled:.1f}s, done at {time.monotonic() - began:.1f}s")
