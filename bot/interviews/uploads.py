"""Recordings arriving in numbered, checksummed chunks: resumable, idempotent, validated at the end.

A chunk is claimed with one conditional UPDATE (next_seq = seq) and written while the claim's
transaction is open, so a chunk is stored exactly once and the row never says more than the disk has.
"""
from __future__ import annotations

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
from bot.interviews.flow import (
    ANSWER_MAX_BYTES,
    CHUNK_MAX_BYTES,
    InterviewError,
    after_answer,
    check_answerable,
    clean_integrity,
    open_interview,
    question,
    save_answer,
)
from bot.store import sealing, storage
from bot.store.db import database
from bot.store.models import Interview, Invitation, Upload
from config.settings import Settings
from scoring import media

log = logging.getLogger(__name__)

MIME = re.compile(r"(audio|video)/(webm|mp4|ogg)(;[ =a-z0-9.,\"-]*)?", re.IGNORECASE)
EXTENSIONS = {"webm": "webm", "mp4": "mp4", "ogg": "ogg"}
MIN_SECONDS, SLACK_SECONDS = 1.0, 15.0


def chunk_dir(settings: Settings, upload_id: str) -> Path:
    return settings.data_dir / "uploads" / upload_id


def open_upload(invitation: Invitation, key: str, mode: str, mime: str, retake: bool) -> Upload:
    """Open (or resume) the upload of one answer."""
    interview = open_interview(invitation)
    question(invitation, interview, key)
    if mode not in ("video", "audio") or mode not in invitation.position.answer_modes:
        raise InterviewError(400, "mode_not_allowed", "这个岗位不支持这种作答方式。")
    match = MIME.fullmatch(mime or "")
    if not match or (mode == "video" and match.group(1).lower() != "video"):
        raise InterviewError(400, "bad_mime", "不支持的录制格式。")
    existing = (Upload.select().where((Upload.interview == interview) & (Upload.question_key == key)
                                      & (Upload.status == "open")).first())
    if existing is not None and not retake:
        return existing
    check_answerable(invitation, interview, key, retake)
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
    return {"next_seq": seq + 1}


def finish_upload(settings: Settings, invitation: Invitation, upload_id: str, chunks: Any,
                  integrity: Any) -> dict[str, Any]:
    """Assemble, check and store the recording as the question's answer (a repeat answers the same)."""
    upload = _upload(invitation, upload_id)
    if upload.status == "finished":
        return upload.result
    if upload.status != "open":
        raise InterviewError(409, "upload_closed", "这段录制已经结束。")
    if chunks == 0 and upload.next_seq == 0:
        raise InterviewError(422, "too_short", MEDIA_MESSAGES["too_short"])
    if chunks != upload.next_seq:
        raise InterviewError(409, "missing_chunks", "还有分段没有上传完。", next_seq=upload.next_seq)
    interview = open_interview(invitation)
    try:
        media.require_codecs()
    except RuntimeError:  # a broken install, not a bad upload: the chunks stay, the page stops retrying
        log.exception("recordings cannot be read on this server")
        raise InterviewError(503, "media_unavailable", MEDIA_MESSAGES["media_unavailable"]) from None
    if not Upload.update(status="closing").where((Upload.id == upload.id) & (Upload.status == "open")).execute():
        raise InterviewError(409, "upload_closed", "这段录制正在保存，请稍候。")
    try:
        info, key, data = _assemble(settings, upload, invitation)
        key_id = storage.get_storage(settings).put(key, data)  # sealed; sha256 and size are the plain media's
    except media.MediaError as exc:
        Upload.update(status="failed", finished_at=utcnow()).where(Upload.id == upload.id).execute()
        shutil.rmtree(chunk_dir(settings, upload.id), ignore_errors=True)
        raise InterviewError(422, exc.code, MEDIA_MESSAGES.get(exc.code, str(exc))) from None
    except BaseException:  # a disk or media-library failure: the chunks are intact, let the page finish again
        Upload.update(status="open").where(Upload.id == upload.id).execute()
        raise
    recording = {"path": key, "mime": upload.mime.split(";")[0], "size": len(data),
                 "duration": round(info.duration, 2), "sha256": hashlib.sha256(data).hexdigest(), "key_id": key_id}
    answer, _ = save_answer(invitation, interview, upload.question_key, mode=upload.mode,
                            integrity=clean_integrity(integrity), recording=recording)
    result = after_answer(settings, invitation, interview, answer, recording["duration"])
    Upload.update(status="finished", finished_at=utcnow(), result=result).where(Upload.id == upload.id).execute()
    shutil.rmtree(chunk_dir(settings, upload.id), ignore_errors=True)
    return result


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


def _assemble(settings: Settings, upload: Upload, invitation: Invitation) -> tuple[media.MediaInfo, str, bytes]:
    """Join and remux the chunks, check the result; return its info, storage key and bytes."""
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
        info = media.remux(raw, final)
        limit = media_limit(invitation, upload)
        if not info.has_audio:
            raise media.MediaError("no_audio", "no audio stream")
        if upload.mode == "video" and not info.has_video:
            raise media.MediaError("no_video", "no video stream")
        if info.duration < MIN_SECONDS:
            raise media.MediaError("too_short", "shorter than a second")
        if info.duration > limit:
            raise media.MediaError("too_long", "longer than the answer time")
        data = final.read_bytes()
    return info, f"recordings/{upload.interview_id}/{upload.question_key}-{upload.id}.{ext}", data


def media_limit(invitation: Invitation, upload: Upload) -> float:
    """The longest recording accepted for the upload's question."""
    interview = Interview.get_by_id(upload.interview_id)
    return question(invitation, interview, upload.question_key)["answer_seconds"] + SLACK_SECONDS
