"""Recordings sealed at rest: the envelope, the local and S3 stores (a real local S3 server: moto's), upload chunks,
scoring's private copy, HR streaming, key rotation and the `recordings check|rotate` commands."""
from __future__ import annotations

import base64
import hashlib
import os
import stat
import subprocess
import sys
import tempfile

import pytest

from bot.store import sealing
from bot.store.sealing import MAGIC, Keyring, SealError
from bot.store.storage import LocalStorage, S3Storage, StorageError, StorageKeyError, get_storage, open_recording
from tests.conftest import as_uploaded
from tests.support.paths import REPO as ROOT

EBML = b"\x1a\x45\xdf\xa3"  # every WebM file starts with it…
DOCTYPE = b"\x42\x82\x84webm"  # …and names its DocType soon after
MARKER = b"PLAINTEXT-MARKER-" * 64
KEY = "recordings/12/intro-abc.webm"


def ring(*ids: str) -> Keyring:
    return Keyring(tuple((key_id, hashlib.sha256(key_id.encode()).digest()) for key_id in ids))


@pytest.fixture(scope="session")
def speech(tmp_path_factory) -> bytes:
    """A real Mandarin answer as the H5 page uploads it (Opus in WebM)."""
    return as_uploaded("complaint_excellent.ogg", tmp_path_factory.mktemp("speech"))


# -- the envelope --------------------------------------------------------------------------------------------------

def test_envelope_round_trip_and_layout():
    keys = ring("k1")
    blob = keys.seal(MARKER, KEY)
    assert blob[:4] == MAGIC and blob[4] == sealing.VERSION and blob[5:6 + 2] == b"\x02k1"
    assert sealing.key_id_of(blob) == "k1" and len(blob) == 4 + 2 + 2 + 12 + len(MARKER) + 16
    assert keys.open(blob, KEY) == MARKER
    assert keys.seal(MARKER, KEY) != blob  # a fresh random nonce every time
    assert keys.open(keys.seal(b"", KEY), KEY) == b""
    assert MARKER[:17] not in blob


@pytest.mark.parametrize("where", ["key id", "nonce", "ciphertext", "tag", "version", "cut short"])
def test_a_tampered_envelope_is_refused(where):
    keys = ring("k1", "k2")
    blob = bytearray(keys.seal(MARKER, KEY))
    offsets = {"key id": 7, "nonce": 10, "ciphertext": 40, "tag": len(blob) - 1, "version": 4}
    if where == "cut short":
        blob = blob[:-20]
    elif where == "key id":
        blob[7] = ord("2")  # k1 → k2: a key we hold, but the header is authenticated
    else:
        blob[offsets[where]] ^= 0x01
    with pytest.raises(SealError):
        keys.open(bytes(blob), KEY)


def test_wrong_key_missing_key_and_swapped_object_are_refused():
    blob = ring("k1").seal(MARKER, KEY)
    other = Keyring((("k1", os.urandom(32)),))  # same id, another key
    with pytest.raises(SealError, match="does not authenticate"):
        other.open(blob, KEY)
    with pytest.raises(SealError, match="k1, which is not in RECORDING_KEYS"):
        ring("k2").open(blob, KEY)
    with pytest.raises(SealError, match="does not authenticate"):  # moved to another recording's place
        ring("k1").open(blob, "recordings/13/intro-abc.webm")
    with pytest.raises(SealError, match="not a sealed object"):
        ring("k1").open(MARKER, KEY)
    with pytest.raises(SealError):
        Keyring(())


# -- the local store -----------------------------------------------------------------------------------------------

def test_local_storage_seals_files_atomically_and_privately(tmp_path):
    store = LocalStorage(tmp_path, ring("k1"))
    assert store.put(KEY, EBML + MARKER) == "k1"
    path = tmp_path / KEY
    raw = path.read_bytes()
    assert raw.startswith(MAGIC) and EBML not in raw and MARKER[:17] not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    assert store.get(KEY) == EBML + MARKER and store.exists(KEY) and store.read_raw(KEY) == raw
    assert store.delete(KEY) is True and store.delete(KEY) is False and not store.exists(KEY)
    assert not (tmp_path / "recordings").exists()  # emptied folders go too
    with pytest.raises(FileNotFoundError):
        store.get(KEY)


def test_local_storage_reads_legacy_plain_files_only_when_asked(tmp_path):
    store = LocalStorage(tmp_path, ring("k1"))
    (tmp_path / "recordings" / "12").mkdir(parents=True)
    (tmp_path / KEY).write_bytes(EBML + MARKER)
    assert store.get(KEY, legacy_plain=True) == EBML + MARKER
    with pytest.raises(SealError, match="unsealed"):
        store.get(KEY)
    store.put(KEY, MARKER)
    assert store.get(KEY, legacy_plain=True) == MARKER  # sealed since: opened, never returned as ciphertext


@pytest.mark.parametrize("key", ["../outside.webm", "recordings/../../outside", "/etc/passwd", "recordings//x",
                                 "recordings/./x", "recordings\\..\\x", "", "a\x00b", "x" * 513, "link/x"])
def test_local_storage_refuses_keys_that_leave_the_store(tmp_path, key):
    root = tmp_path / "data"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)  # a symlink out of the store is followed and refused
    store = LocalStorage(root, ring("k1"))
    for call in (lambda: store.put(key, MARKER), lambda: store.get(key), lambda: store.exists(key),
                 lambda: store.delete(key)):
        with pytest.raises(StorageKeyError):
            call()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_get_storage_follows_the_settings(env):
    store = get_storage(env)
    assert isinstance(store, LocalStorage) and store.root == env.data_dir
    assert store.keyring.current_id == env.recording_keys[0][0] == "k1"
    assert stat.S_IMODE((env.data_dir / "recording_keys").stat().st_mode) == 0o600


# -- S3 (moto's server on loopback) --------------------------------------------------------------------------------

def test_s3_storage_put_get_exists_delete(s3):
    store = S3Storage(s3.bucket, "interviews/", ring("k1"), s3.endpoint)
    assert store.put(KEY, EBML + MARKER) == "k1"
    [(name, raw)] = s3.objects().items()
    assert name == f"interviews/{KEY}" and raw.startswith(MAGIC) and EBML not in raw and MARKER[:17] not in raw
    assert store.get(KEY) == EBML + MARKER and store.exists(KEY) and not store.exists("recordings/12/other.webm")
    assert store.delete(KEY) is True and store.delete(KEY) is False and s3.objects() == {}
    with pytest.raises(FileNotFoundError):
        store.get(KEY)
    s3.client.put_object(Bucket=s3.bucket, Key=f"interviews/{KEY}", Body=EBML + MARKER)  # from before encryption
    assert store.get(KEY, legacy_plain=True) == EBML + MARKER
    with pytest.raises(SealError):
        store.get(KEY)
    with pytest.raises(StorageKeyError):
        store.put("../elsewhere", MARKER)
    with pytest.raises(StorageError, match="NoSuchBucket"):
        S3Storage("no-such-bucket", "", ring("k1"), s3.endpoint).put(KEY, MARKER)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_prefix_is_listed_and_deleted_whole_and_nothing_beside_it(backend, tmp_path, request):
    if backend == "local":
        store = LocalStorage(tmp_path, ring("k1"))
    else:
        store = S3Storage(request.getfixturevalue("s3").bucket, "interviews/", ring("k1"),
                          request.getfixturevalue("s3").endpoint)
    keys = ["recordings/12/intro-a.webm", "recordings/12/pressure-b.ogg", "recordings/12/x/deep.webm",
            "recordings/123/intro-c.webm", "recordings/1/intro-d.webm"]
    for key in keys:
        store.put(key, MARKER)
    if backend == "local":  # a write killed before its rename leaves a temporary file: it is listed too
        (tmp_path / "recordings/12/.intro-e.webm.x1.tmp").write_bytes(b"half")
    listed = store.list("recordings/12/")
    assert set(listed) >= set(keys[:3]) and not set(listed) & set(keys[3:])
    assert store.delete_prefix("recordings/12/") == len(listed) and store.list("recordings/12/") == []
    assert sorted(store.list("recordings/")) == sorted(keys[3:])
    for bad in ("recordings/12", "../", "/etc/", ""):
        with pytest.raises(StorageKeyError):
            store.list(bad)
    if backend == "local":
        assert not (tmp_path / "recordings/12").exists()


def test_an_object_moved_between_recordings_in_s3_is_refused(s3):
    store = S3Storage(s3.bucket, "", ring("k1"), s3.endpoint)
    store.put(KEY, MARKER)
    other = "recordings/13/intro-def.webm"
    s3.client.copy_object(Bucket=s3.bucket, Key=other, CopySource={"Bucket": s3.bucket, "Key": KEY})
    with pytest.raises(SealError, match="does not authenticate"):
        store.get(other)


def test_an_uploaded_recording_is_sealed_in_s3_scored_and_streamed_to_recruiters(s3, s3_stack, speech, monkeypatch,
                                                                                  tmp_path):
    from bot.store.models import AnswerAnalysis, AuditLog, Recording, Report
    from tests.support.h5 import answer, finish, started_interview, upload
    from tests.support.hr import login

    stack = s3_stack
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where plain copies for PyAV/Whisper live briefly
    assert isinstance(get_storage(stack.settings), S3Storage)

    client, base = started_interview(stack)
    for q in client.get(f"{base}/state").json["questions"]:
        if q["key"] == "complaint":
            upload_id, chunks = upload(client, base, "complaint", speech, mode="audio", mime="audio/webm;codecs=opus")
            assert finish(client, base, upload_id, chunks).status_code == 200
        else:
            answer(client, base, q["key"], "我会先倾听客户的诉求，再解释原因。")
    recording = Recording.get()
    [(name, raw)] = s3.objects().items()
    assert name == f"interviews/{recording.path}" and sealing.key_id_of(raw) == recording.key_id == "k1"
    assert DOCTYPE not in raw and b"OpusHead" not in raw
    assert not (stack.settings.data_dir / "recordings").exists()  # nothing on this machine's disk
    assert not any((stack.settings.data_dir / "uploads").rglob("*.part"))

    stack.drain()  # the worker fetches, decrypts into a private temporary file, transcribes and scores
    analysis = AnswerAnalysis.get(AnswerAnalysis.answer == recording.answer_id)
    assert analysis.status == "scored" and analysis.total > 0 and analysis.source == recording.sha256
    assert Report.select().count() == 1
    assert list(scratch.iterdir()) == []  # every decrypted copy removed

    session = login(stack, "hr_li")
    url = f"{stack.base}/hr/recordings/{recording.id}"
    whole = session.get(url, timeout=30)
    assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == recording.sha256
    assert whole.content.startswith(EBML) and "no-store" in whole.headers["Cache-Control"]
    partial = session.get(url, headers={"Range": "bytes=100-299"}, timeout=30)  # the player seeking
    assert partial.status_code == 206 and partial.content == whole.content[100:300]
    assert partial.headers["Content-Range"] == f"bytes 100-299/{recording.size}"
    assert partial.headers["Content-Type"].startswith("audio/webm")
    assert AuditLog.select().where(AuditLog.action == "play_recording").count() == 1  # a seek is no new playback
    assert login(stack, "mgr_zhao").get(url, timeout=30).status_code == 403


# -- uploads, scoring's copy, the HR route on the local store ------------------------------------------------------

def test_upload_chunks_are_sealed_on_disk_and_a_damaged_one_means_record_again(stack, speech):
    from bot.store.models import Recording, Upload
    from tests.support.h5 import finish, put_chunk, reveal, started_interview

    client, base = started_interview(stack)
    reveal(client, base, "intro")
    upload_id = client.post(f"{base}/uploads", json={"question": "intro", "mode": "audio",
                                                     "mime": "audio/webm"}).json["upload_id"]
    half = len(speech) // 2
    put_chunk(client, base, upload_id, 0, speech[:half], expect=200)
    put_chunk(client, base, upload_id, 1, speech[half:], expect=200)
    folder = stack.settings.data_dir / "uploads" / upload_id
    parts = sorted(folder.glob("*.part"))
    assert [p.name for p in parts] == ["000000.part", "000001.part"]
    for part in parts:
        raw = part.read_bytes()
        assert raw.startswith(MAGIC) and raw[:64].find(EBML) == -1 and b"OpusHead" not in raw
        assert stat.S_IMODE(part.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # chunk 1 put in chunk 0's place (or damaged): it no longer opens, the candidate is asked to record again
    parts[0].write_bytes(parts[1].read_bytes())
    response = finish(client, base, upload_id, 2)
    assert response.status_code == 422 and response.json["code"] == "not_media"
    assert Upload.get_by_id(upload_id).status == "failed" and not folder.exists() and Recording.select().count() == 0


def test_scoring_reads_a_private_copy_removed_afterwards_even_on_error(stack, speech, tmp_path, monkeypatch):
    from bot.store.models import Recording
    from bot.store.storage import private_copy
    from tests.support.h5 import finish, started_interview, upload

    client, base = started_interview(stack)
    upload_id, chunks = upload(client, base, "intro", speech, mode="audio", mime="audio/webm")
    assert finish(client, base, upload_id, chunks).status_code == 200
    recording = Recording.get()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = set(tmp_path.iterdir())
    with private_copy(stack.settings, recording) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.suffix == ".webm" and hashlib.sha256(path.read_bytes()).hexdigest() == recording.sha256
    assert not path.parent.exists()
    with pytest.raises(RuntimeError), private_copy(stack.settings, recording) as path:
        raise RuntimeError("the media library crashed")
    assert not path.parent.exists() and set(tmp_path.iterdir()) == before


def test_the_recording_route_refuses_tampered_and_missing_objects_clearly(stack, speech):
    from bot.store.models import Recording
    from tests.support.h5 import finish, started_interview, upload
    from tests.support.hr import login

    client, base = started_interview(stack)
    upload_id, chunks = upload(client, base, "intro", speech, mode="audio", mime="audio/webm")
    assert finish(client, base, upload_id, chunks).status_code == 200
    recording = Recording.get()
    session = login(stack, "hr_li")
    url = f"{stack.base}/hr/recordings/{recording.id}"
    assert session.get(url, headers={"Range": "bytes=0-9"}, timeout=30).status_code == 206
    assert session.get(url, headers={"If-None-Match": f'"{recording.sha256}"'}, timeout=30).status_code == 304
    path = stack.settings.data_dir / recording.path
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0x01
    path.write_bytes(bytes(blob))
    tampered = session.get(url, timeout=30)
    assert tampered.status_code == 500 and "完整性校验" in tampered.text and "Traceback" not in tampered.text
    path.unlink()
    missing = session.get(url, timeout=30)
    assert missing.status_code == 404 and "录音文件已删除" in missing.text


# -- rotation and check --------------------------------------------------------------------------------------------

def cli(*args: str) -> subprocess.CompletedProcess:
    """`python -m jobs.cli …` in the test's environment (RECORDING_KEYS, DATABASE_URL, DATA_DIR)."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], capture_output=True, text=True, timeout=120,
                          env=environ, cwd=os.getcwd())


def test_rotation_reseals_everything_under_the_new_key_and_the_old_one_can_go(stack, speech, monkeypatch):
    from bot.store import storage
    from bot.store.models import Recording
    from config.settings import load
    from tests.support.h5 import finish, started_interview, upload

    client, base = started_interview(stack)
    for key in ("intro", "complaint", "cash_discrepancy", "aml"):
        upload_id, chunks = upload(client, base, key, speech, mode="audio", mime="audio/webm")
        assert finish(client, base, upload_id, chunks).status_code == 200
    old = stack.settings
    a, b, plain, gone = Recording.select().order_by(Recording.id)
    assert {r.key_id for r in (a, b, plain, gone)} == {"k1"}
    media = open_recording(old, plain)  # make one a recording from before encryption: a plain file, key_id ""
    (old.data_dir / plain.path).write_bytes(media)
    Recording.update(key_id="").where(Recording.id == plain.id).execute()

    k1 = dict(old.recording_keys)["k1"]
    k2 = os.urandom(32)
    both = f"k2:{base64.b64encode(k2).decode()},k1:{base64.b64encode(k1).decode()}"
    monkeypatch.setenv("RECORDING_KEYS", both)
    new = load(dotenv=None)
    assert new.recording_keys[0][0] == "k2"
    assert open_recording(new, a) == open_recording(old, a)  # the old key still opens
    store = get_storage(new)
    store.put(b.path, open_recording(new, b))  # a rotation that stopped after sealing b, before its row was set

    real_write = store._write

    def write_while_deleted(key: str, blob: bytes) -> None:  # gone's recording is erased during its re-seal
        real_write(key, blob)
        if key == gone.path:
            Recording.delete().where(Recording.id == gone.id).execute()

    monkeypatch.setattr(store, "_write", write_while_deleted)
    lines: list[str] = []
    counts = storage.rotate(new, out=lines.append)
    assert counts == {"rotated": 2, "row updated": 1, "deleted meanwhile": 1} and lines == []
    assert not store.exists(gone.path)  # re-sealing never brings back an erased recording
    for rec in Recording.select():
        assert rec.key_id == "k2" and sealing.key_id_of(store.read_raw(rec.path)) == "k2"
        assert hashlib.sha256(open_recording(new, rec)).hexdigest() == rec.sha256
    assert storage.rotate(new) == {}  # idempotent: nothing left to do

    monkeypatch.setenv("RECORDING_KEYS", f"k2:{base64.b64encode(k2).decode()}")  # k1 dropped
    only_new = load(dotenv=None)
    assert storage.check(only_new) == {"ok": 3}
    done = cli("recordings", "check")
    assert done.returncode == 0 and "ok: 3" in done.stdout, done.stderr
    monkeypatch.setenv("RECORDING_KEYS", f"k1:{base64.b64encode(k1).decode()}")  # only the dropped key: refused
    refused = cli("recordings", "check")
    assert refused.returncode == 1 and "k2, which is not in RECORDING_KEYS" in refused.stdout


def test_the_commands_report_problems_and_rotate_plain_recordings(stack, speech, monkeypatch):
    from bot.store.models import Recording
    from tests.support.h5 import finish, started_interview, upload

    client, base = started_interview(stack)
    for key in ("intro", "complaint"):
        upload_id, chunks = upload(client, base, key, speech, mode="audio", mime="audio/webm")
        assert finish(client, base, upload_id, chunks).status_code == 200
    first, second = Recording.select().order_by(Recording.id)
    data_dir = stack.settings.data_dir
    (data_dir / first.path).write_bytes(open_recording(stack.settings, first))
    Recording.update(key_id="").where(Recording.id == first.id).execute()
    unsealed = cli("recordings", "check")
    assert unsealed.returncode == 0 and "ok: 2, unsealed (rotate seals them): 1" in unsealed.stdout

    rotated = cli("recordings", "rotate")  # the same key set: only the plain one needs sealing
    assert rotated.returncode == 0 and "rotated: 1" in rotated.stdout and "ID numbers re-sealed: 0" in rotated.stdout
    assert "every stored recording and ID number is sealed with k1" in rotated.stdout
    assert Recording.get_by_id(first.id).key_id == "k1" and (data_dir / first.path).read_bytes().startswith(MAGIC)
    assert cli("recordings", "rotate").stdout.startswith("nothing to re-seal")

    blob = bytearray((data_dir / second.path).read_bytes())
    blob[len(blob) // 2] ^= 0x01
    (data_dir / second.path).write_bytes(bytes(blob))
    (data_dir / first.path).unlink()
    checked = cli("recordings", "check")
    assert checked.returncode == 1 and "problems: 2" in checked.stdout
    assert f"recording {first.id} ({first.path}): object missing" in checked.stdout
    assert f"recording {second.id} ({second.path}): sealed object does not authenticate" in checked.stdout
