"""Running commands through the sandbox: a refusal is answered with its text, a crash with an apology and a
logged traceback (never silence, never a traceback in chat); role and argument checks answer at once."""
from __future__ import annotations

import logging

import pytest

from bot.commands import registry
from bot.errors import UserError
from tests.support.chat import texts

APOLOGY = "抱歉，/{name} 没有完成：出了点问题，已记录，我们会尽快处理。请稍后再试。"


@pytest.fixture
def scratch(monkeypatch):
    """Let a test declare its own commands; the registry is as before afterwards."""
    monkeypatch.setattr(registry, "COMMANDS", dict(registry.COMMANDS))
    monkeypatch.setattr(registry, "_ALIASES", dict(registry._ALIASES))


def test_a_user_error_is_answered_with_its_text(stack, scratch):
    @registry.command("refuse", aliases=("拒绝",), usage="/refuse", summary="拒绝", args=(0, 0))
    def refuse(*, userid: str, key: str) -> str:
        raise UserError("这位候选人已经删除了个人信息，无法操作。")

    @registry.command("nobody", usage="/nobody <候选人>", summary="找人", args=(1, 1))
    def nobody(who: str, *, userid: str, key: str) -> str:
        raise registry.CommandError("report_none", who=who)

    @registry.command("late", usage="/late <x>  例：/late 1", summary="晚了", args=(1, 1))
    def late(x: str, *, userid: str, key: str) -> str:
        raise registry.UsageError()  # found wrong only when run: the usage line all the same

    stack.say("hr_li", "拒绝")
    stack.say("hr_li", "/nobody lisi")
    stack.say("hr_li", "/late 1")
    stack.drain()
    assert texts(stack, "hr_li") == ["这位候选人已经删除了个人信息，无法操作。",
                                     "没有找到 lisi 的面试报告（还没完成面试，或还在评分）。",
                                     "用法：/late <x>  例：/late 1"]


def test_a_crash_is_logged_with_its_traceback_and_answered_with_an_apology(stack, scratch, caplog):
    @registry.command("crash", usage="/crash", summary="崩溃", args=(0, 0))
    def crash(*, userid: str, key: str) -> str:
        raise RuntimeError("disk on fire at /var/lib/secret")

    caplog.set_level(logging.ERROR, logger="bot.commands.registry")
    stack.say("hr_li", "/crash")
    stack.drain()
    assert texts(stack, "hr_li") == [APOLOGY.format(name="crash")]
    [record] = [r for r in caplog.records if r.name == "bot.commands.registry"]
    assert record.exc_info and record.exc_info[0] is RuntimeError and "/crash" in record.getMessage()
    assert "Traceback" in caplog.text and "disk on fire" in caplog.text
    from bot.queues import COMMANDS, get_queue

    assert get_queue(COMMANDS).failed_job_registry.count == 0  # answered, not left to RQ


def test_an_outage_is_left_to_rq_to_run_again_not_apologised_for(env, scratch):
    """The database away for a moment is no reason to tell the recruiter the command failed: it runs again."""
    import peewee as pw

    from bot.store.models import OutboundMessage

    @registry.command("flaky", usage="/flaky", summary="偶尔失败", args=(0, 0))
    def flaky(*, userid: str, key: str) -> str:
        raise pw.OperationalError("database is locked")

    with pytest.raises(pw.OperationalError):
        registry.run("flaky", [], "hr_li", "k1")
    assert OutboundMessage.select().count() == 0


def test_the_apology_comes_in_english_when_hr_reads_english(env, scratch, monkeypatch):
    from bot.store.models import OutboundMessage
    from config.settings import get_settings

    @registry.command("crash", usage="/crash", summary="崩溃", args=(0, 0))
    def crash(*, userid: str, key: str) -> str:
        raise KeyError("x")

    monkeypatch.setenv("HR_LOCALE", "en")
    get_settings.cache_clear()
    assert registry.run("crash", [], "hr_li", "k-en") == "failed"
    [message] = OutboundMessage.select().where(OutboundMessage.recipient == "hr_li")
    assert message.payload["text"]["content"].startswith("Sorry, /crash did not finish")


def test_run_checks_the_role_again(env):
    from bot.store.models import OutboundMessage

    assert registry.run("status", [], "zhangsan", "k-role") == "refused"
    [message] = OutboundMessage.select().where(OutboundMessage.recipient == "zhangsan")
    assert message.payload["text"]["content"] == registry.REFUSAL


def test_checks_made_while_parsing_are_answered_at_once(stack):
    stack.say("zhangsan", "/invite")  # the role before the arguments: no usage line for a candidate
    stack.say("hr_li", "/deadline")
    stack.say("hr_li", "/nosuch")
    stack.say("hr_li", "你好")
    stack.drain()
    assert texts(stack, "zhangsan") == [registry.REFUSAL]
    usage, unknown, hello = texts(stack, "hr_li")
    assert (usage, unknown) == ("用法：/deadline <候选人>  例：/deadline zhangsan",
                                "没有这个命令：/nosuch。发送 /help 查看可用命令。")
    assert hello.startswith("您好！我是面试助手") and "/status" in hello  # free text: bot/commands/freetext.py
