"""The command registry: parsing, aliases, arguments, /help and roles from the declarations; candidates' intents."""
from __future__ import annotations

import re

import pytest

from bot.commands import registry
from bot.commands.registry import ACT, ANYONE, READER, RECRUITER, UsageError, arguments, parse
from bot.wecom import messages
from tests.support.paths import REPO

DOCS = REPO / "docs" / "commands.md"


def args_of(text: str) -> tuple:
    return arguments(parse(text))


@pytest.mark.parametrize("text", ["/invite 柜员 zhangsan", "邀请 柜员 zhangsan", "/INVITE　柜员  zhangsan"])
def test_invite_and_its_alias(text):
    call = parse(text)
    assert call.name == "invite"
    assert arguments(call) == ("柜员", ["zhangsan"])


def test_invite_many_deduplicated():
    assert args_of("/invite 柜员 a b a c wx:王五") == ("柜员", ["a", "b", "c", "wx:王五"])


@pytest.mark.parametrize("text, words", [
    ("/invite", "用法：/invite <岗位>"), ("/invite 柜员", "用法"), ("/invite 柜员 张<script>", "只能包含"),
    ("/invite 柜员 " + " ".join(f"u{i}" for i in range(101)), "最多邀请 100 人"),
    ("/status 柜员 多余", "用法：/status [岗位]"), ("/report", "用法：/report <候选人>"),
    ("/compare a", "用法：/compare"),
    ("/compare a b c d e f", "用法"), ("/cancel a b c", "用法"), ("/positions 柜员", "用法：/positions"),
    ("/report " + "x" * 65, "用法"), ("/reschedule zhangsan", "用法：/reschedule"), ("/bulk", "用法：/bulk"),
    ("/bulk pause x", "用法"), ("/bulk status", "用法"), ("/deadline", "用法：/deadline <候选人>"),
])
def test_malformed_use_gets_a_usage_line(text, words):
    with pytest.raises(UsageError, match=re.escape(words)):
        args_of(text)


def test_an_unknown_slash_word_is_an_error_and_other_text_is_not_a_command():
    with pytest.raises(UsageError, match="没有这个命令：/frobnicate。发送 /help 查看可用命令。"):
        parse("/frobnicate now")
    assert parse("你好，我想了解一下岗位") is None
    assert parse("   ") is None
    assert parse("") is None


@pytest.mark.parametrize("text, name, args", [
    ("进度", "status", ()), ("漏斗 柜员", "status", ("柜员",)), ("报告 zhangsan", "report", ("zhangsan",)),
    ("对比 a b a", "compare", ("a", "b")), ("提醒 柜员", "remind", ("柜员",)),
    ("取消邀请 a 柜员", "cancel", ("a", "柜员")),
    ("岗位", "positions", ()), ("批量 柜员", "bulk", ("start", "柜员")), ("/Bulk PAUSE 3", "bulk", ("pause", 3)),
    ("改期 zhangsan 下周一 下午2点", "reschedule", ("zhangsan", "下周一 下午2点")), ("帮助", "help", ()),
    ("/? 随便", "help", ("随便",)), ("截止 zhangsan", "deadline", ("zhangsan",)),
])
def test_every_alias_reads_its_arguments(text, name, args):
    call = parse(text)
    assert call.name == name and arguments(call) == args


def test_every_command_is_declared_with_a_usage_example_and_distinct_aliases():
    seen = set()
    for spec in registry.COMMANDS.values():
        assert spec.aliases[0] == f"/{spec.name}" and spec.summary and spec.usage.startswith(f"/{spec.name}")
        assert spec.who in (RECRUITER, READER, ANYONE)
        assert not seen & {a.lower() for a in spec.aliases}
        seen |= {a.lower() for a in spec.aliases}


def test_a_second_declaration_of_an_alias_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "COMMANDS", dict(registry.COMMANDS))
    monkeypatch.setattr(registry, "_ALIASES", dict(registry._ALIASES))
    with pytest.raises(ValueError, match="already /report"):
        registry.command("again", aliases=("报告",), usage="/again", summary="x")(lambda **_: "ok")


def test_help_is_generated_from_the_declarations():
    recruiter, other = registry.help_text(True), registry.help_text(False)
    for spec in registry.COMMANDS.values():
        assert f"• {spec.usage}\n  {spec.summary}" in recruiter
    assert recruiter.rstrip().endswith("查看可用命令")  # /help last
    assert "/invite" not in other and "/help" in other and "仅对招聘人员开放" in other


def test_roles_come_from_the_declarations():
    for name, spec in registry.COMMANDS.items():
        assert registry.allowed(spec, True)
        assert registry.allowed(spec, False) is (name == "help")
        # an interviewer or hiring manager: the read-only ones
        assert registry.allowed(spec, registry.READER) is (name in ("help", "status", "report"))


def test_the_docs_list_every_command_and_alias():
    table = DOCS.read_text("utf-8").split("## Recruiters' commands", 1)[1].split("\n## ", 1)[0]
    for spec in registry.COMMANDS.values():
        row = next((line for line in table.splitlines() if line.startswith(f"| `/{spec.name}")), None)
        assert row is not None, f"/{spec.name} is missing from docs/commands.md"
        for alias in spec.aliases[1:]:
            assert alias in row, f"{alias} of /{spec.name} is missing from docs/commands.md"


def test_every_intent_is_declared_with_what_it_says():
    """Each intent once: a handler, and for an act the templates that explain it, acknowledge a refusal and (for a
    consequential one) state what happens before the confirmation, in both languages."""
    orders = [spec.order for spec in registry.INTENTS.values()]
    assert len(orders) == len(set(orders))
    for spec in registry.INTENTS.values():
        assert spec.handler is not None and spec.words, spec.name
        if spec.kind != ACT:
            continue
        for template in (spec.explain, spec.declined, *([spec.ask, spec.label] if spec.confirm else [])):
            assert template in messages.catalogue("zh-CN") and template in messages.catalogue("en"), spec.name
    assert {s.name for s in registry.INTENTS.values() if s.confirm} == {"erasure", "leave_pool", "decline",
                                                                         "withdraw", "accept_offer", "decline_offer"}
    for name in ("accept_offer", "decline_offer"):  # nothing to confirm without an offer waiting: said instead
        assert registry.INTENTS[name].unavailable is not None


def test_an_intent_that_waits_for_confirmation_must_say_what_happens():
    with pytest.raises(ValueError, match="needs the templates"):
        registry.intent("wipe_everything", words=("全部删掉",), order=999, confirm=True, ask="erasure_confirm")


def test_reply_takes_the_whole_text_and_refuses_an_overlong_one():
    assert args_of("/reply zhangsan 可以用 电脑 作答") == ("zhangsan", "可以用 电脑 作答")
    assert args_of("回复 #12 好的") == ("#12", "好的")
    with pytest.raises(UsageError, match="用法：/reply"):
        args_of("/reply zhangsan")
    with pytest.raises(UsageError, match="回复太长"):
        args_of("/reply zhangsan " + "长" * 1001)


@pytest.mark.parametrize("modes, text", [
    (["video", "audio", "text"], "视频、语音或文字"), (["text", "audio"], "语音或文字"), (["audio"], "语音"),
])
def test_answer_modes_are_said_in_chinese(modes, text):
    from bot.wecom.cards import answer_modes_text

    assert answer_modes_text(modes) == text
