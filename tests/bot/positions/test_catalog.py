"""The question-bank schema of a position: competencies, difficulties, English texts, rubric descriptions and the
draw, each violation refused with a message that names the field."""
from __future__ import annotations

import copy

import pytest

from bot.positions.catalog import POSITIONS_DIR, PositionFileError, parse_position, parse_position_doc


def _question(key: str, competency: str | None = "服务意识", **extra) -> dict:
    q = {"key": key, "text": f"问题 {key}", "text_en": f"Question {key}",
         "rubric": [{"point": "要点", "description": "好的回答会先倾听。", "keywords": ["倾听"]}], **extra}
    if competency is not None:
        q["competency"] = competency
    return q


def _doc(**extra) -> dict:
    return {"slug": "bank", "title": "题库", "questions": [_question("a"), _question("b"),
                                                        _question("c", "合规意识", difficulty=3)], **extra}


def test_the_new_keys_are_kept_and_difficulty_defaults_to_two():
    values = parse_position_doc(_doc(draw={"服务意识": 2, "合规意识": 1}), "bank", "")
    assert values["rubric"]["draw"] == {"服务意识": 2, "合规意识": 1}
    a, _, c = values["questions"]
    assert (a["competency"], a["difficulty"], a["text_en"]) == ("服务意识", 2, "Question a")
    assert c["difficulty"] == 3
    assert a["rubric"][0]["description"] == "好的回答会先倾听。"


def test_no_draw_means_an_empty_one_and_competencies_stay_optional():
    doc = {"slug": "x", "title": "y", "questions": [{"key": "a", "text": "t"}]}
    values = parse_position_doc(doc, "x", "")
    assert values["rubric"]["draw"] == {}
    assert values["questions"] == [{"key": "a", "text": "t", "difficulty": 2}]


def test_the_shipped_teller_keeps_its_six_questions_in_order_without_a_draw():
    values = parse_position(POSITIONS_DIR / "teller.yaml")
    assert values["rubric"]["draw"] == {}
    assert [q["key"] for q in values["questions"]] == ["intro", "complaint", "cash_discrepancy", "aml", "pressure",
                                                       "cross_sell"]
    assert all(q["competency"] and q["text_en"] and q["difficulty"] in (1, 2, 3) for q in values["questions"])
    assert all(point["description"] for q in values["questions"] for point in q["rubric"])


def _broken(change) -> dict:
    doc = copy.deepcopy(_doc(draw={"服务意识": 2, "合规意识": 1}))
    change(doc)
    return doc


@pytest.mark.parametrize("change, words", [
    (lambda d: d["draw"].update({"合规意识": 2}), r"draw\.合规意识: the bank cannot fill the draw: 2 asked, 1"),
    (lambda d: d["draw"].update({"抗压": 1}), r"draw\.抗压: no question has this competency"),
    (lambda d: d["draw"].update({"服务意识": 0}), r"draw\.服务意识: the count must be a positive whole number"),
    (lambda d: d["draw"].update({"服务意识": True}), r"draw\.服务意识: the count must be a positive"),
    (lambda d: d["draw"].update({"服务意识": "2"}), r"draw\.服务意识: the count must be a positive"),
    (lambda d: d.update(draw=["服务意识"]), r"'draw' must map competencies"),
    (lambda d: d["draw"].update({" ": 1}), r"draw: each competency must be a non-empty name"),
    (lambda d: d["questions"][1].pop("competency"),
     r"draw is set, so every question needs a competency; missing on \['b'\]"),
    (lambda d: d["questions"][0].update(competency="  "), r"question a: competency must be a non-empty name"),
    (lambda d: d["questions"][0].update(difficulty=5), r"question a: difficulty must be 1, 2 or 3 \(got 5\)"),
    (lambda d: d["questions"][0].update(difficulty="hard"), r"question a: difficulty must be 1, 2 or 3"),
    (lambda d: d["questions"][0].update(text_en=""), r"question a: text_en must be the English text"),
    (lambda d: d["questions"][0]["rubric"][0].update(description=""), r"question a: rubric point '要点': description"),
    (lambda d: d["questions"][0]["rubric"][0].pop("point"), r"question a: rubric point 1 needs its text"),
    (lambda d: d["questions"][0].update(rubric=["倾听"]), r"question a: rubric point 1 needs its text"),
    (lambda d: d["questions"][0].update(rubric="倾听"), r"question a: rubric must be a list"),
])
def test_a_bad_bank_or_draw_names_the_field(change, words):
    with pytest.raises(PositionFileError, match=f"^bank: {words}"):
        parse_position_doc(_broken(change), "bank", "")


def test_a_question_may_carry_model_answers_and_numbers_in_keywords_stay_words():
    import yaml

    doc = yaml.safe_load((POSITIONS_DIR / "teller.yaml").read_text("utf-8"))
    doc["questions"][1]["model_answers"] = ["先安抚客户，核实问题，按规定处理并跟进。"]
    doc["questions"][1]["rubric"][0]["keywords"].append(95588)
    values = parse_position_doc(doc, "t", "x")
    assert values["questions"][1]["model_answers"] == ["先安抚客户，核实问题，按规定处理并跟进。"]
    assert "95588" in values["questions"][1]["rubric"][0]["keywords"]
    doc["questions"][1]["model_answers"] = ["一", "二", "三", "四"]
    with pytest.raises(PositionFileError) as refused:
        parse_position_doc(doc, "t", "x")
    assert refused.value.field == "questions[1].model_answers"
