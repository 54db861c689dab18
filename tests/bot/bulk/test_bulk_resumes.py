"""A bulk upload with a .zip of résumé files: matched to the sheet's rows by the résumé's phone or e-mail or by the
file's name, the matched rows screened with the résumé's fields and their candidates keeping the file (and found in
the talent pool); a .zip alone makes each readable résumé a row; every file not read or not matched is named with its
reason, in the chat, the summary file and on the page. Real PDF (reportlab) and DOCX (python-docx) files, the real
upload page, jobs, store and database."""
from __future__ import annotations

import io
import time
import zipfile

import pytest

from bot.bulk.runs import failure_rows
from bot.store.models import BulkItem, BulkRun, Candidate, Invitation, Resume
from bot.talent import pool
from tests.bot.resumes.generate import Spec, corpus, to_docx, to_pdf
from tests.support.bulk import sheet, upload
from tests.support.chat import texts


def spec(name: str, phone: str, email: str, skills: list[str], degree: str = "本科") -> Spec:
    return Spec("zh", name, phone, phone, email,
                education=[{"school": "西南财经大学", "degree": degree, "degree_text": degree, "major": "金融学",
                            "start": (2018, 9), "end": (2022, 6)}],
                work=[{"kind": "work", "employer": "中国建设银行", "title": "综合柜员", "start": (2022, 7),
                       "end": None, "duties": ["办理现金收付、转账汇款和凭证管理，熟悉反洗钱初审。"]}],
                skills=skills, certificates=["银行从业资格"])


def archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


A = spec("陈一", "13911110001", "chenyi@163.com", ["点钞", "Tableau"], degree="硕士")
B = spec("林二", "13911110099", "liner@qq.com", ["客户沟通", "SPSS"])  # the sheet has another phone for 林二
STRANGER = spec("王五", "13911119999", "wangwu@qq.com", ["Excel"])


def test_a_sheet_with_a_zip_of_resumes(stack):
    rows = [["陈一", "13911110001", "", "", "", "", ""], ["林二", "13911110002", "", "本科", "", "", ""],
            ["张三", "13911110003", "", "本科", "金融学", "2", "两年银行柜员经验，熟悉点钞和反洗钱。"]]
    files = {"resume-001.pdf": to_pdf(A), "林二-简历.docx": to_docx(B, "tables"), "王五.pdf": to_pdf(STRANGER),
             "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "../evil.pdf": to_pdf(A)}
    path = upload(stack, sheet(rows), resumes=archive(files))
    stack.drain()

    run = BulkRun.get()
    items = {i.row_no: i for i in BulkItem.select().where(BulkItem.run == run.id)}
    # the sheet's rows are 2-4 (row 1 is its header)
    assert items[2].fields["education"] == "硕士" and "Tableau" in items[2].fields["resume"]  # from A's PDF
    assert items[3].fields["education"] == "本科" and "SPSS" in items[3].fields["resume"]  # by the file's name
    assert "柜员经验" in items[4].fields["resume"] and items[4].status in ("queued", "existing")  # no file
    kept = {r.candidate.name: r for r in Resume.select()}
    assert set(kept) == {"陈一", "林二"} and {r.source for r in kept.values()} == {"bulk"}
    assert kept["陈一"].filename == "resume-001.pdf"
    assert Invitation.select().where(Invitation.candidate == kept["陈一"].candidate_id).exists()

    refused = {i.reason for i in items.values() if i.status == "invalid"}
    assert any("王五.pdf" in r and "未能与名单中的任何一行对应" in r for r in refused)
    assert any("old.doc" in r and "Word" in r for r in refused)  # the old-Word reason names the formats
    assert any("evil.pdf" in r and "路径不安全" in r for r in refused)
    csv_reasons = [row[4] for row in failure_rows(stack.settings, run)[1:]]
    assert sum("文件 " in r for r in csv_reasons) == 3
    chat = "\n".join(texts(stack, "hr_li"))
    assert "王五.pdf" in chat and "old.doc" in chat and "evil.pdf" in chat
    page = stack.app.test_client().get(path).get_data(as_text=True)
    assert "简历文件 2 份已读取并对应到行，3 份未能使用" in page

    [hit] = pool.search("Tableau")  # in the pool by a skill on the résumé file
    assert hit["candidate"]["id"] == kept["陈一"].candidate_id
    assert "简历文件·批量上传" in hit["sources"]


def test_a_zip_alone_makes_each_resume_a_row(stack):
    no_contact = Spec("zh", "赵六", "", "", "", education=A.education, work=[], skills=["Excel"])
    files = {"a.pdf": to_pdf(A), "b.docx": to_docx(B), "c.pdf": to_pdf(no_contact), "d.pdf": to_pdf(A)}
    path = upload(stack, b"", resumes=archive(files), resumes_name="简历包.zip")
    stack.drain()

    run = BulkRun.get()
    assert (run.total_rows, run.invalid_rows) == (4, 2)
    items = {i.row_no: i for i in BulkItem.select().where(BulkItem.run == run.id)}
    assert {items[1].fields["name"], items[2].fields["name"]} == {"陈一", "林二"}
    assert items[1].fields["phone"] == "13911110001" and items[1].fields["education"] == "硕士"
    assert "c.pdf" in items[3].reason and "联系方式" in items[3].reason
    assert "d.pdf" in items[4].reason and "同一人" in items[4].reason
    assert Candidate.select().count() == 2 and Resume.select().count() == 2
    assert "已读取并对应到行" in stack.app.test_client().get(path).get_data(as_text=True)


def test_a_damaged_zip_is_refused_with_its_reason_and_nothing_is_imported(stack):
    upload(stack, sheet([["陈一", "13911110001", "", "", "", "", ""]]), resumes=b"PK\x03\x04broken")
    stack.drain()
    assert BulkRun.select().count() == 0 and Candidate.select().count() == 0
    assert any("压缩包已损坏" in t for t in texts(stack, "hr_li"))


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a throughput check: PostgreSQL's bulk paths have
def test_a_sheet_and_a_zip_of_500_resumes_are_parsed_screened_and_invited(stack):  # their own tests (test_bulk.py)
    files = corpus(500, seed=20)
    rows = [[s.name, s.phone, "", "", "", "", ""] for s, _, _ in files]
    started = time.perf_counter()
    upload(stack, sheet(rows), resumes=archive({f"{n:03d}-{name}": data for n, (_, name, data) in enumerate(files)}))
    stack.drain(rounds=40)
    seconds = time.perf_counter() - started

    run = BulkRun.get()
    items = list(BulkItem.select().where(BulkItem.run == run.id))
    matched = Resume.select().count()
    passed = sum(1 for i in items if i.verdict and i.verdict["passed"])
    print(f"\n500 résumés + sheet: {matched} matched and kept, {passed} passed screening, "
          f"{Invitation.select().count()} invited in {seconds:.1f} s ({500 / seconds:.1f} résumés/s, "
          "upload to the last invitation)")
    assert run.total_rows == 500 and matched >= 490  # matched by the phone each résumé gives
    assert Invitation.select().count() == passed > 0
    degrees = {i.fields.get("education") for i in items if i.fields.get("resume")}  # read from each résumé
    assert degrees <= {"博士", "硕士", "本科", "大专"} and len(degrees) > 1
