"""How an answer's words are read: a negation negates what it governs, not its whole clause; typed answers match
the rubric literally (pinyin is for transcripts); only real figures count as 具体数字."""
from __future__ import annotations

import pytest

from bot.positions.catalog import POSITIONS_DIR, parse_position
from scoring import report, text

TELLER = {q["key"]: q for q in parse_position(POSITIONS_DIR / "teller.yaml")["questions"]}
CASH, SALE = TELLER["cash_discrepancy"], TELLER["cross_sell"]


@pytest.mark.parametrize("answer", [
    "金额不大的话我就自己先补上",
    "金额不大我就自己先补上",
    "如果金额不太多，我自己先补上",
    "没多少钱，自己先补了算了",
])
def test_a_negation_of_something_else_does_not_hide_a_red_flag(answer):
    assert [f["word"] for f in text.red_flags(answer, CASH["red_flags"])] == ["自己先补"]


@pytest.mark.parametrize("answer", [
    "我不会自己先补上，要马上报告主管",
    "绝对不能自己先补",
    "我不跟客户说一定能赚",
    "没有自己先补，而是先报告",
    "不是自己先补，而是按制度登记",
])
def test_a_negation_still_negates_what_it_governs(answer):
    assert text.red_flags(answer, CASH["red_flags"] + SALE["red_flags"]) == []


def test_a_negation_governs_a_rubric_word_only_inside_its_scope():
    rubric = [{"point": "复核查找", "keywords": ["复核"]}, {"point": "上报", "keywords": ["上报"]}]
    assert text.rubric_coverage("差额不大的话就先复核，再上报", rubric)["hit"] == ["复核查找", "上报"]
    assert text.rubric_coverage("我不复核，也不上报", rubric)["hit"] == []


def test_the_flagged_clause_is_a_concern_not_a_highlight():
    answer = "我会先重新清点一遍现金，核对凭证，金额不大的话我就自己先补上。"
    signals = text.analyse(answer, CASH, text.rubric_reference(CASH))
    assert [f["word"] for f in signals["red_flags"]] == ["自己先补"]
    assert not any("自己先补" in h for h in report.highlights(CASH, signals, None))
    assert "不符合规范做法" in report.suggestions(CASH, signals, None)[0]


def shipped_questions() -> list[tuple[str, dict]]:
    found = []
    for path in [POSITIONS_DIR / "teller.yaml", *sorted((POSITIONS_DIR / "templates").glob("*.yaml"))]:
        for question in parse_position(path)["questions"]:
            if any(word in flag for flag in question.get("red_flags") or [] for word in ("保证收益", "保本", "稳赚")):
                found.append((f"{path.stem}:{question['key']}", question))
    return found


@pytest.mark.parametrize("name, question", shipped_questions(), ids=[n for n, _ in shipped_questions()])
def test_promising_a_wealth_product_cannot_lose_is_flagged_in_every_shipped_position(name, question):
    assert text.red_flags("这款产品很稳，基本不会亏，您放心买", question["red_flags"]), name
    assert not text.red_flags("这款产品有风险，可能会亏，不保证收益", question["red_flags"]), name


def test_a_typed_answer_matches_literally_and_a_transcript_by_pinyin():
    rubric = [{"point": "相关经历", "keywords": ["经历"]}]
    assert text.rubric_coverage("我想当大堂经理", rubric)["hit"] == []
    heard = text.rubric_coverage("我想当大堂经理", rubric, spoken=True)["points"][0]["matches"][0]
    assert heard["heard"] == "经理" and heard["exact"] is False
    assert text.rubric_coverage("我有柜面实习经历", rubric)["points"][0]["matches"][0]["exact"] is True
    typed = text.analyse("我想当大堂经理，因为喜欢和人打交道。", {"key": "q", "text": "说说你的经历", "rubric": rubric},
                         "经历")
    assert typed["rubric"]["hit"] == []


def test_a_typed_answer_through_the_pipeline_has_no_homophone_match():
    from scoring import pipeline

    question = {**CASH, "rubric": [{"point": "复核查找", "keywords": ["复核"], "synonyms": []}]}
    done = pipeline.score(pipeline.AnswerInput(question=question, ordinal=3, mode="text", text="我会仔细复合一下"),
                          None, position_reference="", weights={"professional": 1})
    assert done["rubric"]["hit"] == []


@pytest.mark.parametrize("answer, figures", [
    ("我处理过一个、两个这样的问题，一次也没出错", []),
    ("这件事十分重要，有几个客户问过", []),
    ("三年里我办过一百多笔业务", ["一百多笔"]),
    ("这笔存款三十万元，年化百分之二十", ["三十万元", "百分之二十"]),
    ("客户存了5万，差错率降了20%，共3次", ["5万", "20%", "3次"]),
    ("两万元的定期，三成放理财", ["两万元", "三成"]),
])
def test_counting_words_are_not_figures(answer, figures):
    found = text.specificity(answer)["numbers"]
    assert found == figures
    said = report.highlights({}, {**text.analyse(answer, {"key": "q", "text": ""}, ""), "rubric": {"points": []}},
                             None)
    assert any("用具体数字说明" in h for h in said) == bool(figures)
