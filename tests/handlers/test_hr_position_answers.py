"""The position editor's inputs for judgement that understands answers (issue 19), over HTTP: each question's model
answers, each rubric point's 必答 mark and wrong practices, the position's competencies and up to two of them as
its own dimensions — saved, read back into the editor unchanged, and refused at their field's path with a message
in Chinese — and 建议评分要点 (POST /hr/positions/rubric-suggestion): a draft from the model answers or a generic
one, a clear 400 for bad input, refused for an interviewer and for a recruiter of another unit — and the open API's
POST /api/v1/rubric-suggestions answering the same draft."""
from __future__ import annotations

import json
import re

import pytest
import requests

from tests.handlers.test_api import api  # noqa: F401  (a fixture)
from tests.handlers.test_hr_position_editor import _editor_doc, _numbers, document_in, save
from tests.support.hr import csrf, login

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the inputs: PostgreSQL adds nothing here

SUGGEST = "/hr/positions/rubric-suggestion"
QUESTION = "客户在柜台情绪激动，要求马上办完业务，但他的证件过期了。你会怎么处理？"
MODEL_ANSWERS = [
    "我会先请客户坐下，耐心听他说完，表示理解他着急的心情。然后说明证件过期按规定不能办理，这是为了保护他的资金安全。"
    "接着告诉他可以去派出所补办临时身份证，或者预约我们上门，最后留下电话，办好后第一时间帮他优先办理。",
    "先安抚客户的情绪，再解释证件有效期的规定和原因，给出补办证件和预约办理的办法，事后回访确认问题解决。",
]


def _extras(doc: dict) -> dict:
    """The teller's document with every new input used: model answers, a point required and one with wrong
    practices, a new competency and two own dimensions (the seeds' weights lowered to keep the sum at 1)."""
    q = doc["questions"][0]
    q["model_answers"] = MODEL_ANSWERS
    q["rubric"][0].update(required=True, contradicts=["只讲自己的经历，不提和柜员工作有什么关系"])
    q["rubric"][1]["required"] = False
    doc["competencies"]["客户导向"] = "从客户的角度想问题，把客户的事当成自己的事办好。"
    doc["dimensions"] = {"沟通能力": 0.2, "逻辑思维": 0.15, "专业匹配度": 0.2, "岗位适配性": 0.15,
                         "情绪稳定性": 0.1, "合规意识": 0.1, "客户导向": 0.1}
    return doc


def test_every_new_input_is_saved_and_read_back_as_it_was(stack):
    from bot.store.models import Position

    hr = login(stack, "hr_li")
    loaded = _editor_doc(hr, stack, "/hr/positions/teller/edit")
    # the shipped teller carries competencies, required points and wrong practices: the editor is given all of them
    assert loaded["competencies"]["合规意识"].startswith("遵守现金管理")
    assert loaded["questions"][2]["rubric"][0]["required"] is True
    assert loaded["questions"][2]["rubric"][0]["contradicts"] == ["自己先垫钱把差错补上", "私下把账调平"]
    doc = _extras(json.loads(json.dumps(loaded)))
    answer = save(hr, stack, doc, 1, "teller")
    assert answer.status_code == 303, answer.text
    assert _numbers("teller") == [2, 1]
    teller = Position.get(Position.slug == "teller")
    assert teller.questions[0]["model_answers"] == MODEL_ANSWERS
    assert teller.questions[0]["rubric"][0]["required"] is True
    assert teller.questions[0]["rubric"][0]["contradicts"] == ["只讲自己的经历，不提和柜员工作有什么关系"]
    assert teller.questions[0]["rubric"][1]["required"] is False
    assert teller.rubric["competencies"]["客户导向"].startswith("从客户的角度")
    assert teller.rubric["dimensions"]["合规意识"] == 0.1 and teller.rubric["dimensions"]["客户导向"] == 0.1
    again = _editor_doc(hr, stack, "/hr/positions/teller/edit?saved=2")
    assert again == doc  # the editor gets back every key it sent
    assert save(hr, stack, again, 2, "teller").status_code == 303 and _numbers("teller") == [2, 1]


BAD = [  # (what HR did, the field the answer names, its label, words of its message)
    (lambda d: d["questions"][0].update(model_answers=["一", "二", "三", "四"]), "questions[0].model_answers",
     "第 1 题 · 参考答案", "参考答案最多 3 条"),
    (lambda d: d["questions"][0].update(model_answers=["好" * 2001]), "questions[0].model_answers",
     "第 1 题 · 参考答案", "每条最多 2000 个字"),
    (lambda d: d["questions"][2]["rubric"][0].update(required="是"), "questions[2].rubric[0].required",
     "第 3 题 · 评分要点 1 · 必答要点", "必答要点只能勾选或不勾选"),
    (lambda d: d["questions"][2]["rubric"][0].update(contradicts="自己垫钱"), "questions[2].rubric[0].contradicts",
     "第 3 题 · 评分要点 1 · 错误做法", "用肯定句写出错误做法"),
    (lambda d: d["questions"][2]["rubric"][0].update(contradicts=["  "]), "questions[2].rubric[0].contradicts",
     "第 3 题 · 评分要点 1 · 错误做法", "每行一句"),
    (lambda d: d["competencies"].update({"合规意识": " "}), "competencies.合规意识", "岗位素质要求 · 合规意识",
     "请用一句话写出岗位对“合规意识”的要求"),
    (lambda d: d["competencies"].update({" ": "要求"}), "competencies", "岗位素质要求", "请填写素质名称"),
    (lambda d: d.update(dimensions={"沟通能力": 0.9, "客户导向": 0.1}), "dimensions", "维度权重",
     "没有这个评分维度：客户导向。岗位自有维度须是“岗位素质要求”里的一项"),
    (lambda d: d.update(dimensions={"沟通能力": 0.7, "合规意识": 0.1, "服务意识": 0.1, "抗压": 0.1}), "dimensions",
     "维度权重", "岗位自有维度最多 2 个"),
    (lambda d: d.update(dimensions={"沟通能力": 0.9, "合规意识": None}), "dimensions.合规意识", "维度权重 · 合规意识",
     "权重须是 0 到 1 之间的数"),
]


@pytest.mark.parametrize("change, field, label, words", BAD)
def test_a_bad_new_input_is_named_at_its_field_and_nothing_is_saved(stack, change, field, label, words):
    hr = login(stack, "hr_li")
    doc = _editor_doc(hr, stack, "/hr/positions/teller/edit")
    change(doc)
    answer = save(hr, stack, doc, 1, "teller")
    assert answer.status_code == 422, answer.text
    assert f'data-field="{field}"' in answer.text, answer.text
    assert f"未保存：{label}：" in answer.text and words in answer.text, answer.text
    assert document_in(answer.text) == json.loads(json.dumps(doc))  # the form comes back as it was typed
    assert _numbers("teller") == [1]


def _post(session, stack, body, token: str | None = None, **kwargs):
    kwargs.setdefault("headers", {"X-CSRF-Token": token} if token else {})
    return session.post(f"{stack.base}{SUGGEST}", timeout=60, allow_redirects=False,
                        **({"json": body} if body is not None else {}), **kwargs)


def _token(session, stack) -> str:
    return csrf(session.get(f"{stack.base}/hr/positions", timeout=30).text)


def test_a_rubric_is_suggested_from_the_model_answers_or_generic_without(stack):
    from bot.positions.catalog import parse_position_doc

    hr = login(stack, "hr_li")
    token = _token(hr, stack)
    drafted = _post(hr, stack, {"question": QUESTION, "model_answers": MODEL_ANSWERS, "position": "teller"}, token)
    assert drafted.status_code == 200, drafted.text
    draft = drafted.json()
    assert draft["basis"] == "model_answers" and "根据参考答案起草" in draft["note"]
    assert 2 <= len(draft["points"]) <= 4
    said = "".join(MODEL_ANSWERS)
    for point in draft["points"]:  # every point comes from the model answers and is a valid rubric point
        assert all(part in said for part in re.split("[，。]", point["description"]) if part) and point["keywords"]
        assert all(word in said for word in point["keywords"])
    # accepted as it is, it passes the position rules (HR edits it before saving, but need not)
    parse_position_doc({"slug": "x", "title": "x", "questions": [{"key": "q1", "text": QUESTION,
                                                                   "rubric": draft["points"]}]}, "draft", "")

    generic = _post(hr, stack, {"question": "讲一次你在实习中解决难题的经历。", "model_answers": ["", "  "]}, token)
    assert generic.status_code == 200, generic.text
    assert generic.json()["basis"] == "generic" and generic.json()["kind"] == "behavioural"
    assert "没有参考答案" in generic.json()["note"] and "行为题" in generic.json()["note"]
    assert [p["point"] for p in generic.json()["points"]] == ["具体情境", "自己的行动", "结果与反思"]
    situational = _post(hr, stack, {"question": QUESTION}, token).json()
    assert situational["basis"] == "generic" and "情境题" in situational["note"]
    assert _numbers("teller") == [1]  # a suggestion saves nothing


@pytest.mark.parametrize("body, words", [
    ({"model_answers": MODEL_ANSWERS}, "请先填写题目"),
    ({"question": "   "}, "请先填写题目"),
    ({"question": 12}, "请先填写题目"),
    ({"question": "题" * 2001}, "题目最多 2000 个字"),
    ({"question": QUESTION, "model_answers": "一条"}, "参考答案须是文字列表"),
    ({"question": QUESTION, "model_answers": [1, 2]}, "参考答案须是文字列表"),
    ({"question": QUESTION, "model_answers": ["一", "二", "三", "四"]}, "参考答案最多 3 条"),
    ({"question": QUESTION, "model_answers": ["好" * 2001]}, "每条最多 2000 个字"),
    ({"question": QUESTION, "position": ["teller"]}, "岗位代码"),
    (["not", "an", "object"], "请求内容须是 JSON"),
    ({"question": "题" * 2000, "model_answers": ["好" * 2000] * 3}, None),  # the largest allowed: 48 KB as \uXXXX
    ({"question": QUESTION, "pad": "x" * 70_000}, "不超过 64 KB"),
])
def test_bad_input_to_the_suggestion_is_a_clear_400(stack, body, words):
    """Each refusal says what is wrong (the largest body allowed is answered)."""
    hr = login(stack, "hr_li")
    answer = _post(hr, stack, body, _token(hr, stack))
    if words is None:
        assert answer.status_code == 200, answer.text
        return
    assert answer.status_code == 400 and words in answer.json()["error"], answer.text


def test_a_suggestion_needs_json_and_the_sessions_token(stack):
    hr = login(stack, "hr_li")
    token = _token(hr, stack)
    for raw, kind in (("question=x", "application/x-www-form-urlencoded"), ("{not json", "application/json"),
                      ("", "application/json")):
        answer = _post(hr, stack, None, token, data=raw.encode(), headers={"X-CSRF-Token": token,
                                                                            "Content-Type": kind})
        assert answer.status_code == 400, (raw, answer.text)
        assert answer.headers["Content-Type"].startswith("application/json") and "Traceback" not in answer.text
    missing = _post(hr, stack, {"question": QUESTION})
    assert missing.status_code == 400 and "表单已过期" in missing.json()["error"]
    signed_out = _post(requests.Session(), stack, {"question": QUESTION}, token)
    assert signed_out.status_code == 401


def test_a_suggestion_is_refused_to_an_interviewer_and_outside_the_members_units(stack):
    from bot.org import team, units
    from bot.positions.templates import create_from_template

    viewer = login(stack, "mgr_zhao")
    answer = _post(viewer, stack, {"question": QUESTION}, csrf(viewer.get(f"{stack.base}/hr/", timeout=30).text))
    assert answer.status_code == 403 and "无权" in answer.json()["error"]

    units.sync(units.load(stack.settings.organisation_path))
    team.assign(create_from_template("retail-rm-campus", "rm-bj", "客户经理（北京分行）"), units.by_code("bj"),
                team.parse_team({"recruiters": ["bj_zhou"]}), "test")
    shanghai, beijing = login(stack, "sh_chen"), login(stack, "bj_zhou")
    refused = _post(shanghai, stack, {"question": QUESTION, "position": "rm-bj"}, _token(shanghai, stack))
    assert refused.status_code == 403 and "不在您负责的机构" in refused.json()["error"], refused.text
    assert _post(shanghai, stack, {"question": QUESTION, "position": "teller"}, _token(shanghai, stack)
                 ).status_code == 403  # the root's position
    allowed = _post(beijing, stack, {"question": QUESTION, "position": "rm-bj"}, _token(beijing, stack))
    assert allowed.status_code == 200 and allowed.json()["basis"] == "generic"
    assert _post(beijing, stack, {"question": QUESTION, "position": "nope"}, _token(beijing, stack)
                 ).status_code == 404


def test_the_open_api_suggests_the_same_rubric(api):  # noqa: F811  (api: a fixture of tests/handlers/test_api.py)
    from bot.integrations.tokens import create_token
    from bot.org import units

    drafted = api("POST", "/rubric-suggestions", api.full, json={"question": QUESTION, "model_answers": MODEL_ANSWERS,
                                                                 "position": "teller"})
    assert drafted.status_code == 200, drafted.text
    hr = login(api.stack, "hr_li")
    same = _post(hr, api.stack, {"question": QUESTION, "model_answers": MODEL_ANSWERS}, _token(hr, api.stack))
    assert drafted.json() == same.json() and drafted.json()["basis"] == "model_answers"
    generic = api("POST", "/rubric-suggestions", api.full, json={"question": "讲一次你在实习中解决难题的经历。"})
    assert generic.json()["basis"] == "generic" and "行为题" in generic.json()["note"]
    for bad in ({"question": " \u3000"}, {"question": "题" * 2001}, {"model_answers": ["一"]},
                {"question": QUESTION, "model_answers": ["一", "二", "三", "四"]}, {"question": QUESTION, "x": 1}):
        refused = api("POST", "/rubric-suggestions", api.full, json=bad)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_request", (bad, refused.text)
    not_json = api("POST", "/rubric-suggestions", api.full, data="{", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400, not_json.text
    assert api("POST", "/rubric-suggestions", None, json={"question": QUESTION}).status_code == 401
    assert api("POST", "/rubric-suggestions", api.masked, json={"question": QUESTION}).status_code == 403
    assert api("POST", "/rubric-suggestions", api.full, json={"question": QUESTION, "position": "nope"}
               ).status_code == 404
    units.sync(units.load(api.stack.settings.organisation_path))
    shanghai = create_token("sh_chen", "full", unit="sh")[1]
    assert api("POST", "/rubric-suggestions", shanghai, json={"question": QUESTION, "position": "teller"}
               ).status_code == 404  # the root's position: as if there were none
