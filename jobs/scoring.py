"""Scoring jobs. Today: prepare each answer for scoring (the pipeline itself is issue 4's)."""
from __future__ import annotations

import logging

from bot import media
from bot.store.db import db_session
from bot.store.models import Answer, Recording
from config.settings import get_settings

log = logging.getLogger(__name__)


def prepare_answer(answer_id: int) -> str:
    """Extract the answer's audio as 16 kHz mono FLAC (transcription's input) and mark it ready to score."""
    settings = get_settings()
    with db_session():
        answer = Answer.get_or_none(Answer.id == answer_id)
        if answer is None:
            return "missing"
        recording = answer.recordings.order_by(Recording.id.desc()).first()
        if recording is not None:
            source = settings.data_dir / recording.path
            target = source.with_suffix(".16k.flac")
            try:
                if not target.exists():
                    media.extract_audio(source, target)
            except media.MediaError as exc:
                Answer.update(status="unscorable").where(Answer.id == answer_id).execute()
                log.warning("answer %s: %s", answer_id, exc)
                return "unscorable"
        Answer.update(status="ready").where(Answer.id == answer_id).execute()
        return "ready"
