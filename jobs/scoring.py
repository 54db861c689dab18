"""Scoring queue: one job per answer as it arrives, one report per interview when every answer is scored."""
from __future__ import annotations

from bot.reports import scoring


def score_answer(answer_id: int) -> str:
    """Transcribe, analyse and score one answer."""
    return scoring.score_answer(answer_id)


def build_report(interview_id: int) -> str:
    """Build the interview's report and announce it."""
    return scoring.build_report(interview_id)
