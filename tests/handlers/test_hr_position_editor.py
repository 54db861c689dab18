"""HR's position editor over HTTP: create from a template or blank, edit, duplicate, the lifecycle, every kind of bad
input refused with the field's path and nothing saved, optimistic locking (a stale save and two saves at the same
moment), YAML export and import, the previews, the open API's If-Match, and interviewers refused."""
from __future__ import annotations

import copy
import json
import re
import threading

import pytest
import requests
import yaml

from tests.support.hr import csrf, login

pytestmark = [pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True),
              pytest.mark.sqlite_only]  # the inputs; the two saves at once keep PostgreSQL


def document_in(page: str) -> dict:
    """The document the editor page was rendered with (what its script edits)."""
    raw = re.search(r'<script type="application/json" id="position-doc">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw)


def save(hr: requests.Session, stack, doc: dict, base: int, original: str = "") -> requests.Response:
    page = hr.get(f"{stack.base}/hr/positions", timeout=30).text
    return hr.post(f"{stack.base}/hr/positions/save", allow_redirects=False, timeout=30, data={
        "csrf": csrf(page), "base_version": str(base), "original": original,
        "document": json.dumps(doc, ensure_ascii=False)})


def _editor_doc(hr, stack, path: str) -> dict:
    page = hr.get(f"{stack.base}{path}", timeout=30)
    assert page.status_code == 200, page.text
    return document_in(page.text)


def _numbers(slug: str) -> list[int]:
    from bot.positions import versions
    from bot.store.models import Position

    return [v.number for v in versions.history(Position.get(Position.slug == slug))]


def test_a_recruiter_creates_from_a_template_edits_and_each_save_is_a_version(stack):
    from bot.store.models import AuditLog, Position, PositionVersion

    hr = login(stack, "hr_li")
    listing = hr.get(f"{stack.base}/hr/positions", timeout=30)
    assert listing.status_code == 200 and 'data-slug="teller"' in listing.text and "招聘中" in listing.text
    assert "客户经理（零售·校招）" in listing.text  # the template chooser
    doc = _editor_doc(hr, stack, "/hr/positions/new?template=retail-rm-campus")
    assert len(doc["questions"]) == 12 and doc["draw"]
    doc.update(slug="rm-bj", title="客户经理（北京分行校招）")
    created = save(hr, stack, doc, 0)
    assert created.status_code == 303 and created.headers["Location"].endswith("/hr/positions/rm-bj/edit?saved=1")
    position = Position.get(Position.slug == "rm-bj")
    assert (position.status, position.is_open) == ("draft", False)  # nobody is invited before HR opens it
    first = PositionVersion.get(PositionVersion.position == position)
    assert (first.number, first.author, first.source) == (1, "hr_li", "hr")
    assert AuditLog.select().where(AuditLog.action == "position.created", AuditLog.actor == "hr_li").exists()

    page = hr.get(f"{stack.base}/hr/positions/rm-bj/edit?saved=1", timeout=30).text
    assert "已保存为 v1" in page and "当前版本 v1" in page and "草稿" in page
    doc = document_in(page)
    doc["questions"][0]["text"] = "请用一分钟介绍你为什么想做客户经理。"
    doc["dimensions"] = {"沟通能力": 0.4, "专业匹配度": 0.3, "岗位适配性": 0.3}
    assert save(hr, stack, doc, 1, "rm-bj").headers["Location"].endswith("saved=2")
    assert Position.get(Position.slug == "rm-bj").questions[0]["text"] == "请用一分钟介绍你为什么想做客户经理。"
    assert save(hr, stack, doc, 2, "rm-bj").headers["Location"].endswith("saved=2")  # unchanged: no version
    assert _numbers("rm-bj") == [2, 1]
    doc["slug"] = "renamed"  # the code of a saved position stays as it is
    assert save(hr, stack, doc | {"think_seconds": 45}, 2, "rm-bj").status_code == 303
    assert not Position.select().where(Position.slug == "renamed").exists() and _numbers("rm-bj") == [3, 2, 1]
    history = hr.get(f"{stack.base}/hr/positions/rm-bj/history", timeout=30).text
    assert 'data-version="3"' in history and "HR 页面" in history


def test_an_existing_position_saved_as_loaded_adds_no_version(stack):
    hr = login(stack, "hr_li")
    doc = _editor_doc(hr, stack, "/hr/positions/teller/edit")
    assert save(hr, stack, doc, 1, "teller").status_code == 303
    assert _numbers("teller") == [1]


def test_the_delivery_policy_is_written_in_chinese_and_saved_as_codes(stack):
    from bot.store.models import Position

    hr = login(stack, "hr_li")
    page = hr.get(f"{stack.base}/hr/positions/teller/edit", timeout=30).text
    assert "送达策略" in page and 'data-path="delivery.channels"' in page
    doc = document_in(page)
    doc["delivery"] = {"channels": "短信、邮件", "fallback_hours": 24}  # as the form sends what HR typed
    assert save(hr, stack, doc, 1, "teller").status_code == 303
    assert Position.get(Position.slug == "teller").rubric["delivery"] == {"channels": ["sms", "email"],
                                                                         "fallback_hours": 24}
    again = hr.get(f"{stack.base}/hr/positions/teller/edit", timeout=30).text
    assert re.search(r'data-path="delivery.channels"[^>]*value="短信、邮件"', again)
    assert _numbers("teller") == [2, 1]  # how candidates are reached is part of the position's version


def test_a_blank_position_and_a_duplicate(stack):
    from bot.store.models import Position

    hr = login(stack, "hr_li")
    blank = _editor_doc(hr, stack, "/hr/positions/new")
    assert blank["title"] == "" and len(blank["questions"]) == 1
    blank.update(slug="intern", title="实习生")
    blank["questions"][0].update(text="请介绍一下自己。", rubric=[{"point": "条理清楚", "keywords": ["首先"]}])
    assert save(hr, stack, blank, 0).status_code == 303
    copied = _editor_doc(hr, stack, "/hr/positions/new?copy=teller")
    assert (copied["slug"], copied["title"]) == ("teller-2", "柜员（副本）")
    assert save(hr, stack, copied, 0).status_code == 303
    twin = Position.get(Position.slug == "teller-2")
    assert twin.questions == Position.get(Position.slug == "teller").questions and twin.status == "draft"
    assert _editor_doc(hr, stack, "/hr/positions/new?copy=teller")["slug"] == "teller-3"


def test_the_lifecycle_is_audited_and_is_no_version(stack):
    from bot.store.models import AuditLog, Position

    hr = login(stack, "hr_li")
    token = csrf(hr.get(f"{stack.base}/hr/positions", timeout=30).text)

    def move(to: str, slug: str = "teller", **extra) -> requests.Response:
        return hr.post(f"{stack.base}/hr/positions/{slug}/state", data={"csrf": token, "to": to, **extra},
                       allow_redirects=False, timeout=30)

    for to, is_open in (("paused", False), ("open", True), ("closed", False), ("archived", False)):
        answer = move(to)
        assert answer.status_code == 303, answer.text
        teller = Position.get(Position.slug == "teller")
        assert (teller.status, teller.is_open) == (to, is_open)
    listing = hr.get(f"{stack.base}/hr/positions", timeout=30).text
    assert 'data-state="archived"' in listing and "取消归档" in listing
    assert "notice=" in move("closed", back="edit").headers["Location"]
    refused = move("paused")  # closed → paused is not a move the lifecycle has
    assert refused.status_code == 409 and "不能改为" in refused.text and "已暂停" in refused.text
    assert move("deleted").status_code == 409
    assert hr.post(f"{stack.base}/hr/positions/teller/state", data={"to": "open"}, timeout=30).status_code == 400
    moves = [(a.detail["from"], a.detail["to"]) for a in AuditLog.select().where(AuditLog.action == "position.status")
             .order_by(AuditLog.id)]
    assert moves == [("open", "paused"), ("paused", "open"), ("open", "closed"), ("closed", "archived"),
                     ("archived", "closed")]
    assert _numbers("teller") == [1]


def _teller(hr, stack) -> dict:
    return _editor_doc(hr, stack, "/hr/positions/teller/edit")


BAD = [  # (what HR did, the field the answer names, words of its message)
    (lambda d: d.update(title="  "), "title", "请填写岗位名称"),
    (lambda d: d.update(title="柜员"), "title", "已有岗位叫「柜员」"),
    (lambda d: d.update(slug="teller"), "slug", "已被使用"),
    (lambda d: d.update(slug="Bad Slug"), "slug", "岗位代码只能用小写字母"),
    (lambda d: d.update(slug="大堂经理"), "slug", "岗位代码只能用小写字母"),  # a file may; a new position may not
    (lambda d: d.update(draw={"服务意识": 5}), "draw.服务意识", "题库不够抽"),
    (lambda d: d.update(draw={"不存在": 1}), "draw.不存在", "没有能力项"),
    (lambda d: d.update(dimensions={"沟通能力": 0.5, "逻辑思维": 0.3}), "dimensions", "权重之和必须为 1（现在是 0.8）"),
    (lambda d: d.update(thresholds={"recommend": 60, "consider": 70}), "thresholds.consider", "不能高于推荐分数线"),
    (lambda d: d.update(thresholds={"recommend": 120}), "thresholds.recommend", "0 到 100"),
    (lambda d: d.update(think_seconds=9999), "think_seconds", "0 到 3600"),
    (lambda d: d.update(answer_seconds=5), "answer_seconds", "10 到 3600"),
    (lambda d: d["questions"][1].update(answer_seconds=4000), "questions[1].answer_seconds", "10 到 3600"),
    (lambda d: d["questions"][2]["rubric"][0].update(point=""), "questions[2].rubric[0].point", "还没有填写要点"),
    (lambda d: d["questions"][1].update(key=d["questions"][0]["key"]), "questions[1].key", "重复"),
    (lambda d: d["questions"][0].update(text=""), "questions[0].text", "缺少题目代码或题目内容"),
    (lambda d: d.update(max_retakes="两次"), "max_retakes", "0 到 10"),
    (lambda d: d.update(answer_modes=[]), "answer_modes", "至少选一种"),
    (lambda d: d.update(think_second=30), "think_second", "不认识的字段 think_second"),
    (lambda d: d["questions"][0].update(hint="x"), "questions[0].hint", "不认识的字段 hint"),
    (lambda d: d["next_round"].update(at="25:00"), "next_round.at", "10:00"),
    (lambda d: d["screening"].update(years_min=5, years_max=2), "screening.years_max", "不能少于"),
    (lambda d: d.update(delivery={"sms": "面试邀请、感谢函"}), "delivery.sms", "短信只能发送有审核模板的消息"),
]


@pytest.mark.parametrize("change, field, words", BAD)
def test_bad_input_is_named_at_its_field_and_nothing_is_saved(stack, change, field, words):
    from bot.store.models import Position

    hr = login(stack, "hr_li")
    doc = _teller(hr, stack)
    new = field in ("slug",) or "已有岗位" in words
    if new:  # these need a new position: a copy of the teller under another code
        doc.update(slug="teller-copy", title="柜员二")
    change(doc)
    doc["description"] = "这段文字只在被退回的表单里"
    answer = save(hr, stack, doc, 0 if new else 1, "" if new else "teller")
    assert answer.status_code == 422, answer.text
    assert f'data-field="{field}"' in answer.text and words in answer.text, answer.text
    assert "Traceback" not in answer.text
    assert document_in(answer.text)["description"] == "这段文字只在被退回的表单里"  # what was typed is kept
    assert Position.select().count() == 1 and _numbers("teller") == [1]
    assert "这段文字" not in Position.get(Position.slug == "teller").description


def test_a_stale_save_is_refused_and_keeps_what_was_typed(stack):
    from bot.positions.catalog import PositionChanged, digest_of, parse_position_doc, save_position
    from bot.store.models import Position

    hr, colleague = login(stack, "hr_li"), login(stack, "hr_wang")
    mine, theirs = _teller(hr, stack), _teller(colleague, stack)
    theirs["think_seconds"] = 30
    assert save(colleague, stack, theirs, 1, "teller").status_code == 303
    mine["questions"][1]["text"] = "我的修改：客户投诉时您会怎么做？"
    stale = save(hr, stack, mine, 1, "teller")
    assert stale.status_code == 409
    assert "另一位同事在您编辑期间保存了版本 v2" in stale.text and "/hr/positions/teller/diff?a=1&amp;b=2" in stale.text
    assert document_in(stale.text)["questions"][1]["text"] == "我的修改：客户投诉时您会怎么做？"
    assert 'name="base_version" value="2"' in stale.text  # saving again on purpose builds on v2
    assert Position.get(Position.slug == "teller").think_seconds == 30 and _numbers("teller") == [2, 1]
    values = parse_position_doc(mine, "x", digest_of(mine))
    with pytest.raises(PositionChanged):
        save_position(values, author="hr_li", source="hr", base_version=1)
    assert save(hr, stack, mine, 2, "teller").status_code == 303 and _numbers("teller") == [3, 2, 1]


@pytest.mark.postgres
def test_two_saves_at_the_same_moment_one_wins_the_other_is_told(stack):
    from bot.store.models import Position

    sessions = [login(stack, "hr_li"), login(stack, "hr_wang")]
    docs = [_teller(s, stack) for s in sessions]
    tokens = [csrf(s.get(f"{stack.base}/hr/positions", timeout=30).text) for s in sessions]
    for i, doc in enumerate(docs):
        doc["think_seconds"] = 30 + i
    barrier, answers = threading.Barrier(2), [None, None]

    def post(i: int) -> None:
        barrier.wait()
        answers[i] = sessions[i].post(f"{stack.base}/hr/positions/save", allow_redirects=False, timeout=30, data={
            "csrf": tokens[i], "base_version": "1", "original": "teller",
            "document": json.dumps(docs[i], ensure_ascii=False)})

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(a.status_code for a in answers) == [303, 409], [a.text[:300] for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert "另一位同事在您编辑期间保存了版本 v2" in loser.text
    winner = answers.index(next(a for a in answers if a.status_code == 303))
    assert Position.get(Position.slug == "teller").think_seconds == 30 + winner and _numbers("teller") == [2, 1]


def test_yaml_export_and_import_round_trip(stack):
    from bot.positions.catalog import parse_position_yaml
    from bot.store.models import Position

    hr = login(stack, "hr_li")
    exported = hr.get(f"{stack.base}/hr/positions/teller/position.yaml", timeout=30)
    assert exported.status_code == 200 and "attachment; filename=teller.yaml" in exported.headers["Content-Disposition"]
    teller = Position.get(Position.slug == "teller")
    values = parse_position_yaml(exported.content, "teller.yaml")
    assert all(values[k] == getattr(teller, k) for k in ("title", "questions", "rubric", "answer_modes"))
    token = csrf(hr.get(f"{stack.base}/hr/positions", timeout=30).text)

    def upload(text: str, original: str = "", base: int = 0) -> requests.Response:
        return hr.post(f"{stack.base}/hr/positions/import", allow_redirects=False, timeout=30,
                       data={"csrf": token, "original": original, "base_version": str(base)},
                       files={"file": ("p.yaml", text.encode(), "application/yaml")})

    doc = yaml.safe_load(exported.text)
    doc.update(slug="teller-sh", title="柜员（上海）")
    created = upload(yaml.safe_dump(doc, allow_unicode=True))
    assert created.status_code == 303 and "/hr/positions/teller-sh/edit" in created.headers["Location"]
    assert Position.get(Position.slug == "teller-sh").questions == teller.questions
    replaced = upload(exported.text.replace("think_seconds: 90", "think_seconds: 75"), "teller", 1)
    assert replaced.status_code == 303 and Position.get_by_id(teller.id).think_seconds == 75
    assert _numbers("teller") == [2, 1]
    for text, original, base, field, status in (
            (exported.text + "\nthink_second: 30\n", "teller", 2, "think_second", 422),
            (exported.text.replace("think_seconds: 90", "think_seconds: ninety"), "", 0, "think_seconds", 422),
            (exported.text, "", 0, "slug", 422),  # from the list: a code in use is not overwritten
            (exported.text, "teller-sh", 1, "slug", 422),  # another position's file into this editor
            ("slug: [unclosed", "", 0, "", 422),
            ("- a list\n- not a position\n", "", 0, "", 422),
            (exported.text.replace("title: 柜员", "title: 2026-01-01"), "teller", 2, "title", 422),  # a date
            (exported.text, "teller", 1, "", 409)):  # based on v1, but v2 is current
        answer = upload(text, original, base)
        assert answer.status_code == status, answer.text
        if field:
            assert f'data-field="{field}"' in answer.text
    assert _numbers("teller") == [2, 1]


def test_previews_follow_the_document(stack):
    hr = login(stack, "hr_li")
    token = csrf(hr.get(f"{stack.base}/hr/positions", timeout=30).text)
    doc = _teller(hr, stack)
    doc.update(title="大堂引导员", think_seconds=45, materials="身份证")
    doc["questions"][1]["text"] = "如果客户在大厅大声争吵，您会怎么做？"
    shown = hr.post(f"{stack.base}/hr/positions/preview", json={"document": doc, "question": 1},
                    headers={"X-CSRF-Token": token}, timeout=30)
    assert shown.status_code == 200, shown.text
    assert "张三，您好！示例银行邀请您参加「大堂引导员」岗位的 AI 面试。" in shown.text
    assert "每题有 45–60 秒思考时间" in shown.text and "请提前准备：身份证" in shown.text  # the intro keeps its 60
    assert "如果客户在大厅大声争吵" in shown.text and "第 2 / 6 题" in shown.text
    assert "preview-draft" not in shown.text
    doc["think_seconds"] = -1  # still being typed: previewed with defaults, never an error page
    draft = hr.post(f"{stack.base}/hr/positions/preview", json={"document": doc}, headers={"X-CSRF-Token": token},
                    timeout=30)
    assert draft.status_code == 200 and "preview-draft" in draft.text and "每题有 60 秒" in draft.text
    assert hr.post(f"{stack.base}/hr/positions/preview", json={"document": doc}, timeout=30).status_code == 400
    assert hr.post(f"{stack.base}/hr/positions/preview", data="[]", headers={"X-CSRF-Token": token,
                   "Content-Type": "application/json"}, timeout=30).status_code == 400


def test_an_interviewer_is_refused_everywhere(stack):
    viewer = login(stack, "mgr_zhao")
    token = csrf(viewer.get(f"{stack.base}/hr/", timeout=30).text)
    for path in ("/hr/positions", "/hr/positions/new", "/hr/positions/new?template=bank-teller",
                 "/hr/positions/teller/edit", "/hr/positions/teller/position.yaml", "/hr/positions/nope/edit"):
        refused = viewer.get(f"{stack.base}{path}", timeout=30)
        assert refused.status_code == 403 and "无权" in refused.text, path
    doc = json.dumps({"slug": "x", "title": "x", "questions": [{"key": "a", "text": "t"}]})
    for path, data in (("/hr/positions/save", {"document": doc, "base_version": "0"}),
                       ("/hr/positions/teller/state", {"to": "closed"}),
                       ("/hr/positions/import", {"base_version": "0"})):
        refused = viewer.post(f"{stack.base}{path}", data={"csrf": token, **data}, timeout=30)
        assert refused.status_code == 403, path
    assert viewer.post(f"{stack.base}/hr/positions/preview", json={"document": {}},
                       headers={"X-CSRF-Token": token}, timeout=30).status_code == 403
    assert "/hr/positions\"" not in viewer.get(f"{stack.base}/hr/", timeout=30).text  # no 岗位设置 in the menu


def test_the_open_api_takes_the_version_it_read(stack):
    from bot.integrations.tokens import create_token

    headers = {"Authorization": f"Bearer {create_token('hr_li', 'full')[1]}"}
    url = f"{stack.base}/api/v1/positions"
    read = requests.get(f"{url}/teller", headers=headers, timeout=30)
    assert read.json()["version"] == 1 and read.headers["ETag"] == '"1"'
    doc = copy.deepcopy(yaml.safe_load(login(stack, "hr_li").get(
        f"{stack.base}/hr/positions/teller/position.yaml", timeout=30).text))
    doc["think_seconds"] = 40
    saved = requests.post(url, json=doc, headers={**headers, "If-Match": '"1"'}, timeout=30)
    assert saved.status_code == 200 and saved.json()["version"] == 2, saved.text
    doc["think_seconds"] = 50
    stale = requests.post(url, json=doc, headers={**headers, "If-Match": "1"}, timeout=30)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    assert stale.json()["error"]["current_version"] == 2
    taken = requests.post(url, json=doc, headers={**headers, "If-Match": "0"}, timeout=30)  # create only
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "version_conflict"
    assert requests.post(url, json=doc, headers={**headers, "If-Match": "abc"}, timeout=30).status_code == 422
    bad = requests.post(url, json={**doc, "thresholds": {"recommend": 50, "consider": 70}}, headers=headers,
                        timeout=30)
    assert bad.status_code == 422 and bad.json()["error"]["path"] == "/thresholds/consider"
    assert requests.post(url, json=doc, headers=headers, timeout=30).json()["version"] == 3  # no If-Match: saved


def test_typed_markup_comes_back_as_text(stack):
    hr = login(stack, "hr_li")
    doc = _teller(hr, stack)
    doc["questions"][0]["text"] = "</script><script>alert(1)</script>请介绍自己"
    doc["title"] = ""  # refused: the page comes back with what was typed
    answer = save(hr, stack, doc, 1, "teller")
    assert answer.status_code == 422 and "<script>alert(1)" not in answer.text
    assert document_in(answer.text)["questions"][0]["text"] == "</script><script>alert(1)</script>请介绍自己"
    token = csrf(answer.text)
    shown = hr.post(f"{stack.base}/hr/positions/preview", json={"document": {**doc, "title": "<b>柜员</b>"}},
                    headers={"X-CSRF-Token": token}, timeout=30).text
    assert "&lt;b&gt;柜员&lt;/b&gt;" in shown and "<b>柜员" not in shown and "<script>alert" not in shown
