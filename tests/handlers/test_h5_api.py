"""The H5 page's API with real media (made with PyAV): uploads are resumable, idempotent and checked."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.store.models import Answer, Interview, Invitation, Recording, Report, Upload
from bot.store.storage import open_recording
from tests.support.h5 import (
    answer,
    consent,
    finish,
    put_chunk,
    reveal,
    upload,
)


def test_state_before_consent(candidate_api):
    client, base = candidate_api
    state = client.get(f"{base}/state").json
    assert state["status"] == "invited" and not state["consent"]["given"]
    # how many questions there will be, and nothing of them: no key, no text (none is drawn or shown yet)
    assert [q["ordinal"] for q in state["questions"]] == [1, 2, 3, 4, 5, 6]
    assert all(q["key"] is None and "text" not in q for q in state["questions"])
    assert state["next_question"] is None and state["position"]["title"] == "柜员"
    assert "练习题" in state["practice_question"]


def test_a_whole_interview(candidate_api, stack, clips):
    from bot.queues import get_queue

    client, base = candidate_api
    consent(client, base)
    keys = [q["key"] for q in client.get(f"{base}/state").json["questions"]]
    for i, key in enumerate(keys):
        if i % 3 == 2:
            result = answer(client, base, key, "我会先倾听客户的问题。").json
        else:
            upload_id, chunks = upload(client, base, key, clips["video"] if i % 2 == 0 else clips["audio"],
                                       mode="video" if i % 2 == 0 else "audio",
                                       mime="video/webm;codecs=vp8,opus" if i % 2 == 0 else "audio/webm;codecs=opus")
            response = finish(client, base, upload_id, chunks)
            assert response.status_code == 200, response.json
            result = response.json
            assert result["duration"] == pytest.approx(4.0 if i % 2 == 0 else 3.0, abs=0.3)
        assert result["question"] == key
        assert result["next_question"] == (keys[i + 1] if i + 1 < len(keys) else None)
    assert result["status"] == "completed"
    assert Interview.get().status == "completed" and Invitation.get().status == "completed"
    assert Answer.select().count() == 6 and Recording.select().count() == 4
    for recording in Recording.select():  # stored sealed; opened, it is the media that was checked
        media = open_recording(stack.settings, recording)
        assert recording.key_id == stack.settings.recording_keys[0][0]
        assert recording.size == len(media) and recording.sha256 == hashlib.sha256(media).hexdigest()
    assert len(get_queue("scoring")) == 6
    assert not list((stack.settings.data_dir / "uploads").glob("*/*.part"))  # chunks cleaned up
    stack.drain()
    # a sine tone has no words: those answers are unscorable (silence); the typed ones are scored
    assert sorted(a.status for a in Answer.select()) == ["scored"] * 2 + ["unscorable"] * 4
    assert Report.select().count() == 1
    texts = [m["payload"]["text"]["content"] for m in stack.inbox("zhangsan") if m["msgtype"] == "text"]
    assert texts == ["面试已完成，系统正在评分。感谢您参加「柜员」岗位的面试，结果会在这里通知您。"]
    hr = [m["payload"]["text"]["content"] for m in stack.inbox("hr_li") if m["msgtype"] == "text"]
    assert any("zhangsan 已完成「柜员」面试" in text for text in hr)
    [card] = [m["card"] for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"]
    assert card["main_title"]["title"] == "面试报告 · zhangsan" and "不推荐" in card["main_title"]["desc"]


def test_resume_after_a_drop_and_idempotent_chunks(candidate_api, clips):
    client, base = candidate_api
    consent(client, base)
    data = clips["video"]
    size = len(data) // 8 + 1
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    reveal(client, base, "intro")
    opened = client.post(f"{base}/uploads", json={"question": "intro", "mode": "video", "mime": "video/webm"}).json
    upload_id = opened["upload_id"]
    put_chunk(client, base, upload_id, 0, chunks[0], expect=200)
    put_chunk(client, base, upload_id, 1, chunks[1], expect=200)
    # the page reloads: state offers the open upload, and opening again resumes it
    state = client.get(f"{base}/state").json
    assert state["open_upload"] == {"upload_id": upload_id, "question": "intro", "mode": "video",
                                    "mime": "video/webm", "next_seq": 2, "saving": False}
    again = client.post(f"{base}/uploads", json={"question": "intro", "mode": "video", "mime": "video/webm"}).json
    assert again == {"upload_id": upload_id, "next_seq": 2}
    # a retried chunk whose answer was lost is acknowledged, not stored twice
    assert put_chunk(client, base, upload_id, 1, chunks[1], expect=200).json == {"next_seq": 2, "duplicate": True}
    conflict = put_chunk(client, base, upload_id, 1, b"other bytes", expect=409).json
    assert conflict["code"] == "chunk_conflict"
    skipped = put_chunk(client, base, upload_id, 5, chunks[5], expect=409).json
    assert skipped["code"] == "out_of_order" and skipped["next_seq"] == 2
    early = finish(client, base, upload_id, len(chunks))
    assert early.status_code == 409 and early.json["code"] == "missing_chunks"
    for seq in range(2, len(chunks)):
        put_chunk(client, base, upload_id, seq, chunks[seq], expect=200)
    done = finish(client, base, upload_id, len(chunks))
    assert done.status_code == 200
    assert finish(client, base, upload_id, len(chunks)).json == done.json  # replayed finish
    late = put_chunk(client, base, upload_id, len(chunks) - 1, chunks[-1], expect=409).json
    assert late["code"] == "upload_closed"  # a replayed final chunk changes nothing
    assert Upload.get_by_id(upload_id).next_seq == len(chunks)
    assert Recording.select().count() == 1


@pytest.mark.parametrize("kind, code", [("mute", "no_audio"), ("short", "too_short"), ("junk", "not_media")])
def test_unusable_recordings_are_refused_and_nothing_is_lost(candidate_api, clips, kind, code):
    client, base = candidate_api
    consent(client, base)
    good_id, good_chunks = upload(client, base, "intro", clips["video"])
    assert finish(client, base, good_id, good_chunks).status_code == 200
    # junk that starts like WebM (EBML) passes the first chunk's sniff and is refused when decoded at the end
    data = b"\x1a\x45\xdf\xa3" + b"\x00not a media file" * 1000 if kind == "junk" else clips[kind]
    mode, mime = ("audio", "audio/webm") if kind == "short" else ("video", "video/webm")
    bad_id, bad_chunks = upload(client, base, "complaint", data, mode=mode, mime=mime)
    response = finish(client, base, bad_id, bad_chunks)
    assert response.status_code == 422 and response.json["code"] == code and response.json["error"]
    assert Upload.get_by_id(bad_id).status == "failed"
    assert Recording.select().count() == 1 and Answer.select().count() == 1  # the earlier answer is intact
    retry_id, retry_chunks = upload(client, base, "complaint", clips["video"])  # re-record: no retake used
    assert finish(client, base, retry_id, retry_chunks).status_code == 200


def test_retakes_are_limited(candidate_api, clips):
    client, base = candidate_api
    consent(client, base)
    first, n = upload(client, base, "intro", clips["audio"], mode="audio", mime="audio/webm")
    finish(client, base, first, n)
    refused = client.post(f"{base}/uploads", json={"question": "intro", "mode": "audio", "mime": "audio/webm"})
    assert refused.status_code == 409 and refused.json["code"] == "already_answered"
    second, n = upload(client, base, "intro", clips["audio"], mode="audio", mime="audio/webm", retake=True)
    assert finish(client, base, second, n).status_code == 200
    assert Answer.get().retakes_used == 1 and Recording.select().count() == 2
    again = client.post(f"{base}/uploads", json={"question": "intro", "mode": "audio", "mime": "audio/webm",
                                                 "retake": True})
    assert again.status_code == 409 and again.json["code"] == "no_retakes_left"


def test_bad_requests_get_clear_errors(candidate_api, clips):
    client, base = candidate_api
    def post(path, body):
        return client.post(f"{base}/{path}", json=body)

    assert post("uploads", {"question": "intro", "mode": "video", "mime": "video/webm"}).json["code"] == "no_consent"
    assert post("consent", {"recording": False, "version": "consent-v1"}).json["code"] == "consent_required"
    assert client.post(f"{base}/consent", data="{not json").json["code"] == "bad_json"
    consent(client, base)
    assert post("uploads", {"question": "nope", "mode": "video", "mime": "video/webm"}).status_code == 404
    unseen = post("uploads", {"question": "intro", "mode": "video", "mime": "video/webm"})
    assert unseen.status_code == 409 and unseen.json["code"] == "not_revealed"  # the text was never shown
    assert post("answers/intro/text", {"text": "背好的回答"}).json["code"] == "not_revealed"
    reveal(client, base, "intro")
    assert post("uploads", {"question": "intro", "mode": "hologram", "mime": "video/webm"}).json["code"] == \
        "mode_not_allowed"
    assert post("uploads", {"question": "intro", "mode": "video", "mime": "image/png"}).json["code"] == "bad_mime"
    assert post("uploads", {"question": "intro", "mode": "video", "mime": "audio/webm"}).json["code"] == "bad_mime"
    upload_id = post("uploads", {"question": "intro", "mode": "video", "mime": "video/webm"}).json["upload_id"]
    assert put_chunk(client, base, upload_id, 0, b"abc", checksum="0" * 64).json["code"] == "bad_checksum"
    big = put_chunk(client, base, upload_id, 0, b"x" * (2 * 1024 * 1024 + 1))
    assert big.status_code == 413 and big.json["code"] == "chunk_too_large"
    assert post("answers/intro/text", {"text": "  "}).json["code"] == "empty_answer"
    assert post("answers/intro/text", {"text": "长" * 5001}).status_code == 413
    first = post("answers/intro/text", {"text": "我叫张三，做过三年柜员。"})
    again = post("answers/intro/text", {"text": "我叫张三，做过三年柜员。 "})  # the page retrying a lost reply
    assert first.status_code == again.status_code == 200 and first.json == again.json
    other = post("answers/intro/text", {"text": "另一个回答"})  # a different answer is not a retry
    assert other.status_code == 409 and other.json["code"] == "already_answered"
    assert post("events", {"type": "paste", "question": "intro", "at": 1}).json == {"ok": True}
    assert post("events", {"type": "keylogger"}).json["code"] == "bad_event"
    assert Interview.get().events[0]["type"] == "paste"
    assert Upload.get_by_id(upload_id).next_seq == 0


def test_tokens_scope_everything_to_one_candidate(candidate_api, stack, clips):
    from bot.links import make_token

    client, base = candidate_api
    consent(client, base)
    upload_id, _ = upload(client, base, "intro", clips["audio"], mode="audio", mime="audio/webm")
    tampered = base[:-4] + ("AAAA" if not base.endswith("AAAA") else "BBBB")
    assert client.get(f"{tampered}/state").status_code == 403
    invitation = Invitation.get()
    expired = make_token(stack.settings.secret_key, invitation.id, invitation.candidate_id, 1_000_000)
    response = client.get(f"/h5/api/{expired}/state")
    assert response.status_code == 410 and response.json["code"] == "expired"

    stack.say("hr_li", "/invite 柜员 lisi")  # another candidate cannot touch zhangsan's upload
    stack.drain()
    link = [m for m in stack.inbox("lisi") if m["msgtype"] == "template_card"][0]["card"]["card_action"]["url"]
    other = f"/h5/api/{link.rsplit('/', 1)[1]}"
    consent(client, other)
    stolen = put_chunk(client, other, upload_id, 0, b"evil")
    assert stolen.status_code == 404 and stolen.json["code"] == "unknown_upload"
    assert finish(client, other, upload_id, 1).status_code == 404
    assert Upload.get_by_id(upload_id).status == "open"


def test_declined_invitation_cannot_be_used(candidate_api, stack):
    client, base = candidate_api
    Invitation.update(status="declined").execute()
    response = client.get(f"{base}/state")
    assert response.status_code == 409 and response.json["code"] == "invitation_closed"


def test_recording_path_stays_inside_the_data_folder(candidate_api, stack, clips):
    client, base = candidate_api
    consent(client, base)
    upload_id, n = upload(client, base, "intro", clips["audio"], mode="audio", mime="audio/webm")
    finish(client, base, upload_id, n)
    path = (stack.settings.data_dir / Recording.get().path).resolve()
    assert Path(stack.settings.data_dir).resolve() in path.parents


def test_finishing_an_empty_upload_asks_to_record_again(candidate_api):
    client, base = candidate_api
    consent(client, base)
    reveal(client, base, "intro")
    upload_id = client.post(f"{base}/uploads", json={"question": "intro", "mode": "audio",
                                                     "mime": "audio/webm"}).json["upload_id"]
    response = finish(client, base, upload_id, 0)
    assert response.status_code == 422 and response.json["code"] == "too_short"
