"""An uploaded sheet travels through the storage backend: the worker on another machine (its own DATA_DIR) still
imports it, the object is sealed at rest and gone after the import, and an import that fails for any reason —
the object missing, unreadable, a crash — is told to the recruiter in chat and on the upload page."""
from __future__ import annotations

import base64
import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.support.bulk import member_row, sheet, upload
from tests.support.chat import texts


def _stored(settings, pattern: str = "*.upload") -> list[Path]:
    folder = settings.data_dir / "imports"
    return sorted(folder.glob(pattern)) if folder.exists() else []


def _page(stack, path: str) -> str:
    return stack.app.test_client().get(path).get_data(as_text=True)


def test_a_sheet_uploaded_on_the_web_host_is_imported_by_a_worker_on_another(s3_stack, s3, monkeypatch, tmp_path):  # noqa: F811
    from bot.store.models import BulkRun, Invitation
    from config.settings import get_settings

    stack = s3_stack
    path = upload(stack, sheet([member_row(i) for i in range(3)]))
    stored = s3.objects("interviews/imports/")
    assert sorted(name.rsplit(".", 1)[1] for name in stored) == ["job", "upload"]  # the sheet, its job's note
    assert not any("候选人00001".encode() in blob or b"hr_li" in blob for blob in stored.values())  # sealed
    shutil.rmtree(stack.settings.data_dir / "imports", ignore_errors=True)  # nothing of it on the web host's disk
    # the worker: another machine, its own DATA_DIR; the secrets every host shares come from the environment
    keys = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in stack.settings.recording_keys)
    monkeypatch.setenv("RECORDING_KEYS", keys)
    monkeypatch.setenv("SECRET_KEY", stack.settings.secret_key)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "worker-data"))
    get_settings.cache_clear()
    stack.drain()
    run = BulkRun.get()
    assert run.total_rows == 3 and Invitation.select().count() == 3
    assert any("已收到「柜员」名单" in t for t in texts(stack, "hr_li"))
    assert s3.objects("interviews/imports/") == {}  # deleted after the import
    assert f"批量邀请 {run.id}" in _page(stack, path)


def test_the_object_is_gone_after_the_import_and_the_page_shows_the_run(stack):
    from bot.store.models import BulkRun

    path = upload(stack, sheet([member_row(i) for i in range(2)]))
    [blob] = _stored(stack.settings)
    assert "候选人".encode() not in blob.read_bytes()
    assert "正在导入" in _page(stack, path)
    stack.drain()
    assert _stored(stack.settings, "*") == []
    run = BulkRun.get()
    page = _page(stack, path)
    assert f"批量邀请 {run.id}" in page and "送达 2/2" in page and "名单.csv" in page


def _failed(stack, path: str, words: str) -> None:
    from bot.store.models import BulkRun

    assert BulkRun.select().count() == 0
    told = [t for t in texts(stack, "hr_li") if "无法导入" in t]
    assert len(told) == 1 and words in told[0] and "名单.csv" in told[0]
    page = _page(stack, path)
    assert "导入失败" in page and words in page
    assert _stored(stack.settings, "*") == []


def test_a_missing_object_is_told_to_the_recruiter(stack):
    path = upload(stack, sheet([member_row(1)]))
    shutil.rmtree(stack.settings.data_dir / "imports")
    stack.drain()
    _failed(stack, path, "找不到")


def test_an_object_that_does_not_open_is_told_to_the_recruiter(stack):
    path = upload(stack, sheet([member_row(1)]))
    [blob] = _stored(stack.settings)
    blob.write_bytes(sheet([member_row(2)]))  # unsealed bytes slipped in place of the upload
    stack.drain()
    _failed(stack, path, "无法从存储中读出")


def test_a_sheet_that_cannot_be_read_is_told_to_the_recruiter(stack):
    path = upload(stack, b"%PDF-1.4 not a sheet")
    stack.drain()
    _failed(stack, path, "不是可读取的表格")


def test_an_import_that_crashes_is_told_to_the_recruiter_and_the_sheet_deleted(stack, monkeypatch):
    from bot.bulk.screening import Screener

    def crash(self, rows):
        raise RuntimeError("a bug in screening")

    monkeypatch.setattr(Screener, "screen_many", crash)
    path = upload(stack, sheet([member_row(1)]))
    stack.drain()
    _failed(stack, path, "导入时出错")


def test_the_same_file_failing_again_is_told_again(stack):
    path = upload(stack, sheet([member_row(1)]))
    shutil.rmtree(stack.settings.data_dir / "imports")
    stack.drain()
    upload(stack, sheet([member_row(1)]))
    shutil.rmtree(stack.settings.data_dir / "imports")
    stack.drain()
    assert len([t for t in texts(stack, "hr_li") if "找不到" in t]) == 2
    assert _page(stack, path).count("导入失败") == 1  # one upload, listed once


def test_an_outage_keeps_the_sheet_for_the_jobs_next_try(stack, monkeypatch):
    import peewee

    from bot.bulk import imports
    from bot.store.models import BulkRun, Position

    data = sheet([member_row(1)])
    upload(stack, data)
    position = Position.get(Position.slug == "teller")
    key = imports.request_key("hr_li", position.id, data)
    real = imports.read_sheet

    def away(data, filename, chosen=None):
        raise peewee.OperationalError("database is locked")

    monkeypatch.setattr(imports, "read_sheet", away)
    with pytest.raises(peewee.OperationalError):  # the workers' outage handler runs it again after a pause
        imports.import_sheet(imports.object_key(key), "hr_li", position.id, "名单.csv", key)
    assert len(_stored(stack.settings)) == 1 and not [t for t in texts(stack, "hr_li") if "无法导入" in t]
    monkeypatch.setattr(imports, "read_sheet", real)
    stack.drain()
    assert BulkRun.select().count() == 1 and _stored(stack.settings) == []


def test_an_upload_whose_job_redis_lost_is_imported_by_the_bulk_tick(stack, monkeypatch):
    from bot.bulk import imports
    from bot.store.kv import get_redis
    from bot.store.models import BulkRun
    from jobs import periodic

    upload(stack, sheet([member_row(i) for i in range(2)]))
    get_redis().flushdb()  # Redis restarted without its data: the queued import is gone
    assert imports.requeue_lost() == 0  # a fresh upload's job may still be on its way
    monkeypatch.setattr(imports, "GRACE", dt.timedelta(0))
    assert periodic.watch_bulk() == 1
    assert imports.requeue_lost() == 0  # queued once: a live job is left alone
    stack.drain()
    assert BulkRun.get().total_rows == 2 and _stored(stack.settings, "*") == []
    assert any("已收到「柜员」名单" in t for t in texts(stack, "hr_li"))
    assert imports.requeue_lost() == 0
