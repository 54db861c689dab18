"""A résumé's text as lines with their offsets, and a line cut into its pieces (the fields of a row)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.resumes import patterns as P
from bot.resumes.model import Value

STRONG = re.compile(r"\s{2,}|\t|\s*[|｜,，;；•·]\s*|\s+[-–—]\s+|\s+(?:at|@)\s+")
LABEL = re.compile(r"^[\u4e00-\u9fff]{2,4}\s*[:：]\s*")


@dataclass
class Line:
    start: int
    end: int
    text: str


def chunks(line: Line, skip: list[Value]) -> list[Value]:
    """The line's pieces between separators (two spaces, |, commas …; a single space too between Chinese words),
    the skipped spans cut out, a leading label ("公司：") dropped."""
    text = line.text
    for value in skip:
        if line.start <= value.start < line.end:
            a, b = value.start - line.start, min(value.end, line.end) - line.start
            text = text[:a] + " " * max(b - a, 2) + text[b:] if b - a >= 2 else text[:a] + "  " + text[b:]
    pieces, position = [], 0
    for sep in [*STRONG.finditer(text), None]:
        stop = sep.start() if sep else len(text)
        pieces.append((position, text[position:stop]))
        position = sep.end() if sep else position
    out = []
    for offset, piece in pieces:
        parts = [(offset + m.start(), m.group()) for m in re.finditer(r"\S+", piece)] if P.HAN.search(piece) \
            else [(offset + len(piece) - len(piece.lstrip()), piece.strip())]
        for at, part in parts:
            label = LABEL.match(part)
            if label:
                at, part = at + label.end(), part[label.end():]
            if part and not re.fullmatch(r"[\W_]+", part):
                out.append(Value(part, line.start + at, line.start + at + len(part)))
    return out
