"""Backups and restores (`python -m jobs.cli backup|restore DIR`): a restore drill on a product in the middle of an
interview (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set), and a backup that is checked before anything
is written, refuses a target that holds data, and keeps objects sealed without the keys."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.chat import answer_text, cards
from tests.support.h5 import answer, finish, started_interview, upload
from tests.support.paths import REPO


def cli(*args: str) -> subprocess.CompletedProcess:
    """`python -m jobs.cli …` as an operator runs it, in the test's environment."""
    return subprocess.run([sys.executable, "-m", "jobs.cli", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=os.getcwd())


def fresh_target(monkeypatch, settings, folder: Path) -> str:
    """Point the environment at a new DATA_DIR and an empty database; the keys come from where the operator keeps
    them (here: the first install's), never from the backup. Return the new DATABASE_URL."""
    keys = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in settings.recording_keys)
    monkeypatch.setenv("RECORDING_KEYS", keys)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("DATA_DIR", str(folder))
    if settings.database_url.startswith("sqlite"):
        url = f"sqlite:///{folder / 'interview.db'}"
    else:
        import psycopg2

        parts = urlsplit(settings.database_url)
        name = parts.path.lstrip("/") + "_restore"
        admin = psycopg2.connect(settings.database_url)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        url = urlunsplit(parts._replace(path=f"/{name}"))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def switch_to(url: str):
    """This process (web app and workers) now runs on the restored data: new settings, database and app."""
    from bot.store.db import init_database
    from config.settings import get_settings
    from handlers.app import create_app

    get_settings.cache_clear()
    settings = get_settings()
    init_database(url)
    return settings, create_app(settings).test_client()


def test_restore_drill_a_product_backed_up_mid_interview_finishes_it(stack, clips, monkeypatch, tmp_path):
    from bot.ops import recover
    from bot.store.kv import get_redis
    from bot.store.models import Answer, Interview, Recording, Report
    from bot.store.storage import open_recording

    client, base = started_interview(stack)
    keys = [q["key"] for q in client.get(f"{base}/state").json["questions"]]
    assert len(keys) >= 4
    typed = answer(client, base, keys[0], answer_text(keys[0], "excellent"))
    assert typed.status_code == 200
    upload_id, chunks = upload(client, base, keys[1], clips["audio"], mode="audio", mime="audio/webm;codecs=opus")
    assert finish(client, base, upload_id, chunks).status_code == 200
    pending_id, pending_chunks = upload(client, base, keys[2], clips["audio"], mode="audio",
                                        mime="audio/webm;codecs=opus")  # its chunks are in, its finish is not
    # the product is running (web threads, a live database); scoring jobs wait in Redis
    backup_dir = tmp_path / "backup"
    made = cli("backup", str(backup_dir))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    keys_needed = manifest["objects"]["key_ids"]
    assert keys_needed == [stack.settings.recording_keys[0][0]] and "keys (RECORDING_KEYS" in made.stdout
    stored = [f["key"] for f in manifest["objects"]["files"]]
    assert any(k.startswith("recordings/") for k in stored) and any(k.startswith("uploads/") for k in stored)
    secret = stack.settings.recording_keys[0][1]
    for path in backup_dir.rglob("*"):  # the keys are not in the backup; objects stay sealed
        assert not path.is_file() or base64.b64encode(secret) not in path.read_bytes()
    recording = Recording.get()
    assert (backup_dir / "objects" / recording.path).read_bytes()[:4] != open_recording(stack.settings,
                                                                                        recording)[:4]

    # a new machine: fresh DATA_DIR and database, an empty Redis; the keys from where they are kept
    url = fresh_target(monkeypatch, stack.settings, tmp_path / "restored")
    get_redis().flushdb()
    restored = cli("restore", str(backup_dir))
    assert restored.returncode == 0, restored.stderr
    again = cli("restore", str(backup_dir))
    assert again.returncode == 2 and "already holds data" in again.stderr and "--force" in again.stderr
    settings, client = switch_to(url)
    assert settings.data_dir == tmp_path / "restored" and Answer.select().count() == 2
    assert open_recording(settings, Recording.get()) == open_recording(settings, recording)

    # the interview goes on where it was: the upload in progress is finished, the rest answered
    assert finish(client, base, pending_id, pending_chunks).status_code == 200
    for key in keys[3:]:
        answered = answer(client, base, key, answer_text(key, "excellent"))
        assert answered.status_code == 200, answered.json
    assert answered.json["status"] == "completed"
    monkeypatch.setattr(recover, "GRACE", dt.timedelta(0))  # the backup's answers are minutes old by now
    assert recover.sweep()["answers"] == 2  # the scoring jobs that lived only in the old Redis
    stack.drain()
    interview = Interview.get()
    assert interview.status == "completed" and Answer.select().count() == len(keys)
    assert Report.get(Report.interview == interview)
    assert cards(stack, "hr_li")


def test_a_backup_is_checked_whole_before_anything_is_written(env, monkeypatch, tmp_path):
    from bot.ops.backup import BackupError, backup, restore
    from bot.store.storage import get_storage
    from config.settings import get_settings

    store = get_storage(env)
    store.put("recordings/1/q1-1.webm", b"media of a candidate" * 100)
    store.put("uploads/7/000000", b"a chunk")
    manifest = backup(env, tmp_path / "backup", out=lambda line: None)
    assert manifest["objects"]["count"] == 2 and manifest["database"]["sha256"]
    with pytest.raises(BackupError, match="not an empty folder"):
        backup(env, tmp_path / "backup", out=lambda line: None)

    url = fresh_target(monkeypatch, env, tmp_path / "restored")
    get_settings.cache_clear()
    target = get_settings()
    damaged = tmp_path / "backup" / "objects" / "recordings" / "1" / "q1-1.webm"
    original = damaged.read_bytes()
    damaged.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(BackupError, match="does not match the manifest"):
        restore(target, tmp_path / "backup", out=lambda line: None)
    assert not get_storage(target).list("recordings/")
    assert not (tmp_path / "restored" / "interview.db").exists() or url.startswith("postgres")
    damaged.write_bytes(original)
    (tmp_path / "backup" / "objects" / "recordings" / "1" / "slipped-in.webm").write_bytes(b"x")
    with pytest.raises(BackupError, match="not in the manifest"):
        restore(target, tmp_path / "backup", out=lambda line: None)
    (tmp_path / "backup" / "objects" / "recordings" / "1" / "slipped-in.webm").unlink()

    restore(target, tmp_path / "backup", out=lambda line: None)
    assert get_storage(target).get("recordings/1/q1-1.webm") == b"media of a candidate" * 100
    with pytest.raises(BackupError, match="already holds data"):
        restore(target, tmp_path / "backup", out=lambda line: None)
    get_storage(target).put("recordings/2/q1-2.webm", b"newer than the backup")
    restore(target, tmp_path / "backup", force=True, out=lambda line: None)
    assert sorted(get_storage(target).list("recordings/")) == ["recordings/1/q1-1.webm"]


def test_a_missing_pg_dump_is_a_clear_error(env, monkeypatch, tmp_path):
    from bot.ops import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump not found: install the PostgreSQL client programs"):
        backup._pg("pg_dump", "postgresql://u:p@127.0.0.1/db", "--format=custom")


def test_a_folder_that_is_not_a_backup_is_refused_clearly(env, tmp_path):
    (tmp_path / "junk").mkdir()
    done = cli("restore", str(tmp_path / "junk"))
    assert done.returncode == 2 and "no manifest.json" in done.stderr and "Traceback" not in done.stderr
