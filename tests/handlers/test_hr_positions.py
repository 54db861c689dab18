"""Position versions end to end: a candidate mid-interview finishes the version they were asked after HR edits the
position, the report says which version, the next interview gets the new one; HR reads the history and the diff
(escaped), bad input is a clear 400/404 page, and an interviewer is refused."""
from __future__ import annotations

import copy
import hashlib
import json

import pytest

from tests.support.chat import answer_text, invite_member, token_of
from tests.support.h5 import answer, consent, reveal
from tests.support.hr import login

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
NEW_TEXT = "请描述一次您处理 <script>客户投诉</script> 的经历。"


def _edit_teller(change, author: str = "api:hris") -> None:
    """Save the teller with one change, as the open API would (a new document, a new digest)."""
    from bot.positions.catalog import POSITIONS_DIR, parse_position, save_position

    values = copy.deepcopy(parse_position(POSITIONS_DIR / "teller.yaml"))
    change(values)
    values["source_sha256"] = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
    assert save_position(values, author=author, source="api") == "updated"


def _second_question_to(text: str):
    def change(values):
        values["questions"][1]["text"] = text
    return change


def test_an_interview_in_progress_finishes_its_version_and_the_report_says_which(stack):
    from bot.store.models import Interview, Report

    client, base = stack.app.test_client(), f"/h5/api/{token_of(invite_member(stack, 'zhangsan'))}"
    consent(client, base)
    keys = [q["key"] for q in client.get(f"{base}/state").json["questions"]]
    first = answer(client, base, keys[0], answer_text(keys[0], "excellent"))
    assert first.status_code == 200, first.json
    old_text = Interview.get().questions[1]["text"]
    assert Interview.get().position_version == 1

    def new_text_and_bar(values):  # v2 asks another question, gives less time and raises the bar of 推荐
        _second_question_to(NEW_TEXT)(values)
        values["answer_seconds"], values["max_retakes"] = 30, 0
        values["rubric"]["thresholds"] = {"recommend": 99, "consider": 98}
    _edit_teller(new_text_and_bar)

    state = client.get(f"{base}/state").json  # the candidate keeps v1's times and retakes
    assert state["position"]["answer_seconds"] == 120 and state["position"]["max_retakes"] == 1
    assert {q["answer_seconds"] for q in state["questions"]} == {120}
    assert reveal(client, base, keys[1])["text"] == old_text != NEW_TEXT
    for key in keys[1:]:
        response = answer(client, base, key, answer_text(key, "excellent"))
        assert response.status_code == 200, response.json
    stack.drain()
    report = Report.get()
    assert report.document["interview"]["position"]["version"] == 1
    assert report.document["recommendation"]["thresholds"] == {"recommend": 75, "consider": 60}  # scored as v1
    assert {q["answer_limit"] for q in report.document["interview"]["asked"]} == {120}  # v1's limits, not v2's 30
    page = login(stack, "hr_li").get(f"{stack.base}/hr/reports/{report.id}", timeout=30).text
    assert "岗位版本 v1" in page and old_text in page and "客户投诉" not in page

    client2, base2 = stack.app.test_client(), f"/h5/api/{token_of(invite_member(stack, 'lisi'))}"
    consent(client2, base2)
    later = Interview.select().order_by(Interview.id.desc()).first()
    assert later.position_version == 2 and later.questions[1]["text"] == NEW_TEXT


def test_history_and_diff_pages_show_who_changed_what_escaped(stack):
    _edit_teller(_second_question_to(NEW_TEXT))
    hr = login(stack, "hr_li")
    history = hr.get(f"{stack.base}/hr/positions/teller/history", timeout=30)
    assert history.status_code == 200, history.text
    assert history.text.index('data-version="2"') < history.text.index('data-version="1"')
    assert "api:hris" in history.text and "开放接口" in history.text and "seed" in history.text
    assert "/hr/positions/teller/history" in hr.get(f"{stack.base}/hr/positions/teller", timeout=30).text
    diff = hr.get(f"{stack.base}/hr/positions/teller/diff?a=1&b=2", timeout=30)
    assert diff.status_code == 200, diff.text
    assert 'data-field="questions"' in diff.text and 'data-field="title"' not in diff.text
    assert "&lt;script&gt;客户投诉&lt;/script&gt;" in diff.text and "<script>客户投诉" not in diff.text
    assert 'class="add"' in diff.text and 'class="del"' in diff.text


@pytest.mark.parametrize("path, status, words", [
    ("/hr/positions/nope/history", 404, "没有这个岗位"),
    ("/hr/positions/nope/diff?a=1&b=2", 404, "没有这个岗位"),
    ("/hr/positions/teller/diff?a=1&b=7", 404, "没有版本 7"),
    ("/hr/positions/teller/diff?a=x&b=1", 400, "版本号"),
    ("/hr/positions/teller/diff?a=1", 400, "版本号"),
    ("/hr/positions/teller/diff?a=-1&b=1", 400, "版本号"),
    ("/hr/positions/teller/diff?a=99999999999999999999&b=1", 400, "版本号"),
    ("/hr/positions/teller/diff?a=１&b=1", 400, "版本号"),
])
def test_bad_input_is_a_clear_page(stack, path, status, words):
    answer_ = login(stack, "hr_li").get(f"{stack.base}{path}", timeout=30)
    assert answer_.status_code == status and words in answer_.text, answer_.text
    assert "Traceback" not in answer_.text


def test_an_interviewer_may_not_read_the_history(stack):
    viewer = login(stack, "mgr_zhao")
    for path in ("/hr/positions/teller/history", "/hr/positions/teller/diff?a=1&b=1", "/hr/positions/nope/history"):
        refused = viewer.get(f"{stack.base}{path}", timeout=30)
        assert refused.status_code == 403 and "无权" in refused.text, refused.text
    assert "/history" not in viewer.get(f"{stack.base}/hr/positions/teller", timeout=30).text
