"""The fairness report's arithmetic against a hand computation: selection rates, impact ratios against the group with
the highest rate, the four-fifths rule flagged only on samples large enough, those who declared nothing apart."""
from __future__ import annotations

import pytest

from bot.reports import fairness


def test_rates_ratios_and_the_four_fifths_rule_by_hand():
    # 女 12/40 = 0.30, 男 25/50 = 0.50 (reference): 0.30 / 0.50 = 0.60 < 0.8, both ≥ 30 assessed, 37 selected
    t = fairness.table("gender", "recommend", {"female": (40, 12), "male": (50, 25)}, (7, 2))
    female, male = t.rows
    assert (female.assessed, female.selected, female.rate, female.ratio) == (40, 12, 0.30, pytest.approx(0.60))
    assert (male.rate, male.ratio, male.reference) == (0.50, 1.0, True)
    assert female.flagged and not female.small and not male.flagged and t.flagged
    assert t.undeclared == (7, 2)
    assert fairness.verdict(female) == "低于五分之四，需关注" and fairness.verdict(male) == "参照组（通过率最高）"

    # 0.84 of the reference is not flagged; a group under 30 assessed is warned, never flagged, however low its ratio
    near = fairness.table("gender", "pass", {"female": (50, 21), "male": (50, 25)})
    assert near.rows[0].ratio == pytest.approx(0.84) and not near.flagged
    few = fairness.table("age_band", "pass", {"under_25": (29, 1), "25_29": (60, 30), "30_34": (0, 0)})
    assert [r.group for r in few.rows] == ["under_25", "25_29"]  # nobody assessed: left out
    assert few.rows[0].ratio == pytest.approx((1 / 29) / 0.5) and few.rows[0].small and not few.flagged
    assert fairness.verdict(few.rows[0]) == "样本过小，不作判断"

    # fewer than 5 selected across the groups: every rate rests on a handful, nothing is judged
    thin = fairness.table("gender", "hire", {"female": (40, 0), "male": (40, 4)})
    assert thin.few_selected and thin.rows[0].ratio == 0.0 and thin.rows[0].small and not thin.flagged
    # nobody selected at all: no ratio
    none = fairness.table("gender", "hire", {"female": (40, 0), "male": (40, 0)})
    assert [r.ratio for r in none.rows] == [None, None]


def test_tally_counts_each_stage_from_the_records():
    records = [
        {"attributes": {"gender": "female", "age_band": "25_29"}, "recommend": True, "pass": True, "hire": True},
        {"attributes": {"gender": "female"}, "recommend": False, "pass": None, "hire": None},
        {"attributes": {"gender": "male", "age_band": "25_29"}, "recommend": True, "pass": False, "hire": None},
        {"attributes": {}, "recommend": True, "pass": True, "hire": False},
    ]
    assert fairness.tally(records, "gender", "recommend") == ({"female": [2, 1], "male": [1, 1]}, [1, 1])
    assert fairness.tally(records, "gender", "pass") == ({"female": [1, 1], "male": [1, 0]}, [1, 1])
    assert fairness.tally(records, "age_band", "recommend")[0]["25_29"] == [2, 2]
    assert fairness.tally(records, "age_band", "recommend")[1] == [2, 1]  # no age band given: apart
    assert fairness.coverage(records) == (4, 3)
    tables = fairness.report(records)
    assert [(t.attribute, t.stage) for t in tables][:3] == [("gender", "recommend"), ("gender", "pass"),
                                                           ("gender", "hire")]
    lines = fairness.csv_rows(tables)
    assert lines[0][:4] == ["属性", "阶段", "群体", "评估人数"]
    assert lines[1] == ["性别", "AI 建议：推荐", "女", 2, 1, "0.500", "0.500", "样本过小，不作判断"]
    assert lines[2] == ["性别", "AI 建议：推荐", "男", 1, 1, "1.000", "1.000", "参照组（通过率最高）"]
    assert lines[3] == ["性别", "AI 建议：推荐", "未提供", 1, 1, "1.000", "", "不参与比较"]
