"""Text out of an accepted résumé file: pypdf for PDF, python-docx for DOCX (paragraphs, tables, text boxes),
BeautifulSoup on lxml for HTML, the standard email package for MHT, and the decoders of formats for text.

The text is normalised once here (NFKC: full-width letters, digits and colons folded; one newline style), and
every span the parser records is an offset into this text, which is what the résumé row keeps.
"""
from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

import docx
from bs4 import BeautifulSoup
from defusedxml import ElementTree as SafeXML
from docx.oxml.ns import qn
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from bot.resumes.formats import ResumeRejected, Sniffed, decode_text, sniff

log = logging.getLogger(__name__)

MAX_PAGES = 30
MIN_TEXT = 20  # fewer letters than this on all pages together: a scan (or a picture of a résumé)
MACROS = ("word/vbaProject.bin", "word/vbaData.xml")
DOCX_UNPACKED = 200 * 1024 * 1024  # a résumé's parts unpack to a few MB; python-docx reads each part whole
DOCX_RATIO = 200  # Word's XML packs 10-30:1; a bomb packs 1000:1 and more
LINKED = ("attachedTemplate", "oleObject", "subDocument", "frame", "image", "externalLinkPath")
BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "ul", "ol", "dt", "dd",
          "header", "footer", "article", "blockquote", "pre", "title")
CELLS = ("td", "th")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
SPACES = re.compile(r"[ \t]{2,}|\t")  # a gap of two or more (between columns, cells) stays a gap of two
BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class Document:
    """What a file said: its text (normalised), its real format, its pages, and notices for HR."""

    text: str
    kind: str
    pages: int = 1
    notices: list[str] = field(default_factory=list)


def extract(data: bytes, filename: str = "") -> Document:
    """The text of a résumé file; ResumeRejected (Chinese reason) when it cannot or must not be read."""
    found: Sniffed = sniff(data, filename)
    reader = {"pdf": _pdf, "docx": _docx, "text": _text, "html": _html, "mht": _mht}[found.kind]
    try:
        text, pages, notices = reader(data)
    except ResumeRejected:
        raise
    except Exception as exc:  # a damaged file: its library's message may quote content, so only the type is logged
        log.warning("résumé %s unreadable: %s", found.kind, type(exc).__name__)
        raise ResumeRejected("damaged", f"文件已损坏或不完整，无法读取（{_name(found.kind)}）；请重新导出后上传。"
                             ) from None
    text = normalise(text)
    if len(re.sub(r"\s", "", text)) < MIN_TEXT:
        if found.kind == "pdf":
            raise ResumeRejected("scanned", "这份 PDF 没有文字层（可能是扫描件或图片）；系统不提供文字识别（OCR），"
                                            "请上传文字版 PDF 或 Word 文件。")
        raise ResumeRejected("no_text", "文件里几乎没有文字，无法读取简历内容。")
    return Document(text, found.kind, pages, [*found.notices, *notices])


def normalise(text: str) -> str:
    """One form for every source: NFKC, \\n newlines, a gap of blanks as two spaces, at most one empty line."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    lines = [SPACES.sub("  ", line).strip() for line in text.split("\n")]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _name(kind: str) -> str:
    return {"pdf": "PDF", "docx": "DOCX", "text": "文本", "html": "HTML", "mht": "MHT"}[kind]


def _pdf(data: bytes) -> tuple[str, int, list[str]]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # "" opens files locked only against editing
            raise ResumeRejected("encrypted", "PDF 设置了打开密码，无法读取；请上传未加密的文件。")
    except PdfReadError:
        raise ResumeRejected("damaged", "PDF 文件已损坏或不完整，无法读取；请重新导出后上传。") from None
    except NotImplementedError:  # an encryption pypdf does not implement
        raise ResumeRejected("encrypted", "PDF 已加密，无法读取；请上传未加密的文件。") from None
    pages = len(reader.pages)
    if pages > MAX_PAGES:
        raise ResumeRejected("too_many_pages", f"PDF 有 {pages} 页，超过 {MAX_PAGES} 页的上限，不像一份简历。")
    return "\n".join(page.extract_text() or "" for page in reader.pages), pages, []


def _docx(data: bytes) -> tuple[str, int, list[str]]:
    notices = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # zipfile never inflates a part past the size it declares, so the declared sizes bound what python-docx reads
        infos = archive.infolist()
        if sum(i.file_size for i in infos) > DOCX_UNPACKED or any(
                i.file_size > 1024 * 1024 and i.file_size > DOCX_RATIO * max(i.compress_size, 1) for i in infos):
            raise ResumeRejected("zip_bomb", "Word 文件解压后异常巨大（疑似压缩炸弹），已拒绝；请重新导出后上传。")
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        if any(name in names for name in MACROS) or b"macroEnabled" in types:
            raise ResumeRejected("macros", "Word 文档含有宏（.docm），出于安全原因不接受；请另存为普通 .docx 后上传。")
        if _external_references(archive, names):
            notices.append("文档含有外部引用（模板、链接的对象或图片），已忽略，未访问任何外部地址。")
    document = docx.Document(io.BytesIO(data))
    lines = _body_lines(document.element.body)
    return "\n".join(lines), 1, notices


def _external_references(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """Relationships that point outside the file to something Word would load (hyperlinks are only links)."""
    for name in names:
        if not name.endswith(".rels"):
            continue
        root = SafeXML.fromstring(archive.read(name))
        for rel in root:
            if rel.get("TargetMode") == "External" and rel.get("Type", "").rsplit("/", 1)[-1] in LINKED:
                return True
    return False


def _body_lines(body) -> list[str]:
    """The body's text in reading order: paragraphs, tables row by row, text boxes where they are anchored."""
    lines: list[str] = []
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            lines.extend(_paragraph(child))
        elif child.tag == qn("w:tbl"):
            lines.extend(_table(child))
        elif child.tag == qn("w:sdt"):  # a content control wraps ordinary paragraphs and tables
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                lines.extend(_body_lines(content))
    return lines


def _paragraph(p) -> list[str]:
    """A paragraph's text, and the paragraphs of any text box in it after it (Word's fallback copy skipped)."""
    text, boxes = [], []
    for node in p.iter():
        if node.tag == qn("w:t"):
            if not _inside(node, p, ("mc:Fallback", "w:txbxContent")):
                text.append(node.text or "")
        elif node.tag in (qn("w:tab"), qn("w:br"), qn("w:cr")):
            if not _inside(node, p, ("mc:Fallback", "w:txbxContent")):
                text.append("\t" if node.tag == qn("w:tab") else "\n")
        elif node.tag == qn("w:txbxContent") and not _inside(node, p, ("mc:Fallback",)):
            boxes.extend(_body_lines(node))
    return ["".join(text), *boxes]


def _inside(node, stop, tags: tuple[str, ...]) -> bool:
    wanted = {f"{{{MC}}}{tag[3:]}" if tag.startswith("mc:") else qn(tag) for tag in tags}
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in wanted:
            return True
        parent = parent.getparent()
    return False


def _table(tbl) -> list[str]:
    """A row of short cells reads as one line ("姓名 张三 电话 138…"); a row of long cells (a two-column layout
    drawn with a table) reads cell after cell, each cell's lines together."""
    lines: list[str] = []
    for row in tbl.iter(qn("w:tr")):
        if _inside(row, tbl, ("w:tbl",)) and row.getparent().getparent() is not tbl:
            continue  # a nested table's row: read with its cell
        cells = [_body_lines(cell) for cell in row.findall(qn("w:tc"))]
        if all(len([line for line in cell if line.strip()]) <= 1 for cell in cells):
            lines.append("  ".join(" ".join(cell).strip() for cell in cells if "".join(cell).strip()))
        else:
            for cell in cells:
                lines.extend(cell)
    return lines


def _text(data: bytes) -> tuple[str, int, list[str]]:
    return decode_text(data), 1, []


def _html(data: bytes) -> tuple[str, int, list[str]]:
    return html_text(decode_text(data, markup=True)), 1, []


def html_text(markup: str) -> str:
    """An HTML page's visible text, a line per block and a gap between table cells."""
    markup = XML_DECLARATION.sub("", markup, count=1)  # XHTML is read as the HTML it is
    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(CELLS):
        tag.append("  ")
    for tag in soup.find_all(BLOCKS):
        tag.insert_before("\n")
        tag.append("\n")
    return soup.get_text("")


def _mht(data: bytes) -> tuple[str, int, list[str]]:
    """A saved web page (MHTML): the first HTML part, decoded as its own headers say (quoted-printable, base64,
    its charset)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    plain = ""
    for part in message.walk():
        kind = part.get_content_type()
        if kind not in ("text/html", "text/plain"):
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset()
        charset = "gb18030" if charset in ("gb2312", "gbk") else charset  # the superset reads all three
        try:
            body = payload.decode(charset) if charset else decode_text(payload, markup=True)
        except (LookupError, UnicodeDecodeError):
            body = decode_text(payload, markup=True)
        if kind == "text/html":
            return html_text(body), 1, []
        plain = plain or body
    return plain, 1, []
