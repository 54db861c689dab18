"""The chat command parser."""
from __future__ import annotations

import pytest

from bot.commands import parse as commands
from bot.commands.parse import UsageError, invite_args, parse


@pytest.mark.parametrize("text", ["/invite 柜员 zhangsan", "邀请 柜员 zhangsan", "/INVITE　柜员  zhangsan"])
def test_invite_and_its_alias(text):
    command = parse(text)
    assert command.name == "invite"
    assert invite_args(command) == ("柜员", ["zhangsan"])


def test_invite_many_deduplicated():
    assert invite_args(parse("/invite 柜员 a b a c")) == ("柜员", ["a", "b", "c"])


@pytest.mark.parametrize("text, words", [
    ("/invite", "用法"), ("/invite 柜员", "用法"), ("/invite 柜员 张<script>", "只能包含"),
    ("/frobnicate", "没有这个命令"),
])
def test_malformed_use_gets_a_usage_line(text, words):
    with pytest.raises(UsageError, match=words):
        command = parse(text)
        invite_args(command)


def test_plain_text_is_not_a_command():
    assert parse("你好，我想了解一下岗位") is None
    assert parse("   ") is None


def test_help_hides_recruiter_commands_from_others():
    assert "/invite" in commands.help_text(True)
    assert "/invite" not in commands.help_text(False)


@pytest.mark.parametrize("modes, text", [
    (["video", "audio", "text"], "视频、语音或文字"), (["text", "audio"], "语音或文字"), (["audio"], "语音"),
])
def test_answer_modes_are_said_in_chinese(modes, text):
    from bot.wecom.cards import answer_modes_text

    assert answer_modes_text(modes) == text
