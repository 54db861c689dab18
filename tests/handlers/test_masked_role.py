"""What candidates said never reaches the masked role (interviewers, hiring managers, masked API tokens): every
surface they can open is scanned for the candidate's name, phones, e-mails and ID numbers as the candidate wrote
them, and the scrubber itself is checked on the ways people write them."""
from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
import requests

from bot.privacy import scrub
from bot.privacy.roles import ADMIN, HR_LEAD, INTERVIEWER, RECRUITER
from tests.support.chat import answer_text, invite_member, token_of
from tests.support.h5 import answer, consent
from tests.support.hr import csrf, login

pytestmark = pytest.mark.sqlite_only  # masking (other modules cover PostgreSQL)

NAME, PHONE, EMAIL = "赵六", "13812345678", "zhao.liu@example.com"
OTHER_PHONE, OTHER_EMAIL, ID_NUMBER = "13655556666", "xss@example.com", "11010519491231002X"
REGISTERED_ID = "440301199001011234"
CONTACTS = (NAME, PHONE, EMAIL, OTHER_PHONE, OTHER_EMAIL, "zhangsan")
ID_NUMBERS = (ID_NUMBER, REGISTERED_ID)
SAID = {  # what the candidate types, and what a summary quotes back, in the ways people write them
    "answer": f"大家好，我叫赵六，手机13655556666，也可以打 138 1234 5678，邮箱 xss@example.com，"
              f"身份证号 {ID_NUMBER}。",
    "evidence": "原话：“我是赵六，电话 +86 136-5555-6666，Zhao.Liu@Example.com”",
    "highlight": "用具体数字说明（13655556666）",
    "concern": "把身份证 110105 19491231 002x 告诉了面试官",
    "note": "请回电 136 5555 6666 或发邮件 xss＠example.com；身份证 440301 19900101 1234",
}


def leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    """The secrets found in text as written, in any case, or with spaces, dashes or full-width digits."""
    flat = re.sub(r"[\s\-－]", "", text).translate(str.maketrans("０１２３４５６７８９＠", "0123456789@")).lower()
    return [s for s in secrets if s.lower() in text.lower() or s.lower() in flat]


@pytest.fixture
def said(stack):
    """A candidate who typed their name, phones, e-mail and ID number into the answers; their report quotes
    them in evidence, highlights and concerns; a recruiter's note repeats them; the sheet gave an ID number."""
    from bot.bulk.id_numbers import sealed_fields
    from bot.store.models import BulkItem, BulkRun, Candidate, Invitation, Report

    link = invite_member(stack)
    Candidate.update(name=NAME, phone=PHONE, email=EMAIL).execute()
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    consent(client, base)
    for i, q in enumerate(client.get(f"{base}/state").json["questions"]):
        text = (SAID["answer"] if i == 0 else "") + answer_text(q["key"], "excellent")
        assert answer(client, base, q["key"], text).status_code == 200
    stack.drain()
    report = Report.get()
    doc = report.document
    doc["dimensions"][0]["evidence"].append(SAID["evidence"])
    doc["highlights"].insert(0, SAID["highlight"])
    doc["concerns"] = [SAID["concern"], *doc.get("concerns", [])]
    doc["suggestions"].append(SAID["highlight"])
    doc["recommendation"]["reasons"].append(SAID["evidence"])
    doc["integrity"]["flags"] = [SAID["concern"]]
    doc["answers"][0]["highlights"] = [SAID["evidence"]]
    doc["answers"][0]["suggestions"] = [SAID["highlight"]]
    Report.update(document=doc).where(Report.id == report.id).execute()
    invitation = Invitation.get()
    run = BulkRun.create(position=invitation.position, created_by="hr_li", request_key="sheet-1")
    BulkItem.create(run=run, row_no=1, fields=sealed_fields({"name": NAME, "id_number": REGISTERED_ID}),
                    status="queued", invitation=invitation)
    recruiter = login(stack, "hr_li")
    page = recruiter.get(f"{stack.base}/hr/reports/{report.id}", timeout=30).text
    assert recruiter.post(f"{stack.base}/hr/reports/{report.id}/notes", data={"csrf": csrf(page), "text": SAID["note"]},
                          timeout=30).status_code == 200
    return {"report": report.id, "interview": report.interview_id, "candidate": invitation.candidate_id,
            "invitation": invitation.id, "position": invitation.position.slug}


def hr_surfaces(stack, user: str, said: dict) -> dict[str, str]:
    """Every HR page and export a signed-in member can open about the candidate, as text."""
    session = login(stack, user)
    paths = ["/hr/", f"/hr/reports/{said['report']}", f"/hr/compare?r={said['report']}",
             f"/hr/positions/{said['position']}", f"/hr/positions/{said['position']}/export.csv",
             "/hr/pool?q=柜员", "/hr/audit", "/hr/audit.csv"]
    out = {}
    for path in paths:
        response = session.get(f"{stack.base}{path}", timeout=30)
        assert response.status_code in (200, 403), (path, response.status_code)
        out[path] = response.content.decode("utf-8-sig")
    xlsx = session.get(f"{stack.base}/hr/positions/{said['position']}/export.xlsx", timeout=30)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    out["export.xlsx"] = "\n".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)
    return out


def api_surfaces(stack, role: str, said: dict) -> dict[str, str]:
    """Every open-API answer about the candidate for a token of the role."""
    from bot.integrations.tokens import create_token

    token = create_token(f"probe-{role}", role)[1]
    paths = ["/interviews", f"/interviews/{said['interview']}", f"/reports/{said['interview']}",
             f"/candidates/{said['candidate']}", f"/invitations/{said['invitation']}", "/positions/teller",
             "/export/interviews.csv", "/export/interviews.csv?view=masked", "/webhooks"]
    out = {}
    for path in paths:
        response = requests.get(f"{stack.base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"},
                                timeout=30)
        assert response.status_code == 200, (path, response.text)
        out[path] = response.content.decode("utf-8-sig")
    xlsx = requests.get(f"{stack.base}/api/v1/export/interviews.xlsx", headers={"Authorization": f"Bearer {token}"},
                        timeout=30)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    out["api export.xlsx"] = "\n".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)
    return out


def test_the_masked_role_finds_nothing_the_candidate_said_on_any_surface(stack, said):
    from bot.ops.reminders import send_digest

    seen = hr_surfaces(stack, "mgr_zhao", said)
    seen |= api_surfaces(stack, "masked", said)
    stack.say("mgr_zhao", "/report zhangsan")
    stack.drain()
    send_digest()
    stack.drain()
    seen["chat"] = json.dumps(stack.inbox("mgr_zhao"), ensure_ascii=False)
    found = {where: leaks(text, CONTACTS + ID_NUMBERS) for where, text in seen.items()}
    assert not any(found.values()), {k: v for k, v in found.items() if v}
    report = seen[f"/hr/reports/{said['report']}"]
    assert "赵*" in report and "136****6666" in report and "x***@example.com" in report and "110***" in report
    assert "用具体数字说明（136****6666）" in seen[f"/hr/compare?r={said['report']}"]
    assert "136****6666" in seen[f"/reports/{said['interview']}"]
    search = {"q": OTHER_EMAIL}  # the pool indexes transcripts: a masked role may not look an address up in it
    hits = [re.findall("命中：([^<]*)", login(stack, user).get(f"{stack.base}/hr/pool", params=search, timeout=30).text)
            for user in ("hr_li", "mgr_zhao")]
    assert "xss" in "".join(hits[0]) and "xss" not in "".join(hits[1])


def test_full_roles_still_read_what_was_said_and_recruiters_no_id_numbers(stack, said):
    recruiter = hr_surfaces(stack, "hr_li", said)
    report, compare = recruiter[f"/hr/reports/{said['report']}"], recruiter[f"/hr/compare?r={said['report']}"]
    assert set(leaks(report, CONTACTS)) == set(CONTACTS) - {"zhangsan"} and not leaks(report, ID_NUMBERS)
    assert SAID["highlight"] in compare and "110***********002X" in report
    admin = login(stack, "admin_sun").get(f"{stack.base}/hr/reports/{said['report']}", timeout=30).text
    assert set(leaks(admin, ID_NUMBERS)) == set(ID_NUMBERS) and NAME in admin and OTHER_PHONE in admin
    full = api_surfaces(stack, "full", said)[f"/reports/{said['interview']}"]
    assert OTHER_PHONE in full and OTHER_EMAIL in full and NAME in full


def test_the_report_card_in_chat_carries_no_phone_email_or_id_number(stack, said):
    stack.say("hr_li", "/report 赵六")
    stack.drain()
    card = json.dumps([m for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"][-1],
                      ensure_ascii=False)
    assert SAID["highlight"].replace(OTHER_PHONE, "136****6666") in card
    assert not leaks(card, (PHONE, OTHER_PHONE, EMAIL, OTHER_EMAIL) + ID_NUMBERS)


WRITTEN = [  # (as written, what must not survive)
    ("手机13655556666", "13655556666"), ("电话 136 5555 6666", "13655556666"), ("136-5555-6666", "13655556666"),
    ("+86 136 5555 6666", "13655556666"), ("+8613655556666", "13655556666"), ("0086-13655556666", "13655556666"),
    ("008613655556666", "5555"), ("Call me at 136.5555.6666", "5555"), ("tel: +86-10-8765-4321", "8765"),
    ("全角１３６５５５５６６６６", "１３６５５５５６６６６"), ("幺三六五五五五六六六六", "幺三六五五五五六六六六"),
    ("座机 010-87654321", "87654321"), ("（0755）8765 4321", "87654321"), ("电话：87654321", "87654321"),
    ("xss@example.com", "xss@example.com"), ("Zhao.Liu ＠ Example.com", "Zhao.Liu"),
    ("身份证号11010519491231002X", "11010519491231002X"), ("110105 19491231 002x", "002x"),
    ("旧证110105491231002", "110105491231002"),
    ("我叫钱七，今年二十五岁", "钱七"), ("我是欧阳娜娜，来自广州", "欧阳娜娜"), ("本人孙八。", "孙八"),
    ("我的名字叫李明在北京工作", "李明"), ("My name is Zhao Liu.", "Zhao Liu"),
]


@pytest.mark.parametrize("text, secret", WRITTEN)
def test_the_scrubber_masks_contacts_as_people_write_them(text, secret):
    assert secret not in scrub.text(text, scrub.Known(), scrub.EVERYTHING)


@pytest.mark.parametrize("text", ["我是一名软件工程师", "本人性格开朗", "我是高级工程师", "营业额增长了 12%，共 3 年",
                                  "2024-03-15 入职", "第 1 题 30 秒", "交易额 20240315 元", "评分 0.85 分",
                                  "我是金融专业的学生", "编号 A123456"])
def test_the_scrubber_leaves_ordinary_sentences_alone(text):
    assert scrub.text(text, scrub.Known(), scrub.EVERYTHING) == text


def test_the_candidates_registered_data_is_masked_in_the_shapes_headers_use():
    known = scrub.Known(name="赵六", phone="+852 9123 4567", email="Zhao@Corp.cn", userids=("zhaoliu_wx",),
                        id_numbers=("44030119900101123X",))
    doc = {"a": ["赵 六说：我的香港号码 +852 9123 4567，邮箱 zhao@corp.cn，企业微信 zhaoliu_wx", 3, None],
           "b": {"c": "证件 44030119900101123X"}}
    out = scrub.scrub(doc, known, scrub.EVERYTHING)
    flat = json.dumps(out, ensure_ascii=False)
    for secret in ("赵 六", "9123 4567", "zhao@corp.cn", "zhaoliu_wx", "44030119900101123X"):
        assert secret not in flat
    assert "赵*" in flat and "Z***@Corp.cn" in flat and "440***********123X" in flat and out["a"][1:] == [3, None]
    assert scrub.hidden(ADMIN) == scrub.hidden(HR_LEAD) == frozenset()
    assert scrub.hidden(RECRUITER) == {scrub.ID_NUMBER} and scrub.hidden(INTERVIEWER) == scrub.EVERYTHING
    assert scrub.scrub(doc, known, scrub.hidden(ADMIN)) is doc
