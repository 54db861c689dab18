"""An open upload's transcript so far (transcribing while the candidate speaks): where it is kept, when its next
piece is queued, when it is thrown away (docs/scoring.md#transcribing-while-the-candidate-speaks).

It lives in Redis for an hour at most, sealed with the recording keys like the chunks it was heard from, under the
upload's id, with the checksums of the chunks it was read from: the scorer uses it only for that upload and only
when the finished upload still has those chunks (and then only where the recording begins with the very samples
it read: scoring.partial.Resuming). A retake, a refused or failed upload, a changed chunk and a used transcript
discard it. At most one job per upload is queued or runs at a time (a Redis flag); the first is queued once
FIRST_CHUNKS chunks are stored, each next one when its job said enough new audio should be there (schedule()).
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from bot.queues import SCORING, enqueue
from bot.store import partial_transcripts as keys
from bot.store import sealing
from bot.store.kv import get_redis
from config.settings import Settings

log = logging.getLogger(__name__)

FIRST_CHUNKS = 7  # the page sends a chunk every 2 s: scoring.partial's shortest piece (12 s) and margin (1 s)
KEPT_SECONDS = 3600  # longer than any answer and its scoring queue on a normal day; past it the finish reads it all
BUSY_SECONDS = 300  # the job's timeout: a job that died leaves its flag no longer than this
JOB = "jobs.partial.transcribe_partial"


_key, _busy, _next = keys.key, keys.busy_key, keys.next_key
discard = keys.discard  # a retake, a refused or superseded upload, a changed chunk, a used transcript


def chain(hashes: list[str]) -> str:
    """One checksum for the chunks' checksums in order."""
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _options(settings: Settings) -> list[Any]:
    """The model and decoding the transcript was made with: one made otherwise is not joined to a new tail."""
    return [str(settings.whisper_model), settings.whisper_device, settings.whisper_beam_size,
            settings.whisper_batch_size, settings.whisper_vad_min_silence_ms]


def maybe_queue(settings: Settings, upload_id: str, stored: int) -> bool:
    """After chunk stored-1 was stored: queue the upload's job once its chunks reach the count the last job asked
    for (FIRST_CHUNKS at first), unless one is queued or running. Never raises: a failure costs only the head
    start, not the chunk."""
    if not settings.transcribe_while_recording or stored < FIRST_CHUNKS:
        return False
    try:
        connection = get_redis()
        if stored < int(connection.get(_next(upload_id)) or 0):
            return False
        if not connection.set(_busy(upload_id), 1, nx=True, ex=BUSY_SECONDS):
            return False
        enqueue(SCORING, JOB, upload_id, key=f"partial:{upload_id}:{stored}", timeout=BUSY_SECONDS)
    except Exception:  # Redis away: the finish transcribes the whole recording, as without this
        log.warning("upload %s: could not queue its transcription while recording", upload_id, exc_info=True)
        return False
    return True


def schedule(upload_id: str, chunks: int) -> None:
    """The upload's next job is worth queueing once it has this many chunks."""
    get_redis().set(_next(upload_id), chunks, ex=KEPT_SECONDS)


def give_up(upload_id: str) -> None:
    """A job failed: discard the upload's transcript so far and queue no other (its finish reads it whole)."""
    discard(upload_id)
    try:
        schedule(upload_id, 1 << 30)
    except Exception:
        log.warning("upload %s: could not stop its transcription while recording", upload_id, exc_info=True)


def release(upload_id: str) -> None:
    """The upload's job is over: the next chunks may queue another."""
    try:
        get_redis().delete(_busy(upload_id))
    except Exception:
        log.warning("upload %s: could not clear its transcription flag; it expires", upload_id, exc_info=True)


def load(settings: Settings, upload_id: str, hashes: list[str]) -> tuple[dict[str, Any], int] | None:
    """The upload's transcript so far (scoring.partial.Progress.to_json()) and how many chunks it was read from,
    when those chunks are the first of hashes (the upload's chunk checksums now) and the model and decoding are
    still the same; None otherwise. (The web process keeps and discards it but never loads the models' code.)"""
    try:
        blob = get_redis().get(_key(upload_id))
        if blob is None:
            return None
        doc = json.loads(sealing.keyring(settings.recording_keys).open(blob, _key(upload_id)))
        chunks = int(doc["chunks"])
        if chunks > len(hashes) or doc["chain"] != chain(hashes[:chunks]) or doc["options"] != _options(settings):
            return None
        return doc["progress"], chunks
    except Exception:  # unreadable, sealed with a dropped key, an older shape: start over
        log.warning("upload %s: its transcript so far cannot be read; not used", upload_id, exc_info=True)
        return None


def save(settings: Settings, upload_id: str, hashes: list[str], progress: dict[str, Any]) -> None:
    """Keep the upload's transcript so far (Progress.to_json()), read from the chunks with these checksums."""
    doc: dict[str, Any] = {"chunks": len(hashes), "chain": chain(hashes), "options": _options(settings),
                           "progress": progress}
    blob = sealing.keyring(settings.recording_keys).seal(json.dumps(doc).encode(), _key(upload_id))
    get_redis().set(_key(upload_id), blob, ex=KEPT_SECONDS)
