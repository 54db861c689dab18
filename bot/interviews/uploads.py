"""Recordings arriving in numbered, checksummed chunks: resumable, idempotent, validated at the end.

A chunk is claimed with one conditional UPDATE (next_seq = seq) and written while the claim's
transaction is open, so a chunk is stored exactly once and the row never says more than the disk has.

Finishing moves an upload open → closing → finished (or failed, for media that is refused). While it is closing,
``finished_at`` holds when its finish was claimed and ``result`` what the finish was given (the integrity
signals); a finish cut short at any step is completed by the page's retry or by the recovery sweep, never lost.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bot.clock import utcnow
from bot.interviews import timing
from bot.interviews.flow import (
    ANSWER_MAX_BYTES,
    CHUNK_MAX_BYTES,
    InterviewError,
    after_answer,
    asked_position,
    check_answerable,
    clean_integrity,
    open_interview,
    question,
    revealed,
    save_answer,
    time_over,
)
from bot.reports import partial
from bot.store import sealing, storage
from bot.store.db import database, write_transaction
from bot.store.models import Answer, Interview, Invitation, Recording, Upload
from config.settings import Settings
from scoring import media

log = logging.getLogger(__name__)

MIME = re.compile(r"(audio|video)/(webm|mp4|ogg)(;[ =a-z0-9.,\"-]*)?", re.IGNORECASE)
EXTENSIONS = {"webm": "webm", "mp4": "mp4", "ogg": "ogg"}
MIN_SECONDS, SLACK_SECONDS = 1.0, media.ANSWER_SLACK  # the scorer decodes no more than this either


def chunk_dir(settings: Settings, upload_id: str) -> Path:
    return settings.data_dir / "uploads" / upload_id


def open_upload(invitation: Invitation, key: str, mode: str, mime: str, retake: bool) -> Upload:
    """Open (or resume) the upload of one answer."""
    interview = open_interview(invitation)
    asked, modes = question(invitation, interview, key), asked_position(invitation, interview).answer_modes
    if mode not in ("video", "audio") or mode not in modes:
        raise InterviewError(400, "mode_not_allowed", "这个岗位不支持这种作答方式。")
    match = MIME.fullmatch(mime or "")
    if not match or (mode == "video" and match.group(1).lower() != "video"):
        raise InterviewError(400, "bad_mime", "不支持的录制格式。")
    existing = (Upload.select().where((Upload.interview == interview) & (Upload.question_key == key)
                                      & (Upload.status == "open")).first())
    if existing is not None and not retake:
        return existing
    check_answerable(invitation, interview, key, retake)
    shown = revealed(interview, key)
    if not timing.check_start(asked, shown):  # a recording starts within the think time of its take
        typed = "text" in modes
        time_over(invitation, interview, timing.START_OVER_TYPE if typed else timing.START_OVER)
    timing.start_take(shown)
    replaced = [u.id for u in Upload.select(Upload.id).where(
        (Upload.interview == interview) & (Upload.question_key == key) & (Upload.status == "open"))]
    partial.discard(*replaced)  # a retake: what was transcribed of the replaced take goes
    with database.atomic():
        Upload.update(status="failed").where((Upload.interview == interview) & (Upload.question_key == key)
                                             & (Upload.status == "open")).execute()
        return Upload.create(id=secrets.token_hex(16), interview=interview, question_key=key, mode=mode,
                             mime=mime[:64], retake=retake)


def _upload(invitation: Invitation, upload_id: str) -> Upload:
    upload = Upload.get_or_none(Upload.id == upload_id)
    interview = Interview.get_or_none(Interview.invitation == invitation)
    if upload is None or interview is None or upload.interview_id != interview.id:
        raise InterviewError(404, "unknown_upload", "找不到这次上传。")
    return upload


def store_chunk(settings: Settings, invitation: Invitation, upload_id: str, seq: int, body: bytes,
                checksum: str) -> dict[str, Any]:
    """Store chunk seq of the upload exactly once; a repeat of a stored chunk is acknowledged again."""
    upload = _upload(invitation, upload_id)
    if upload.status != "open":
        raise InterviewError(409, "upload_closed", "这段录制已经结束。", next_seq=upload.next_seq)
    if len(body) > CHUNK_MAX_BYTES:
        raise InterviewError(413, "chunk_too_large", "上传的分段过大。")
    digest = hashlib.sha256(body).hexdigest()
    if not checksum or checksum.lower() != digest:
        raise InterviewError(400, "bad_checksum", "分段校验失败，请重试。")
    if seq == 0 and not media.looks_like(upload.mime, body):  # after the checksum: a garbled chunk is retried
        raise InterviewError(415, "wrong_container", "收到的录制内容与声明的格式不符，请重新录制。")
    if seq < upload.next_seq:
        if upload.chunk_sha256[seq] == digest:
            return {"next_seq": upload.next_seq, "duplicate": True}
        partial.discard(upload.id)  # the page holds another recording than the one heard so far
        raise InterviewError(409, "chunk_conflict", "这个分段和已收到的不一致。", next_seq=upload.next_seq)
    if seq > upload.next_seq:
        raise InterviewError(409, "out_of_order", "分段顺序不对，请从指定位置继续。", next_seq=upload.next_seq)
    if upload.size + len(body) > ANSWER_MAX_BYTES:
        raise InterviewError(413, "answer_too_large", "这段录制超过了大小上限。")
    folder = chunk_dir(settings, upload.id)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with database.atomic():
        claimed = (Upload.update(next_seq=seq + 1, size=Upload.size + len(body),
                                 chunk_sha256=[*upload.chunk_sha256, digest])
                   .where((Upload.id == upload.id) & (Upload.next_seq == seq) & (Upload.status == "open"))
                   .execute())
        if claimed:  # chunks are voice too: sealed on disk like the recording they become
            temp = folder / f"{seq:06d}.tmp"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(sealing.keyring(settings.recording_keys).seal(body, _chunk_key(upload.id, seq)))
            os.replace(temp, folder / f"{seq:06d}.part")
    if not claimed:  # a concurrent request took this seq first: answer as for a retry
        return store_chunk(settings, invitation, upload_id, seq, body, checksum)
    partial.maybe_queue(settings, upload.id, seq + 1)  # transcribe while the candidate speaks
    return {"next_seq": seq + 1}


def finish_upload(settings: Settings, invitation: Invitation, upload_id: str, chunks: Any,
                  integrity: Any, review: bool = False) -> dict[str, Any]:
    """Assemble, check and store the recording as the question's answer. A repeat answers the same; a repeat of a
    finish that was cut short (a killed worker, a locked database) completes it. review: the page reviews the
    last answer before submitting (flow.after_answer); kept with the claim, so a resumed finish does the same."""
    upload = _upload(invitation, upload_id)
    if upload.status == "finished":
        return upload.result
    if upload.status == "closing":
        return _resume(settings, invitation, upload)
    if upload.status != "open":
        raise InterviewError(409, "upload_closed", "这段录制已经结束。", state=upload.status)
    if chunks == 0 and upload.next_seq == 0:
        raise InterviewError(422, "too_short", MEDIA_MESSAGES["too_short"])
    if chunks != upload.next_seq:
        raise InterviewError(409, "missing_chunks", "还有分段没有上传完。", next_seq=upload.next_seq)
    interview = open_interview(invitation)
    if not timing.check_finish(question(invitation, interview, upload.question_key), upload.created_at):
        if Upload.update(status="failed").where((Upload.id == upload.id) & (Upload.status == "open")).execute():
            shutil.rmtree(chunk_dir(settings, upload.id), ignore_errors=True)
            partial.discard(upload.id)
        time_over(invitation, interview, timing.FINISH_OVER)
    try:
        media.require_codecs()
    except RuntimeError:  # a broken install, not a bad upload: the chunks stay, the page stops retrying
        log.exception("recordings cannot be read on this server")
        raise InterviewError(503, "media_unavailable", MEDIA_MESSAGES["media_unavailable"]) from None
    claimed = (Upload.update(status="closing", finished_at=utcnow(),
                             result={"integrity": clean_integrity(integrity), "review": review is True})
               .where((Upload.id == upload.id) & (Upload.status == "open")).execute())
    if not claimed:  # a concurrent finish took it a moment ago
        return _resume(settings, invitation, Upload.get_by_id(upload.id))
    return complete_finish(settings, invitation, Upload.get_by_id(upload.id))


def upload_state(invitation: Invitation, upload_id: str) -> dict[str, Any]:
    """What became of an upload, for a page deciding whether it may let its own copy go: open, saving, finished
    (with the finish's answer) or failed."""
    upload = _upload(invitation, upload_id)
    state = {"upload_id": upload.id, "status": "saving" if upload.status == "closing" else upload.status,
             "next_seq": upload.next_seq}
    return {**state, "result": upload.result} if upload.status == "finished" else state


def complete_finish(settings: Settings, invitation: Invitation, upload: Upload) -> dict[str, Any]:
    """Do (or redo) the work of a claimed finish; every step may be repeated after a crash at any point.

    The object goes under the upload's own key (stored once; a resumed finish reads it back rather than writing
    it again), the answer and its Recording row are saved in one transaction that checks whether an earlier try
    saved them, and the upload is marked finished last. The chunks stay until then.
    """
    key, store = recording_key(upload), storage.get_storage(settings)
    try:
        recording = _stored(settings, store, upload, invitation, key)
    except media.MediaError as exc:
        if Upload.update(status="failed").where((Upload.id == upload.id) & (Upload.status == "closing")).execute():
            shutil.rmtree(chunk_dir(settings, upload.id), ignore_errors=True)
            partial.discard(upload.id)
            # a refused take: the one that replaces it has the think time from now
            timing.end_take(upload.interview_id, upload.question_key, saved=False)
        raise InterviewError(422, exc.code, MEDIA_MESSAGES.get(exc.code, str(exc))) from None
    except BaseException:
        _release(upload)
        raise
    try:
        answer = _save(invitation, upload, key, recording)
        if answer is None:
            return _settled(settings, invitation, upload, key)
        result = after_answer(settings, invitation, Interview.get_by_id(upload.interview_id), answer,
                              recording["duration"], review=(upload.result or {}).get("review") is True)
    except BaseException:
        _release(upload)
        raise
    Upload.update(status="finished", finished_at=utcnow(), result=result).where(
        (Upload.id == upload.id) & (Upload.status == "closing")).execute()
    shutil.rmtree(chunk_dir(settings, upload.id), ignore_errors=True)
    return result


def resume_finish(settings: Settings, upload: Upload) -> str:
    """Complete a finish that its request left behind (the recovery sweep); return what was done.

    Chunks live on the web host's disk: where neither they nor the stored object can be read here, the upload is
    opened again instead, and the page finishes it when the candidate comes back.
    """
    invitation = Interview.get_by_id(upload.interview_id).invitation
    key = recording_key(upload)
    parts = [chunk_dir(settings, upload.id) / f"{seq:06d}.part" for seq in range(upload.next_seq)]
    saved = _saved_recording(upload, key) is not None
    if not saved and not storage.get_storage(settings).exists(key) and not all(p.exists() for p in parts):
        Upload.update(status="open", finished_at=None, result=None).where(
            (Upload.id == upload.id) & (Upload.status == "closing") & (Upload.finished_at == upload.finished_at)
        ).execute()
        return "reopened"
    if not _reclaim(upload):
        return "busy"
    try:
        complete_finish(settings, invitation, Upload.get_by_id(upload.id))
    except InterviewError as exc:
        return exc.code
    return "finished"


def recording_key(upload: Upload) -> str:
    """Where the upload's recording is stored: fixed by the upload, so every try of its finish writes one object."""
    ext = EXTENSIONS[MIME.fullmatch(upload.mime).group(2).lower()]
    return f"recordings/{upload.interview_id}/{upload.question_key}-{upload.id}.{ext}"


def abandoned(settings: Settings, upload: Upload) -> bool:
    """Whether a 'closing' upload's finish is no longer running: its claim is older than any finish takes, was
    released by a failed try, or its object is already stored (what is left is quick and safe to repeat)."""
    return (upload.finished_at is None or upload.finished_at <= utcnow() - STALE_FINISH
            or storage.get_storage(settings).exists(recording_key(upload)))


STALE_FINISH = dt.timedelta(seconds=2 * media.TIMEOUT + 60)  # remux and probe each stop at media.TIMEOUT


def _resume(settings: Settings, invitation: Invitation, upload: Upload) -> dict[str, Any]:
    """A finish that finds the upload 'closing': another request is storing it (wait), or one was cut short."""
    if upload.status == "finished":
        return upload.result
    if upload.status != "closing":
        raise InterviewError(409, "upload_closed", "这段录制已经结束。", state=upload.status)
    if not abandoned(settings, upload) or not _reclaim(upload):
        raise InterviewError(409, "upload_saving", "这段录制正在保存，请稍候。", retry_after=3)
    return complete_finish(settings, invitation, Upload.get_by_id(upload.id))


def _reclaim(upload: Upload) -> bool:
    """Take over a 'closing' upload as seen (one taker wins: the claim's time is compared and replaced)."""
    seen = Upload.finished_at.is_null() if upload.finished_at is None else Upload.finished_at == upload.finished_at
    return bool(Upload.update(finished_at=utcnow()).where(
        (Upload.id == upload.id) & (Upload.status == "closing") & seen).execute())


def _release(upload: Upload) -> None:
    """After a failed try, date the claim back so that the next finish or the sweep resumes it at once."""
    try:
        Upload.update(finished_at=utcnow() - STALE_FINISH).where(
            (Upload.id == upload.id) & (Upload.status == "closing")).execute()
    except Exception:  # the database itself failed: the claim ages out (STALE_FINISH) instead
        log.warning("upload %s: could not release its finish; it resumes after %s", upload.id, STALE_FINISH)


def _stored(settings: Settings, store: storage.SealedStore, upload: Upload, invitation: Invitation,
            key: str) -> dict[str, Any]:
    """The recording's stored object and its description: stored now from the chunks, or read back as an
    earlier try of this finish stored it (never written twice, so the saved sha256 is the stored object's)."""
    if store.exists(key):
        raw = store.read_raw(key)
        try:
            data = store.keyring.open(raw, key)
        except sealing.SealError:
            log.warning("upload %s: its stored object does not open; assembling it again", upload.id)
        else:
            return _description(upload, key, data, _probe(data, key), sealing.key_id_of(raw))
    info, data = _assemble(settings, upload, invitation)
    return _description(upload, key, data, info, store.put(key, data))  # sealed; sha256 and size: plain media's


def _description(upload: Upload, key: str, data: bytes, info: media.MediaInfo, key_id: str) -> dict[str, Any]:
    return {"path": key, "mime": upload.mime.split(";")[0], "size": len(data), "duration": round(info.duration, 2),
            "sha256": hashlib.sha256(data).hexdigest(), "key_id": key_id}


def _probe(data: bytes, key: str) -> media.MediaInfo:
    with tempfile.TemporaryDirectory(prefix="interview-upload-") as scratch:
        path = Path(scratch) / f"recording{Path(key).suffix}"
        path.write_bytes(data)
        return media.probe(path)


def _saved_recording(upload: Upload, key: str) -> Recording | None:
    return (Recording.select().join(Answer)
            .where((Answer.interview == upload.interview_id) & (Recording.path == key)).first())


def _save(invitation: Invitation, upload: Upload, key: str, recording: dict[str, Any]) -> Answer | None:
    """Save the answer with its recording once, in one transaction; None when the upload is no longer 'closing'
    (finished by another try, or erased)."""
    interview = Interview.get_by_id(upload.interview_id)
    with write_transaction():
        # a write on the row first: on PostgreSQL a concurrent try waits here for this one to commit
        if not Upload.update(status="closing").where((Upload.id == upload.id)
                                                     & (Upload.status == "closing")).execute():
            return None
        saved = _saved_recording(upload, key)
        if saved is not None:
            return saved.answer
        if _superseded(upload):  # the candidate recorded this question again meanwhile: the later take stands
            Upload.update(status="failed").where(Upload.id == upload.id).execute()
            partial.discard(upload.id)
            return None
        claimed = Upload.get_by_id(upload.id)
        answer, _ = save_answer(invitation, interview, upload.question_key, mode=upload.mode,
                                integrity=(claimed.result or {}).get("integrity"), recording=recording,
                                ended_at=claimed.finished_at)
        return answer


def _superseded(upload: Upload) -> bool:
    """Whether a later upload of the same question was finished (a take resumed late must not replace it)."""
    return (Upload.select().where((Upload.interview == upload.interview_id)
                                  & (Upload.question_key == upload.question_key)
                                  & (Upload.created_at > upload.created_at) & (Upload.status == "finished"))
            .exists())


def _settled(settings: Settings, invitation: Invitation, upload: Upload, key: str) -> dict[str, Any]:
    """The answer for a try that found its upload settled otherwise: finished by another try; superseded by a
    later take or gone with an erasure (then what it stored goes too)."""
    current = Upload.get_or_none(Upload.id == upload.id)
    if current is None or current.status == "failed":
        storage.get_storage(settings).delete(key)
        shutil.rmtree(chunk_dir(settings, upload.id), ignore_errors=True)
    if current is None:
        raise InterviewError(404, "unknown_upload", "找不到这次上传。")
    if current.status == "finished":
        return current.result
    raise InterviewError(409, "upload_closed", "这段录制已经结束。", state=current.status)


MEDIA_MESSAGES = {
    "not_media": "收到的文件无法播放，请重新录制。",
    "no_audio": "没有录到声音，请检查麦克风后重新录制。",
    "no_video": "没有录到画面，请检查摄像头后重新录制。",
    "too_short": "录制时间太短，请重新作答。",
    "too_long": "录制时间超过了作答时限。",
    "media_unavailable": "服务器暂时无法处理录音，您的录音还在，请稍后再提交，或改用文字作答，并告知招聘人员。",
}


def _chunk_key(upload_id: str, seq: int) -> str:
    """What a chunk's seal is bound to (so a chunk cannot be moved to another upload or position)."""
    return f"uploads/{upload_id}/{seq:06d}"


def read_chunks(settings: Settings, upload_id: str, count: int) -> bytes:
    """The upload's first count chunks as stored, opened and joined (MediaError when one is missing or damaged)."""
    keyring, folder, out = sealing.keyring(settings.recording_keys), chunk_dir(settings, upload_id), []
    for seq in range(count):
        try:
            out.append(keyring.open((folder / f"{seq:06d}.part").read_bytes(), _chunk_key(upload_id, seq)))
        except (OSError, sealing.SealError) as exc:
            raise media.MediaError("not_media", f"chunk {seq}: {exc}") from None
    return b"".join(out)


def _assemble(settings: Settings, upload: Upload, invitation: Invitation) -> tuple[media.MediaInfo, bytes]:
    """Join and remux the chunks, check the result; return its info and bytes."""
    folder = chunk_dir(settings, upload.id)
    parts = [folder / f"{seq:06d}.part" for seq in range(upload.next_seq)]
    if not all(p.exists() for p in parts):
        raise media.MediaError("not_media", "chunks are missing on disk")
    ext = EXTENSIONS[MIME.fullmatch(upload.mime).group(2).lower()]
    keyring = sealing.keyring(settings.recording_keys)
    # the plain media exists only here, for PyAV: a private folder removed whatever happens
    with tempfile.TemporaryDirectory(prefix="interview-upload-") as scratch:
        raw, final = Path(scratch) / f"assembled.{ext}", Path(scratch) / f"recording.{ext}"
        with raw.open("wb") as out:
            for seq, part in enumerate(parts):
                try:
                    out.write(keyring.open(part.read_bytes(), _chunk_key(upload.id, seq)))
                except sealing.SealError as exc:  # damaged on disk or its key dropped: ask to record again
                    raise media.MediaError("not_media", f"chunk {seq}: {exc}") from None
        limit = media_limit(invitation, upload)
        info = media.remux(raw, final, max_seconds=limit)  # decoding stops just past the limit
        if not info.has_audio:
            raise media.MediaError("no_audio", "no audio stream")
        if upload.mode == "video" and not info.has_video:
            raise media.MediaError("no_video", "no video stream")
        if info.duration < MIN_SECONDS:
            raise media.MediaError("too_short", "shorter than a second")
        if info.duration > limit:
            raise media.MediaError("too_long", "longer than the answer time")
        data = final.read_bytes()
    return info, data


def media_limit(invitation: Invitation, upload: Upload) -> float:
    """The longest recording accepted for the upload's question."""
    interview = Interview.get_by_id(upload.interview_id)
    return question(invitation, interview, upload.question_key)["answer_seconds"] + SLACK_SECONDS
