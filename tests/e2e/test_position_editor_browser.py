"""HR's position editor in a real browser (Debian chromium via Playwright) at phone and desk sizes: a recruiter
creates a 客户经理 position from the shipped template, edits a question and a weight, is told beside the weights that
they do not sum to 1, fixes them, watches the previews follow, saves, opens the position and finds v2 in its
history. Screenshots go to tests/output/hr/."""
from __future__ import annotations

import os

import pytest

from tests.e2e.test_hr_browser import CHROMIUM, browser, open_as, shoot  # noqa: F401  (browser: a fixture)

SIZES = {"phone": "phone", "desk": "desktop"}  # test_hr_browser's sizes: 390×844 and a desk screen
DESK = {"width": 1280, "height": 800}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (.ci/run installs it)"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_a_recruiter_builds_a_position_from_the_template(browser, stack, size):  # noqa: F811  (the fixture)
    from playwright.sync_api import expect

    from bot.positions import versions
    from bot.store.models import Position

    tab = open_as(browser, stack, "hr_li", SIZES[size], "/hr/positions")
    if size == "desk":
        tab.set_viewport_size(DESK)
    expect(tab.locator('tr[data-slug="teller"]')).to_contain_text("招聘中")
    shoot(tab, f"position-list-{size}")
    tab.get_by_label("从模板新建").select_option("retail-rm-campus")
    tab.get_by_role("button", name="用这个模板").click()
    tab.wait_for_url("**/hr/positions/new?template=retail-rm-campus")
    expect(tab.locator("#question-list fieldset.question")).to_have_count(12)
    tab.get_by_label("岗位代码").fill("rm-bj")
    tab.get_by_label("岗位名称").fill("客户经理（北京分行）")
    cards = tab.get_by_test_id("card-preview")
    expect(cards).to_contain_text("邀请您参加「客户经理（北京分行）」岗位的 AI 面试")
    expect(cards).to_contain_text("6 题")  # the draw asks 6 of the bank's 12
    tab.get_by_label("每题思考时间（秒）").fill("45")
    expect(cards).to_contain_text("每题有 45 秒思考时间")
    shoot(tab, f"position-new-{size}")
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/rm-bj/edit?saved=1")
    expect(tab.get_by_test_id("saved")).to_have_text("已保存为 v1。")

    expect(tab.locator("details.qwrap[open]")).to_have_count(1)  # a bank of twelve folds to its summaries
    tab.locator('details.qwrap[data-index="1"] > summary').click()
    question = tab.locator('[data-path="questions[1].text"]')
    question.fill("一位客户拿着信用卡账单来问年费，你会怎么解释？")
    expect(tab.get_by_test_id("question-preview")).to_contain_text("一位客户拿着信用卡账单来问年费")
    expect(tab.get_by_test_id("question-preview")).to_contain_text("第 2 / 6 题")
    expect(tab.locator('details.qwrap[data-index="1"] > summary')).to_contain_text("一位客户拿着信用卡账单来问年费")
    tab.locator('[data-path="dimensions.沟通能力"]').fill("0.4")  # 0.4 + 0.2 + 0.2 + 0.2 + 0.1 = 1.1
    expect(tab.get_by_test_id("weight-sum")).to_contain_text("现在合计 1.1")
    tab.get_by_test_id("save").click()
    error = tab.locator('[data-field-box="dimensions"] .field-error')
    expect(error).to_contain_text("各维度权重之和必须为 1（现在是 1.1）")
    expect(tab.get_by_test_id("error")).to_have_attribute("data-field", "dimensions")
    expect(question).to_have_value("一位客户拿着信用卡账单来问年费，你会怎么解释？")  # nothing typed is lost
    shoot(tab, f"position-error-{size}")
    tab.locator('[data-path="dimensions.逻辑思维"]').fill("0.1")
    expect(tab.get_by_test_id("weight-sum")).to_contain_text("现在合计 1")
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/rm-bj/edit?saved=2")
    expect(tab.get_by_test_id("saved")).to_have_text("已保存为 v2。")
    saved = Position.get(Position.slug == "rm-bj")
    assert saved.questions[1]["text"] == "一位客户拿着信用卡账单来问年费，你会怎么解释？"
    assert saved.rubric["dimensions"]["沟通能力"] == 0.4 and saved.think_seconds == 45 and saved.status == "draft"
    shoot(tab, f"position-saved-{size}")

    tab.get_by_role("button", name="开放招聘").click()
    expect(tab.get_by_test_id("state")).to_have_text("招聘中")
    assert Position.get(Position.slug == "rm-bj").is_open
    tab.get_by_role("link", name="版本记录").first.click()
    tab.wait_for_url("**/hr/positions/rm-bj/history")
    expect(tab.locator('tr[data-version="2"]')).to_contain_text("hr_li")
    expect(tab.locator('tr[data-version="2"]')).to_contain_text("HR 页面")
    shoot(tab, f"position-history-{size}")

    tab.goto(f"{stack.base}/hr/positions/teller/edit")  # saved as loaded: the editor changes nothing by itself
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/teller/edit?saved=1")
    assert [v.number for v in versions.history(Position.get(Position.slug == "teller"))] == [1]


def test_an_error_in_a_folded_question_is_shown_beside_its_field(browser, stack):  # noqa: F811  (the fixture)
    from playwright.sync_api import expect

    tab = open_as(browser, stack, "hr_li", "phone", "/hr/positions/teller/edit")
    tab.locator('details.qwrap[data-index="2"] > summary').click()
    tab.locator('[data-path="questions[2].rubric[0].point"]').fill("")
    tab.get_by_test_id("save").click()
    expect(tab.get_by_test_id("error")).to_have_attribute("data-field", "questions[2].rubric[0].point")
    error = tab.locator('.field-error[data-error-for="questions[2].rubric[0].point"]')
    expect(error).to_be_visible()  # its question unfolded on the refused page
    expect(error).to_have_text("评分要点 1 还没有填写要点。")
    expect(tab.locator('[data-path="questions[2].rubric[0].point"]')).to_have_attribute("aria-invalid", "true")
    shoot(tab, "position-question-error-phone")


SLOW = 15_000  # ms for a check after a request, on a busy 2-core machine
ANSWERS = [
    "我会先请客户坐下，耐心听他说完，表示理解他着急的心情。然后说明证件过期按规定不能办理，这是为了保护他的资金安全。"
    "接着告诉他可以去派出所补办临时身份证，或者预约我们上门，最后留下电话，办好后第一时间帮他优先办理。",
    "先安抚客户的情绪，再解释证件有效期的规定和原因，给出补办证件和预约办理的办法，事后回访确认问题解决。",
]


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_a_new_question_gets_model_answers_and_a_suggested_rubric(browser, stack, size):  # noqa: F811  (fixture)
    """HR types a question of their own with two model answers, asks for 建议评分要点, marks a point 必答, adds a
    wrong practice and saves: the draft is stored only then, with what HR changed."""
    from playwright.sync_api import expect

    from bot.positions import versions
    from bot.store.models import Position

    tab = open_as(browser, stack, "hr_li", SIZES[size], "/hr/positions/teller/edit")
    if size == "desk":
        tab.set_viewport_size(DESK)
    tab.get_by_role("button", name="添加题目").click()
    new = tab.locator('details.qwrap[data-index="6"]')
    expect(new).to_have_attribute("open", "", timeout=SLOW)
    tab.locator('[data-path="questions[6].text"]').fill("客户在柜台情绪激动，要求马上办完业务，但他的证件过期了。你会怎么处理？")
    tab.locator('[data-path="questions[6].competency"]').fill("服务意识")
    tab.get_by_label("第 7 题 参考答案 1").fill(ANSWERS[0])
    new.get_by_role("button", name="添加参考答案").click()
    tab.get_by_label("第 7 题 参考答案 2").fill(ANSWERS[1])
    expect(new.get_by_role("button", name="添加参考答案")).to_have_count(1, timeout=SLOW)  # room for a third
    tab.get_by_role("button", name="第 7 题：建议评分要点").click()
    note = new.get_by_test_id("suggest-note")
    expect(note).to_contain_text("根据参考答案起草", timeout=60_000)  # the encoder loads on the first draft
    drafted = new.locator("[data-point]")
    count = drafted.count()
    assert 2 <= count <= 4
    expect(new.get_by_test_id("suggested")).to_have_count(count, timeout=SLOW)  # each marked 建议 for HR to edit
    first = tab.locator('[data-path="questions[6].rubric[0].point"]')
    assert first.input_value() and first.input_value() in ANSWERS[0]
    assert [v.number for v in versions.history(Position.get(Position.slug == "teller"))] == [1]  # nothing saved yet
    first.fill("先安抚客户情绪")
    tab.locator('[data-path="questions[6].rubric[0].required"]').check()
    tab.locator('[data-path="questions[6].rubric[0].contradicts"]').fill("证件过期也先给他办了\n让客户去别的网点办")
    shoot(tab, f"position-suggested-{size}")
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/teller/edit?saved=2", timeout=4 * SLOW)
    question = Position.get(Position.slug == "teller").questions[6]
    assert question["model_answers"] == ANSWERS and question["competency"] == "服务意识"
    assert len(question["rubric"]) == count and question["rubric"][0]["point"] == "先安抚客户情绪"
    assert question["rubric"][0]["required"] is True
    assert question["rubric"][0]["contradicts"] == ["证件过期也先给他办了", "让客户去别的网点办"]
    assert all("required" not in p for p in question["rubric"][1:]) and all(p["keywords"] for p in question["rubric"])
    tab.locator('details.qwrap[data-index="6"] > summary').click()  # read back into the editor as saved
    expect(tab.locator('[data-path="questions[6].rubric[0].required"]')).to_be_checked(timeout=SLOW)
    expect(tab.get_by_label("第 7 题 参考答案 2")).to_have_value(ANSWERS[1], timeout=SLOW)
    expect(tab.get_by_test_id("suggested")).to_have_count(0, timeout=SLOW)  # saved: HR's, no longer a suggestion
    shoot(tab, f"position-suggested-saved-{size}")


def test_a_generic_draft_is_said_to_be_one(browser, stack):  # noqa: F811  (the fixture)
    from playwright.sync_api import expect

    tab = open_as(browser, stack, "hr_li", "phone", "/hr/positions/teller/edit")
    tab.get_by_role("button", name="添加题目").click()
    new = tab.locator('details.qwrap[data-index="6"]')
    new.get_by_role("button", name="第 7 题：建议评分要点").click()
    expect(new.get_by_test_id("suggest-note")).to_have_text("请先填写题目，再生成建议评分要点。", timeout=SLOW)
    tab.locator('[data-path="questions[6].text"]').fill("讲一次你在实习中解决难题的经历。")
    new.get_by_role("button", name="第 7 题：建议评分要点").click()
    expect(new.get_by_test_id("suggest-note")).to_contain_text("没有参考答案", timeout=60_000)
    expect(tab.locator('[data-path="questions[6].rubric[0].point"]')).to_have_value("具体情境", timeout=SLOW)
    shoot(tab, "position-suggested-generic-phone")


def test_competencies_and_own_dimensions(browser, stack):  # noqa: F811  (the fixture)
    """HR adds a competency and makes 合规意识 one of the position's own dimensions; a missing weight and a
    competency without its sentence are each shown beside their field, and the fixed position is saved."""
    from playwright.sync_api import expect

    from bot.store.models import Position

    tab = open_as(browser, stack, "hr_li", "phone", "/hr/positions/teller/edit")
    rows = tab.locator("[data-competency]")
    expect(rows).to_have_count(5, timeout=SLOW)  # the shipped teller's
    tab.get_by_role("button", name="添加素质要求").click()
    expect(rows).to_have_count(6, timeout=SLOW)
    tab.get_by_label("素质 6 名称").fill("客户导向")
    tab.get_by_role("button", name="添加岗位自有维度").click()
    tab.get_by_label("岗位自有维度 1").select_option("合规意识")
    tab.get_by_test_id("save").click()
    error = tab.locator('.field-error[data-error-for="dimensions.合规意识"]')
    expect(error).to_have_text("权重须是 0 到 1 之间的数。", timeout=SLOW)
    expect(tab.locator('[data-path="competencies.客户导向"]')).to_have_count(1, timeout=SLOW)  # nothing typed is lost
    tab.locator('[data-path="dimensions.合规意识"]').fill("0.1")
    tab.locator('[data-path="dimensions.情绪稳定性"]').fill("0")
    expect(tab.get_by_test_id("weight-sum")).to_contain_text("现在合计 1", timeout=SLOW)
    tab.get_by_test_id("save").click()
    error = tab.locator('.field-error[data-error-for="competencies.客户导向"]')
    expect(error).to_contain_text("请用一句话写出岗位对“客户导向”的要求", timeout=SLOW)
    shoot(tab, "position-competency-error-phone")
    tab.locator('[data-path="competencies.客户导向"]').fill("从客户的角度想问题，把客户的事当成自己的事办好。")
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/teller/edit?saved=2", timeout=4 * SLOW)
    rubric = Position.get(Position.slug == "teller").rubric
    assert rubric["competencies"]["客户导向"] == "从客户的角度想问题，把客户的事当成自己的事办好。"
    assert rubric["dimensions"]["合规意识"] == 0.1 and rubric["dimensions"]["情绪稳定性"] == 0
    assert len(rubric["competencies"]) == 6
    expect(tab.get_by_label("岗位自有维度 1")).to_have_value("合规意识", timeout=SLOW)
    shoot(tab, "position-own-dimension-phone")
    renamed = tab.locator('[data-was="合规意识"] [data-c="name"]')  # the dimension follows its competency's name
    renamed.fill("合规与风控")
    expect(tab.get_by_label("岗位自有维度 1")).to_have_value("合规与风控", timeout=SLOW)
    expect(tab.locator('[data-path="dimensions.合规与风控"]')).to_have_value("0.1", timeout=SLOW)
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/teller/edit?saved=3", timeout=4 * SLOW)
    rubric = Position.get(Position.slug == "teller").rubric
    assert rubric["dimensions"]["合规与风控"] == 0.1 and "合规意识" not in rubric["dimensions"]
    assert "合规与风控" in rubric["competencies"] and "合规意识" not in rubric["competencies"]


def test_a_document_with_every_new_key_is_saved_as_loaded(browser, stack):  # noqa: F811  (the fixture)
    """The editor's script sends back every key of a position it loaded, the ones it has inputs for and the ones it
    has not: model answers, 必答 (true and false), wrong practices, empty lists, competencies, own dimensions,
    personalised rules. Saved without a change it makes no version and the stored position is the same."""
    import yaml

    from bot.positions import versions
    from bot.positions.catalog import POSITIONS_DIR, document_of, parse_position_doc, save_position
    from bot.store.models import Position

    doc = yaml.safe_load((POSITIONS_DIR / "teller.yaml").read_text(encoding="utf-8"))
    doc["questions"][0]["model_answers"] = ANSWERS
    doc["questions"][0]["red_flags"] = []
    doc["questions"][0]["rubric"][1].update(required=False, contradicts=[], synonyms=[])
    doc["dimensions"] = {"沟通能力": 0.2, "逻辑思维": 0.2, "专业匹配度": 0.2, "岗位适配性": 0.2, "合规意识": 0.1,
                         "服务意识": 0.1}
    doc["personalised"] = {"count": 1}
    save_position(parse_position_doc(doc, "teller", "with-every-key"), author="test", source="file")
    teller = Position.get(Position.slug == "teller")
    before = document_of(teller)
    assert [v.number for v in versions.history(teller)] == [2, 1]

    tab = open_as(browser, stack, "hr_li", "desktop", "/hr/positions/teller/edit")
    tab.set_viewport_size(DESK)
    tab.get_by_test_id("save").click()
    tab.wait_for_url("**/hr/positions/teller/edit?saved=2", timeout=4 * SLOW)
    teller = Position.get(Position.slug == "teller")
    assert [v.number for v in versions.history(teller)] == [2, 1]
    after = document_of(teller)
    assert after == before
    assert after["questions"][0]["model_answers"] == ANSWERS and after["competencies"]["合规意识"]
    assert after["questions"][2]["rubric"][0]["contradicts"] == ["自己先垫钱把差错补上", "私下把账调平"]
