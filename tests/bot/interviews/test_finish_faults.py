"""A finished recording is never lost: the finish of an upload cut short at any step (an exception, a killed
worker, SQLite's write lock held past the busy timeout) is completed by the page's retry or by the recovery sweep,
the page is never told the upload is closed while its recording is not stored, the recording is stored once and
saved once, and no object is left that no answer points at. Erasure then lists the storage and finds nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from bot.clock import utcnow
from bot.interviews import uploads
from bot.ops import recover
from bot.privacy import erasure
from bot.store import storage
from bot.store.models import Answer, Interview, Recording, Upload
from tests.support.h5 import consent, finish, upload
from tests.support.locks import SqliteLock

QUESTION, MODE, MIME = "intro", "audio", "audio/webm;codecs=opus"
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


class Crash(RuntimeError):
    """What a step of the finish meets: a full disk, a bug, a lost connection (or, with release off, a kill)."""


def after(func, armed: dict):
    """func, which runs and then fails once while armed (the step is done; what follows it is not)."""
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        if armed.pop("on", False):
            raise Crash(f"cut short after {func.__name__}")
        return result
    return wrapper


def before(func, armed: dict):
    """func, which fails once while armed without running."""
    def wrapper(*args, **kwargs):
        if armed.pop("on", False):
            raise Crash(f"cut short before {func.__name__}")
        return func(*args, **kwargs)
    return wrapper


STEPS = {  # where the finish is cut: (the module attribute, whether the step itself ran)
    "assemble": (uploads, "_assemble"), "storage put": (storage.SealedStore, "put"),
    "save_answer": (uploads, "save_answer"), "after_answer": (uploads, "after_answer"),
}


@pytest.fixture
def page(candidate_api):
    client, base = candidate_api
    consent(client, base)
    return client, base


def stored_objects(settings, interview_id: int) -> list[str]:
    return storage.get_storage(settings).list(f"recordings/{interview_id}/")


def check_stored_once(stack, upload_id: str, response) -> None:
    """The answer is saved once with one recording, its object is the only one stored and opens to its sha256."""
    assert response.status_code == 200, response.json
    assert response.json["question"] == QUESTION
    row = Upload.get_by_id(upload_id)
    assert row.status == "finished" and row.result == response.json
    [answer] = Answer.select().where(Answer.interview == row.interview_id)
    [recording] = Recording.select().where(Recording.answer == answer)
    assert answer.retakes_used == 0 and answer.integrity["hidden_ms"] == 1200  # what the first try was given
    assert stored_objects(stack.settings, row.interview_id) == [recording.path]
    plain = storage.open_recording(stack.settings, recording)
    assert hashlib.sha256(plain).hexdigest() == recording.sha256 and len(plain) == recording.size
    assert not uploads.chunk_dir(stack.settings, upload_id).exists()


def page_state(client, base: str, upload_id: str) -> dict:
    response = client.get(f"{base}/uploads/{upload_id}")
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("killed", [False, True], ids=["exception", "killed"])
@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("step", list(STEPS))
def test_a_finish_cut_short_at_any_step_is_completed_by_the_retry(stack, page, clips, monkeypatch, step, where,
                                                                   killed):
    client, base = page
    upload_id, count = upload(client, base, QUESTION, clips["audio"], mode=MODE, mime=MIME)
    owner, name = STEPS[step]
    armed = {"on": True}
    monkeypatch.setattr(owner, name, (after if where == "after" else before)(getattr(owner, name), armed))
    if killed:  # a killed worker runs no handler: nothing releases its claim
        monkeypatch.setattr(uploads, "_release", lambda upload: None)
    cut = finish(client, base, upload_id, count)
    assert cut.status_code >= 500 and not armed, cut.json
    row = Upload.get_by_id(upload_id)
    assert row.status == "closing"  # neither finished nor given up: the recording is owed
    assert page_state(client, base, upload_id)["status"] == "saving"
    resumable = client.get(f"{base}/state").json["open_upload"]  # a page reloaded now finishes it from its copy
    assert resumable["upload_id"] == upload_id and resumable["saving"] is True
    stored = stored_objects(stack.settings, row.interview_id)
    retry = finish(client, base, upload_id, count)
    if retry.status_code == 409:  # killed before its object was stored: the finish may still be running
        assert killed and not stored and retry.json["code"] == "upload_saving", retry.json
        assert page_state(client, base, upload_id)["status"] == "saving"
        Upload.update(finished_at=utcnow() - uploads.STALE_FINISH).where(Upload.id == upload_id).execute()
        retry = finish(client, base, upload_id, count)  # … until the claim is older than any finish takes
    check_stored_once(stack, upload_id, retry)
    assert page_state(client, base, upload_id) == {"upload_id": upload_id, "status": "finished",
                                                     "next_seq": count, "result": retry.json}
    assert finish(client, base, upload_id, count).json == retry.json  # and again: the same answer


@SQLITE_ONLY
def test_the_database_locked_past_the_busy_timeout_mid_finish_loses_nothing(stack, page, clips, monkeypatch):
    """The lock is taken just after the object is stored and held past the 5 s busy timeout: the finish answers
    503, the page's retry (once the lock is gone) saves the answer."""
    client, base = page
    upload_id, count = upload(client, base, QUESTION, clips["audio"], mode=MODE, mime=MIME)
    lock = SqliteLock(stack.settings.database_url.removeprefix("sqlite:///"), "IMMEDIATE")
    put = storage.SealedStore.put

    def put_then_lock(self, key, data):
        key_id = put(self, key, data)
        lock.start()
        assert lock.held.wait(10)
        return key_id

    monkeypatch.setattr(storage.SealedStore, "put", put_then_lock)
    try:
        cut = finish(client, base, upload_id, count)
    finally:
        lock.release.set()
        lock.join(10)
    monkeypatch.setattr(storage.SealedStore, "put", put)
    assert cut.status_code == 503 and cut.headers.get("Retry-After"), cut.json
    assert Upload.get_by_id(upload_id).status == "closing"
    assert page_state(client, base, upload_id)["status"] == "saving"
    check_stored_once(stack, upload_id, finish(client, base, upload_id, count))


def test_the_sweep_completes_a_finish_whose_page_never_came_back(stack, page, clips, monkeypatch):
    client, base = page
    upload_id, count = upload(client, base, QUESTION, clips["audio"], mode=MODE, mime=MIME)
    armed = {"on": True}
    monkeypatch.setattr(uploads, "save_answer", before(uploads.save_answer, armed))
    monkeypatch.setattr(uploads, "_release", lambda upload: None)  # killed
    assert finish(client, base, upload_id, count).status_code >= 500
    assert recover.sweep()["uploads"] == 0  # a claim this young may belong to a finish still running
    Upload.update(finished_at=utcnow() - uploads.STALE_FINISH - dt.timedelta(seconds=1)).where(
        Upload.id == upload_id).execute()
    assert recover.sweep()["uploads"] == 1 and recover.sweep()["uploads"] == 0
    check_stored_once(stack, upload_id, client.post(f"{base}/uploads/{upload_id}/finish", json={"chunks": count}))


def test_the_sweep_opens_again_what_this_host_cannot_finish(stack, page, clips, monkeypatch):
    """Chunks live on the web host's disk: a sweep on a host without them opens the upload again for the page."""
    client, base = page
    upload_id, count = upload(client, base, QUESTION, clips["audio"], mode=MODE, mime=MIME)
    folder = uploads.chunk_dir(stack.settings, upload_id)
    moved = folder.rename(folder.with_name("elsewhere"))
    Upload.update(status="closing", finished_at=utcnow() - uploads.STALE_FINISH).where(
        Upload.id == upload_id).execute()
    assert recover.sweep()["uploads"] == 1
    assert Upload.get_by_id(upload_id).status == "open"
    assert client.get(f"{base}/state").json["open_upload"]["upload_id"] == upload_id
    moved.rename(folder)
    check_stored_once(stack, upload_id, finish(client, base, upload_id, count))


def test_erasure_leaves_no_file_of_a_finish_cut_short(stack, page, clips, monkeypatch):
    client, base = page
    done_id, done_count = upload(client, base, "complaint", clips["audio"], mode=MODE, mime=MIME)
    assert finish(client, base, done_id, done_count).status_code == 200
    upload_id, count = upload(client, base, QUESTION, clips["audio"], mode=MODE, mime=MIME)
    armed = {"on": True}
    monkeypatch.setattr(uploads, "save_answer", before(uploads.save_answer, armed))
    monkeypatch.setattr(uploads, "_release", lambda upload: None)
    assert finish(client, base, upload_id, count).status_code >= 500
    interview = Interview.get_by_id(Upload.get_by_id(upload_id).interview_id)
    store = storage.get_storage(stack.settings)
    assert len(stored_objects(stack.settings, interview.id)) == 2  # one answered, one no row points at
    assert uploads.chunk_dir(stack.settings, upload_id).exists()
    candidate = interview.invitation.candidate_id
    erasure.erase(candidate, "hr", "hr_li", f"test:{candidate}", settings=stack.settings)
    assert store.list(f"recordings/{interview.id}/") == [] and store.list("recordings/") == []
    assert [p for p in (stack.settings.data_dir / "uploads").rglob("*") if p.is_file()] == []
    assert not (stack.settings.data_dir / "recordings" / str(interview.id)).exists()


def test_a_take_resumed_late_does_not_replace_the_one_recorded_after_it(stack, page, clips, monkeypatch):
    """The page reloaded after a finish died, and the candidate recorded the question again: when the sweep comes
    to the first take, the later one stands and the first one's object goes."""
    client, base = page
    first, count = upload(client, base, QUESTION, clips["audio"], mode=MODE, mime=MIME)
    armed = {"on": True}
    monkeypatch.setattr(uploads, "save_answer", before(uploads.save_answer, armed))
    monkeypatch.setattr(uploads, "_release", lambda upload: None)
    assert finish(client, base, first, count).status_code >= 500
    Upload.update(created_at=utcnow() - dt.timedelta(seconds=5)).where(Upload.id == first).execute()
    second, count2 = upload(client, base, QUESTION, clips["video"], mode="video")
    later = finish(client, base, second, count2)
    assert later.status_code == 200, later.json
    Upload.update(finished_at=utcnow() - uploads.STALE_FINISH).where(Upload.id == first).execute()
    assert recover.sweep()["uploads"] == 1
    assert Upload.get_by_id(first).status == "failed" and page_state(client, base, first)["status"] == "failed"
    check_stored_once(stack, second, later)
    assert Answer.get().mode == "video"
