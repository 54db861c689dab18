"""A recruiter's uploaded sheet on its way to a run, on whichever machine runs the job.

The upload page stores the sheet through the storage backend (sealed like recordings: the local disk on one
machine, S3-compatible object storage across several), and the import job reads it from there, so the web host
and the worker need not share a disk. The object is deleted once the import is over, whatever the outcome: the
candidates' data then lives in the database only. Every outcome reaches the recruiter: a run's numbers, or a
message saying why nothing was imported (the object missing, a sheet that cannot be read or opened, a crash);
the upload page lists the recruiter's recent uploads for the position with the same words.

A .zip of résumé files may come with the sheet, or alone (bot/bulk/resumefiles.py): it waits beside the sheet
(``….resumes``), its files are matched to the rows (or become the rows), a matched row is screened with its
résumé's fields, and every row with a readable résumé becomes a candidate who keeps the file (the job then puts them
in the talent pool, invited or not); each file not read or not matched is named with its reason in the chat.

A worker killed mid-import leaves the object and its job: RQ runs the job again (it is enqueued with a retry),
and the page says the upload is still being imported until then. Beside each sheet lies a sealed note of its
job's arguments, so the scheduler's bulk tick queues again an import whose job Redis lost (`requeue_lost`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from bot.bulk import mapping as explain
from bot.bulk import resumefiles, runs
from bot.bulk.resumefiles import Matched, ZipRejected
from bot.bulk.screening import EMPTY_HINT, Screener
from bot.bulk.sheets import Columns, Sheet, SheetError, read_sheet
from bot.clock import local_time, utcnow
from bot.errors import OUTAGES
from bot.queues import COMMANDS, enqueue, job_id
from bot.resumes.store import save_resume
from bot.store.db import db_session
from bot.store.kv import get_redis
from bot.store.models import BulkItem, BulkRun, Candidate, Position
from bot.store.sealing import SealError
from bot.store.storage import SealedStore, StorageError, StorageKeyError, get_storage
from bot.wecom import messages, notify
from bot.wecom.cards import clip
from config.settings import Settings, get_settings
from scoring import text

log = logging.getLogger(__name__)

FOLDER = "imports"
KEEP_STATUS_SECONDS = 7 * 86400
RECENT = 5                      # uploads listed on the page
STUCK_SECONDS = 1800 + 600      # the import job's timeout and a margin: an import this old was interrupted
HOLD = dt.timedelta(days=1)      # a sheet held for its column mapping and never confirmed is then deleted
GRACE = dt.timedelta(minutes=2)  # a younger upload's job may still be on its way
LIVE = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, JobStatus.STARTED)
MISSING = "上传的文件在存储里找不到了，没有导入任何一行。请重新上传名单。"
UNREADABLE = "上传的文件无法从存储中读出（已损坏或密钥不符），没有导入任何一行。请重新上传名单。"
CRASHED = "导入时出错，没有导入任何一行。请稍后重新上传；如仍失败，请联系管理员。"


def request_key(userid: str, position_id: int, data: bytes, resumes: bytes = b"",
                mapping: dict[str, str] | None = None) -> str:
    """The upload's identity: the same file (and .zip, and column mapping) from the same recruiter for the same
    position is the same run."""
    digest = hashlib.sha256(data)
    if resumes:
        digest.update(b"\0resumes\0" + hashlib.sha256(resumes).digest())
    if mapping:
        digest.update(b"\0mapping\0" + json.dumps(mapping, ensure_ascii=False, sort_keys=True).encode())
    return f"bulk-upload:{userid}:{position_id}:{digest.hexdigest()}"


def object_key(key: str) -> str:
    """Where the upload waits in the store (one object per request, so two recruiters' copies never collide)."""
    return f"{FOLDER}/{hashlib.sha256(key.encode()).hexdigest()}.upload"


def submit(settings: Settings, data: bytes, userid: str, position_id: int, filename: str,
           resumes: bytes = b"", mapping: dict[str, str] | None = None) -> str:
    """Store the sheet (empty when a .zip of résumés comes alone) and the .zip sealed, with a note of the job's
    arguments beside them, note it as queued and queue its import; return the request key. `mapping` is the
    recruiter's choice of field for columns the sheet's headers did not name (header → field)."""
    key = request_key(userid, position_id, data, resumes, mapping)
    stored = object_key(key)
    store = get_storage(settings)
    if resumes:
        store.put(resumes_key(stored), resumes)
    store.put(stored, data)
    _start(store, stored, key, userid, position_id, filename, mapping)
    return key


def _start(store: SealedStore, stored: str, key: str, userid: str, position_id: int, filename: str,
           mapping: dict[str, str] | None) -> None:
    job = {"stored": stored, "userid": userid, "position_id": position_id, "filename": filename, "key": key,
           "queued_at": utcnow().isoformat(), "mapping": mapping or {}}
    store.put(_job_key(stored), json.dumps(job, ensure_ascii=False).encode())
    _note(key, userid, position_id, state="queued", filename=filename)
    _queue(job)


# -- a sheet held for its column mapping -----------------------------------------------------------------------

@dataclass(frozen=True)
class Held:
    """An upload waiting for the recruiter to confirm its column mapping (nothing imported, no job queued)."""
    held_id: str
    filename: str
    data: bytes


def hold(settings: Settings, data: bytes, userid: str, position_id: int, filename: str) -> str:
    """Store the sheet sealed with a note naming its recruiter and position, but queue nothing: the upload page
    shows its column mapping first. Return the id the page's form carries back."""
    held_id = hashlib.sha256(f"held:{userid}:{position_id}:".encode() + hashlib.sha256(data).digest()).hexdigest()
    stored = _held_object(held_id)
    store = get_storage(settings)
    store.put(stored, data)
    note = {"userid": userid, "position_id": position_id, "filename": filename, "held_at": utcnow().isoformat()}
    store.put(_held_note(held_id), json.dumps(note, ensure_ascii=False).encode())
    return held_id


def held(settings: Settings, held_id: str, userid: str, position_id: int) -> Held | None:
    """The held sheet, when it is this recruiter's for this position and still there."""
    if len(held_id) != 64 or not all(c in "0123456789abcdef" for c in held_id):
        return None
    store = get_storage(settings)
    try:
        note = json.loads(store.get(_held_note(held_id)))
        data = store.get(_held_object(held_id))
    except (FileNotFoundError, SealError, StorageKeyError, ValueError):
        return None
    if note.get("userid") != userid or note.get("position_id") != position_id:
        return None
    return Held(held_id, note["filename"], data)


def release(settings: Settings, sheet: Held, userid: str, position_id: int, mapping: dict[str, str]) -> str:
    """The recruiter confirmed the mapping: submit the held sheet with it (queue its import), drop the hold."""
    key = submit(settings, sheet.data, userid, position_id, sheet.filename, mapping=mapping)
    _drop_held(get_storage(settings), sheet.held_id)
    return key


def _held_object(held_id: str) -> str:
    return f"{FOLDER}/{held_id}.held"


def _held_note(held_id: str) -> str:
    return f"{FOLDER}/{held_id}.heldnote"


def _drop_held(store: SealedStore, held_id: str) -> None:
    for name in (_held_object(held_id), _held_note(held_id)):
        try:
            store.delete(name)
        except (StorageError, StorageKeyError, OSError) as exc:
            log.error("held bulk upload %s not deleted: %s", held_id, exc)


def _job_key(stored: str) -> str:
    return stored.removesuffix(".upload") + ".job"


def resumes_key(stored: str) -> str:
    """Where an upload's .zip of résumés waits, beside its sheet."""
    return stored.removesuffix(".upload") + ".resumes"


def _queue(job: dict) -> None:
    enqueue(COMMANDS, "jobs.bulk.import_sheet", job["stored"], job["userid"], job["position_id"], job["filename"],
            job["key"], job.get("mapping") or {}, key=job["key"], timeout=1800, retry=Retry(max=1))


def requeue_lost() -> int:
    """Queue again the import of every stored sheet whose job is gone (Redis lost its queue, or the job died
    where RQ does not retry it): the storage, not Redis, says which uploads still wait. Return how many."""
    settings = get_settings()
    store = get_storage(settings)
    since = utcnow() - GRACE
    requeued = 0
    for name in store.list(f"{FOLDER}/"):
        if name.endswith(".heldnote"):
            _expire_held(store, name)
        if not name.endswith(".job"):
            continue
        try:
            job = json.loads(store.get(name))
        except (FileNotFoundError, SealError, ValueError):
            continue
        if dt.datetime.fromisoformat(job["queued_at"]) > since or _live(job["key"]):
            continue
        log.warning("bulk import %s lost its job; queueing it again", job["key"])
        _queue(job)
        requeued += 1
    return requeued


def _expire_held(store: SealedStore, name: str) -> None:
    """A sheet held for its mapping and never confirmed is deleted after HOLD: its candidates' data is not kept."""
    try:
        held_at = dt.datetime.fromisoformat(json.loads(store.get(name))["held_at"])
    except (FileNotFoundError, SealError, ValueError, KeyError):
        return
    if held_at < utcnow() - HOLD:
        _drop_held(store, name.rsplit("/", 1)[-1].removesuffix(".heldnote"))


def _live(key: str) -> bool:
    try:
        job = Job.fetch(job_id("import_sheet", key), connection=get_redis())
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in LIVE


def import_sheet(stored: str, userid: str, position_id: int, filename: str, key: str,
                 mapping: dict[str, str] | None = None) -> str:
    """Read the stored sheet, screen its rows, start the run; tell the recruiter what was (not) taken and
    delete the object. An outage (database, Redis) leaves the object for the job's next try."""
    settings = get_settings()
    store = get_storage(settings)
    with db_session():
        existing = BulkRun.get_or_none(BulkRun.request_key == key)
        if existing is not None:
            _finish(store, stored, key, userid, position_id, state="started", run=existing.id)
            return "exists"
        try:
            data = _read(store, stored)
            resumes = _read_resumes(store, stored)
        except FileNotFoundError:
            return _fail(store, stored, key, userid, position_id, filename, MISSING, "missing")
        except (SealError, StorageKeyError):
            return _fail(store, stored, key, userid, position_id, filename, UNREADABLE, "unreadable")
        try:
            return _import(settings, store, stored, data, key, userid, position_id, filename, resumes, mapping)
        except (SheetError, ZipRejected) as exc:
            return _fail(store, stored, key, userid, position_id, filename, str(exc), "rejected")
        except OUTAGES:
            raise
        except Exception:
            log.exception("bulk import %s crashed", key)
            return _fail(store, stored, key, userid, position_id, filename, CRASHED, "failed")


def _read_resumes(store: SealedStore, stored: str) -> bytes | None:
    """The upload's .zip of résumés, or None when the sheet came alone."""
    if stored.startswith("/"):
        return None
    try:
        return store.get(resumes_key(stored))
    except FileNotFoundError:
        return None


def _read(store: SealedStore, stored: str) -> bytes:
    """The sheet's bytes; an upload queued before sheets went through the store named a local file."""
    if stored.startswith("/"):
        return Path(stored).read_bytes()
    return store.get(stored)


def _import(settings: Settings, store: SealedStore, stored: str, data: bytes, key: str, userid: str,
            position_id: int, filename: str, resumes: bytes | None = None,
            mapping: dict[str, str] | None = None) -> str:
    locale = settings.hr_locale
    position = Position.get_by_id(position_id)
    sheet = read_sheet(data, filename, mapping) if data or resumes is None else None
    matched = _match(sheet, resumes) if resumes is not None else None
    rows_in = matched.rows if matched is not None else sheet.rows
    errors = matched.errors if matched is not None else sheet.errors
    text.use_cache_dir(settings.models_dir)
    screener = Screener(position.rubric.get("screening") or {}, position.description,
                        extra_terms=[text.rubric_reference(q) for q in position.questions])
    hint = explain.empty_resume_hint(sheet.columns) if sheet is not None and matched is None else EMPTY_HINT
    verdicts = screener.screen_many([row.fields for row in rows_in], hint)
    rows = [(row.row_no, row.fields, {"passed": v.passed, "score": round(v.score, 1),
                                      "match": round(v.match, 3), "reasons": list(v.reasons)})
            for row, v in zip(rows_in, verdicts, strict=True)]
    if matched is not None:  # before the run starts: its rows then find these candidates, never make a second
        _keep_resumes(settings, matched)
    auto = (position.rubric.get("screening") or {}).get("auto_invite", True)
    run, created = runs.start(position, userid, filename, rows, key, invalid_rows=len(errors),
                              auto_invite=auto)
    if created:
        if errors:
            _store_errors(run, errors)
        notify.to_hr(userid, "bulk_received" if auto else "bulk_screened", f"{key}:received",
                     position=position.title, filename=filename, total=run.total_rows, valid=len(rows),
                     invalid=len(errors), screened_out=run.screened_out,
                     to_invite=len(rows) - run.screened_out, id=run.id)
        _explain(settings, userid, key, position, run, sheet, [v.match for v in verdicts])
        lines = [f"第 {e.row_no} 行：{'；'.join(e.reasons)}" for e in (sheet.errors if sheet else [])]
        lines += matched.notes if matched is not None else []
        if lines:
            text_lines = "\n".join(lines[:40])
            if len(lines) > 40:
                text_lines += f"\n…… 共 {len(lines)} 条，完整列表见批量完成后的文件。"
            notify.to_hr_text(userid, clip(messages.render("bulk_row_errors", locale, lines=text_lines), 2048),
                              f"{key}:row-errors")
    extra = {"resumes": matched.summary} if matched is not None else {}
    explained = _explained(position, sheet, [v.match for v in verdicts])
    _finish(store, stored, key, userid, position_id, state="started", run=run.id, explained="\n".join(explained),
            **extra)
    return "started" if created else "exists"


def _explained(position: Position, sheet: Sheet | None, matches: list[float]) -> list[str]:
    """How the sheet was read (columns read and ignored) and the match threshold in words."""
    rules = position.rubric.get("screening") or {}
    lines = explain.column_lines(Columns(sheet.columns, sheet.ignored_columns), rules) if sheet is not None else []
    return [*lines, explain.threshold_words(rules, matches)]


def _explain(settings: Settings, userid: str, key: str, position: Position, run: BulkRun, sheet: Sheet | None,
             matches: list[float]) -> None:
    """Tell the recruiter in chat how the sheet was read, the match threshold in words, and how to invite a
    screened-out row anyway."""
    lines = _explained(position, sheet, matches)
    notify.to_hr_text(userid, clip(messages.render("bulk_explained", settings.hr_locale, lines="\n".join(lines),
                                                   id=run.id, screened_out=run.screened_out), 2048),
                      f"{key}:explained")


def _match(sheet: Sheet | None, resumes: bytes) -> Matched:
    """The rows with their résumé files (or, with no sheet, the résumés as rows); SheetError when none is left."""
    files = resumefiles.read_files(resumes)
    matched = resumefiles.match(sheet, files) if sheet is not None else resumefiles.rows_of(files)
    if not matched.rows and sheet is None:
        first = "；".join(matched.notes[:3])
        raise SheetError(f"压缩包里没有可以导入的简历（{len(files)} 个文件）：{first}")
    return matched


def _keep_resumes(settings: Settings, matched: Matched) -> None:
    """Every row with a readable résumé becomes a candidate who keeps the file (sealed, bot/resumes/store) and its
    text, screened in or out, invited or not (the job then puts them in the talent pool: pool.enter_resumes)."""
    fields = {row.row_no: row.fields for row in matched.rows}
    for row_no, f in matched.files.items():
        candidate = runs.candidate_for(fields[row_no])
        saved = save_resume(settings, candidate, f.data, f.name, "bulk")
        if saved.resume is not None and not saved.duplicate:
            Candidate.update(resume=f.outcome.document.text).where(Candidate.id == candidate.id).execute()


def _store_errors(run: BulkRun, errors: list) -> None:
    """Keep the refused rows as items too, so the summary file lists them with their reasons."""
    rows = [{"run": run.id, "row_no": e.row_no, "fields": {}, "verdict": None, "status": "invalid",
             "reason": "；".join(e.reasons)[:250]} for e in errors]
    for i in range(0, len(rows), 500):
        BulkItem.insert_many(rows[i:i + 500]).on_conflict_ignore().execute()


def _fail(store: SealedStore, stored: str, key: str, userid: str, position_id: int, filename: str, reason: str,
          outcome: str) -> str:
    """Tell the recruiter why nothing was imported (once per upload: the same file sent again is told again),
    note it for the page, drop the object."""
    queued_at = (get_redis().hget(_status_key(key), "at") or b"").decode()
    notify.to_hr(userid, "bulk_rejected", f"{key}:rejected:{queued_at}", filename=filename, reason=reason)
    _finish(store, stored, key, userid, position_id, state="failed", reason=reason)
    return outcome


def _finish(store: SealedStore, stored: str, key: str, userid: str, position_id: int, **status: object) -> None:
    _note(key, userid, position_id, **status)
    try:
        if stored.startswith("/"):
            Path(stored).unlink(missing_ok=True)
        else:
            store.delete(stored)
            store.delete(resumes_key(stored))
            store.delete(_job_key(stored))
    except (StorageError, StorageKeyError, OSError) as exc:
        log.error("bulk import %s: the uploaded sheet %s could not be deleted: %s", key, stored, exc)


# -- what the upload page shows ------------------------------------------------------------------------------------

def _status_key(key: str) -> str:
    return f"bulk:import:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _list_key(userid: str, position_id: int) -> str:
    return f"bulk:imports:{hashlib.sha256(userid.encode()).hexdigest()[:16]}:{position_id}"


def _note(key: str, userid: str, position_id: int, **status: object) -> None:
    """Record where an upload stands (Redis, a week): the page's list; chat messages are the lasting record."""
    values = {name: str(value) for name, value in status.items()}
    status_key, list_key = _status_key(key), _list_key(userid, position_id)
    with get_redis().pipeline() as pipe:
        if values.get("state") == "queued":
            pipe.delete(status_key)
            pipe.lrem(list_key, 0, key)
            pipe.lpush(list_key, key)
            pipe.ltrim(list_key, 0, RECENT - 1)
            pipe.expire(list_key, KEEP_STATUS_SECONDS)
            values["at"] = utcnow().isoformat()
        pipe.hset(status_key, mapping=values)
        pipe.expire(status_key, KEEP_STATUS_SECONDS)
        pipe.execute()


@dataclass(frozen=True)
class Upload:
    filename: str
    at: str             # Beijing time
    state: str          # queued | stuck | failed | started
    words: str          # where it stands, in the page's words
    run_id: int | None = None
    explained: tuple[str, ...] = ()  # how its columns were read, the match threshold in words


def recent(userid: str, position_id: int) -> list[Upload]:
    """The recruiter's latest uploads for the position, newest first, each with where it (or its run) stands."""
    redis = get_redis()
    uploads = []
    for raw in redis.lrange(_list_key(userid, position_id), 0, RECENT - 1):
        values = {k.decode(): v.decode() for k, v in redis.hgetall(_status_key(raw.decode())).items()}
        if not values.get("at"):
            continue
        at = dt.datetime.fromisoformat(values["at"])
        state = values.get("state", "queued")
        if state == "queued" and (utcnow() - at).total_seconds() > STUCK_SECONDS:
            state = "stuck"
        run_id = int(values["run"]) if values.get("run", "").isdigit() else None
        explained = tuple(line for line in values.get("explained", "").split("\n") if line)
        uploads.append(Upload(values.get("filename", ""), local_time(at), state, _words(state, values), run_id,
                              explained))
    return uploads


def _words(state: str, values: dict[str, str]) -> str:
    if state == "failed":
        return f"导入失败：{values.get('reason', '')}"
    if state == "stuck":
        return "导入没有完成（可能被中断），请重新上传。"
    run = BulkRun.get_or_none(BulkRun.id == int(values["run"])) if values.get("run") else None
    if run is None:
        return "正在导入和筛选……"
    c = runs.counts(run.id)
    status = runs.STATUS_WORDS.get(run.status, run.status)
    resumes = f"；{values['resumes']}" if values.get("resumes") else ""
    return (f"批量邀请 {run.id}：{status}，送达 {c['delivered']}/{c['target']}，"
            f"失败 {c['failed']}，筛选未通过 {run.screened_out}，无效 {run.invalid_rows}{resumes}")
