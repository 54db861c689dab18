"""A rubric suggested for a question HR wrote (issue 19): drafted from model answers, or generic by the kind of
question; every point is valid as written, and a rubric HR accepts scores a good answer above a weak one."""
from __future__ import annotations

from bot.positions.catalog import parse_position_doc
from scoring import pipeline, suggest

QUESTION = "请讲一次你在团队里和同事意见不一致的经历，你是怎么处理的？"
MODELS = ["去年做课程项目时，我和组员在技术方案上有分歧。我先私下听他讲完理由，把两种方案的优缺点列出来，"
          "然后约组长一起用数据比较，最后采用了他的方案的一部分，项目按时交付，我也学会了先听再说。",
          "实习时我和同事对客户回访的顺序意见不同。我没有当场争论，而是先了解他的考虑，再拿出客户投诉的数据，"
          "和他一起找主管商量，最后定了一个折中的顺序，投诉少了三成。"]


def _position(points: list[dict]) -> dict:
    doc = {"slug": "x", "title": "X", "questions": [{"key": "q", "text": QUESTION, "rubric": points}]}
    return parse_position_doc(doc, "x", "")


def test_a_rubric_is_drafted_from_the_model_answers_in_their_order():
    draft = suggest.rubric(QUESTION, MODELS)
    assert draft["basis"] == "model_answers" and draft["kind"] == "behavioural"
    assert 2 <= len(draft["points"]) <= suggest.MAX_POINTS
    said = "".join(p["description"] for p in draft["points"])
    assert "我先私下听他讲完理由" in said and said.index("私下") < said.index("按时交付")  # the skeleton's order
    for point in draft["points"]:
        assert point["keywords"] and not set(point["keywords"]) & {"同事", "意见"}  # the question's words left out
    _position(draft["points"])  # valid as written


def test_without_model_answers_the_draft_is_generic_by_the_kind_of_question():
    behavioural = suggest.rubric(QUESTION, [])
    situational = suggest.rubric("客户在柜台前情绪激动地要求马上办理，你会怎么做？", None)
    assert behavioural["basis"] == situational["basis"] == "generic"
    assert [p["point"] for p in behavioural["points"]] == ["具体情境", "自己的行动", "结果与反思"]
    assert [p["point"] for p in situational["points"]] == ["具体步骤", "理由与规范", "后续跟进"]
    _position(behavioural["points"])
    behavioural["points"][0]["point"] = "changed"  # a copy: the shipped draft is not edited through it
    assert suggest.rubric(QUESTION, [])["points"][0]["point"] == "具体情境"


def test_an_accepted_draft_ranks_a_good_answer_above_a_weak_one():
    question = _position(suggest.rubric(QUESTION, MODELS)["points"])["questions"][0]
    good = ("上学期做小组作业时，我和一位组员对数据分析的方法有分歧。我先听他讲完自己的理由，把两种做法的优缺点写下来，"
            "然后请老师一起看数据，最后两种方法结合着用，作业按时交了，我也学会了先听别人说完。")
    weak = "我一般不和别人争，大家意见不一样就算了，听领导的就行。"
    scores = [pipeline.score(pipeline.AnswerInput(question=question, ordinal=1, mode="text", text=t), None,
                             **pipeline.position_inputs("", [question]), weights={"专业匹配度": 1.0})["total"]
              for t in (good, weak)]
    assert scores[0] > scores[1] + 25
