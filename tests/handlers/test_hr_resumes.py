"""Résumés in the HR pages: files dropped on a position are read, made into candidates, screened and invited, each
file's outcome listed; the candidate's page shows every parsed field beside the text with its span marked; a
recruiter corrects a field (audited, the field never the value); a masked role reads it masked and corrects nothing;
a member outside the candidate's units gets a 403. Real HTTP to the app, real database, store and Redis."""
from __future__ import annotations

import io
import random
import re
import zipfile

from bot.store.models import AuditLog, Candidate, Invitation, Resume
from tests.bot.resumes.generate import Spec, make_spec, to_docx, to_pdf
from tests.support.hr import csrf, login

BANKER = Spec("zh", "林晓北", "13911112222", "139-1111-2222", "lxb2021@163.com",
              education=[{"school": "中央财经大学", "degree": "本科", "degree_text": "本科", "major": "金融学",
                          "start": (2017, 9), "end": (2021, 6)}],
              work=[{"kind": "internship", "employer": "招商银行", "title": "大堂经理助理", "start": (2020, 7),
                     "end": (2020, 9), "duties": ["引导客户办理业务，协助处理投诉。"]}],
              skills=["Excel", "点钞"], certificates=["银行从业资格"])


def drop(session, stack, files: list[tuple[str, bytes]], slug: str = "teller"):
    board = session.get(f"{stack.base}/hr/positions/{slug}", timeout=30)
    assert board.status_code == 200 and 'data-testid="drop-resumes"' in board.text
    return session.post(f"{stack.base}/hr/positions/{slug}/resumes", data={"csrf": csrf(board.text)},
                        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
                        timeout=120)


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def outcomes(page: str) -> list[str]:
    return re.findall(r'<tr data-state="([a-z_]+)">', page)


def test_files_dropped_on_a_position_are_read_screened_and_invited_each_with_its_outcome(stack):
    hr = login(stack, "hr_li", "/hr/positions/teller")
    other = make_spec(random.Random(7), lang="zh", pages=1)
    old_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    answer = drop(hr, stack, [("林晓北.docx", to_docx(BANKER, "tables")), ("旧简历.doc", old_word),
                              ("批量.zip", zipped({"a/简历.pdf": to_pdf(other), "空.pdf": b""}))])
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert outcomes(page) == ["invited", "refused", "invited", "refused"], page
    assert "旧版 Word 格式" in page and "文件是空的" in page  # each refused file with its Chinese reason
    banker = Candidate.get(Candidate.lookup("phone", "13911112222"))
    assert banker.name == "林晓北" and banker.email == "lxb2021@163.com"
    assert Invitation.get(Invitation.candidate == banker.id).position.slug == "teller"
    assert Resume.get(Resume.candidate == banker.id).source == "hr"
    assert AuditLog.select().where(AuditLog.action == "resume.upload").count() == 2

    again = drop(hr, stack, [("林晓北-副本.docx", to_docx(BANKER, "plain"))])  # the same person: matched, not doubled
    assert outcomes(again.text) == ["invited"]
    assert Candidate.select().where(Candidate.source == "hr").count() == 2
    assert Invitation.select().where(Invitation.candidate == banker.id).count() == 1


def test_a_drop_is_for_recruiters_with_the_form_token(stack):
    viewer = login(stack, "mgr_zhao", "/hr/positions/teller")
    board = viewer.get(f"{stack.base}/hr/positions/teller", timeout=30).text
    assert 'data-testid="drop-resumes"' not in board
    assert viewer.post(f"{stack.base}/hr/positions/teller/resumes", data={"csrf": "x"},
                       files=[("files", ("a.txt", b"x", "text/plain"))], timeout=30).status_code == 403
    hr = login(stack, "hr_li", "/hr/positions/teller")
    assert hr.post(f"{stack.base}/hr/positions/teller/resumes", files=[("files", ("a.txt", b"x", "text/plain"))],
                   timeout=30).status_code == 400  # no token
    empty = drop(hr, stack, [])
    assert empty.status_code == 400 and "请选择至少一份简历文件" in empty.text
    assert Candidate.select().count() == 0


def _banker(stack) -> tuple[object, int]:
    hr = login(stack, "hr_li", "/hr/positions/teller")
    assert outcomes(drop(hr, stack, [("林晓北.docx", to_docx(BANKER, "tables"))]).text) == ["invited"]
    return hr, Candidate.get(Candidate.source == "hr").id


def test_the_resume_page_marks_each_fields_span_and_a_recruiter_corrects_one(stack):
    hr, cid = _banker(stack)
    page = hr.get(f"{stack.base}/hr/candidates/{cid}/resume", timeout=30).text
    row = Resume.get(Resume.candidate == cid)
    # the employer's value links to the mark around the very text it was read from
    employer = re.search(r'<tr data-field="experience\.0\.employer">.*?href="#span-(\d+)"[^>]*>招商银行</a>', page,
                         re.S)
    assert employer, page
    assert f'<mark id="span-{employer.group(1)}" data-field="experience.0.employer">招商银行</mark>' in page
    assert re.search(r'<mark id="span-\d+" data-field="phone">[^<]*1111[^<]*2222</mark>', page)
    assert "中央财经大学</mark>" in page and "大堂经理助理</mark>" in page

    answer = hr.post(f"{stack.base}/hr/candidates/{cid}/resume/{row.id}/correct",
                     data={"csrf": csrf(page), "field": "experience.0.title", "value": "大堂经理（实习）"}, timeout=30)
    assert answer.status_code == 200 and "已保存修改" in answer.text
    assert "大堂经理（实习）" in answer.text and "系统读取：大堂经理助理" in answer.text
    row = Resume.get_by_id(row.id)
    assert row.corrections["experience.0.title"]["value"] == "大堂经理（实习）"
    assert row.parsed["experience"][0]["title"]["value"] == "大堂经理助理"  # what was read stays as read
    audit = AuditLog.get(AuditLog.action == "resume.correct")
    assert audit.actor == "hr_li" and audit.detail == {"field": "experience.0.title", "cleared": False}
    assert "大堂经理（实习）" not in str(audit.detail)

    bad = hr.post(f"{stack.base}/hr/candidates/{cid}/resume/{row.id}/correct",
                  data={"csrf": csrf(page), "field": "experience.9.title", "value": "x"}, timeout=30)
    assert bad.status_code == 400 and "简历里没有第 10 条" in bad.text
    assert hr.post(f"{stack.base}/hr/candidates/{cid}/resume/{row.id}/correct",
                   data={"field": "name", "value": "x"}, timeout=30).status_code == 400  # no form token
    original = hr.get(f"{stack.base}/hr/candidates/{cid}/resume/{row.id}/file", timeout=30)
    assert original.status_code == 200 and original.content.startswith(b"PK")  # the .docx as it was sent
    assert original.headers["Content-Disposition"] == f"attachment; filename=resume-{row.id}.docx"


def test_a_masked_role_reads_the_resume_masked_and_cannot_correct(stack):
    _, cid = _banker(stack)
    row = Resume.get(Resume.candidate == cid)
    viewer = login(stack, "mgr_zhao", f"/hr/candidates/{cid}/resume")
    page = viewer.get(f"{stack.base}/hr/candidates/{cid}/resume", timeout=30)
    assert page.status_code == 200
    for secret in ("林晓北", "13911112222", "139-1111-2222", "lxb2021@163.com"):
        assert secret not in page.text
    assert "林**" in page.text and "139****2222" in page.text and "l***@163.com" in page.text
    assert "招商银行</mark>" in page.text and "/correct" not in page.text and "/file" not in page.text
    assert viewer.post(f"{stack.base}/hr/candidates/{cid}/resume/{row.id}/correct",
                       data={"csrf": "x", "field": "name", "value": "x"}, timeout=30).status_code == 403
    assert viewer.get(f"{stack.base}/hr/candidates/{cid}/resume/{row.id}/file", timeout=30).status_code == 403
    assert not Resume.get_by_id(row.id).corrections


def test_a_member_outside_the_candidates_units_gets_a_403(stack):
    from bot.org import team, units
    from bot.positions.templates import create_from_template

    units.sync(units.load(stack.settings.organisation_path))
    sh = create_from_template("retail-rm-campus", "rm-sh", "客户经理（上海分行）")
    team.assign(sh, units.by_code("sh"), team.parse_team(None), "test")
    hr, cid = _banker(stack)  # invited to 柜员, at the root
    shanghai = login(stack, "sh_chen", f"/hr/candidates/{cid}/resume")
    assert shanghai.get(f"{stack.base}/hr/candidates/{cid}/resume", timeout=30).status_code == 403
    assert hr.get(f"{stack.base}/hr/candidates/{cid}/resume", timeout=30).status_code == 200
    assert hr.get(f"{stack.base}/hr/candidates/999999/resume", timeout=30).status_code == 404
