"""bot.bulk.screening: the rules as tables, the semantic match's ordering, the reasons' wording, teller.yaml."""
from __future__ import annotations

import pytest
import yaml

from bot.bulk.screening import DEFAULTS, RulesError, Screener, Verdict, parse_rules
from bot.positions.catalog import POSITIONS_DIR, parse_position
from scoring.text import rubric_reference

JD = ("负责网点柜面现金与非现金业务办理、客户身份核实、反洗钱初审、凭证与现金管理，为客户提供准确、高效、热情的服务，"
      "并识别客户需求、转介理财与信贷产品。")
TELLER = ("本人毕业于江西财经大学金融学专业，本科学历。曾在中国建设银行南昌分行营业部实习六个月，协助柜员办理开户、"
          "存取款、转账汇款等柜面业务，熟练掌握手工点钞，了解反洗钱相关规定，能够识别可疑交易。取得银行从业资格证书，"
          "普通话二级甲等。工作细心耐心，有良好的服务意识和沟通能力，愿意为客户提供准确高效的服务。")
SALES = ("三年房产销售经验，负责客户接待、带看、谈判和签约，年度业绩排名前三，善于沟通，抗压能力强，"
         "熟悉客户需求分析和成交技巧，维护老客户关系，做过电话客服。")
PROGRAMMER = ("计算机科学与技术专业本科，三年Java后端开发经验，熟悉Spring Boot、MySQL、Redis和Kafka，参与电商平台订单"
              "系统的设计与开发，负责接口性能优化，将查询延迟降低百分之四十。熟悉Linux、Docker和Kubernetes。")
RULES = {"education_min": "大专", "majors": ["金融", "会计", "经济"], "years_min": 0,
         "required_skills": ["点钞"], "bonus_skills": ["反洗钱", "银行从业资格", "Excel"],
         "synonyms": {"点钞": ["验钞", "手工点钞"], "银行从业资格": ["银行从业资格证"]}, "match_min": 0.03}


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(RULES, JD)


def candidate(**fields) -> dict:
    return {"name": "张三", "phone": "13800138000", "education": "本科", "major": "金融学", "years": 1.0,
            "resume": TELLER, **fields}


@pytest.mark.parametrize("education, minimum, passed, reason", [
    ("博士", "本科", True, "学历 博士 (+15)"),
    ("硕士", "本科", True, "学历 硕士 (+12)"),
    ("本科", "本科", True, "学历 本科 (+10)"),
    ("大专", "本科", False, "学历 大专 低于要求的 本科"),
    ("大专", "大专", True, "学历 大专 (+6)"),
    ("高中", "大专", False, "学历 高中 低于要求的 大专"),
    ("中专", "大专", False, "学历 中专 低于要求的 大专"),
    ("中专", "高中", True, "学历 中专 (+2)"),  # 高中 and 中专 are one rung
    ("其他", "大专", False, "学历无法确认（不是博士、硕士、本科、大专、高中或中专），要求 大专 及以上"),
    ("", "大专", False, "未填写学历，要求 大专 及以上"),
    ("高中", None, True, "学历 高中 (+2)"),
])
def test_education_ladder(education, minimum, passed, reason):
    screener = Screener({"education_min": minimum}, JD)
    verdict = screener.screen(candidate(education=education, resume="做过柜员"))
    assert verdict.passed is passed
    assert reason in verdict.reasons


def test_education_missing_is_read_from_the_resume_when_it_says():
    screener = Screener({"education_min": "大专"}, JD)
    verdict = screener.screen(candidate(education="", resume="2019年本科毕业，做过两年柜员。"))
    assert verdict.passed and "学历 本科（从简历推断） (+10)" in verdict.reasons
    verdict = screener.screen(candidate(education="", resume="学历：高中，做过两年柜员。"))
    assert not verdict.passed and "学历 高中（从简历推断） 低于要求的 大专" in verdict.reasons


@pytest.mark.parametrize("major, required, passed, reason", [
    ("金融学", False, True, "专业 金融学 与岗位相关 (+10)"),
    ("财务会计", False, True, "专业 财务会计 与岗位相关 (+10)"),
    ("国际经济与贸易", True, True, "专业 国际经济与贸易 与岗位相关 (+10)"),
    ("计算机科学", False, True, "专业 计算机科学 与岗位不直接相关"),
    ("计算机科学", True, False, "专业 计算机科学 不在要求的专业内（金融、会计、经济）"),
    ("", True, False, "未填写专业，要求 金融、会计、经济 相关专业"),
])
def test_majors(major, required, passed, reason):
    screener = Screener({"majors": ["金融", "会计", "经济"], "majors_required": required}, JD)
    verdict = screener.screen(candidate(major=major))
    assert verdict.passed is passed
    assert reason in verdict.reasons


def test_a_major_synonym_counts():
    screener = Screener({"majors": ["金融"], "majors_required": True, "synonyms": {"金融": ["银行", "证券"]}}, JD)
    assert screener.screen(candidate(major="证券投资")).passed


@pytest.mark.parametrize("years, rules, passed, reason", [
    (0.0, {"years_min": 0}, True, None),
    (3.0, {"years_min": 2}, True, "工作年限 3 年 (+6)"),
    (1.5, {"years_min": 2}, False, "工作年限 1.5 年，低于要求的 2 年"),
    (12.0, {"years_min": 0, "years_max": 10}, False, "工作年限 12 年，超过上限 10 年"),
    (8.0, {}, True, "工作年限 8 年 (+10)"),  # capped
    (None, {"years_min": 1}, False, "未填写工作年限，要求至少 1 年"),
    (None, {}, True, None),
])
def test_years(years, rules, passed, reason):
    fields = candidate(years=years)
    if years is None:
        del fields["years"]
    verdict = Screener(rules, JD).screen(fields)
    assert verdict.passed is passed
    if reason:
        assert reason in verdict.reasons
    else:
        assert not any(r.startswith("工作年限") for r in verdict.reasons)


@pytest.mark.parametrize("resume, passed, reason", [
    ("熟练掌握点钞和反洗钱。", True, "必备技能齐全：点钞、反洗钱"),
    ("会用验钞机，熟悉反洗钱。", True, "必备技能齐全：点钞、反洗钱"),  # 验钞 is 点钞
    ("熟悉反洗钱。", False, "缺少必备技能：点钞"),
    ("不会点钞，也不熟悉反洗钱。", False, "缺少必备技能：点钞、反洗钱"),  # negated mentions don't count
    ("做过销售。", False, "缺少必备技能：点钞、反洗钱"),
])
def test_required_skills_with_synonyms(resume, passed, reason):
    rules = {"required_skills": ["点钞", "反洗钱"], "synonyms": {"点钞": ["验钞", "手工点钞"]}}
    verdict = Screener(rules, JD).screen(candidate(resume=resume))
    assert verdict.passed is passed
    assert reason in verdict.reasons


def test_bonus_skills_add_five_points_each_up_to_twenty():
    rules = {"bonus_skills": ["反洗钱", "银行从业资格", "excel", "理财", "普通话"],
             "synonyms": {"银行从业资格": ["银行从业资格证"]}}
    screener = Screener(rules, JD)
    one = screener.screen(candidate(resume="熟悉反洗钱", education="", major="", years=0))
    assert "加分技能：反洗钱 (+5)" in one.reasons
    many = screener.screen(candidate(resume="熟悉反洗钱，有银行从业资格证，会用Excel，懂理财，普通话二甲",
                                     education="", major="", years=0))
    assert "加分技能：反洗钱、银行从业资格、excel、理财、普通话 (+20)" in many.reasons
    assert many.score - one.score >= 15


def test_a_teller_resume_matches_above_sales_above_a_programmer(screener):
    teller, sales, programmer = (screener.match(text) for text in (TELLER, SALES, PROGRAMMER))
    assert 0 <= programmer < sales < teller <= 1
    assert teller > 0.2 and programmer < 0.03
    assert screener.screen(candidate()).score > screener.screen(candidate(resume=PROGRAMMER)).score


def test_match_is_the_same_for_the_same_resume_whatever_else_is_screened(screener):
    alone = screener.screen(candidate())
    batch = screener.screen_many([candidate(resume=PROGRAMMER), candidate(), candidate(resume=SALES)])
    assert batch[1] == alone
    assert batch == [screener.screen(candidate(resume=r)) for r in (PROGRAMMER, TELLER, SALES)]


def test_synonyms_fold_into_one_term_for_the_match():
    plain = Screener({}, "岗位要求熟练点钞")
    folded = Screener({"synonyms": {"点钞": ["验钞"]}}, "岗位要求熟练点钞")
    assert plain.match("熟练验钞") < folded.match("熟练验钞")
    assert folded.match("熟练验钞") == pytest.approx(folded.match("熟练点钞"))


def test_a_few_keywords_or_one_repeated_do_not_buy_a_match(screener):
    assert screener.match("反洗钱" * 50 + "我是程序员，熟悉Java和Python开发") < screener.match(TELLER) / 2
    assert screener.match("柜面 反洗钱 现金") < screener.match(TELLER) / 2


def test_reasons_for_a_full_verdict(screener):
    verdict = screener.screen(candidate())
    assert verdict.passed
    assert verdict.reasons[:4] == ("学历 本科 (+10)", "专业 金融学 与岗位相关 (+10)", "工作年限 1 年 (+2)",
                                   "必备技能齐全：点钞")
    assert verdict.reasons[4] == "加分技能：反洗钱、银行从业资格 (+10)"
    points = round(45 * min(1, verdict.match / 0.4))
    assert verdict.reasons[5] == f"简历与岗位描述匹配度 {verdict.match:.2f} (+{points})"
    assert verdict.score == 32 + points


def test_failures_come_first_and_all_are_given(screener):
    verdict = screener.screen(candidate(education="高中", resume=PROGRAMMER))
    assert not verdict.passed
    assert verdict.reasons[:3] == ("学历 高中 低于要求的 大专", "缺少必备技能：点钞",
                                   f"简历与岗位描述匹配度 {verdict.match:.2f}，低于 0.03")
    assert 0 <= verdict.score <= 100


def test_no_resume_is_a_match_of_zero():
    fields = candidate(resume="")
    failing = Screener({"match_min": 0.15}, JD).screen(fields)
    assert failing == Verdict(False, 12.0, 0.0, ("没有简历内容：请补上简历内容（匹配度记为 0，要求至少 0.15）",
                                                "学历 本科 (+10)", "工作年限 1 年 (+2)"))
    lenient = Screener(None, JD).screen(fields)
    assert lenient.passed and lenient.match == 0.0 and "没有简历内容，匹配度记为 0" in lenient.reasons


def test_default_rules_pass_everyone_and_still_compute_the_match():
    assert parse_rules(None) == DEFAULTS
    screener = Screener(parse_rules(None), JD)
    for resume in (TELLER, PROGRAMMER, "随便写的"):
        verdict = screener.screen({"name": "张三", "resume": resume})
        assert verdict.passed
    assert screener.screen({"name": "张三", "resume": TELLER}).match > 0.2


def test_parse_rules_normalises():
    rules = parse_rules({"education_min": "研究生", "majors": [" 金融 "], "years_min": 1, "years_max": 5,
                         "synonyms": {"点钞": ["验钞"]}, "match_min": 0.1, "auto_invite": True})
    assert rules["education_min"] == "硕士"
    assert rules["majors"] == ["金融"]
    assert (rules["years_min"], rules["years_max"], rules["match_min"]) == (1.0, 5.0, 0.1)
    assert rules["auto_invite"] is True
    assert parse_rules(rules) == rules  # what the database keeps parses again unchanged


@pytest.mark.parametrize("raw, message", [
    ([1, 2], "screening must be a mapping"),
    ({"education": "本科"}, "screening: unknown fields ['education']"),
    ({"education_min": "小学"}, "screening.education_min must be one of ['博士', '硕士', '本科', '大专', '高中'"),
    ({"majors": "金融"}, "screening.majors must be a list of words"),
    ({"majors": ["金融", ""]}, "screening.majors must be a list of words"),
    ({"majors_required": True}, "screening.majors_required is true but screening.majors is empty"),
    ({"majors_required": "yes", "majors": ["金融"]}, "screening.majors_required must be true or false"),
    ({"years_min": -1}, "screening.years_min must be a number from 0 to 60"),
    ({"years_min": "3"}, "screening.years_min must be a number from 0 to 60"),
    ({"years_min": 5, "years_max": 3}, "screening.years_max (3) is below years_min (5)"),
    ({"required_skills": [1]}, "screening.required_skills must be a list of words"),
    ({"synonyms": {"点钞": "验钞"}}, "screening.synonyms must map a word to a list"),
    ({"match_min": 1.5}, "screening.match_min must be a number from 0 to 1"),
    ({"match_min": None}, "screening.match_min must be a number from 0 to 1"),
    ({"match_min": True}, "screening.match_min must be a number from 0 to 1"),
    ({"auto_invite": 1}, "screening.auto_invite must be true or false"),
])
def test_parse_rules_errors_name_the_field(raw, message):
    with pytest.raises(RulesError) as error:
        parse_rules(raw)
    assert str(error.value).startswith(message)


def test_tellers_section_parses_and_screens_sensibly():
    doc = yaml.safe_load((POSITIONS_DIR / "teller.yaml").read_text("utf-8"))
    rules = parse_rules(doc["screening"])
    assert rules["education_min"] == "大专"
    assert "金融" in rules["majors"] and rules["majors_required"] is False
    assert rules["required_skills"] == [] and rules["auto_invite"] is True
    assert 0 < rules["match_min"] < 0.2
    position = parse_position(POSITIONS_DIR / "teller.yaml")
    screener = Screener(rules, position["description"], [rubric_reference(q) for q in position["questions"]])
    teller = screener.screen(candidate(major="会计学", years=0.0))
    assert teller.passed and "专业 会计学 与岗位相关 (+10)" in teller.reasons
    assert "加分技能：银行从业资格、点钞、反洗钱、柜面、普通话 (+20)" in teller.reasons
    graduate = screener.screen(candidate(major="汉语言文学", years=0.0, resume=(
        "汉语言文学专业本科应届毕业生，在校期间担任学生会干部，组织过多次校园活动，做过超市收银和家教兼职，"
        "性格开朗，细心耐心，喜欢与人沟通，希望到银行网点工作，为客户提供热情周到的服务。")))
    assert graduate.passed and graduate.score < teller.score
    programmer = screener.screen(candidate(major="软件工程", resume=PROGRAMMER))
    assert not programmer.passed and programmer.reasons[0].startswith("简历与岗位描述匹配度")
    assert not screener.screen(candidate(education="高中")).passed
