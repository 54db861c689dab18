"""Questions built from a résumé by the shipped rules (config/personalised.yaml) and a position's own: which rule
fits which résumé, the slots filled, the line each came from, the seed's reproducibility, and the position file's
errors naming the field. Résumés are real PDFs (reportlab) read by the real parser."""
from __future__ import annotations

import copy

import pytest
import yaml

from bot.positions.catalog import PositionFileError, parse_position_doc
from bot.resumes import questions as Q
from bot.resumes.intake import read_resume
from tests.bot.resumes.generate import Spec, to_pdf

TEMPLATE = "config/positions/templates/retail-rm-campus.yaml"


def spec(**changes) -> Spec:
    base = Spec("zh", "李晓明", "13812345678", "138-1234-5678", "lxm2023@163.com",
                education=[{"school": "郑州大学", "degree": "本科", "degree_text": "本科", "major": "金融学",
                            "start": (2019, 9), "end": (2023, 6)}],
                work=[{"kind": "internship", "employer": "招商银行", "title": "大堂经理助理", "start": (2022, 7),
                       "end": (2022, 9), "duties": ["协助大堂经理引导客户分流，解答开户咨询。"]}],
                skills=["客户沟通"], certificates=[])
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def read(s: Spec):
    outcome = read_resume(to_pdf(s), "简历.pdf")
    assert outcome.ok, outcome.reason
    return outcome.resume, outcome.document.text


def asked(s: Spec, count: int = 2, seed: str = "seed-1", rules=None, title: str = "客户经理（零售·校招）"):
    resume, text = read(s)
    config = {"count": count, "rules": rules if rules is not None else Q.defaults()["rules"]}
    return Q.build(resume, text, config, title, seed, {"intro"}), text


def test_a_bank_internship_names_the_bank_and_the_title_and_keeps_its_line():
    questions, text = asked(spec(), count=1)
    [q] = questions
    assert q["key"] == "cv-bank_internship"
    assert "招商银行" in q["text"] and "大堂经理助理" in q["text"] and "{" not in q["text"]
    source = q["personalised"]["source"]
    assert q["personalised"]["rule"] == "bank_internship" and source["field"] == "experience[0].employer"
    start, end = source["span"]
    assert text[start:end] == "招商银行" and "招商银行" in source["text"] and "大堂经理助理" in source["text"]
    assert q["text_en"].startswith("Your résumé says you interned at 招商银行 as 大堂经理助理.")  # the English page's
    assert [p["point"] for p in q["rubric"]] == ["情境具体", "亲手做了什么", "结果与收获"]
    assert all(p["description"] and p["keywords"] for p in q["rubric"])


def test_each_kind_of_rule_finds_its_line():
    s = spec(work=[{"kind": "work", "employer": "华为技术有限公司", "title": "运营专员", "start": (2019, 7),
                    "end": (2020, 6), "duties": ["负责渠道运营数据整理。"]},
                   {"kind": "work", "employer": "腾讯科技有限公司", "title": "产品助理", "start": (2021, 6),
                    "end": None, "duties": ["负责用户调研。"]}],
             education=[{"school": "郑州大学", "degree": "本科", "degree_text": "本科", "major": "汉语言文学",
                         "start": (2015, 9), "end": (2019, 6)}],
             skills=["Python", "客户沟通"], certificates=["银行从业资格"])
    resume, _ = read(s)
    found = {rule["key"]: Q.matches(rule, resume, "客户经理") for rule in Q.defaults()["rules"]}
    assert not found["bank_internship"] and not found["bank_work"]  # neither employer is a bank
    assert [m[0]["certificate"] for m in found["certificate"]] == ["银行从业资格"]
    assert [(m[0]["employer"], m[0]["next_employer"]) for m in found["job_change"]] == [
        ("华为技术有限公司", "腾讯科技有限公司")]
    [gap] = found["gap"]
    assert (gap[0]["start"], gap[0]["end"], gap[0]["months"]) == ("2020年6月", "2021年6月", "12")  # as timeline
    assert [m[0]["skill"] for m in found["skill_evidence"]] == ["Python", "客户沟通"]
    assert [m[0]["major"] for m in found["major_motivation"]] == ["汉语言文学"]
    questions, _ = asked(s, count=2, title="客户经理")
    assert [q["personalised"]["rule"] for q in questions] == ["certificate", "gap"]  # the rules' order
    assert "银行从业资格" in questions[0]["text"] and "12 个月" in questions[1]["text"]


def test_a_related_major_and_skills_with_evidence_ask_nothing_of_them():
    s = spec(skills=["客户沟通", "开户咨询"], work=[{"kind": "internship", "employer": "某咨询公司", "title": "助理",
                                              "start": (2022, 7), "end": (2022, 9),
                                              "duties": ["负责开户咨询与客户沟通。"]}])
    resume, _ = read(s)
    rules = {r["key"]: r for r in Q.defaults()["rules"]}
    assert Q.matches(rules["major_motivation"], resume, "客户经理") == []  # 金融学 is related
    assert Q.matches(rules["skill_evidence"], resume, "客户经理") == []  # both skills show in the duties
    questions, _ = asked(s, count=1)
    assert [q["personalised"]["rule"] for q in questions] == ["generic"]  # nothing else fits: the fallback
    assert "某咨询公司" in questions[0]["text"]


def test_the_same_seed_gives_the_same_questions_and_count_limits_them():
    s = spec(skills=["Python", "SQL", "SPSS", "Excel"], certificates=["银行从业资格", "初级会计"])
    rules = [r for r in Q.defaults()["rules"] if r["key"] in ("skill_evidence", "certificate")]
    first = [asked(s, seed=f"seed-{n}", rules=rules)[0] for n in range(6)]
    again = [asked(s, seed=f"seed-{n}", rules=rules)[0] for n in range(6)]
    assert first == again
    assert len({q[0]["text"] for q in first}) > 1  # the seed picks among the fitting lines
    assert all(len(qs) == 2 for qs in first) and asked(s, count=0)[0] == []


def test_an_empty_resume_gives_no_question():
    summary = "自我评价\n工作认真细致，责任心强，善于沟通，能够承受较大的工作压力。我希望加入贵行。\n"
    outcome = read_resume(summary.encode(), "a.txt")
    assert outcome.ok and not outcome.resume.experience and not outcome.resume.education
    assert Q.build(outcome.resume, outcome.document.text, Q.defaults() | {"count": 2}, "柜员", "s", set()) == []


def test_keys_never_clash_with_the_bank():
    questions, _ = asked(spec(), count=1)
    resume, text = read(spec())
    again = Q.build(resume, text, {"count": 1, "rules": Q.defaults()["rules"]}, "x", "s", {"cv-bank_internship"})
    assert questions[0]["key"] == "cv-bank_internship" and again[0]["key"] == "cv-bank_internship-2"


def doc_with(personalised) -> dict:
    doc = yaml.safe_load(open(TEMPLATE, encoding="utf-8"))
    doc["personalised"] = personalised
    return doc


@pytest.mark.parametrize(("block", "field", "words"), [
    ({"count": 3}, "personalised.count", "0 to 2"),
    ({"cout": 1}, "personalised.cout", "unknown key"),
    ({"rules": [{"key": "a", "when": "job", "text": "x"}]}, "personalised.rules[0].when", "experience"),
    ({"rules": [{"key": "a", "when": "experience", "text": "在{employr}"}]}, "personalised.rules[0].text",
     "{employer}"),
    ({"rules": [{"key": "a", "when": "experience", "text": "在{employer"}]}, "personalised.rules[0].text", "brace"),
    ({"rules": [{"key": "a", "when": "gap", "text": "{months}", "text_en": "{skill}"}]},
     "personalised.rules[0].text_en", "unknown slot {skill}"),
    ({"rules": [{"key": "a", "when": "gap", "text": "x", "employer": ["银行"]}]}, "personalised.rules[0].employer",
     "does not apply"),
    ({"rules": [{"key": "a", "when": "major", "text": "{major}"}]}, "personalised.rules[0].related", "related"),
    ({"rules": [{"key": "a", "when": "skill", "text": "{skill}", "rubric": [{"point": "p"}]}]},
     "personalised.rules[0].rubric[0].keywords", "keywords"),
    ({"rules": [{"key": "a", "when": "skill", "text": "{skill}"}, {"key": "a", "when": "skill", "text": "x"}]},
     "personalised.rules[1].key", "repeated"),
])
def test_a_broken_block_names_its_field(block, field, words):
    with pytest.raises(PositionFileError) as caught:
        parse_position_doc(doc_with(block), "p.yaml", "")
    assert caught.value.field == field and words in str(caught.value)


def test_a_position_keeps_what_it_sets_and_the_shipped_rules_pass_the_position_rules():
    values = parse_position_doc(doc_with(copy.deepcopy(yaml.safe_load(open(Q.DEFAULTS, encoding="utf-8")))),
                                "p.yaml", "")
    assert len(values["rubric"]["personalised"]["rules"]) == len(Q.defaults()["rules"])
    only_count = parse_position_doc(doc_with({"count": 2}), "p.yaml", "")["rubric"]["personalised"]
    assert only_count == {"count": 2} and Q.effective(only_count)["rules"] == Q.defaults()["rules"]
    assert "personalised" not in parse_position_doc(doc_with(None), "p.yaml", "")["rubric"]
