"""Read a recruiter's candidate sheet (.xlsx or .csv sent as a file in chat) into checked rows.

The file's type comes from its bytes, not its name: a zip holding xl/workbook.xml is read with openpyxl
(read-only, cached formula values) after its zip directory says it unpacks to at most MAX_UNZIPPED bytes
(zipfile never inflates a member past its declared size, so the directory is a real bound); anything else must
decode as UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text") or GB18030 (Chinese Excel's CSV), with
commas or tabs. Old .xls, HTML saved as .xls, images, PDFs and other binaries get a message saying what to do.

The header is the first non-empty row (or, when that row has no name column, the first of the next few that
has one, so a title row above the table is fine); headers match in Chinese or English ignoring case, spaces,
punctuation and bracketed notes like （必填）. Every data row is checked in full, so a bad row lists all of its
problems and never costs the good rows anything. Row numbers are Excel's (the header row of a plain sheet is 1).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from bot.bulk.fields import EMAIL, check_id_number, normalise_education, normalise_phone, parse_years
from bot.errors import UserError

FIELDS = ("name", "phone", "email", "wecom_userid", "wechat", "id_number", "education", "major", "years", "resume")
MAX_BYTES = 20 * 1024 * 1024  # WeCom's file limit
MAX_ROWS = 20000  # per file; more rows are reported, not silently dropped
MAX_UNZIPPED = 200 * 1024 * 1024  # an .xlsx this large unpacked is a zip bomb, not a candidate list
HEADER_SEARCH = 10  # non-empty rows looked at for the header
CONTACTS = ("phone", "email", "wecom_userid", "wechat")
UNIQUE = ("phone", "email", "wecom_userid", "id_number")
MAX_LENGTH = {"name": 64, "email": 128, "wecom_userid": 64, "wechat": 64}  # what the candidates table keeps
LABELS = {"name": "姓名", "phone": "手机号", "email": "邮箱", "wecom_userid": "企业微信", "wechat": "微信",
          "id_number": "身份证号", "education": "学历", "major": "专业", "years": "工作年限", "resume": "简历"}
HEADERS = {
    "name": ("姓名", "名字", "候选人", "候选人姓名", "应聘者", "应聘人", "name", "fullname", "candidate",
             "candidatename"),
    "phone": ("手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式", "移动电话", "mobile", "phone",
              "mobilephone", "phonenumber", "mobilenumber", "tel", "telephone", "cellphone"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址", "email", "mail", "emailaddress"),
    "wecom_userid": ("企业微信", "企业微信id", "企业微信账号", "企微", "企微id", "userid", "wecom", "wecomid",
                     "wecomuserid", "wework"),
    "wechat": ("微信", "微信号", "微信账号", "微信id", "wechat", "wechatid", "weixin"),
    "id_number": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "id", "idnumber", "idno", "idcard",
                  "nationalid"),
    "education": ("学历", "最高学历", "教育程度", "文化程度", "education", "degree", "highesteducation"),
    "major": ("专业", "所学专业", "毕业专业", "major", "specialty", "fieldofstudy"),
    "years": ("工作年限", "工作经验", "经验年限", "年限", "工龄", "从业年限", "years", "experience",
              "yearsofexperience", "workyears", "workexperience"),
    "resume": ("简历", "简历内容", "简历摘要", "简历正文", "自我介绍", "自我评价", "自我描述", "个人简介", "个人介绍",
               "个人陈述", "简介", "工作经历", "实习经历", "项目经历", "履历", "resume", "cv", "summary", "profile",
               "selfintroduction", "aboutme"),
}
_EXACT = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
# "候选人手机号" or "candidate email": Chinese and English headers end with what they hold. Short aliases (id, cv)
# would match too much this way.
_SUFFIXES = sorted(((a, f) for a, f in _EXACT.items() if len(a) >= (2 if a[0] >= "\u4e00" else 4)),
                   key=lambda pair: -len(pair[0]))
_BRACKETS = re.compile(r"[(（\[【<《].*?[)）\]】>》]")
_NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")

_MAGIC = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "这是旧版 Excel (.xls) 文件或加密的 Excel 文件"),
    (b"\x89PNG", "这是一张图片"), (b"\xff\xd8\xff", "这是一张图片"), (b"GIF8", "这是一张图片"),
    (b"RIFF", "这是音视频或图片文件"), (b"%PDF", "这是 PDF 文件"),
    (b"Rar!", "这是 RAR 压缩包"), (b"7z\xbc\xaf", "这是 7z 压缩包"), (b"\x1f\x8b", "这是 gzip 压缩包"),
    (b"{\\rtf", "这是 RTF 文档"),
)
SAVE_AS = "请在 Excel 或 WPS 中“另存为” .xlsx 或 .csv 后再发送"

class SheetError(UserError, ValueError):
    """The whole file is unusable; str(exc) is a Chinese message that can go back to the chat."""


@dataclass(frozen=True)
class Row:
    """One valid candidate row."""
    row_no: int
    fields: dict[str, str | float]


@dataclass(frozen=True)
class RowError:
    """A row that was not imported, with every reason why."""
    row_no: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Columns:
    """How a sheet's header was read: the columns read (field → header, in FIELDS order) and the headers ignored."""
    columns: dict[str, str]
    ignored: list[str]


@dataclass(frozen=True)
class Sheet:
    """What a file held: valid rows, rejected rows, the columns read (field → header) and the headers ignored."""
    rows: list[Row]
    errors: list[RowError]
    columns: dict[str, str]
    ignored_columns: list[str]


def read_sheet(data: bytes, filename: str, chosen: dict[str, str] | None = None) -> Sheet:
    """Read a candidate sheet (.xlsx or .csv bytes); raise SheetError when the file as a whole is unusable.
    `chosen` maps headers the recruiter picked a field for (the upload page's column mapping) to that field."""
    return _parse(_records(data, filename), filename, chosen or {})


def read_columns(data: bytes, filename: str, chosen: dict[str, str] | None = None) -> Columns:
    """Only the header: which columns would be read as which field and which ignored (the upload page shows this
    before a run starts). SheetError as read_sheet raises it for a file or header that cannot be used."""
    _, headers, mapping = _header(_records(data, filename), filename, chosen or {})
    return _columns(headers, mapping)


def records(data: bytes, filename: str) -> Iterator[tuple[int, tuple | list]]:
    """The raw rows of any sheet (.xlsx or .csv bytes) as (Excel row number, cells), read with the same checks on
    size, type and encoding as a candidate sheet (the performance import reads its own columns from them);
    SheetError for a file that is unusable as a whole."""
    return _records(data, filename)


def cell_text(value) -> str:
    """A cell as text (a whole float without its .0, None as ""), as a candidate sheet reads it."""
    return _cell(value)


def _records(data: bytes, filename: str) -> Iterator[tuple[int, tuple | list]]:
    if not data:
        raise SheetError(f"文件 {filename} 是空的")
    if len(data) > MAX_BYTES:
        raise SheetError(f"文件 {filename} 超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后再发送")
    if data.startswith(b"PK\x03\x04"):
        records = _xlsx_records(data, filename)
    else:
        for magic, what in _MAGIC:
            if data.startswith(magic):
                raise SheetError(f"{what}，不是可读取的表格（{filename}）。{SAVE_AS}")
        records = _csv_records(_decode(data, filename))
    return records


def _xlsx_records(data: bytes, filename: str) -> Iterator[tuple[int, tuple]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except zipfile.BadZipFile:
        raise SheetError(f"{filename} 是损坏的压缩文件，无法读取。{SAVE_AS}") from None
    if "xl/workbook.xml" not in names:
        raise SheetError(f"{filename} 是压缩包或 Word 等文件，不是 Excel 表格。{SAVE_AS}")
    if len(entries) > 10000 or sum(entry.file_size for entry in entries) > MAX_UNZIPPED:
        raise SheetError(f"{filename} 解压后过大（超过 {MAX_UNZIPPED // 1024 // 1024} MB），不像是候选人名单，未读取")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, ValueError, zip and XML errors) on damaged files
        raise SheetError(f"Excel 文件 {filename} 已损坏或格式不受支持，无法读取。{SAVE_AS}") from None
    return _worksheet_rows(workbook, filename)


def _worksheet_rows(workbook, filename: str) -> Iterator[tuple[int, tuple]]:
    try:
        sheets = [ws for ws in workbook.worksheets if hasattr(ws, "reset_dimensions")]  # not chart sheets
        for ws in sheets:
            ws.reset_dimensions()  # WPS and some exporters write wrong dimensions; read until the real end
            rows = enumerate(ws.iter_rows(values_only=True), 1)
            first = next(((n, v) for n, v in rows if not _blank(v)), None)
            if first is None and ws is not sheets[-1]:
                continue  # an empty first sheet: the list is on a later one
            if first is not None:
                yield first
                yield from rows
            return
    except Exception:
        raise SheetError(f"Excel 文件 {filename} 读取到一半出错，文件可能已损坏。{SAVE_AS}") from None
    finally:
        workbook.close()


def _decode(data: bytes, filename: str) -> str:
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise SheetError(f"{filename} 实际是网页或 XML 格式（系统导出的 .xls 常见这种情况），不是真正的表格。"
                         "请用 Excel 或 WPS 打开它，再“另存为” .xlsx 或 .csv 后发送")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data[:65536]:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise SheetError(f"无法识别 {filename} 的格式：它既不是 .xlsx，也不是 UTF-8 或 GBK 编码的 .csv。{SAVE_AS}")


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    return enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_key(text: str) -> str:
    """A header as compared: NFKC, lower case, bracketed notes and everything but letters/digits/hanzi dropped."""
    text = _BRACKETS.sub("", unicodedata.normalize("NFKC", text).lower())
    return _NOT_WORD.sub("", text)


def match_headers(headers: list[str], chosen: dict[str, str] | None = None) -> dict[int, str]:
    """Column index → canonical field: the recruiter's choices first (header → field, "" to leave a column out),
    then exact aliases, then aliases the header ends with; first column wins."""
    found: dict[int, str] = {}
    chosen = {header_key(h): f for h, f in (chosen or {}).items() if f in FIELDS or f == ""}
    keys = [header_key(h) for h in headers]
    skip = {i for i, key in enumerate(keys) if chosen.get(key) == ""}
    for i, key in enumerate(keys):
        field = chosen.get(key)
        if field and field not in found.values():
            found[i] = field
    for i, key in enumerate(keys):
        if i in found or i in skip:
            continue
        field = _EXACT.get(key)
        if field and field not in found.values():
            found[i] = field
    for i, key in enumerate(keys):
        if i in found or i in skip or not key:
            continue
        field = next((f for alias, f in _SUFFIXES if key.endswith(alias) and f not in found.values()), None)
        if field:
            found[i] = field
    return found


def _header(records: Iterator[tuple[int, tuple | list]], filename: str,
            chosen: dict[str, str]) -> tuple[int, list[str], dict[int, str]]:
    """The header row's number, its cells and its column → field mapping (records then stand after it)."""
    seen_rows = []  # (row number, headers, mapping) of the first non-empty rows, until one looks like the header
    for row_no, values in records:
        if not _blank(values):
            headers = [_cell(v) for v in values]
            mapping = match_headers(headers, chosen)
            seen_rows.append((row_no, headers, mapping))
            found = set(mapping.values())
            if ("name" in found and set(CONTACTS) & found) or len(seen_rows) >= HEADER_SEARCH:
                break
    if not seen_rows:
        raise SheetError(f"{filename} 里没有任何内容")
    row_no, headers, mapping = next((seen for seen in seen_rows if "name" in seen[2].values()), seen_rows[0])
    missing = [] if "name" in mapping.values() else ["姓名"]
    if not set(CONTACTS) & set(mapping.values()):
        missing.append("至少一种联系方式（手机号、邮箱、企业微信或微信）")
    if missing:
        found = "、".join(h for h in headers if h) or "（无）"
        raise SheetError(f"表格缺少必需的列：{'；'.join(missing)}。找到的表头：{found}")
    return row_no, headers, mapping


def _columns(headers: list[str], mapping: dict[int, str]) -> Columns:
    columns = {field: headers[i] for i, field in sorted(mapping.items(), key=lambda item: FIELDS.index(item[1]))}
    return Columns(columns, [h for i, h in enumerate(headers) if i not in mapping and h])


def _parse(records: Iterator[tuple[int, tuple | list]], filename: str, chosen: dict[str, str]) -> Sheet:
    row_no, headers, mapping = _header(records, filename, chosen)
    read = _columns(headers, mapping)
    columns, ignored = read.columns, read.ignored
    last_allowed = row_no + MAX_ROWS
    rows, errors, extra = [], [], []
    seen: dict[str, dict[str, int]] = {key: {} for key in UNIQUE}
    for row_no, values in records:
        if _blank(values):
            continue
        if row_no > last_allowed:
            extra = [extra[0] if extra else row_no, row_no]
            continue
        fields, reasons = check_row({field: values[i] if i < len(values) else None for i, field in mapping.items()})
        earlier: dict[int, list[str]] = {}
        for key in UNIQUE:
            if key in fields and fields[key] in seen[key]:
                earlier.setdefault(seen[key][fields[key]], []).append(LABELS[key])
        reasons += [f"与第 {n} 行重复（{'、'.join(labels)}）" for n, labels in sorted(earlier.items())]
        if reasons:
            errors.append(RowError(row_no, tuple(reasons)))
            continue
        for key in UNIQUE:
            if key in fields:
                seen[key][fields[key]] = row_no
        rows.append(Row(row_no, fields))
    if extra:
        reason = f"超过 {MAX_ROWS} 行上限：第 {extra[0]}–{extra[1]} 行未导入，请拆分后再发送"
        errors.append(RowError(extra[0], (reason,)))
    if not rows and not errors:
        raise SheetError(f"{filename} 只有表头，没有候选人数据")
    return Sheet(rows, errors, columns, ignored)


def check_row(raw: dict[str, object]) -> tuple[dict[str, str | float], list[str]]:
    """Clean one row's cells (canonical field → raw value); return the cleaned fields and every problem found."""
    fields: dict[str, str | float] = {}
    reasons: list[str] = []
    for field, value in raw.items():
        text = _cell(value)
        if not text:
            continue
        if field in MAX_LENGTH and len(text) > MAX_LENGTH[field]:
            reasons.append(f"{LABELS[field]}超过 {MAX_LENGTH[field]} 个字符")
        elif field == "name":
            fields[field] = " ".join(text.split())
        elif field == "phone":
            phone, problem = normalise_phone(text)
            _keep(fields, reasons, field, phone, problem)
        elif field == "email":
            email = text.lower()
            _keep(fields, reasons, field, email, None if EMAIL.fullmatch(email) else f"邮箱 {text} 格式不正确")
        elif field == "id_number":
            number, problem = check_id_number(text, typed_as_number=isinstance(value, (int, float)))
            _keep(fields, reasons, field, number, problem)
        elif field == "years":
            years, problem = parse_years(text)
            _keep(fields, reasons, field, years, problem)
        elif field == "education":
            fields[field] = normalise_education(text)
        else:
            fields[field] = text
    if not _cell(raw.get("name")):
        reasons.insert(0, "姓名为空")
    if not any(_cell(raw.get(field)) for field in CONTACTS):
        reasons.append("没有联系方式（手机号、邮箱、企业微信、微信至少填一项）")
    return fields, reasons


def _keep(fields: dict, reasons: list[str], field: str, value, problem: str | None) -> None:
    if problem:
        reasons.append(problem)
    else:
        fields[field] = value
