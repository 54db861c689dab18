"""Shared test helpers (moved here from the test modules that used to copy them)."""
from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import media
from tests.support.paths import AUDIO as CLIPS
from tests.support.paths import OUTPUT

CHROMIUM = "/usr/bin/chromium"


QUESTIONS = 6  # the 柜员 bank in config/positions/teller.yaml


@pytest.fixture(scope="session")
def fake_mic(tmp_path_factory) -> Path:
    """The microphone's sound: a Mandarin answer clip when one is there, else a 440 Hz tone (WAV: Chromium's
    fake capture reads nothing else, and plays silence for anything it can't read)."""
    wav = tmp_path_factory.mktemp("mic") / "mic.wav"
    clips = sorted(CLIPS.glob("*.ogg"))
    source = clips[0] if clips else media.sine(wav.with_name("tone.ogg"), 20)
    return media.to_wav(source, wav)


@pytest.fixture
def chromium_tmp(monkeypatch) -> Iterator[Path]:
    """A short private TMPDIR for Chromium's profile, removed afterwards: its singleton socket's path may not pass
    107 bytes, which a test's tmp_path under parallel runs (…/popen-gw1/test_a_long_name0/…) does."""
    folder = Path(tempfile.mkdtemp(prefix="chromium-"))
    monkeypatch.setenv("TMPDIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def browser(chromium_tmp, fake_mic):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-component-update",
            "--disable-sync", "--disable-background-networking", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={fake_mic}"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    # bypass_csp: wait_for_function evaluates its string inside the page, which the page's policy (no eval)
    # refuses; tests/e2e/test_hostile.py walks the page with the policy on and checks it blocks nothing.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=3, locale="zh-CN", bypass_csp=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("dialog", lambda dialog: dialog.accept())  # "leave while uploading?" on reload: yes
    tab.set_default_timeout(20_000)
    yield tab
    context.close()
    assert errors == [], errors  # no script error, ever


def watched(page) -> list[str]:
    """Collect the page's script errors and console errors (CSP refusals, a stylesheet not found; not a favicon)."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "favicon" not in
            (msg.location or {}).get("url", "") else None)
    return problems


SMALL_TARGETS = """() => [...document.querySelectorAll('button, .check, .modes span, textarea, #lang')]
    .filter(el => el.offsetParent !== null)
    .map(el => [el.textContent.trim() || el.tagName, el.getBoundingClientRect()])
    .filter(([, box]) => box.width < 44 || box.height < 44)
    .map(([name, box]) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def shot(page, step: str) -> None:
    """Save the step at phone size, checking on the way that every control is at least 44×44 px."""
    assert page.evaluate(SMALL_TARGETS) == [], step
    assert page.locator("#oops").count() == 0  # the "something went wrong" banner
    page.screenshot(path=OUTPUT / f"h5-{step}.png", full_page=True)


def heading(page) -> str:
    return page.inner_text("#app h1")


def through_consent(page, link: str, screenshots: bool = False, questions: int = QUESTIONS) -> None:
    page.goto(link)
    page.wait_for_selector("#app h1:has-text('柜员 · AI 面试')")
    facts = page.inner_text(".facts")
    assert f"{questions} 道" in facts and "每题 60–90 秒" in facts  # the intro has 60 s
    if screenshots:
        shot(page, "1-welcome")
    page.tap("button:has-text('开始面试')")
    page.wait_for_selector("h1:has-text('录制与个人信息说明')")
    assert "最长保留 180 天" in page.inner_text("#app") and "人工复核" in page.inner_text("#app")
    assert page.locator("#c-face").count() == 0  # face analysis is off for 柜员
    page.tap("button:has-text('同意并继续')")  # not ticked yet: refused with an explanation
    page.wait_for_selector("text=请先勾选同意录制")
    if screenshots:
        shot(page, "2-consent")
    page.check("#c-rec")
    page.tap("button:has-text('同意并继续')")


def device_check(page, screenshots: bool = False) -> None:
    page.wait_for_selector("h1:has-text('检查摄像头和麦克风')")
    page.tap("button:has-text('开启摄像头和麦克风')")
    page.wait_for_selector("text=已检测到声音")  # the WAV reaches the level meter
    page.wait_for_function("document.querySelector('video.preview') && "
                           "document.querySelector('video.preview').videoWidth > 0")
    if screenshots:
        shot(page, "3-device")
    page.tap("button:has-text('下一步')")


def practice(page, screenshots: bool = False) -> None:
    page.wait_for_selector("h1:has-text('练习题')")
    page.tap("button:has-text('现在开始作答')")
    page.wait_for_selector("button:has-text('结束作答')")
    page.wait_for_timeout(2000)
    if screenshots:
        shot(page, "4-practice-recording")
    page.tap("button:has-text('结束作答')")
    page.wait_for_function("document.querySelector('.playback') && document.querySelector('.playback').duration > 0")
    if screenshots:
        shot(page, "5-practice-playback")
    page.tap("button:has-text('开始正式答题')")


def record_answer(page, ordinal: int, seconds: float = 3.0, during=None) -> float:
    """Answer the question on screen by video: skip the think time, record, stop; return the seconds recorded."""
    page.wait_for_selector(f"h1:has-text('第 {ordinal} / {QUESTIONS} 题')")
    page.wait_for_selector("button:has-text('现在开始作答'):enabled")
    page.tap("button:has-text('现在开始作答')")
    # the upload is open and the recorder runs (generous: CI's loaded 2 cores start the camera slowly)
    page.wait_for_selector("button:has-text('结束作答')", timeout=45_000)
    started = time.monotonic()
    if during:
        during()
    page.wait_for_timeout(max(0.0, seconds - (time.monotonic() - started)) * 1000)
    page.wait_for_selector("button:has-text('结束作答'):enabled")
    page.tap("button:has-text('结束作答')")
    return time.monotonic() - started


def wait_saved(page, ordinal: int) -> None:
    """The answer is saved; after the last one, its review is submitted (提交全部回答) and the end page shows."""
    page.wait_for_selector("h1:has-text('本题回答已保存')", timeout=60_000)
    if ordinal == QUESTIONS:
        submit_all(page)


def submit_all(page) -> None:
    page.wait_for_selector("button:has-text('提交全部回答')")
    page.tap("button:has-text('提交全部回答')")
    page.wait_for_selector("h1:has-text('已收到您的全部回答')", timeout=60_000)


def text_practice(page, go: str = "开始正式答题") -> None:
    """Answering in text still offers the practice question (typed, never sent): go on to the real ones."""
    page.wait_for_selector("h1:has-text('练习题'), h1:has-text('Practice question')")
    page.tap(f"button:has-text('{go}')")
