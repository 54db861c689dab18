"""/help through the sandbox: a recruiter gets the HR pages (home, 岗位设置, talent pool) and the user guide with the
app's public address, and a word that free questions work; an interviewer only the pages they may open; a
candidate none. The recruiter's reply fits one WeCom text message."""
from __future__ import annotations

from bot.commands import registry
from bot.commands.help import links
from bot.wecom.cards import TEXT_MAX_BYTES
from config.settings import load
from tests.support.chat import texts


def help_for(stack, user: str) -> str:
    stack.say(user, "/help")
    stack.drain()
    [reply] = texts(stack, user)
    return reply


def test_a_recruiter_gets_the_hr_pages_and_the_guide(stack):
    reply = help_for(stack, "hr_li")
    base = stack.settings.public_base_url
    commands, pages = reply.split("HR 页面")
    assert "/invite" in commands and "/status" in commands
    for path in ("/hr/", "/hr/positions", "/hr/pool", "/hr/guide"):
        assert f"{base}{path}\n" in f"{pages}\n"
    assert "使用指南" in pages and "柜员面试进度怎么样了" in pages


def test_an_interviewer_gets_only_the_pages_they_may_open(stack):
    from bot.org import units

    units.sync(units.load(stack.settings.organisation_path))
    reply = help_for(stack, "bj_mgr")
    base = stack.settings.public_base_url
    assert f"{base}/hr/\n" in reply and f"{base}/hr/pool" in reply and f"{base}/hr/guide" in reply
    assert "/hr/positions" not in reply and "/invite" not in reply and "/status" in reply


def test_a_candidate_gets_no_hr_page(stack):
    reply = help_for(stack, "zhangsan")
    assert "/hr/" not in reply and "使用指南" not in reply


def test_the_recruiters_help_fits_one_message_with_a_long_address():
    settings = load({"PUBLIC_BASE_URL": "https://interview-assistant.hr.example-bank.com.cn"}, dotenv=None)
    for standing in (registry.RECRUITER, registry.READER):
        reply = "\n".join([registry.help_text(standing), *links(settings, standing)])
        assert len(reply.encode()) <= TEXT_MAX_BYTES, standing
