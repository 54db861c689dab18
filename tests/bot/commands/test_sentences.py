"""Reading a candidate's sentence without the stack: clauses, negation, questions, sound-alike spellings."""
from __future__ import annotations

import pytest

from bot.commands.registry import read
from bot.commands.sentences import clauses


def said(text: str) -> list[tuple[str, bool, bool]]:
    return [(m.intent.name, m.negated, m.question) for m in read(text)]


@pytest.mark.parametrize("text, expected", [
    ("我不想退出人才库，请保留我的资料", [("leave_pool", True, False)]),
    ("我不需要人工复核，谢谢", [("review", True, False), ("thanks", False, False)]),
    ("我还没确认删除", [("confirm", True, False)]),
    ("怎么退出人才库？", [("leave_pool", False, True)]),
    ("退出人才库？", [("leave_pool", False, True)]),  # the mark alone makes it a question
    ("不好意思，我想退出人才库", [("leave_pool", False, False)]),
    ("对不起打扰了我想退出人才库", [("leave_pool", False, False)]),  # 对不起 negates nothing
    ("退出人材库", [("leave_pool", False, False)]),
    ("我不参加面试了", [("decline", False, False)]),  # the phrase itself starts with 不
    ("不会放弃面试", [("decline", True, False)]),
    ("I don't want to leave the talent pool", [("leave_pool", True, False)]),
    ("No need for a human review", [("review", True, False)]),
    ("How can I leave the talent pool", [("leave_pool", False, True)]),
    ("我不想退出人才库，但是请删除我的数据", [("leave_pool", True, False), ("erasure", False, False),
                                           ("data", False, False)]),
    ("我不想退出人才库但是请删除我的数据", [("leave_pool", True, False), ("erasure", False, False),
                                          ("data", False, False)]),  # 但是 cuts without a comma
    ("我的资料不要删", [("erasure", True, False)]),  # read before the act: 不要删, though 资料 comes first
    ("请把我的面试录音删掉", [("erasure", False, False), ("data", False, False)]),
    ("资料删了还能恢复吗？", [("erasure", False, True)]),  # asked about: explained, nothing asked to confirm
    ("我不会不参加的", [("decline", True, False)]),
    ("我不希望离开人才库", [("leave_pool", True, False)]),  # 不希望 negates 离开: staying, in either order
    ("人才库我不希望离开", [("leave_pool", True, False)]),
    ("我不打算放弃面试", [("decline", True, False)]),
    ("别再给我发消息了", [("unsubscribe", False, False)]),
    ("我没说别再给我发消息", [("unsubscribe", True, False)]),
    ("我还想参加，不想放弃", []),
    ("How long is this interview?", [("duration", False, True)]),  # no slip of "skip the interview"
    ("我删掉了简历里的一段话", []),  # the candidate's own deed, asked for nothing
    ("这次面试我不去了", [("decline", False, False)]),  # 我不去了 is a will, not a deed
    ("我觉得很符合", []),
    ("this is fine", []),  # "hi" inside "this" is no greeting
])
def test_intents_are_read_with_negation_and_questions(text, expected):
    assert said(text) == expected


def test_full_width_text_is_read_as_ascii_and_cut_at_every_mark():
    parts = clauses("ＤＥＬＥＴＥ　ＭＹ　ＤＡＴＡ！面试要多久？不用了；谢谢。")
    assert [c.text for c in parts] == ["delete my data", "面试要多久", "不用了", "谢谢"]
    assert [c.question for c in parts] == [False, True, False, False]


def test_a_confirmation_with_a_negation_anywhere_is_negated():
    assert said("确认不了") == [("confirm", True, False)]
    assert said("确认") == [("confirm", False, False)]
