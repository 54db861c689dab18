"""What a résumé file really is, read from its bytes (magic numbers), and the reasons a file is refused.

The name's extension is only compared with what the bytes say: a .pdf that is a Word document is read as the Word
document it is (with a notice), a .pdf that is nothing we read is refused and the reason says the name lies.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from charset_normalizer import from_bytes

from bot.errors import UserError

MAX_BYTES = 20 * 1024 * 1024  # 20 MB: a text résumé is well under 1 MB; a larger file is a scan or something else
ACCEPTED = "PDF（含文字层）、Word（.docx）、纯文本（.txt）或网页（.html/.mht）"
NAMES = {"pdf": "PDF", "docx": "Word 文档（DOCX）", "text": "纯文本", "html": "网页（HTML）", "mht": "网页存档（MHT）"}
EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".txt": "text", ".text": "text", ".md": "text", ".html": "html",
              ".htm": "html", ".mht": "mht", ".mhtml": "mht", ".doc": "doc", ".docm": "docx", ".wps": "doc",
              ".rtf": "rtf", ".jpg": "image", ".jpeg": "image", ".png": "image", ".zip": "zip"}
HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                        rb"<(?:!doctype\s+html|html|head|body|meta|div|table|p|span)\b",
                        re.IGNORECASE | re.DOTALL)
MHT_HEAD = re.compile(rb"^(?:[\x21-\x39\x3b-\x7e]+:[^\n]*\r?\n|[ \t][^\n]*\r?\n)*?"
                      rb"content-type:\s*multipart/related", re.IGNORECASE)
DECLARED = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


class ResumeRejected(UserError):
    """A file that is not read, with the reason (Chinese, safe to show HR or the candidate) and a stable code."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Sniffed:
    kind: str  # pdf | docx | text | html | mht
    notices: tuple[str, ...] = ()


def sniff(data: bytes, filename: str = "") -> Sniffed:
    """The format of data, by its bytes; ResumeRejected when it is none we read (or too big, or empty)."""
    if not data:
        raise ResumeRejected("empty", "文件是空的（0 字节），请重新上传简历文件。")
    if len(data) > MAX_BYTES:
        raise ResumeRejected("too_large", f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过 20 MB 的上限；"
                                          "请上传文字版 PDF 或 Word 文件（通常不到 1 MB）。")
    claimed = EXTENSIONS.get(PurePath(filename or "").suffix.lower(), "")
    kind = _kind(data)
    if kind in ("pdf", "docx", "text", "html", "mht"):
        notices = ()
        if claimed and claimed != kind and not {claimed, kind} <= {"text", "html"}:
            notices = (f"文件扩展名是 {PurePath(filename).suffix}，内容却是{NAMES[kind]}，已按实际内容读取。",)
        return Sniffed(kind, notices)
    lie = (f"文件扩展名是 {PurePath(filename).suffix}，但内容并不是这种格式。"
           if claimed and claimed not in (kind, "doc", "image", "rtf", "zip") else "")
    if kind == "doc":
        raise ResumeRejected("old_word", lie + "这是旧版 Word 格式（.doc/.wps），无法读取；请另存为 .docx，"
                                         f"或上传{ACCEPTED}。")
    if kind == "rtf":
        raise ResumeRejected("rtf", lie + f"RTF 文件无法读取；请上传{ACCEPTED}。")
    if kind == "image":
        raise ResumeRejected("image", lie + "这是一张图片；系统不提供文字识别（OCR），请上传文字版 PDF 或 Word 文件。")
    if kind == "zip":
        raise ResumeRejected("zip", lie + f"这是一个压缩包或其他 Office 文件，不是一份简历；请上传{ACCEPTED}。")
    raise ResumeRejected("unknown", lie + f"无法识别的文件内容；请上传{ACCEPTED}。")


def _kind(data: bytes) -> str:
    head = data[:8]
    if data[:1024].lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if _is_word(data) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .doc, .wps, .xls, a .msg …
        return "doc"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")) or data[8:12] == b"WEBP":
        return "image"
    if head.startswith((b"\x7fELF", b"MZ", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        return "binary"
    sample = data[:4096]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(sample):
        sample = decode_text(sample).encode("utf-8", "replace")
    if MHT_HEAD.match(sample.lstrip(b"\xef\xbb\xbf")):
        return "mht"
    if HTML_START.match(sample.lstrip(b"\xef\xbb\xbf")):
        return "html"
    return "text" if _looks_like_text(data) else "binary"


def _is_word(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _utf16_without_bom(sample: bytes) -> bool:
    """Text written as UTF-16 without a BOM: every other byte of Latin or CJK text is NUL, or nearly so."""
    if len(sample) < 8:
        return False
    evens, odds = sample[0::2], sample[1::2]
    return max(evens.count(0), odds.count(0)) > 0.3 * len(odds) and min(evens.count(0), odds.count(0)) == 0


def _looks_like_text(data: bytes) -> bool:
    text = decode_text(data[:65536])
    if not text.strip():
        return False
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f") + text.count("\ufffd")
    return control <= 0.02 * len(text)


def decode_text(data: bytes, *, markup: bool = False) -> str:
    """data as text: a BOM, then (for HTML) the declared charset, then UTF-8, then what charset-normalizer finds
    (GBK/GB18030, Big5, UTF-16 …)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    if _utf16_without_bom(data[:4096]):
        le = data[1:4096:2].count(0) > data[0:4096:2].count(0)
        return data.decode("utf-16-le" if le else "utf-16-be", "replace")
    if markup and (declared := DECLARED.search(data[:4096])):
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "gb18030") else name  # the superset reads all three
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:262144]).best()
    encoding = best.encoding if best is not None else "gb18030"
    encoding = "gb18030" if encoding in ("gb2312", "gbk", "cp936") else encoding
    return data.decode(encoding, "replace")
