"""Consent records, the candidate's rights and retention — and deletion that can be checked.

A real interview runs end to end (a recorded answer uploaded through the H5 API and transcribed by the worker,
the rest typed), with everything that collects personal data around it: HR notes and tags, the talent pool, bulk
sheet rows, a webhook, a review request, a decision and its letter. Then the candidate's data is deleted — from
chat (with the confirm step), from the page, by the retention job with the clock moved — and the test walks the
recording store and the upload folders, counts rows, and dumps every row of every table to look for the
candidate's name, phone, e-mail, userid, résumé and transcript phrases. Before deleting, the same scan must find
them all: a scan that finds nothing because it looks nowhere proves nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest

from bot.privacy import erasure
from tests.conftest import as_uploaded, wait_until
from tests.support.browser import CHROMIUM, shot
from tests.support.chat import answer_text, cards, invite_member, reject, texts
from tests.support.h5 import answer, consent, finish, upload
from tests.support.hr import login

NAME, PHONE, EMAIL = "欧阳娜娜", "13812345678", "nana.ouyang@example.com"
RESUME = "曾在招商银行网点做大堂引导两年熟悉反洗钱可疑交易上报"
ID_NUMBER = "110101199003077777"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) MicroMessenger/8.0.47 " + "x" * 300


@pytest.fixture(scope="module")
def spoken(tmp_path_factory) -> bytes:
    """A Mandarin answer to the intro question, as the page uploads it (Opus in WebM)."""
    return as_uploaded("intro_excellent.ogg", tmp_path_factory.mktemp("spoken"))


def dump() -> str:
    """Every row of every table, as text: what a copy of the database would hold, with its sealed values opened
    (as by someone who also holds the keys: erasure must leave nothing even then)."""
    from bot.store.db import database
    from bot.store.sealed import reveal

    lines = []
    for table in database.get_tables():
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')
        columns = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            values = (reveal(table, column, v) for column, v in zip(columns, row, strict=True))
            lines.append(f"{table}: " + " | ".join("" if v is None else str(v) for v in values))
    return "\n".join(lines)


def left_in_database(needles: list[str]) -> list[str]:
    text = dump().lower()
    return [n for n in needles if n.lower() in text]


def stored_files(settings) -> list[Path]:
    return [p for folder in ("recordings", "uploads") for p in (settings.data_dir / folder).rglob("*") if p.is_file()]


def phrases(text: str, size: int = 8) -> list[str]:
    """A few windows of a text (a transcript, a typed answer) to look for."""
    text = "".join(text.split())
    return [text[i:i + size] for i in (0, len(text) // 2, max(0, len(text) - size)) if len(text) >= size]


def personalise(candidate_id: int) -> None:
    """Give the candidate what HR systems hold: name, contacts, résumé (the open API takes these)."""
    from bot.store.models import Candidate

    Candidate.update(name=NAME, phone=PHONE, email=EMAIL, resume=RESUME).where(Candidate.id == candidate_id).execute()


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def sheet_rows(invitation) -> None:
    """The candidate on a bulk sheet (the row that invited them), and on an older sheet as a screened-out row."""
    from bot.store.models import BulkItem, BulkRun

    fields = {"name": NAME, "phone": PHONE, "email": EMAIL, "id_number": ID_NUMBER, "resume": RESUME}
    run = BulkRun.create(position=invitation.position, created_by="hr_li", filename="list.xlsx", request_key="r1")
    BulkItem.create(run=run, row_no=2, fields=fields, status="queued", invitation=invitation)
    old = BulkRun.create(position=invitation.position, created_by="hr_li", filename="old.xlsx", request_key="r0")
    BulkItem.create(run=old, row_no=7, fields=fields, verdict={"passed": False, "reasons": [f"{NAME}：学历不符"]},
                    status="screened_out", reason="学历不符")


def interview_with_everything(stack, spoken: bytes) -> dict:
    """zhangsan invited, recorded and typed answers scored into a report, with notes, tags, sheet rows, a webhook,
    a review request and a decision; returns what to look for afterwards."""
    from bot.integrations.tokens import create_token
    from bot.store.models import (
        Answer,
        AnswerAnalysis,
        Candidate,
        Consent,
        Invitation,
        Note,
        PoolProfile,
        Report,
        Webhook,
    )
    from bot.talent import pool as talent

    token_row, _ = create_token("hris", "full", created_by="test")
    Webhook.create(url="http://127.0.0.1:9/hook", events=["report.ready"], secret="s" * 32, token=token_row)
    link = invite_member(stack)
    invitation = Invitation.get()
    personalise(invitation.candidate_id)
    sheet_rows(invitation)
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    state = client.get(f"{base}/state").json
    shown = state["consent"]["texts"]["zh-CN"]
    assert client.post(f"{base}/consent", headers={"User-Agent": UA}, json={
        "recording": True, "version": "consent-v1", "text_sha256": shown["sha256"]}).status_code == 200
    assert Consent.get().user_agent == UA[:256]
    for q in client.get(f"{base}/state").json["questions"]:  # the intro recorded; the rest typed
        if q["key"] == "intro":
            upload_id, chunks = upload(client, base, "intro", spoken, mode="audio", mime="audio/webm;codecs=opus")
            response = finish(client, base, upload_id, chunks)
        else:
            if q["key"] == "complaint":  # its recording left unfinished, then typed instead
                opened, _ = upload(client, base, "complaint", spoken[:70000], mode="audio",
                                   mime="audio/webm;codecs=opus")
            response = answer(client, base, q["key"], answer_text(q["key"], "weak"))
        assert response.status_code == 200, response.json
    assert (stack.settings.data_dir / "uploads" / opened).is_dir()
    stack.drain()
    report = Report.get()
    Note.create(interview=report.interview, author="hr_li", text=f"{NAME} 沟通清楚，电话 {PHONE}")
    talent.add_tag(invitation.candidate_id, "柜面经验", "hr_li")
    assert PoolProfile.select().count() == 1
    stack.say("zhangsan", "对结果有疑问，申请人工复核")
    [card] = cards(stack, "hr_li")
    reject(stack, "hr_li", card)
    stack.drain()
    assert any("申请人工复核" in t and NAME in t for t in texts(stack, "hr_li"))
    spoken_text = (AnswerAnalysis.select().join(Answer).where(Answer.question_key == "intro").get()
                   .document["transcript"]["text"])
    typed = [answer_text(q["key"], "weak") for q in client.get(f"{base}/state").json["questions"]
             if q["key"] != "intro"]
    bank = str(invitation.position.questions) + str(invitation.position.rubric)
    needles = [NAME, PHONE, EMAIL, "zhangsan", RESUME, ID_NUMBER, *phrases(spoken_text),
               *[p for t in typed for p in phrases(t)]]
    needles = [n for n in dict.fromkeys(needles) if n not in bank]
    assert len(spoken_text) > 20 and len(needles) > 12
    assert left_in_database(needles) == needles  # the scan finds every one of them before the deletion
    assert stored_files(stack.settings)
    return {"link": link, "base": base, "client": client, "needles": needles, "report": report,
            "candidate": Candidate.get_by_id(invitation.candidate_id), "invitation": invitation}


def assert_erased(stack, found: dict, source: str) -> None:
    """Nothing of the candidate is left: files, rows, mentions; the numbers HR counts are."""
    from bot.store.models import (
        AuditLog,
        BulkItem,
        Candidate,
        Consent,
        ErasureRequest,
        Report,
        Score,
    )
    from scoring import report as report_module

    assert stored_files(stack.settings) == []
    for model in erasure.DELETED_ROWS:
        assert model.select().count() == 0, model.__name__
    assert left_in_database(found["needles"]) == []
    candidate = Candidate.get_by_id(found["candidate"].id)
    assert candidate.erased_at and candidate.withdrawn_at and not candidate.wecom_userid
    assert (candidate.name, candidate.phone, candidate.email, candidate.resume) == ("", "", "", "")
    request = ErasureRequest.get()
    assert request.state == "done" and request.source == source and request.candidate_id == candidate.id
    assert all(isinstance(v, int) for v in request.summary.values())
    report = Report.get_by_id(found["report"].id)  # kept for HR's numbers: totals, no words about them
    assert report.total == found["report"].total and report.document["erased"] is True
    jsonschema.validate(report.document, report_module.load_schema())
    assert all(not d["evidence"] for d in report.document["dimensions"])
    assert Score.select().where(Score.evidence != {}).count() == 0 and Score.select().count() > 0
    assert all(row.fields == {} for row in BulkItem.select())
    assert all(c.ip == c.user_agent == "" and c.withdrawn_at for c in Consent.select())
    [audit] = AuditLog.select().where(AuditLog.action == "erase")
    assert audit.target_id == str(candidate.id) and audit.detail["request"] == request.id


def test_erasure_from_chat_is_verifiable(stack, spoken):
    from bot.commands import lookup
    from bot.privacy import erasure, rights
    from bot.store.models import Candidate, ErasureRequest, OutboundMessage, Position

    found = interview_with_everything(stack, spoken)
    funnel = lookup.funnel(Position.get())
    assert funnel["scored"] == funnel["decided"] == 1

    stack.say("zhangsan", "请删除我的数据")
    stack.drain()
    asked = [t for t in texts(stack, "zhangsan") if "确认删除" in t]
    assert len(asked) == 1 and "无法恢复" in asked[0] and "30 分钟" in asked[0]
    assert Candidate.get_by_id(found["candidate"].id).erased_at is None  # nothing happens before the confirmation

    stack.say("zhangsan", "确认删除")
    stack.drain()
    assert_erased(stack, found, "chat")
    [done] = [t for t in texts(stack, "zhangsan") if "已删除您在" in t]
    assert "录音录像 1 段" in done and "回答 6 条" in done
    [note] = [t for t in texts(stack, "hr_li") if "个人信息已删除" in t]
    assert f"#{found['candidate'].id}" in note and "本人在企业微信中申请" in note and NAME not in note
    last = OutboundMessage.get(OutboundMessage.idempotency_key.endswith(":candidate")
                               & OutboundMessage.idempotency_key.startswith("erasure:"))
    assert last.state == "sent" and last.recipient == "" and last.payload == {"msgtype": "text", "erased": True}
    assert lookup.funnel(Position.get()) == funnel  # HR's numbers keep their meaning

    # The page and the report after the fact; replays find the first request and change nothing.
    opened = found["client"].get(f"/i/{token_of(found['link'])}")
    assert opened.status_code == 409 and "您的个人信息已删除" in opened.get_data(as_text=True)
    assert found["client"].get(f"{found['base']}/state").json["code"] == "erased"
    session = login(stack, "hr_li", f"/hr/reports/{found['report'].id}")
    shown = session.get(f"{stack.base}/hr/reports/{found['report'].id}", timeout=30)
    assert shown.status_code == 200 and 'data-testid="erased"' in shown.text and NAME not in shown.text
    first = ErasureRequest.get()
    again = erasure.erase(found["candidate"].id, "hr", "admin", "hr:again")
    assert again.id == first.id and rights.erase_job(first.id) == "done"
    replayed = found["client"].post(f"{found['base']}/erasure", json={"confirm": True})
    assert replayed.status_code == 200 and replayed.json["state"] == "done"
    assert replayed.json["summary"] == first.summary
    assert ErasureRequest.select().count() == 1 and left_in_database(found["needles"]) == []


def test_the_confirm_step_waits_thirty_minutes_and_only_once(stack):
    from bot.channels import confirmations
    from bot.store.kv import get_redis
    from bot.store.models import Candidate, ErasureRequest

    invite_member(stack)
    stack.say("zhangsan", "确认删除")  # nothing was asked: nothing to confirm
    stack.drain()
    assert any("没有待确认的操作" in t for t in texts(stack, "zhangsan"))
    stack.say("zhangsan", "delete my data")
    stack.drain()
    key = confirmations._key(Candidate.get().id)
    assert 1790 <= get_redis().ttl(key) <= 1800
    get_redis().pexpire(key, 1)  # thirty minutes later
    stack.say("zhangsan", "确认删除")
    stack.drain()
    assert len([t for t in texts(stack, "zhangsan") if "没有待确认的操作" in t]) == 2
    assert ErasureRequest.select().count() == 0 and Candidate.get().erased_at is None


def test_review_and_erasure_from_the_page(stack):
    from bot.store.models import Candidate, ErasureRequest, Invitation, Report
    from tests.support.h5 import take_interview

    link = invite_member(stack)
    personalise(Invitation.get().candidate_id)
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    consent(client, base)
    assert client.post(f"{base}/review", json={}).json["code"] == "not_finished"
    take_interview(stack, link, "weak", consented=True)
    stack.drain()
    report = Report.get()
    needles = [NAME, PHONE, EMAIL, "zhangsan", *phrases(answer_text("complaint", "weak"))]
    assert left_in_database(needles) == needles

    first = client.post(f"{base}/review", json={})
    assert first.status_code == 200 and first.json["repeat"] is False and first.json["review_requested_at"]
    again = client.post(f"{base}/review", json={})
    assert again.status_code == 200 and again.json["repeat"] is True
    stack.drain()
    assert len([t for t in texts(stack, "hr_li") if "申请人工复核" in t]) == 1  # HR told once
    assert len([t for t in texts(stack, "zhangsan") if "人工复核申请" in t]) == 1
    assert client.get(f"{base}/state").json["rights"]["review_requested_at"] == first.json["review_requested_at"]

    assert client.get(f"{base}/erasure").json == {"state": "none"}
    refused = client.post(f"{base}/erasure", json={})
    assert refused.status_code == 400 and refused.json["code"] == "confirm_required"
    assert client.post(f"{base}/erasure", data="not json").json["code"] == "bad_json"
    queued = client.post(f"{base}/erasure", json={"confirm": True})
    assert queued.status_code == 202 and queued.json["state"] == "pending" and queued.json["completed_at"] is None
    assert client.get(f"{base}/state").json["rights"]["erasure"] == "pending"
    assert client.post(f"{base}/erasure", json={"confirm": True}).status_code == 202  # the same request
    stack.drain()
    done = client.get(f"{base}/erasure")
    assert done.status_code == 200 and done.json["state"] == "done" and done.json["summary"]["answers"] == 6
    assert ErasureRequest.select().count() == 1 and ErasureRequest.get().source == "page"
    assert Candidate.get().erased_at is not None and Report.get().id == report.id
    assert client.get(f"{base}/state").json["code"] == "erased"
    assert client.post(f"{base}/review", json={}).json["code"] == "erased"
    assert client.post(f"{base}/consent", json={}).status_code == 409
    assert any("已删除您在" in t for t in texts(stack, "zhangsan"))
    assert any("本人在面试页面上申请" in t for t in texts(stack, "hr_li"))
    assert left_in_database(needles) == []
    tampered = client.get(f"/h5/api/{token_of(link)[:-3]}abc/erasure")
    assert tampered.status_code == 403 and tampered.json["code"] == "bad_token"


def lapse(link: str) -> str:
    """The same invitation past its deadline: its link re-signed with an expiry in the past (as time would)."""
    import time

    from bot.clock import utcnow
    from bot.links import make_token, read_token
    from bot.store.models import Invitation
    from config.settings import get_settings

    secret = get_settings().secret_key
    invitation_id, candidate_id = read_token(secret, token_of(link))
    Invitation.update(expires_at=utcnow() - dt.timedelta(hours=1)).where(Invitation.id == invitation_id).execute()
    return link.replace(token_of(link), make_token(secret, invitation_id, candidate_id, time.time() - 3600))


def test_rights_outlive_the_link_and_a_finished_interview_still_shows(stack):
    from bot.links import make_token
    from bot.store.models import Candidate, Invitation
    from tests.support.h5 import take_interview

    unfinished = lapse(invite_member(stack))
    client, base = stack.app.test_client(), f"/h5/api/{token_of(unfinished)}"
    state = client.get(f"{base}/state")
    assert state.status_code == 410 and state.json["code"] == "expired"
    assert state.json["rights"] == {"review_requested_at": None, "erasure": None}  # the page offers deletion
    assert client.post(f"{base}/answers/intro/text", json={"text": "晚了"}).status_code == 410
    assert client.post(f"{base}/review", json={}).json["code"] == "not_finished"
    assert client.post(f"{base}/erasure", json={"confirm": True}).status_code == 202
    stack.drain()
    assert client.get(f"{base}/erasure").json["state"] == "done" and Candidate.get().erased_at is not None
    assert client.get(f"{base}/state").json["code"] == "erased"

    finished = invite_member(stack, "lisi")
    take_interview(stack, finished, "excellent")
    client, base = stack.app.test_client(), f"/h5/api/{token_of(lapse(finished))}"
    done = client.get(f"{base}/state")  # past the deadline, yet finished: the page shows it (and its rights)
    assert done.status_code == 200 and done.json["status"] == "completed" and done.json["rights"]["erasure"] is None
    assert client.post(f"{base}/review", json={}).status_code == 200

    forged = make_token("not-our-key", Invitation.get().id, Candidate.get().id, 1)  # long expired, and not ours
    assert stack.app.test_client().get(f"/h5/api/{forged}/state").json["code"] == "bad_token"
    assert stack.app.test_client().post(f"/h5/api/{forged}/erasure", json={"confirm": True}).status_code == 403


def test_erasure_mid_interview_ends_the_application(stack, spoken):
    from bot.store.models import Answer, Interview, Invitation, Recording, Upload

    link = invite_member(stack)
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    consent(client, base)
    upload_id, chunks = upload(client, base, "intro", spoken, mode="audio", mime="audio/webm;codecs=opus")
    assert finish(client, base, upload_id, chunks).status_code == 200
    assert answer(client, base, "complaint", "先倾听客户诉求，再解释原因").status_code == 200
    half, _ = upload(client, base, "cash_discrepancy", spoken[:70000], mode="audio", mime="audio/webm;codecs=opus")
    assert (stack.settings.data_dir / "uploads" / half).is_dir() and Recording.select().count() == 1
    assert client.post(f"{base}/erasure", json={"confirm": True}).status_code == 202
    stack.drain()  # the queued scoring jobs find their answers gone
    assert stored_files(stack.settings) == [] and Answer.select().count() == Upload.select().count() == 0
    assert Interview.get().status == "withdrawn" and Invitation.get().status == "cancelled"
    assert client.get(f"{base}/erasure").json["summary"] == {
        "answers": 2, "consents_withdrawn": 1, "invitations_cancelled": 1, "messages_to_them": 1,  # the card
        "messages_naming_them": 1, "recordings": 1, "typed_answers": 1, "upload_folders": 1}  # HR: 已向 zhangsan 发送

    # An answer that slipped in after the erasure (its request was past the link check): the daily job's backstop.
    from bot.privacy import retention
    from bot.store.storage import get_storage

    late = Answer.create(interview=Interview.get(), question_key="aml", ordinal=4, mode="audio")
    key = f"recordings/{late.interview_id}/late.webm"
    Recording.create(answer=late, path=key, mime="audio/webm", key_id=get_storage(stack.settings).put(key, spoken))
    assert retention.apply_retention() == {"late_answers": 1}
    assert stored_files(stack.settings) == [] and Recording.select().count() == Answer.select().count() == 0


def test_command_line_erases_a_candidate_and_runs_retention(stack, capsys):
    from bot.store.models import Candidate, ErasureRequest
    from jobs.cli import main

    invite_member(stack)
    candidate = Candidate.get()
    assert main(["erase", str(candidate.id)]) == 0
    assert f"candidate {candidate.id} erased" in capsys.readouterr().out
    assert Candidate.get().erased_at and ErasureRequest.get().source == "hr"
    assert main(["erase", str(candidate.id)]) == 0 and ErasureRequest.select().count() == 1  # the same request
    assert main(["erase", "9999"]) == 2 and "no candidate 9999" in capsys.readouterr().err
    assert main(["retention"]) == 0 and "nothing past its retention period" in capsys.readouterr().out
    stack.drain()
    assert any("经 HR 处理" in t for t in texts(stack, "hr_li"))

def test_consent_records_the_version_and_the_hash_of_the_notice_shown(stack, monkeypatch):
    from bot.interviews import consent as notice
    from bot.store.models import Consent, Invitation, Position

    Position.update(face_analysis=True).execute()
    link = invite_member(stack)
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    texts_ = client.get(f"{base}/state").json["consent"]["texts"]
    zh, en = texts_["zh-CN"], texts_["en"]
    assert "最长保留 180 天" in zh["sections"][3]["body"] and "365 天" in zh["sections"][3]["body"]
    assert "删除我的数据" in zh["sections"][5]["body"] and zh["face"]
    assert "At most 180 days" in en["sections"][3]["body"]
    lines = [zh["title"], *[x for s in zh["sections"] for x in (s["heading"], s["body"])], zh["agree"], zh["face"],
             zh["pool"]]
    assert zh["sha256"] == hashlib.sha256("\n".join(lines).encode()).hexdigest() != en["sha256"]

    stale = client.post(f"{base}/consent", json={"recording": True, "version": "consent-v1", "text_sha256": "0" * 64})
    assert stale.status_code == 409 and stale.json["code"] == "consent_outdated" and Consent.select().count() == 0
    odd = client.post(f"{base}/consent", json={"recording": True, "version": "consent-v1", "text_sha256": 5})
    assert odd.status_code == 400 and odd.json["code"] == "bad_consent_hash"
    body = {"recording": True, "face": True, "version": "consent-v1", "text_sha256": en["sha256"], "locale": "en"}
    assert client.post(f"{base}/consent", json=body, headers={"User-Agent": UA}).status_code == 200
    assert client.post(f"{base}/consent", json=body).status_code == 200  # a repeat records nothing new
    rows = {c.kind: c for c in Consent.select()}
    assert set(rows) == {"recording", "face"} and {c.text_sha256 for c in rows.values()} == {en["sha256"]}
    assert rows["recording"].ip == "127.0.0.1" and rows["recording"].user_agent == UA[:256]
    assert rows["recording"].version == "consent-v1" and rows["recording"].withdrawn_at is None

    monkeypatch.setattr("bot.interviews.flow.CONSENT_VERSION", "consent-v2")  # the notice changed meaning: asked again
    again = client.post(f"{base}/consent", json={"recording": True, "version": "consent-v2"})  # hash: its locale's
    assert again.status_code == 200 and again.json["consent"]["version"] == "consent-v2"
    v2 = Consent.get(Consent.version == "consent-v2")
    assert v2.kind == "recording" and v2.text_sha256 == en["sha256"]  # the candidate's language is now en
    assert Consent.select().count() == 3
    invitation = Invitation.get()
    assert notice.shown_hash(stack.settings, invitation.position, "", "zh-CN") == zh["sha256"]


def test_retention_job_with_the_clock_moved(stack, clips, monkeypatch):  # noqa: F811 - clips is a fixture
    from bot.privacy import retention
    from bot.store.models import (
        AnswerAnalysis,
        BulkItem,
        BulkRun,
        Candidate,
        ErasureRequest,
        Interview,
        Invitation,
        Recording,
        Report,
    )
    from tests.support.h5 import take_interview

    link = invite_member(stack)
    zhang = Invitation.get()
    personalise(zhang.candidate_id)
    sheet_rows(zhang)
    BulkItem.update(invitation=None).where(BulkItem.row_no == 2).execute()  # as if a row of a sheet never invited
    BulkRun.update(created_at=retention.utcnow() - dt.timedelta(days=400)).execute()
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    consent(client, base)
    for q in client.get(f"{base}/state").json["questions"]:  # the intro recorded, the others typed
        if q["key"] == "intro":
            upload_id, chunks = upload(client, base, "intro", clips["audio"], mode="audio",
                                       mime="audio/webm;codecs=opus")
            response = finish(client, base, upload_id, chunks)
        else:
            response = answer(client, base, q["key"], answer_text(q["key"], "weak"))
        assert response.status_code == 200, response.json
    lisi_link = invite_member(stack, "lisi")
    take_interview(stack, lisi_link, "weak")
    stack.drain()
    stack.say("lisi", "退出人才库")
    stack.drain()
    stack.say("lisi", "确认")  # leaving the pool is stated first and done on confirmation
    stack.drain()
    lisi = Candidate.get(Candidate.wecom_userid == "lisi")
    assert lisi.withdrawn_at and Recording.select().count() == 1 and Report.select().count() == 2
    real = retention.utcnow()

    def later(days: int) -> None:
        monkeypatch.setattr(retention, "utcnow", lambda: real + dt.timedelta(days=days))

    assert retention.apply_retention() == {"sheet_rows": 2}  # only the sheet uploaded 400 days ago is old yet
    assert all(item.fields == {} for item in BulkItem.select())
    later(181)  # recordings are past their 180 days; lisi left the pool more than 30 days ago
    counts = retention.apply_retention()
    assert counts == {"recordings": 1, "interviews_purged": 2, "candidates_erased": 1, "answers": 6,
                      "analyses": 6}, counts
    assert stored_files(stack.settings) == [] and Recording.select().count() == 0
    interview = Interview.get(Interview.invitation == zhang)
    assert interview.media_purged_at is not None
    assert AnswerAnalysis.select().count() == 6  # zhangsan's transcripts stay until the personal-data period
    assert Candidate.get_by_id(lisi.id).erased_at and ErasureRequest.get().source == "retention"
    assert Candidate.get_by_id(zhang.candidate_id).erased_at is None
    session = login(stack, "hr_li", "/hr/")
    report = Report.get(Report.interview == interview)
    shown = session.get(f"{stack.base}/hr/reports/{report.id}", timeout=30)
    assert shown.status_code == 200 and 'data-testid="media-purged"' in shown.text and "按保存期限政策" in shown.text
    assert retention.apply_retention() == {}  # idempotent

    later(400)  # zhangsan's last step (the invitation's deadline) is more than 365 days ago
    needles = [NAME, PHONE, EMAIL, "zhangsan", "lisi", RESUME, ID_NUMBER, *phrases(answer_text("complaint", "weak"))]
    counts = retention.apply_retention()
    assert counts["candidates_erased"] == 1 and "recordings" not in counts, counts
    assert left_in_database(needles) == []
    assert ErasureRequest.select().where(ErasureRequest.source == "retention").count() == 2
    assert retention.apply_retention() == {}


def test_retention_runs_in_bounded_batches_and_continues(stack, monkeypatch):
    from bot.privacy import retention
    from bot.queues import COMMANDS, get_queue
    from bot.store.models import Candidate

    old = retention.utcnow() - dt.timedelta(days=400)
    Candidate.insert_many([{"name": f"候选人{i}", "phone": f"1390000{i:04d}", "created_at": old}
                           for i in range(7)]).execute()
    monkeypatch.setattr(retention, "BATCH", 3)
    ticks = iter(range(1000))  # a clock that moves a second each time it is read: one batch fits in a run
    monkeypatch.setattr(retention, "time", SimpleNamespace(monotonic=lambda: float(next(ticks))))
    monkeypatch.setattr(retention, "RUN_SECONDS", 2)
    first = retention.apply_retention()
    assert first == {"candidates_erased": 3, "continued": 1}, first
    assert len(get_queue(COMMANDS)) == 1  # the rest in a fresh job
    stack.drain()
    assert Candidate.select().where(Candidate.erased_at.is_null()).count() == 0
    assert left_in_database(["候选人0", "13900000006"]) == []


def test_the_daily_schedule_has_the_retention_job(env):
    from jobs import periodic
    from jobs.schedule import periodic_jobs

    [job] = [p for p in periodic_jobs(env) if p.func is periodic.apply_retention]
    assert job.daily_at == "03:20"


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_finished_page_asks_for_review_and_deletes_after_a_confirm_step(stack, page):  # noqa: F811
    from bot.store.models import Candidate, ErasureRequest
    from tests.support.h5 import take_interview

    link = invite_member(stack)
    take_interview(stack, link, "weak")
    page.goto(link)
    page.wait_for_selector("#app h1:has-text('已收到您的全部回答')")
    page.tap("button:has-text('申请人工复核')")
    page.wait_for_selector("text=已收到您的人工复核申请")
    assert page.locator("button:has-text('申请人工复核')").is_hidden()
    shot(page, "rights-1-review")
    page.tap("button:has-text('删除我的个人信息')")
    page.wait_for_selector("h1:has-text('删除我的个人信息')")
    assert "申请随之结束" in page.inner_text("#app") and "录音录像" in page.inner_text("#app")
    shot(page, "rights-2-confirm")
    page.tap("button:has-text('返回')")  # changed their mind: nothing happens
    page.wait_for_selector("#app h1:has-text('已收到您的全部回答')")
    assert page.locator("text=已收到您的人工复核申请").count() == 1 and ErasureRequest.select().count() == 0
    page.tap("button:has-text('删除我的个人信息')")
    page.tap("button:has-text('确认删除')")
    wait_until(lambda: ErasureRequest.select().count() == 1, timeout=15)
    page.wait_for_selector("text=正在删除")
    stack.drain()  # the erasure job; the page is polling meanwhile
    page.wait_for_selector("h1:has-text('您的个人信息已删除')", timeout=20_000)
    shot(page, "rights-3-erased")
    assert Candidate.get().erased_at is not None
    page.reload()
    page.wait_for_selector("text=您的个人信息已删除，这次申请已结束")


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_expired_link_still_offers_deletion(stack, page):  # noqa: F811
    from bot.store.models import Candidate

    page.goto(lapse(invite_member(stack)))
    page.wait_for_selector("text=面试邀请已过期")
    page.tap("button:has-text('删除我的个人信息')")
    page.wait_for_selector("h1:has-text('删除我的个人信息')")
    page.tap("button:has-text('返回')")
    page.wait_for_selector("text=面试邀请已过期")
    shot(page, "rights-expired")
    page.tap("button:has-text('删除我的个人信息')")
    page.tap("button:has-text('确认删除')")
    wait_until(lambda: stack.drain() or Candidate.get().erased_at is not None, timeout=15)
    page.wait_for_selector("h1:has-text('您的个人信息已删除')", timeout=20_000)
