"""The H5 interview page in a real phone-sized browser (Debian chromium via Playwright, a fake camera and a
WAV file as the microphone), against the real API: whole interview, network cut, reloads, typed answers."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from bot.interviews import timing
from bot.store.models import Answer, Interview, Position, QuestionReveal, Recording, Upload
from bot.store.storage import private_copy
from tests.support import media
from tests.support.browser import (
    CHROMIUM,
    QUESTIONS,
    device_check,
    practice,
    record_answer,
    shot,
    text_practice,
    through_consent,
    wait_saved,
)
from tests.support.chat import invite_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]



def probe(path: Path) -> dict:
    """The container's duration and its streams' kinds, in ffprobe's JSON shape."""
    duration, kinds = media.streams(path)
    return {"format": {"duration": str(duration)}, "streams": [{"codec_type": kind} for kind in kinds]}


def recordings(stack) -> dict[str, tuple[Recording, dict]]:
    """Each question's recording with what its container says of it (decrypted from the storage)."""
    found = {}
    for r in Recording.select().join(Answer):
        with private_copy(stack.settings, r) as path:
            found[r.answer.question_key] = (r, probe(path))
    return found


def test_whole_interview_through_the_page(stack, page):
    from bot.queues import SCORING, get_queue

    link = invite_member(stack)
    through_consent(page, link, screenshots=True)
    device_check(page, screenshots=True)
    practice(page, screenshots=True)
    assert Upload.select().count() == 0  # the practice answer never leaves the phone

    recorded = {}
    for ordinal in range(1, QUESTIONS + 1):
        if ordinal == 1:
            page.wait_for_selector("h1:has-text('第 1 / 6 题')")
            page.wait_for_selector("fieldset.modes input")  # drawn once the question's reveal has answered
            assert page.locator("fieldset.modes input").count() == 3  # 视频 / 语音 / 文字
            shot(page, "6-question-think")
        if ordinal in (2, 3):  # answer one question by voice only (the choice is kept for the next one)
            before, after = ("video", "audio") if ordinal == 2 else ("audio", "video")
            assert page.is_checked(f"fieldset.modes input[value={before}]")
            page.check(f"fieldset.modes input[value={after}]", force=True)

        def snapshot():
            page.wait_for_timeout(1200)
            shot(page, "7-question-recording")

        recorded[ordinal] = record_answer(page, ordinal, during=snapshot if ordinal == 1 else None)
        if ordinal == 1:
            page.wait_for_selector("button:has-text('重答本题（还可 1 次）')")
            shot(page, "8-question-saved")
        wait_saved(page, ordinal)
        if ordinal < QUESTIONS:
            page.tap("button:has-text('下一题')")
    assert "企业微信" in page.inner_text("#app") and "人工复核" in page.inner_text("#app")
    shot(page, "9-done")

    interview = Interview.get()
    assert interview.status == "completed"
    answers = {a.question_key: a for a in Answer.select()}
    assert len(answers) == QUESTIONS and {a.ordinal for a in answers.values()} == set(range(1, QUESTIONS + 1))
    assert [a.mode for a in sorted(answers.values(), key=lambda a: a.ordinal)] == ["video", "audio", *["video"] * 4]
    files = recordings(stack)
    assert len(files) == QUESTIONS == Recording.select().count()
    for key, (recording, info) in files.items():
        kinds = {s["codec_type"] for s in info["streams"]}
        assert "audio" in kinds and ("video" in kinds) == (answers[key].mode == "video"), (key, kinds)
        seconds = float(info["format"]["duration"])
        assert abs(seconds - recorded[answers[key].ordinal]) <= 1.5, (key, seconds, recorded)
        assert abs(recording.duration - seconds) < 0.5
    assert Upload.select().where(Upload.status != "finished").count() == 0
    assert len(get_queue(SCORING).job_ids) == QUESTIONS  # one scoring job per answer

    page.goto(link)  # opening the link again goes straight to the status page
    page.wait_for_selector("#app h1:has-text('已收到您的全部回答，正在评分')")


def test_network_cut_mid_upload_loses_no_chunk_and_a_refused_recording_is_redone(stack, page):
    link = invite_member(stack)
    through_consent(page, link)
    device_check(page)
    practice(page)
    acknowledged: list[int] = []
    page.on("response", lambda r: "/chunks/" in r.url and r.status == 200
            and acknowledged.append(int(r.url.rsplit("/", 1)[1])))

    def cut():
        page.wait_for_timeout(1500)
        page.route("**/chunks/**", lambda route: route.abort("internetdisconnected"))
        page.wait_for_selector("text=网络不稳定，正在重试", timeout=8000)
        shot(page, "network-retrying")
        page.wait_for_timeout(3000)
        page.unroute("**/chunks/**")

    seconds = record_answer(page, 1, seconds=8.0, during=cut)
    wait_saved(page, 1)

    upload = Upload.get()
    assert upload.status == "finished" and upload.next_seq == len(upload.chunk_sha256) >= 4
    assert sorted(set(acknowledged)) == list(range(upload.next_seq))  # every chunk arrived, in order, once
    [(recording, info)] = recordings(stack).values()
    assert abs(float(info["format"]["duration"]) - seconds) <= 1.5
    with private_copy(stack.settings, recording) as path:
        assert media.decodes(path)  # playable from end to end

    # The next answer is refused once as silent (422): the page explains and records it again.
    page.tap("button:has-text('下一题')")
    refusal = {"error": "没有录到声音，请检查麦克风后重新录制。", "code": "no_audio"}
    page.route("**/finish", lambda route: route.fulfill(status=422, json=refusal))
    record_answer(page, 2)
    page.wait_for_selector("text=没有录到声音，请检查麦克风后重新录制。")
    shot(page, "refused-recording")
    page.unroute("**/finish")
    page.tap("button:has-text('重新录制')")
    page.wait_for_selector("button:has-text('重新录制')", state="detached")  # the question screen re-renders
    record_answer(page, 2)
    wait_saved(page, 2)
    assert Answer.select().count() == 2 and Recording.select().count() == 2
    first_try, second_try = Upload.select().where(Upload.question_key == "complaint").order_by(Upload.created_at)
    assert first_try.status == "failed" and second_try.status == "finished"


def test_reload_resumes_at_the_next_question_and_an_unsent_answer(stack, page):
    """Also hashes chunks with the page's pure-JS SHA-256 (WebCrypto hidden): the server checks every one."""
    page.add_init_script("Object.defineProperty(window.crypto, 'subtle', {value: undefined})")
    link = invite_member(stack)
    through_consent(page, link)
    assert page.evaluate("window.crypto.subtle") is None
    device_check(page)
    practice(page)
    for ordinal in (1, 2):
        record_answer(page, ordinal)
        wait_saved(page, ordinal)
        if ordinal == 1:
            page.tap("button:has-text('下一题')")

    page.reload()
    page.wait_for_selector("button:has-text('继续面试')")
    assert "您已完成 2 / 6 题，将从第 3 题继续" in page.inner_text("#app")
    shot(page, "resume-welcome")
    page.tap("button:has-text('继续面试')")
    device_check(page)
    page.wait_for_selector("h1:has-text('第 3 / 6 题')")  # no practice the second time

    # Question 3 is recorded while offline, and the page reloaded before a chunk got through: the chunks
    # wait in IndexedDB and are sent when the candidate comes back.
    page.route("**/chunks/**", lambda route: route.abort("internetdisconnected"))
    seconds = record_answer(page, 3)
    page.wait_for_selector("h2:has-text('正在保存回答')")  # stopped, and noted as such in IndexedDB
    page.wait_for_selector("text=网络不稳定，正在重试")
    page.reload()
    page.unroute("**/chunks/**")
    page.wait_for_selector("button:has-text('继续面试')")
    page.tap("button:has-text('继续面试')")
    device_check(page)
    page.wait_for_selector("h1:has-text('第 4 / 6 题')")
    shot(page, "resume-question")
    assert Answer.select().count() == 3
    three = recordings(stack)["cash_discrepancy"][1]
    assert abs(float(three["format"]["duration"]) - seconds) <= 1.5
    assert Upload.select().where(Upload.status != "finished").count() == 0


def bank_texts() -> dict[str, set[str]]:
    return {q["key"]: {t for t in (q["text"], q.get("text_en")) if t} for q in Position.get().questions}


def test_typed_answers_in_english(stack, page):
    link = invite_member(stack)
    page.goto(link)
    page.wait_for_selector("#app h1:has-text('柜员 · AI 面试')")
    texts = bank_texts()
    assert not [t for ts in texts.values() for t in ts if t[:12] in page.content()]  # none before consent
    page.tap("#lang")
    page.wait_for_selector("#app h1:has-text('柜员 · AI interview')")
    assert page.get_attribute("html", "lang") == "en" and page.inner_text("#lang") == "中文"
    shot(page, "en-welcome")
    page.tap("button:has-text('Start the interview')")
    page.wait_for_selector("h1:has-text('Recording and your personal information')")
    assert "At most 180 days" in page.inner_text("#app")
    page.check("#c-rec")
    page.tap("button:has-text('Agree and continue')")
    page.wait_for_selector("h1:has-text('Check your camera and microphone')")
    page.tap("button:has-text('Answer in text instead')")
    text_practice(page, "Start the real questions")

    page.wait_for_selector("h1:has-text('Question 1 of 6')")
    page.wait_for_selector("#answer-text")
    [shown] = QuestionReveal.select()
    assert shown.question_key == "intro" and page.inner_text(".qtext") in texts["intro"]  # from reveal
    assert not [t for k, ts in texts.items() if k != "intro" for t in ts if t[:12] in page.content()]
    assert page.locator("fieldset.modes").count() == 0  # text is the only way left without devices
    page.fill("#answer-text", "我会先倾听客户的诉求，")
    page.evaluate("""() => {
        const box = document.getElementById('answer-text'), data = new DataTransfer();
        data.setData('text/plain', '然后耐心解释原因。');
        box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        box.value += '然后耐心解释原因。';
        box.dispatchEvent(new Event('input', {bubbles: true}));
    }""")
    assert page.inner_text(".counter") == "20 / 5000 characters"
    shot(page, "en-text-answer")
    page.tap("button:has-text('Submit answer')")
    page.wait_for_selector("h1:has-text('Your answer is saved')")
    first = Answer.get()
    assert first.mode == "text" and first.text == "我会先倾听客户的诉求，然后耐心解释原因。"
    assert first.integrity["pasted_chars"] == 9
    shown = QuestionReveal.get_by_id(shown.id)  # the first key typed ended the think time, on the server
    assert shown.revealed_at <= shown.first_started_at <= shown.ended_at

    page.reload()  # the language choice is remembered
    page.wait_for_selector("button:has-text('Continue the interview')")
    page.tap("button:has-text('Continue the interview')")
    page.wait_for_selector("h1:has-text('Check your camera and microphone')")
    page.tap("button:has-text('Answer in text instead')")
    for ordinal in range(2, QUESTIONS + 1):
        page.wait_for_selector(f"h1:has-text('Question {ordinal} of 6')")
        page.tap("button:has-text('Submit answer')")  # empty: refused, explained
        page.wait_for_selector("text=Please type your answer first.")
        page.fill("#answer-text", f"第 {ordinal} 题的回答。")
        page.tap("button:has-text('Submit answer')")
        page.wait_for_selector("h1:has-text('Your answer is saved')")
        if ordinal < QUESTIONS:
            page.tap("button:has-text('Next question')")
    page.tap("button:has-text('Submit all answers')")
    page.wait_for_selector("h1:has-text('We have all your answers')")
    shot(page, "en-done")
    assert Interview.get().status == "completed" and Answer.select().count() == QUESTIONS
    events = Interview.get().events
    assert [e["type"] for e in events if e["type"] == "paste"] == ["paste"]
    assert next(e for e in events if e["type"] == "paste")["detail"] == {"chars": 9}


def test_a_browser_that_writes_no_accepted_container_is_offered_typed_answers(stack, page):
    """No declared format the server takes (it sniffs the first chunk): the page says recording is unsupported
    here and offers typed answers, instead of recording something it would have to refuse."""
    page.add_init_script("MediaRecorder.isTypeSupported = () => false")
    through_consent(page, invite_member(stack))
    page.wait_for_selector("h1:has-text('检查摄像头和麦克风')")
    page.tap("button:has-text('开启摄像头和麦克风')")
    page.wait_for_selector("text=当前环境不支持录制")
    page.tap("button:has-text('改用文字作答')")
    text_practice(page)
    page.wait_for_selector(f"h1:has-text('第 1 / {QUESTIONS} 题')")
    page.wait_for_selector("#answer-text")  # drawn once the question's reveal has answered
    assert page.locator("fieldset.modes").count() == 0 and page.locator("#answer-text").count() == 1


def test_a_finish_answered_closed_is_checked_before_the_page_lets_its_copy_go(stack, page):
    """A finish whose answer says upload_closed (a proxy's or a lost answer's word, or a retry after a worker died):
    the page asks the server what became of the upload — stored, it shows the answer saved; not stored, it keeps
    its copy and finishes again — and never drops a recording the server did not store."""
    link = invite_member(stack)
    through_consent(page, link)
    device_check(page)
    practice(page)
    closed = {"error": "这段录制已经结束。", "code": "upload_closed"}
    asked: list[str] = []
    page.on("request", lambda r: r.method == "GET" and "/uploads/" in r.url and asked.append(r.url))

    def not_stored(route):  # the server never saw this finish: its upload is still open
        route.fulfill(status=409, json=closed)

    page.route("**/finish", not_stored, times=1)
    record_answer(page, 1)
    wait_saved(page, 1)
    assert len(asked) == 1 and Upload.get().status == "finished" and Recording.select().count() == 1

    def stored(route):  # the server stored it; its answer was lost on the way and a retry was told closed
        route.fetch()
        route.fulfill(status=409, json=closed)

    page.tap("button:has-text('下一题')")
    page.route("**/finish", stored, times=1)
    record_answer(page, 2)
    wait_saved(page, 2)
    assert len(asked) == 2 and Recording.select().count() == 2
    assert Upload.select().where(Upload.status != "finished").count() == 0
    keys = page.evaluate("""() => new Promise(ok => { const r = indexedDB.open('h5-interview', 1);
        r.onsuccess = () => { const q = r.result.transaction('kv').objectStore('kv').getAllKeys();
            q.onsuccess = () => ok(q.result.filter(k => k.startsWith('c:'))); }; })""")
    assert keys == []  # both confirmed stored: the page's copies went only then


def test_a_typed_answer_past_its_time_is_refused_and_the_page_goes_on(stack, page):
    link = invite_member(stack)
    page.goto(link)
    page.tap("button:has-text('开始面试')")
    page.check("#c-rec")
    page.tap("button:has-text('同意并继续')")
    page.tap("button:has-text('改用文字作答')")
    text_practice(page)
    page.wait_for_selector("h1:has-text('第 1 / 6 题')")
    page.wait_for_selector("#answer-text")
    row = QuestionReveal.get()
    question = Interview.get().questions[0]
    then = row.revealed_at - dt.timedelta(seconds=question.get("think_seconds", Position.get().think_seconds)
                                          + question.get("answer_seconds", Position.get().answer_seconds)
                                          + timing.TEXT_SLACK + 1)
    QuestionReveal.update(revealed_at=then, window_from=then).execute()  # as if the candidate waited too long
    page.fill("#answer-text", "我会先倾听客户的诉求。")
    page.tap("button:has-text('提交回答')")
    page.wait_for_selector("text=这道题的作答时间已过")
    shot(page, "time-over")
    assert Answer.select().count() == 0
    page.tap("button:has-text('继续下一题')")
    page.wait_for_selector("h1:has-text('第 2 / 6 题')")
    page.wait_for_selector("#answer-text")
    assert QuestionReveal.select().count() == 2
