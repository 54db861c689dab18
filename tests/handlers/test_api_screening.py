"""Every path screened the same way: a candidate the open API adds for a position goes through its screening rules
and is auto-invited like a row of a bulk sheet — the same verdict (pass, score, reasons) as the same person in a
sheet, the invitation and its card when they pass, none when they do not; a résumé file sent for a position is
screened with the fields read from it. Real HTTP to the app, the sandbox, Redis and database."""
from __future__ import annotations

import random

from bot.store.models import BulkItem, Candidate, Invitation
from tests.bot.resumes.generate import make_spec, to_pdf
from tests.handlers.test_api import api  # noqa: F401  (the fixture: HTTP to the app with a full and a masked token)
from tests.support.bulk import TELLER, sheet, upload

CODER = "五年 Java 后端开发经验，熟悉 Spring Boot、MySQL 和微服务，负责电商订单系统，计算机专业。"
ROWS = {"teller": ["柜员甲", "13900000001", "c00001", "本科", "金融学", "3", TELLER],
        "coder": ["程序员乙", "13900000002", "c00002", "高中", "计算机", "5", CODER]}


def as_api(row: list[str], n: int) -> dict:
    name, phone, userid, education, major, years, resume = row
    return {"name": f"{name}{n}", "phone": phone[:-1] + str(n + 4), "wecom_userid": f"{userid}{n}",
            "education": education, "major": major, "years": float(years), "resume": resume, "position": "teller"}


def test_an_api_candidate_is_screened_and_invited_like_a_bulk_row(api):  # noqa: F811
    stack = api.stack
    upload(stack, sheet(list(ROWS.values())))
    stack.drain()
    bulk = {item.fields["name"]: item.verdict for item in BulkItem.select()}
    answer = api("POST", "/candidates", api.full, json=[as_api(row, 1) for row in ROWS.values()])
    assert answer.status_code == 201, answer.text
    teller, coder = answer.json()["items"]
    for got, row in ((teller, ROWS["teller"]), (coder, ROWS["coder"])):
        expected = bulk[row[0]]
        assert (got["screening"]["passed"], got["screening"]["score"], got["screening"]["reasons"]) == (
            expected["passed"], expected["score"], expected["reasons"])
    assert teller["screening"]["passed"] and teller["invitation_id"]
    assert not coder["screening"]["passed"] and coder["invitation_id"] is None
    assert any("学历" in r for r in coder["screening"]["reasons"])
    invitation = Invitation.get_by_id(teller["invitation_id"])
    assert invitation.candidate_id == teller["id"] and invitation.position.slug == "teller"
    assert invitation.invited_by == "hr_li"
    assert not Invitation.select().where(Invitation.candidate == coder["id"]).exists()
    stack.drain()
    cards = [m for m in stack.inbox("c000011") if m["msgtype"] == "template_card"]
    assert len(cards) == 1 and "柜员" in str(cards[0])  # the invitation card, as a bulk row gets
    assert not stack.inbox("c000021")
    # the screening fields are read, not kept on the candidate
    assert Candidate.get_by_id(teller["id"]).resume == TELLER


def test_an_unknown_position_is_refused_and_nothing_is_saved(api):  # noqa: F811
    answer = api("POST", "/candidates", api.full, json={**as_api(ROWS["teller"], 2), "position": "no-such"})
    assert answer.status_code == 422 and answer.json()["error"]["path"] == "/position"
    assert Candidate.select().count() == 0


def test_a_resume_file_for_a_position_is_screened_with_what_it_says(api):  # noqa: F811
    spec = make_spec(random.Random(5), lang="zh", pages=1)
    cid = api("POST", "/candidates", api.full, json={"name": spec.name, "phone": spec.phone}).json()["id"]
    kept = api("POST", f"/candidates/{cid}/resumes", api.full, data={"position": "teller"},
               files={"file": ("简历.pdf", to_pdf(spec), "application/pdf")})
    assert kept.status_code == 201, kept.text
    assert kept.json()["screening"]["education"] == spec.education[-1]["degree"]  # read from the file
    assert kept.json()["verdict"]["passed"] is True, kept.json()["verdict"]
    assert kept.json()["invitation_id"] == Invitation.get(Invitation.candidate == cid).id
