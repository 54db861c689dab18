"""Shared test helpers (moved here from the test modules that used to copy them)."""
from __future__ import annotations

import hashlib

import pytest

from tests.support.chat import answer_text, cards, invite_member, token_of

CHUNK = 64 * 1024


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, bytes]:
    from tests.support import media as gen
    folder = tmp_path_factory.mktemp("media")
    tone4 = gen.sine(folder / "t4.ogg", 4)
    return {
        "video": gen.video(folder / "v.webm", gen.pattern, 4, fps=15, audio=tone4).read_bytes(),
        "audio": gen.sine(folder / "a.webm", 3).read_bytes(),
        "mute": gen.video(folder / "m.webm", gen.pattern, 3, fps=15).read_bytes(),
        "short": gen.sine(folder / "s.webm", 0.4).read_bytes(),
    }


def consent(client, base):
    response = client.post(f"{base}/consent", json={"recording": True, "face": False, "version": "consent-v1"})
    assert response.status_code == 200, response.json
    return response.json


def reveal(client, base, question) -> dict:
    """Show the question as the page does when the candidate reaches it (its think time starts)."""
    response = client.post(f"{base}/questions/{question}/reveal")
    assert response.status_code == 200, response.json
    return response.json


def answer(client, base, question, text, **body):
    """Reveal the question, then type its answer, as the page does; return the response."""
    reveal(client, base, question)
    return client.post(f"{base}/answers/{question}/text", json={"text": text, **body})


def upload(client, base, question, data: bytes, mode="video", mime="video/webm;codecs=vp8,opus", retake=False):
    reveal(client, base, question)
    opened = client.post(f"{base}/uploads", json={"question": question, "mode": mode, "mime": mime, "retake": retake})
    assert opened.status_code == 200, opened.json
    upload_id = opened.json["upload_id"]
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    for seq, chunk in enumerate(chunks):
        put_chunk(client, base, upload_id, seq, chunk, expect=200)
    return upload_id, len(chunks)


def put_chunk(client, base, upload_id, seq, chunk, expect=None, checksum=None):
    response = client.put(f"{base}/uploads/{upload_id}/chunks/{seq}", data=chunk,
                          headers={"X-Chunk-SHA256": checksum or hashlib.sha256(chunk).hexdigest()})
    if expect is not None:
        assert response.status_code == expect, response.json
    return response


def finish(client, base, upload_id, chunks):
    return client.post(f"{base}/uploads/{upload_id}/finish", json={"chunks": chunks, "integrity": {"hidden_ms": 1200}})


def started_interview(stack):
    """Invite zhangsan through the sandbox chat and consent on the page; return the API client and base."""
    stack.say("hr_li", "/invite 柜员 zhangsan")
    stack.drain()
    link = [m for m in stack.inbox("zhangsan") if m["msgtype"] == "template_card"][0]["card"]["card_action"]["url"]
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    consent(client, base)
    return client, base


@pytest.fixture
def candidate_api(stack):
    """An invited candidate's H5 API: (test client, base path of the API), before consent."""
    link = invite_member(stack)
    return stack.app.test_client(), f"/h5/api/{token_of(link)}"


def take_interview(stack, link: str, quality: str = "excellent", consented: bool = False) -> None:
    """Consent and type an answer to every question through the H5 API, as the page does."""
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    if not consented:
        consent(client, base)
    for q in client.get(f"{base}/state").json["questions"]:
        response = answer(client, base, q["key"], answer_text(q["key"], quality))
        assert response.status_code == 200, response.json


def reported(stack, who: str = "zhangsan", quality: str = "excellent") -> dict:
    """Invite a member candidate, take the interview, score it; return hr_li's result card."""
    take_interview(stack, invite_member(stack, who), quality)
    stack.drain()
    [card] = cards(stack, "hr_li")
    return card
