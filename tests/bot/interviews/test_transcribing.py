"""Transcribing while the candidate speaks: a clip uploaded in chunks as the page sends them is transcribed piece
by piece and its finish transcribes only the tail, with the whole file's transcript; a retake, a refused upload,
a changed chunk or a failed job throws the partial work away and it never serves another upload."""
from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import pytest

from bot.interviews import transcribing, uploads
from bot.queues import SCORING, get_queue
from bot.reports import partial
from bot.reports.scoring import transcriber
from bot.store.kv import get_redis
from bot.store.models import Answer, AnswerAnalysis, Upload
from scoring import media
from scoring.partial import Progress, Resuming
from tests.conftest import as_uploaded
from tests.evaluation.evaluate import cer
from tests.support.h5 import consent, finish, put_chunk
from tests.support.paths import AUDIO

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
QUESTION, MODE, MIME = "intro", "audio", "audio/webm;codecs=opus"
CLIP = "intro_adequate.ogg"  # 19.7 s, sentences ~1 s apart
MANIFEST = {c["file"]: c for c in json.loads((AUDIO / "manifest.json").read_text("utf-8"))}


@pytest.fixture
def page(candidate_api):
    client, base = candidate_api
    consent(client, base)
    return client, base


def chunks_of(data: bytes, count: int) -> list[bytes]:
    """The recording cut into count byte ranges, as MediaRecorder hands the page a piece every ~2 s."""
    return [data[len(data) * i // count:len(data) * (i + 1) // count] for i in range(count)]


def open_upload(client, base, retake=False) -> str:
    opened = client.post(f"{base}/uploads", json={"question": QUESTION, "mode": MODE, "mime": MIME, "retake": retake})
    assert opened.status_code == 200, opened.json
    return opened.json["upload_id"]


def test_transcript_while_recording_equals_the_whole_files(page, stack, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr("scoring.partial.MIN_PIECE", 3.0)  # pieces of this 20 s clip (answers: 12-28 s)
    monkeypatch.setattr("bot.reports.partial.FIRST_CHUNKS", 3)
    client, base = page
    data = as_uploaded(CLIP, tmp_path)
    client.post(f"{base}/questions/{QUESTION}/reveal")
    upload_id = open_upload(client, base)
    pieces = chunks_of(data, 10)
    for seq, chunk in enumerate(pieces):
        put_chunk(client, base, upload_id, seq, chunk, expect=200)
        stack.drain()  # the scorer picks up the job the third, sixth, … chunk queued
    row = Upload.get_by_id(upload_id)
    kept, chunks = partial.load(stack.settings, upload_id, row.chunk_sha256)
    progress = Progress.from_json(kept)
    assert chunks == 9 and 10 < progress.seconds < 17  # up to the last pause over in the first 9 chunks

    caplog.set_level(logging.INFO, logger="bot.reports.scoring")
    assert finish(client, base, upload_id, len(pieces)).status_code == 200
    stack.drain()
    assert "resumed at" in caplog.text
    assert get_redis().get(partial._key(upload_id)) is None  # used, then discarded
    answer = Answer.get(Answer.question_key == QUESTION)
    heard = AnswerAnalysis.get(AnswerAnalysis.answer == answer).document["transcript"]
    whole = transcriber(stack.settings).transcribe(media.decode_audio(tmp_path / f"{CLIP[:-4]}.webm", 60))
    spoken = MANIFEST[CLIP]["text"]
    assert cer(spoken, heard["text"]) <= cer(spoken, whole.text) + 0.03  # as well heard (homophones differ)
    assert cer(whole.text, heard["text"]) <= 0.1
    starts = [s["start"] for s in heard["segments"]]
    assert starts == sorted(starts) and heard["segments"][-1]["end"] <= heard["duration"] + 0.5
    assert abs(heard["duration"] - whole.duration) < 0.05


class Whole:
    """A stand-in Transcriber that says how much audio it was given."""

    def transcribe(self, audio, *, language="zh"):
        return f"{len(audio)} samples"


def test_partial_work_is_discarded_and_never_serves_another_upload(page, stack, tmp_path, clips, monkeypatch):
    monkeypatch.setattr("bot.reports.partial.FIRST_CHUNKS", 3)
    client, base, settings = *page, stack.settings
    data = as_uploaded(CLIP, tmp_path)
    client.post(f"{base}/questions/{QUESTION}/reveal")
    first = open_upload(client, base)
    for seq, chunk in enumerate(chunks_of(data, 10)[:3]):
        put_chunk(client, base, first, seq, chunk, expect=200)
    assert any("transcribe_partial" in (job.func_name or "") for job in get_queue(SCORING).get_jobs())
    hashes = Upload.get_by_id(first).chunk_sha256
    samples = np.zeros(16000, np.float32)
    done = Progress("zh", 16000, hashlib.sha256(samples.tobytes()).hexdigest())
    partial.save(settings, first, hashes, done.to_json())
    assert partial.load(settings, first, hashes)[1] == 3
    assert partial.load(settings, first, ["0" * 64, *hashes[1:]]) is None  # other chunks: not theirs
    assert partial.load(settings, "f" * 32, hashes) is None
    # a recording that does not begin with the samples read is transcribed whole
    assert Resuming(Whole(), done).transcribe(np.ones(48000, np.float32)) == "48000 samples"
    assert Resuming(Whole(), done).transcribe(np.zeros(48000, np.float32), language=None) == "48000 samples"

    put_chunk(client, base, first, 1, b"something else", expect=409)  # the page holds another recording
    assert partial.load(settings, first, hashes) is None
    partial.save(settings, first, hashes, done.to_json())
    second = open_upload(client, base, retake=True)  # a retake
    assert Upload.get_by_id(first).status == "failed" and partial.load(settings, first, hashes) is None

    put_chunk(client, base, second, 0, clips["short"], expect=200)  # 0.4 s: refused as too short
    partial.save(settings, second, [hashlib.sha256(clips["short"]).hexdigest()], done.to_json())
    assert finish(client, base, second, 1).status_code == 422
    assert partial.load(settings, second, [hashlib.sha256(clips["short"]).hexdigest()]) is None

    # a job that fails only logs: nothing kept, its flag released, the finish reads the whole file
    third = open_upload(client, base, retake=True)
    for seq, chunk in enumerate(chunks_of(data, 10)[:3]):
        put_chunk(client, base, third, seq, chunk, expect=200)
    (uploads.chunk_dir(settings, third) / "000001.part").write_bytes(b"damaged")
    assert transcribing.advance(third) == "failed"
    assert partial.load(settings, third, Upload.get_by_id(third).chunk_sha256) is None
    assert get_redis().get(partial._busy(third)) is None
    assert not partial.maybe_queue(settings, third, 4)  # and no other job for it
