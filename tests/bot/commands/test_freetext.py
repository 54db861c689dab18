"""HR's free questions to the bot through the sandbox: a question a read-only command answers is answered by running
it as the member ("柜员面试进度怎么样了" is /status 柜员, "张三的报告" is /report 张三), a question about a command that
changes something is pointed to it and never run, anything else gets the nearest commands; an interviewer is
pointed only to what they may use, and another unit's position is never revealed. Never silence."""
from __future__ import annotations

import pytest

from bot.store.models import BulkRun, Candidate, Invitation
from tests.support.chat import cards, invite_member, texts
from tests.support.h5 import take_interview

pytestmark = pytest.mark.sqlite_only  # reading questions (other modules cover PostgreSQL)


def ask(stack, user: str, *questions: str) -> list[str]:
    """What user is told in text for each question (one reply each: never silence)."""
    before = len(texts(stack, user))
    for question in questions:
        stack.say(user, question)
    stack.drain()
    replies = texts(stack, user)[before:]
    assert len(replies) == len(questions), replies
    return replies


def name(who: str, chinese: str) -> None:
    candidate = Candidate.get(Candidate.wecom_userid == who)
    candidate.name = chinese
    candidate.save()


def test_progress_questions_are_answered_with_the_funnel(stack):
    invite_member(stack, "zhangsan")
    progress, completed, bare = ask(stack, "hr_li", "柜员面试进度怎么样了", "有多少人完成了柜员面试", "柜员")
    for reply in (progress, completed, bare):
        assert reply.startswith("招聘漏斗（邀请 → 打开 → 开始 → 完成 → 评分 → 决定）") and "「柜员」1 → 0" in reply


def test_a_report_question_sends_the_report_card(stack):
    take_interview(stack, invite_member(stack, "zhangsan"), "excellent")
    stack.drain()
    name("zhangsan", "张三")
    first = len(cards(stack, "hr_li"))
    assert first == 1  # the result card when the report was made
    stack.say("hr_li", "张三的报告")
    stack.say("hr_li", "看看张三面试得怎么样")
    stack.drain()
    again = cards(stack, "hr_li")[first:]
    assert len(again) == 2 and all("张三" in str(card["card"]) for card in again)


def test_a_question_about_a_candidate_without_a_report_says_why(stack):
    invite_member(stack, "zhangsan")
    name("zhangsan", "张三")
    [reply] = ask(stack, "hr_li", "张三的报告出来了吗")
    assert reply == "没有找到张三的面试报告（还没完成面试，或还在评分）。"


def test_questions_about_changes_are_pointed_to_the_command_and_never_run(stack):
    invite_member(stack, "zhangsan")
    name("zhangsan", "张三")
    invitations = Invitation.select().count()
    bulk, invite, cancel, decide, remind = ask(
        stack, "hr_li", "怎么批量邀请", "邀请张三参加柜员面试", "取消张三的邀请", "张三不通过", "提醒一下还没开始的人")
    assert "我不会根据聊天内容替您操作" in bulk and "例如：/bulk 柜员" in bulk and "用法：/bulk" in bulk
    assert "例如：/invite 柜员 张三" in invite
    assert "例如：/cancel 张三 柜员" in cancel
    assert "结果卡片" in decide and "/report" in decide
    assert "例如：/remind 柜员" in remind
    assert Invitation.select().count() == invitations and BulkRun.select().count() == 0
    assert Invitation.get().status != "cancelled"
    assert [m for m in stack.inbox("zhangsan") if m["msgtype"] == "template_card"] == stack.inbox("zhangsan")[:1]
    assert not [t for t in texts(stack, "hr_li") if "/bulk/" in t]  # no upload link was made


def test_questions_about_pages_say_where_it_is_done(stack):
    take_interview(stack, invite_member(stack, "zhangsan"), "weak")
    stack.drain()
    name("zhangsan", "张三")
    review, erase, pool = ask(stack, "hr_li", "张三申请复核了怎么办", "候选人要求删除数据怎么处理",
                              "人才库里有会英语的吗")
    base = stack.settings.public_base_url
    assert "重新打开决定" in review and f"张三的报告：{base}/hr/reports/" in review
    assert "删除我的数据" in erase and "管理员" in erase
    assert pool.endswith(f"{base}/hr/pool")


def test_an_unknown_question_gets_the_nearest_commands(stack):
    [weather, hello] = ask(stack, "hr_li", "今天天气不错", "你好")
    assert weather.startswith("我没看懂这个问题。您可能想用：") and hello.startswith("您好！我是面试助手")
    for reply in (weather, hello):
        assert reply.endswith("发送 /help 查看全部命令和 HR 页面链接。")
        assert reply.count("• /") == 3


@pytest.fixture
def branches(stack):
    """北京分行's 客户经理 (rm-bj) and 上海分行's (rm-sh), from the shipped example organisation."""
    from bot.org import team, units
    from bot.positions.templates import create_from_template

    units.sync(units.load(stack.settings.organisation_path))
    bj = create_from_template("retail-rm-campus", "rm-bj", "客户经理（北京分行）")
    sh = create_from_template("retail-rm-campus", "rm-sh", "客户经理（上海分行）")
    team.assign(bj, units.by_code("bj"), team.parse_team({"recruiters": ["bj_zhou"], "hiring_manager": "bj_mgr"}),
                "test")
    team.assign(sh, units.by_code("sh"), team.parse_team(None), "test")
    return bj, sh


def test_another_units_position_is_never_revealed(stack, branches):
    stack.say("bj_zhou", "/invite rm-bj zhangsan")
    stack.drain()
    name("zhangsan", "张三")
    by_code, by_title, report = ask(stack, "sh_chen", "rm-bj的进度怎么样", "客户经理（北京分行）的进度怎么样",
                                    "张三的报告")
    for reply in (by_code, by_title):
        assert reply.startswith("招聘漏斗") and "客户经理（上海分行）" in reply
        assert "北京" not in reply and "rm-bj" not in reply
    assert "例如：/report" in report and "北京" not in report  # 张三 is 北京分行's: not found, pointed only
    assert not [m for m in stack.inbox("sh_chen") if m["msgtype"] == "template_card"]
    [own] = ask(stack, "bj_zhou", "客户经理进度怎么样了")
    assert "「客户经理（北京分行）」1 → 0" in own and "上海" not in own


def test_an_interviewer_is_answered_and_pointed_only_to_what_they_may_use(stack, branches):
    progress, invite, decide = ask(stack, "bj_mgr", "客户经理面试进度怎么样了", "怎么邀请候选人", "张三不通过")
    assert progress.startswith("招聘漏斗") and "客户经理（北京分行）" in progress
    for refused in (invite, decide):
        assert refused.startswith("这项操作仅限招聘人员。我没看懂这个问题。")
        listed = [line.split()[1] for line in refused.splitlines() if line.startswith("• /")]
        assert listed and set(listed) <= {"/status", "/report"}
