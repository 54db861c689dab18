"""A position's optional training section: kept as written, read back by document_of, refused at its field path
(with the editor's Chinese message) when it names a dimension no report has or holds an empty or over-long entry."""
from __future__ import annotations

import pytest

from bot.positions.catalog import PositionFileError, parse_position_doc
from bot.positions.training import suggestions
from handlers.hr.position_form import chinese

DOC = {"slug": "x", "title": "X", "questions": [{"key": "a", "text": "t"}],
       "competencies": {"合规意识": "严格遵守制度"}, "dimensions": {"沟通能力": 0.5, "合规意识": 0.5}}


def test_training_is_kept_and_checked_with_field_paths():
    training = {"沟通能力": ["高效沟通", " 导师：王经理 "], "合规意识": "反洗钱基础"}
    rubric = parse_position_doc({**DOC, "training": training}, "x", "")["rubric"]
    assert rubric["training"] == {"沟通能力": ["高效沟通", "导师：王经理"], "合规意识": ["反洗钱基础"]}
    assert suggestions(rubric, ["合规意识", "亲和力"]) == {"合规意识": ["反洗钱基础"]}
    assert "training" not in parse_position_doc(DOC, "x", "")["rubric"]
    assert "training" not in parse_position_doc({**DOC, "training": {"沟通能力": []}}, "x", "")["rubric"]  # the form
    for bad, field, message in (({"表达": ["课"]}, "training.表达", "没有这个评分维度：表达"),
                                ({"沟通能力": 5}, "training.沟通能力", "须是 1 到 10 条"),
                                ({"沟通能力": ["课", "x" * 101]}, "training.沟通能力[1]", "1 到 100 个字"),
                                (["课"], "training", "最多 20 个维度")):
        with pytest.raises(PositionFileError) as refused:
            parse_position_doc({**DOC, "training": bad}, "x", "")
        assert refused.value.field == field and message in chinese(refused.value)
