"""An open upload's transcript so far (transcribing while the candidate speaks): where it is kept, when its next
piece is queued, when it is thrown away (docs/scoring.md#transcribing-while-the-candidate-speaks).

It lives in Redis for an hour at most, sealed with the recording keys like the chunks it was heard from, under the
upload's id, with the checksums of the chunks it was read from: the scorer uses it only for that upload and only
when the finished upload still has those chunks (and then only where the recording begins with the very samples
it read: scoring.partial.Resuming). A retake, a refused or failed upload, a changed chunk and a used transcript
discard it. At most one job per upload runs at a time (a Redis flag), queued once every EVERY_CHUNKS chunks.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from bot.queues import SCORING, enqueue
from bot.store import sealing
from bot.store.kv import get_redis
from config.settings import Settings
from scoring import models
from scoring.partial import Progress

log = logging.getLogger(__name__)

EVERY_CHUNKS = 3  # the page sends a chunk every ~2 s: a piece is looked for every ~6 s of new audio
KEPT_SECONDS = 3600  # longer than any answer and its scoring queue on a normal day; past it the finish reads it all
BUSY_SECONDS = 300  # the job's timeout: a job that died leaves its flag no longer than this
JOB = "jobs.partial.transcribe_partial"


def _key(upload_id: str) -> str:
    return f"partial-transcript:{upload_id}"


def _busy(upload_id: str) -> str:
    return f"partial-transcript-busy:{upload_id}"


def chain(hashes: list[str]) -> str:
    """One checksum for the chunks' checksums in order."""
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _options(settings: Settings) -> str:
    """The decoding the transcript was made with: a transcript made otherwise is not joined to a new tail."""
    return json.dumps(sorted(models.whisper_options(settings).items()), default=str)


def maybe_queue(settings: Settings, upload_id: str, stored: int) -> bool:
    """After chunk stored-1 was stored: queue the next piece's job every EVERY_CHUNKS chunks unless one is queued
    or running for the upload. Never raises: a failure costs only the head start, not the chunk."""
    if not settings.transcribe_while_recording or stored % EVERY_CHUNKS:
        return False
    try:
        if not get_redis().set(_busy(upload_id), 1, nx=True, ex=BUSY_SECONDS):
            return False
        enqueue(SCORING, JOB, upload_id, key=f"partial:{upload_id}:{stored}", timeout=BUSY_SECONDS)
    except Exception:  # Redis away: the finish transcribes the whole recording, as without this
        log.warning("upload %s: could not queue its transcription while recording", upload_id, exc_info=True)
        return False
    return True


def release(upload_id: str) -> None:
    """The upload's job is over: the next chunks may queue another."""
    try:
        get_redis().delete(_busy(upload_id))
    except Exception:
        log.warning("upload %s: could not clear its transcription flag; it expires", upload_id, exc_info=True)


def load(settings: Settings, upload_id: str, hashes: list[str]) -> tuple[Progress, int] | None:
    """The upload's transcript so far and how many chunks it was read from, when those chunks are the first of
    hashes (the upload's chunk checksums now) and the decoding is still the same; None otherwise."""
    try:
        blob = get_redis().get(_key(upload_id))
        if blob is None:
            return None
        doc = json.loads(sealing.keyring(settings.recording_keys).open(blob, _key(upload_id)))
        chunks = int(doc["chunks"])
        if chunks > len(hashes) or doc["chain"] != chain(hashes[:chunks]) or doc["options"] != _options(settings):
            return None
        return Progress.from_json(doc["progress"]), chunks
    except Exception:  # unreadable, sealed with a dropped key, an older shape: start over
        log.warning("upload %s: its transcript so far cannot be read; not used", upload_id, exc_info=True)
        return None


def save(settings: Settings, upload_id: str, hashes: list[str], progress: Progress) -> None:
    """Keep the upload's transcript so far, read from the chunks with these checksums."""
    doc: dict[str, Any] = {"chunks": len(hashes), "chain": chain(hashes), "options": _options(settings),
                           "progress": progress.to_json()}
    blob = sealing.keyring(settings.recording_keys).seal(json.dumps(doc).encode(), _key(upload_id))
    get_redis().set(_key(upload_id), blob, ex=KEPT_SECONDS)


def discard(*upload_ids: str) -> None:
    """Throw away the uploads' transcripts so far. Never raises (they expire anyway)."""
    if not upload_ids:
        return
    try:
        get_redis().delete(*[_key(u) for u in upload_ids])
    except Exception:
        log.warning("uploads %s: could not discard their transcripts so far; they expire", upload_ids, exc_info=True)
