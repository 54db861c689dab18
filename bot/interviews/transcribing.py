"""Transcribing an open upload while the candidate speaks: one job reads the chunks stored so far and transcribes
the pieces that are over (scoring.partial), keeping the transcript so far for the finish (bot.reports.partial).

Whatever goes wrong here is only logged: the transcript so far is dropped and the finish transcribes the whole
recording, as it does with TRANSCRIBE_WHILE_RECORDING off.
"""
from __future__ import annotations

import functools
import logging
import math
import tempfile
from pathlib import Path

from bot.interviews import uploads
from bot.positions import versions
from bot.reports import partial
from bot.store.db import db_session
from bot.store.models import Interview, Upload
from config.settings import Settings, get_settings
from scoring import media, models
from scoring import partial as pieces
from scoring.partial import Progress
from scoring.transcribe import Transcriber

log = logging.getLogger(__name__)
RETRY_CHUNKS = 3  # a piece not over yet (no pause in reach) is looked for again ~6 s of recording later


def advance(upload_id: str) -> str:
    """Transcribe what is over of the open upload's recording so far; say what was done."""
    settings = get_settings()
    try:
        return _advance(settings, upload_id)
    except Exception:
        log.exception("upload %s: transcribing while recording failed; its finish transcribes it whole", upload_id)
        partial.give_up(upload_id)
        return "failed"
    finally:
        partial.release(upload_id)


def _open_upload(upload_id: str) -> tuple[Upload, str | None] | str:
    """The upload while it is open, with the language its answer is transcribed in (None: detected); else what
    became of it."""
    with db_session():
        upload = Upload.get_or_none(Upload.id == upload_id)
        if upload is None or upload.status != "open":
            return "gone" if upload is None else upload.status
        interview = Interview.get_by_id(upload.interview_id)
        position = versions.as_asked(interview.invitation.position, interview.position_version)
        language = position.rubric.get("language", "zh")
        return upload, (None if language == "auto" else language)


def _advance(settings: Settings, upload_id: str) -> str:
    if not settings.transcribe_while_recording:
        return "off"
    found = _open_upload(upload_id)
    if isinstance(found, str):  # a finished upload's transcript so far is its scorer's to use (then discard)
        if found in ("gone", "failed"):
            partial.discard(upload_id)
        return found
    upload, language = found
    hashes = list(upload.chunk_sha256)[:upload.next_seq]
    kept = partial.load(settings, upload_id, hashes)
    before = Progress.from_json(kept[0]) if kept is not None else Progress(language)
    if before.language != language:
        before = Progress(language)
    samples = _decode(settings, upload, len(hashes))
    progress = pieces.advance(transcriber(settings), samples, before)
    partial.schedule(upload_id, len(hashes) + _chunks_until_piece(progress, samples, len(hashes)))
    if progress.samples == before.samples and progress.fingerprint == before.fingerprint:
        return "waiting"
    again = _open_upload(upload_id)  # finished, retaken or changed meanwhile: nothing more is kept
    if isinstance(again, str) or list(again[0].chunk_sha256)[:len(hashes)] != hashes:
        return again if isinstance(again, str) else "changed"
    partial.save(settings, upload_id, hashes, progress.to_json())
    log.info("upload %s: %.1f s of %.1f s transcribed while recording", upload_id, progress.seconds,
             len(samples) / pieces.SAMPLE_RATE)
    return "advanced"


def _chunks_until_piece(progress: Progress, samples, chunks: int) -> int:
    """How many more chunks until the next piece may be over (at least RETRY_CHUNKS: a pause may come later)."""
    per_chunk = len(samples) / pieces.SAMPLE_RATE / max(chunks, 1)
    wanted = pieces.MIN_PIECE + pieces.MARGIN - (len(samples) - progress.samples) / pieces.SAMPLE_RATE
    return max(RETRY_CHUNKS, math.ceil(wanted / per_chunk) if per_chunk > 0 else RETRY_CHUNKS)


def transcriber(settings: Settings) -> Transcriber:
    """The Whisper model the scorer reads the answer with (same folder, same decoding), loaded on first use; this
    module leaves the rest of the scoring pipeline unimported, as a scorer's per-job process has no use for it."""
    return _transcriber(models.whisper_model_dir(settings), tuple(sorted(models.whisper_options(settings).items())))


@functools.lru_cache(maxsize=1)
def _transcriber(model_dir: Path, options: tuple) -> Transcriber:
    return Transcriber(model_dir, **dict(options))


def _decode(settings: Settings, upload: Upload, count: int):
    """The audio of the upload's first count chunks (a valid beginning of the recording), 16 kHz mono."""
    ext = uploads.EXTENSIONS[uploads.MIME.fullmatch(upload.mime).group(2).lower()]
    data = uploads.read_chunks(settings, upload.id, count)
    # the plain media exists only here, for PyAV: a private folder removed whatever happens
    with tempfile.TemporaryDirectory(prefix="interview-partial-") as scratch:
        path = Path(scratch) / f"prefix.{ext}"
        path.write_bytes(data)
        return media.decode_audio(path, media.MAX_SECONDS, pieces.SAMPLE_RATE)
