"""A résumé file screened like a sheet row: its parsed degree, major and years feed the position's screening rules
(config/positions/teller.yaml), with the same reasons a row gets."""
from __future__ import annotations

import datetime as dt

import yaml

from bot.bulk.screening import Screener
from bot.positions.catalog import POSITIONS_DIR, parse_position
from bot.resumes.fields import screening_fields
from bot.resumes.intake import read_resume
from tests.bot.resumes.generate import Spec, to_docx, to_pdf

TODAY = dt.date(2026, 12, 6)


def screener(**overrides) -> Screener:
    position = parse_position(POSITIONS_DIR / "teller.yaml")
    rules = yaml.safe_load((POSITIONS_DIR / "teller.yaml").read_text("utf-8"))["screening"]
    return Screener({**rules, **overrides}, position["description"])


def teller(education: list[dict], years: int) -> Spec:
    spec = Spec("zh", "周婷", "13712345678", "137-1234-5678", "zhouting@163.com", education=education,
                skills=["点钞", "Excel", "客户沟通"], certificates=["银行从业资格"])
    spec.work = [{"kind": "work", "employer": "招商银行", "title": "综合柜员", "start": (2026 - years, 7), "end": None,
                  "duties": ["办理现金收付、转账汇款和凭证管理，熟悉反洗钱可疑交易上报。"]}]
    return spec


def test_a_parsed_resume_passes_the_teller_rules_with_its_reasons():
    spec = teller([{"school": "江西财经大学", "degree": "本科", "degree_text": "本科", "major": "金融学",
                    "start": (2014, 9), "end": (2018, 6)},
                   {"school": "上海财经大学", "degree": "硕士", "degree_text": "硕士研究生", "major": "会计学",
                    "start": (2018, 9), "end": (2021, 6)}], years=4)
    outcome = read_resume(to_pdf(spec), "周婷.pdf", TODAY)
    fields = screening_fields(outcome.resume, outcome.document.text)
    assert (fields["education"], fields["major"], fields["years"]) == ("硕士", "会计学", 4.5)
    verdict = screener().screen(fields)
    assert verdict.passed
    assert "学历 硕士 (+12)" in verdict.reasons and "专业 会计学 与岗位相关 (+10)" in verdict.reasons
    assert "工作年限 4.5 年 (+9)" in verdict.reasons
    assert any(r.startswith("加分技能：银行从业资格、点钞、反洗钱") for r in verdict.reasons)


def test_a_parsed_resume_below_the_minimum_fails_and_a_given_value_wins():
    spec = teller([{"school": "武汉职业技术学院", "degree": "大专", "degree_text": "大专", "major": "市场营销",
                    "start": (2017, 9), "end": (2020, 6)}], years=1)
    outcome = read_resume(to_docx(spec, "tables"), "简历.docx", TODAY)
    fields = screening_fields(outcome.resume, outcome.document.text)
    verdict = screener(education_min="本科", years_min=2).screen(fields)
    assert not verdict.passed
    assert "学历 大专 低于要求的 本科" in verdict.reasons
    assert "工作年限 1.5 年，低于要求的 2 年" in verdict.reasons
    given = screening_fields(outcome.resume, outcome.document.text, {"education": "本科", "years": None})
    assert given["education"] == "本科" and given["years"] == 1.5
