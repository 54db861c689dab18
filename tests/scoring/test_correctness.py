"""Content correctness (issue 19): required rubric points cap 专业匹配度 when missing, wrong practices said in other
words are caught by meaning (negation respected), and 岗位适配性 comes from what the position asks for."""
from __future__ import annotations

import json

import jsonschema
import pytest

from bot.positions.catalog import POSITIONS_DIR, PositionFileError, parse_position, parse_position_doc
from scoring import correctness, pipeline, report

TELLER = parse_position(POSITIONS_DIR / "teller.yaml")
QUESTIONS = {q["key"]: q for q in TELLER["questions"]}
CONTEXT = pipeline.position_inputs(TELLER["description"], TELLER["questions"], TELLER["rubric"]["competencies"])
WEIGHTS = TELLER["rubric"]["dimensions"]


def typed(answer: str, key: str, context: dict = CONTEXT) -> dict:
    return pipeline.score(pipeline.AnswerInput(question=QUESTIONS[key], ordinal=1, mode="text", text=answer), None,
                          **context, weights=WEIGHTS)


# Written for these tests (not in any evaluation set): fluent, structured, and wrong.
FLUENT_WRONG_CASH = ("首先，我会冷静下来，不让情绪影响后面的工作。其次，一百元金额不大，为了不影响网点的考核，"
                     "我就自己先出钱把这一百元补进去。最后，我会总结经验，以后点钞更仔细一些。")  # no listed red flag
RIGHT_CASH = ("首先，我不会自己掏钱补上，那样只是把问题盖住。我会马上如实报告主管，然后和主管一起重新清点尾箱现金，"
              "核对当天的凭证和流水，必要时调阅监控。最后按长短款制度登记，查明原因后总结改进。")


def test_a_wrong_practice_in_other_words_is_caught_quoted_and_costs_the_content_score():
    wrong, right = typed(FLUENT_WRONG_CASH, "cash_discrepancy"), typed(RIGHT_CASH, "cash_discrepancy")
    [found] = wrong["signals"]["text"]["contradictions"]
    assert found["point"] == "不私自补款、立即报告" and "自己先出钱" in found["quote"]
    assert wrong["signals"]["text"]["red_flags"] == []  # caught by meaning, not by a listed phrase
    assert right["signals"]["text"]["contradictions"] == []  # 我不会自己掏钱补上: negated, not the wrong practice
    # below an adequate answer's band (60–75), however well it is said; the right practice above it
    assert wrong["dimensions"]["专业匹配度"]["score"] < 55 < 75 < right["dimensions"]["专业匹配度"]["score"]
    assert wrong["total"] < 55 < 75 < right["total"]
    evidence = wrong["dimensions"]["专业匹配度"]["evidence"]
    assert any(line.startswith("✗ 与「不私自补款、立即报告」相悖") for line in evidence)
    assert any("相悖" in c and "自己先出钱" in c for c in report.concerns([wrong]))
    assert not any("自己先出钱" in h for h in wrong["highlights"])  # never quoted as a good example


def test_a_required_point_left_out_caps_professional_fit_and_is_named():
    # careful and structured, but never says it would report the shortage
    silent = ("首先，我会把尾箱里的现金重新清点一遍，再核对当天的凭证和系统流水。其次，我会回想今天办过的大额业务，"
              "必要时调阅监控录像查找原因。最后按长短款制度登记，总结经验，以后更细心。")
    result = typed(silent, "cash_discrepancy")
    assert result["signals"]["text"]["missing_required"] == ["不私自补款、立即报告"]
    assert result["dimensions"]["专业匹配度"]["score"] <= correctness.REQUIRED_CAP
    assert any("必答要点「不私自补款、立即报告」" in line for line in result["dimensions"]["专业匹配度"]["evidence"])
    assert result["suggestions"][0] == "本题必须说明「不私自补款、立即报告」，回答中没有提到"
    assert typed(RIGHT_CASH, "cash_discrepancy")["signals"]["text"]["missing_required"] == []


def test_suitability_comes_from_the_positions_competencies_not_a_fixed_word_list():
    answer = ("排队的人多的时候，我会保持冷静，一笔一笔把业务做准确，遇到不懂的规定就及时问主管，"
              "也会用客户听得懂的话把原因讲清楚。")
    with_profile = typed(answer, "pressure")
    suits = with_profile["dimensions"]["岗位适配性"]
    assert suits["basis"]["fit"] > 0.5
    assert any(line.startswith("与岗位要求「") for line in suits["evidence"])
    # a position that asks for something else entirely: the same answer suits it less
    other = pipeline.position_inputs("负责数据中心机房的网络设备运维和故障排查。", TELLER["questions"],
                                     {"专业知识": "能配置交换机和路由器，排查网络故障。"})
    assert typed(answer, "pressure", other)["dimensions"]["岗位适配性"]["score"] < suits["score"]


def test_required_and_contradicts_are_checked_with_their_field_paths():
    doc = {"slug": "x", "title": "X", "questions": [{"key": "q", "text": "问题？", "rubric": [
        {"point": "P", "keywords": ["a"], "required": "yes"}]}]}
    for bad, field in (({"required": "yes"}, "questions[0].rubric[0].required"),
                       ({"contradicts": "自己垫付"}, "questions[0].rubric[0].contradicts")):
        doc["questions"][0]["rubric"][0] = {"point": "P", "keywords": ["a"], **bad}
        try:
            parse_position_doc(doc, "x", "")
        except PositionFileError as exc:
            assert exc.field == field
        else:
            raise AssertionError(bad)
    doc["questions"][0]["rubric"][0] = {"point": "P", "keywords": ["a"], "required": True, "contradicts": ["错的做法"]}
    doc["competencies"] = {"合规意识": "遵守制度"}
    parsed = parse_position_doc(doc, "x", "")
    assert parsed["rubric"]["competencies"] == {"合规意识": "遵守制度"}
    doc["competencies"] = {"合规意识": ""}
    try:
        parse_position_doc(doc, "x", "")
    except PositionFileError as exc:
        assert exc.field == "competencies.合规意识"
    else:
        raise AssertionError("empty competency accepted")


def test_a_position_names_its_own_dimensions_and_the_report_weighs_them_by_question():
    doc = {**TELLER, "rubric": {**TELLER["rubric"], "dimensions": {"沟通能力": 0.3, "逻辑思维": 0.2, "合规意识": 0.5}}}
    context = pipeline.position_inputs(doc["description"], doc["questions"], doc["rubric"]["competencies"],
                                       doc["rubric"]["dimensions"])
    assert context["custom"] == {"合规意识": TELLER["rubric"]["competencies"]["合规意识"]}
    weights = doc["rubric"]["dimensions"]

    def answer(text: str, key: str, ordinal: int) -> dict:
        return pipeline.score(pipeline.AnswerInput(question=QUESTIONS[key], ordinal=ordinal, mode="text", text=text),
                              None, **context, weights=weights)

    aml = answer("这是拆分存款、规避大额报告的可疑交易。我会礼貌地核实客户身份，询问资金来源和用途；客户仍不说明，"
                 "我就报告主管，按规定提交可疑交易报告，全程不向客户透露。", "aml", 1)
    intro = answer("我叫李明，金融专业毕业，在银行网点实习过半年，做大堂引导，常帮老人填单。我细心耐心，"
                   "希望在柜面岗位稳定成长。", "intro", 2)
    own = aml["dimensions"]["合规意识"]
    assert own["weight"] == 1.0 and own["basis"]["asked"] and own["score"] >= 70  # a 合规意识 question, answered well
    assert intro["dimensions"]["合规意识"]["weight"] == 0.3 and not intro["dimensions"]["合规意识"]["basis"]["asked"]
    assert "专业匹配度" not in weights and set(aml["dimensions"]) >= {"沟通能力", "逻辑思维", "合规意识"}
    interview = {"id": 1, "position": {"slug": "teller", "title": "柜员"}, "candidate_id": 1, "questions": 2,
                 "answered": 2}
    built = report.build_report(interview=interview, answers=[aml, intro], weights=weights)
    jsonschema.validate(json.loads(json.dumps(built)), report.load_schema())  # as stored: the schema takes the name
    by_name = {d["name"]: d for d in built["dimensions"]}
    names = [d["name"] for d in built["dimensions"]]
    assert names.index("合规意识") > names.index("逻辑思维")  # the seeds first, then the position's own
    expected = (own["score"] * 1.0 + intro["dimensions"]["合规意识"]["score"] * 0.3) / 1.3
    assert by_name["合规意识"]["score"] == pytest.approx(expected, abs=0.1) and by_name["合规意识"]["weight"] == 0.5
    # a keyword list to the 合规意识 question is capped there as everywhere
    listed = answer("首先，反洗钱、可疑、拆分、异常。其次，资金来源、身份、核实、询问。最后，报告、合规、保密。",
                    "aml", 3)
    assert listed["dimensions"]["合规意识"]["score"] <= report.GAMING_CAP


def test_a_dimension_the_position_names_must_be_defined_in_its_competencies():
    doc = {"slug": "x", "title": "X", "dimensions": {"沟通能力": 0.5, "客户导向": 0.5},
           "questions": [{"key": "q", "text": "问题？"}]}
    try:
        parse_position_doc(doc, "x", "")
    except PositionFileError as exc:
        assert exc.field == "dimensions" and "客户导向" in str(exc) and "competencies" in str(exc)
    else:
        raise AssertionError("an undefined dimension was accepted")
    doc["competencies"] = {"客户导向": "以客户的需要为先，长期维护客户关系。"}
    assert parse_position_doc(doc, "x", "")["rubric"]["dimensions"] == {"沟通能力": 0.5, "客户导向": 0.5}
    doc["competencies"] = {n: "一句要求。" for n in ("客户导向", "合规意识", "风险判断")}
    doc["dimensions"] = {"沟通能力": 0.4, "客户导向": 0.2, "合规意识": 0.2, "风险判断": 0.2}
    with pytest.raises(PositionFileError, match="at most 2 dimensions of the position's own"):
        parse_position_doc(doc, "x", "")


def test_confidence_drops_when_meaning_and_keywords_disagree_and_when_a_contradiction_needs_checking():
    base = report.recommendation(90, 6, 6, None)["confidence"]
    both = report.recommendation(90, 6, 6, None, disagreeing=2, to_check=1)
    assert both["confidence"] == pytest.approx(base - 0.15)
    assert "2 道题按意思和按关键词的判断差别较大" in both["reasons"]
    assert "1 道题按意思发现可能的不当做法，需要人工核对" in both["reasons"]
    wrong = typed(FLUENT_WRONG_CASH, "cash_discrepancy")
    points = [{"point": "p", "keyword": 1.0, "meaning": 0.1, "score": 0.8, "hit": True, "matches": []}]
    assert report._signals_disagree({"rubric": {"basis": "rubric", "points": points}})
    built = report.build_report(interview={"id": 1, "position": "柜员"}, answers=[wrong], weights=WEIGHTS)
    assert "1 道题按意思发现可能的不当做法，需要人工核对" in built["recommendation"]["reasons"]
