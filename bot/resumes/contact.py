"""Who the résumé is: the name (a label, or the header's first short line), the phone and e-mail (jionlp)."""
from __future__ import annotations

import contextlib
import io
import re

from bot.resumes import patterns as P
from bot.resumes.lines import Line, chunks
from bot.resumes.model import Value

with contextlib.redirect_stdout(io.StringIO()):  # jionlp and jiojio print a banner on import
    import jionlp


def find_name(text: str, head: list[Line]) -> Value | None:
    if m := P.NAME_LABEL.search(text):
        return Value(m.group("name"), m.start("name"), m.end("name"))
    for line in head:
        if P.DATE_RANGE.search(line.text) or "@" in line.text:
            continue
        for piece in chunks(line, [])[:2]:
            value = piece.value.removeprefix("简历").removesuffix("简历").removesuffix("的")
            if value in P.NOT_NAMES:
                continue
            han = re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", value)
            if han and (value[0] in P.SURNAMES or value[:2] in P.COMPOUND_SURNAMES) and len(value) <= 4:
                return Value(value, piece.start, piece.start + len(value))
            if P.EN_NAME.fullmatch(value) and not re.search(r"Resume|Curriculum|Vitae|CV|University", value):
                return Value(value, piece.start, piece.end)
        spaced = re.fullmatch(r"([\u4e00-\u9fff])\s([\u4e00-\u9fff])(?:\s([\u4e00-\u9fff]))?", line.text.strip())
        if spaced and spaced.group(1) in P.SURNAMES:
            return Value("".join(g for g in spaced.groups() if g), line.start, line.end)
    return None


def find_phone(text: str) -> Value | None:
    found = jionlp.extract_phone_number(text, detail=True)
    for item in sorted(found, key=lambda f: (f["type"] != "cell_phone", f["offset"][0])):
        raw = item["text"]
        start = item["offset"][0] + len(raw) - len(raw.lstrip())
        digits = re.sub(r"\D", "", raw)
        digits = re.sub(r"^(?:0086|86)(?=1\d{10}$)", "", digits)
        return Value(digits if item["type"] == "cell_phone" else raw.strip(), start, start + len(raw.strip()))
    return None


def find_email(text: str) -> Value | None:
    found = jionlp.extract_email(text, detail=True)
    if not found:
        return None
    item = found[0]
    return Value(item["text"], item["offset"][0], item["offset"][1])
