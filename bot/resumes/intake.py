"""One résumé file in, one outcome out: the text and the structured résumé, or the reason (Chinese) it was not
read. Nothing escapes as an exception: a batch goes on past a bad file."""
from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass, field

from bot.resumes.extract import Document, extract
from bot.resumes.formats import ResumeRejected
from bot.resumes.model import Resume
from bot.resumes.parse import parse

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    filename: str
    code: str = ""  # "" when read; else why not (empty, too_large, encrypted, scanned, old_word, macros …)
    reason: str = ""  # the Chinese reason, for HR or the candidate
    document: Document | None = None
    resume: Resume | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.code


def read_resume(data: bytes, filename: str = "", today: dt.date | None = None) -> Outcome:
    """Read a résumé file; never raises (a reason instead). Its text is never logged."""
    try:
        document = extract(data, filename)
        resume = parse(document.text, today)
    except ResumeRejected as rejected:
        return Outcome(filename, rejected.code, rejected.reason)
    except Exception as exc:  # a parser bug must not stop a batch; the type alone is logged, never the text
        # the type and the code lines, not the message: a message may quote the résumé
        log.error("résumé parse failed (%d bytes): %s\n%s", len(data), type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)))
        return Outcome(filename, "error", "简历读取时出错，已记录；请稍后重试或换一种格式（PDF 或 Word）上传。")
    return Outcome(filename, document=document, resume=resume, notices=list(document.notices))
