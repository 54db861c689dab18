"""Matching a .zip of résumé files to a sheet's rows (bot/bulk/resumefiles.py), without the app: by the phone or
e-mail a résumé gives, by a phone or a unique name in the file's name, never by a name two rows share; the sheet's
own cells win over the résumé's; a file of no row, or not read, is named with its reason. Real PDF files."""
from __future__ import annotations

import io
import zipfile

import pytest

from bot.bulk.resumefiles import UNMATCHED, ZipRejected, match, read_files, rows_of
from bot.bulk.sheets import Row, RowError, Sheet
from tests.bot.resumes.generate import Spec, to_pdf


def resume(name: str, phone: str, email: str = "") -> bytes:
    return to_pdf(Spec("zh", name, phone, phone, email,
                       education=[{"school": "湖南大学", "degree": "本科", "degree_text": "本科", "major": "会计学",
                                   "start": (2016, 9), "end": (2020, 6)}], skills=["Excel"]))


def archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


def sheet(*rows: dict) -> Sheet:
    return Sheet([Row(n + 2, fields) for n, fields in enumerate(rows)], [RowError(9, ("姓名为空",))], {}, [])


def test_each_way_of_matching_and_what_wins():
    rows = sheet({"name": "周七", "phone": "13800000007", "education": "硕士"},  # by the résumé's phone
                 {"name": "吴八", "phone": "13800000008"},  # by the phone in the file's name
                 {"name": "郑九", "phone": "13800000009", "email": "zj@qq.com"},  # by the résumé's e-mail
                 {"name": "钱十", "phone": "13800000010"},  # by the name in the file's name
                 {"name": "孙一", "phone": "13800000011"}, {"name": "孙一", "phone": "13800000012"})
    files = read_files(archive({
        "a.pdf": resume("周七", "13800000007"),
        "简历_13800000008.pdf": resume("吴八", "13900000000"),
        "b.pdf": resume("郑九", "13700000000", "zj@qq.com"),
        "钱十的简历.pdf": resume("钱十", "13600000000"),
        "孙一.pdf": resume("孙一", "13500000000"),  # two rows are 孙一: which one is not guessed
    }))
    matched = match(rows, files)
    assert {row_no: f.name for row_no, f in matched.files.items()} == {
        2: "a.pdf", 3: "简历_13800000008.pdf", 4: "b.pdf", 5: "钱十的简历.pdf"}
    fields = {r.row_no: r.fields for r in matched.rows}
    assert fields[2]["education"] == "硕士"  # the sheet's cell wins over the résumé's 本科
    assert fields[3]["education"] == "本科" and fields[3]["major"] == "会计学"  # from the résumé
    assert "Excel" in fields[5]["resume"] and "resume" not in fields[6]
    assert matched.notes == [f"文件 孙一.pdf：{UNMATCHED}"]
    [sheet_error, unmatched] = matched.errors
    assert sheet_error.row_no == 9 and unmatched.row_no == 9 + 5  # after the sheet's rows, in the archive's order


def test_a_file_not_read_keeps_its_row_or_is_listed():
    rows = sheet({"name": "周七", "phone": "13800000007"})
    files = read_files(archive({"周七.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "空.pdf": b""}))
    matched = match(rows, files)
    assert not matched.files and [r.row_no for r in matched.rows] == [2]  # screened on the sheet's cells
    assert matched.notes[0].startswith("文件 周七.doc（第 2 行）：") and "该行按表格内容筛选" in matched.notes[0]
    assert matched.notes[1].startswith("文件 空.pdf：") and len(matched.errors) == 2


def test_with_no_sheet_each_resume_is_a_row_checked_like_a_sheets():
    files = read_files(archive({"1.pdf": resume("周七", "13800000007"), "2.pdf": resume("吴八", "")}))
    out = rows_of(files)
    assert [(r.row_no, r.fields["name"], r.fields["phone"]) for r in out.rows] == [(1, "周七", "13800000007")]
    assert out.errors[0].row_no == 2 and "没有联系方式" in out.errors[0].reasons[0]


def test_an_archive_that_cannot_be_read_is_refused_whole():
    with pytest.raises(ZipRejected, match="压缩包已损坏"):
        read_files(b"PK\x03\x04broken")
    with pytest.raises(ZipRejected, match="没有文件"):
        read_files(archive({}))
