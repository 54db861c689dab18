"""HR's free questions to the bot: "柜员面试进度怎么样了", "张三的报告", "怎么批量邀请".

A member with an HR role who writes something that is not a command gets an answer, never the bare hint:

- a question a read-only command answers (/status, /report, /deadline, /compare, /positions, /help) is answered
  by running that command as the member, so it keeps to their units (bot/org/access.py, `acting_as`);
- a question about a command that changes something (invite, bulk, cancel, remind, reschedule, reply, a decision)
  gets that command with an example filled from the question, and is never run: a sentence in chat is not an
  instruction to invite or cancel anyone;
- anything else gets the nearest commands the member may run, and /help.

Position titles and candidate names are looked for with jieba's words, and only among what the member may see:
an open position of their units, a candidate invited to one of them. A question about another unit's position
finds nothing there, so the answer never says that it exists. Docs: docs/commands.md#free-questions-from-hr.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import jieba

from bot.commands import registry
from bot.commands.lookup import latest_report
from bot.errors import OUTAGES
from bot.invitations.invites import find_candidate, match_positions
from bot.links import report_link
from bot.org.access import access_of, acting_as, in_scope
from bot.store.db import db_session
from bot.store.models import Position
from bot.wecom import messages, notify
from config.settings import Settings, get_settings

log = logging.getLogger(__name__)

TEXT_MAX = 200  # characters read from a question: longer text is not a question to the bot
REFS_MAX = 12  # candidate look-ups per question


@dataclass(frozen=True)
class Topic:
    """What a question may be about: its words, and the command that answers it and whether that command is run,
    or (page) the template that says where in the product it is done.

    runs=True only for read-only commands; `needs` says what the command must be given to run: "candidate",
    "candidates" (two or more), or "" (nothing, a position when one is named). A page topic is for who=RECRUITER
    (deciding) or READER (anyone with an HR role)."""

    command: str
    words: tuple[str, ...]
    runs: bool
    needs: str = ""
    page: str = ""
    who: str = registry.READER


# First match wins: a command that changes something before the read-only ones ("取消张三的邀请" is /cancel, not
# /invite; "提醒没完成的人" is /remind, not /status), the more specific before the general ("批量邀请" is /bulk).
TOPICS = (
    Topic("cancel", ("取消", "撤销", "撤回邀请", "删除邀请"), runs=False),
    Topic("remind", ("提醒", "催一下", "催促", "催"), runs=False),
    Topic("bulk", ("批量", "名单", "表格", "excel", "导入"), runs=False),
    Topic("reschedule", ("改期", "改时间", "换时间", "调整时间", "复试时间"), runs=False),
    Topic("review", ("复核", "申诉", "重新打开"), runs=False, page="hr_question_review", who=registry.RECRUITER),
    Topic("reply", ("回复", "答复", "回信"), runs=False),
    Topic("decide", ("进入复试", "不通过", "淘汰", "待定", "录用", "做决定", "怎么决定"), runs=False,
          page="hr_question_decide", who=registry.RECRUITER),
    Topic("erase", ("删除", "删掉"), runs=False, page="hr_question_erase"),
    Topic("invite", ("邀请", "发链接", "发邀请"), runs=False),
    Topic("pool", ("人才库",), runs=False, page="hr_question_pool"),
    Topic("compare", ("对比", "比较", "比一比"), runs=True, needs="candidates"),
    Topic("deadline", ("截止", "到期", "期限", "过期"), runs=True, needs="candidate"),
    Topic("report", ("报告", "结果", "得分", "多少分", "分数", "成绩", "表现", "评分", "打分"), runs=True,
          needs="candidate"),
    Topic("status", ("进度", "进展", "怎么样", "情况", "多少人", "几个人", "几人", "多少", "完成", "漏斗", "统计",
                     "数据"), runs=True),
    Topic("positions", ("岗位", "职位"), runs=True),
    Topic("help", ("帮助", "怎么用", "命令", "指南", "说明", "功能", "help"), runs=True),
)
KEYWORDS = tuple(sorted({w for t in TOPICS for w in t.words}, key=len, reverse=True))
# Words that are neither a topic nor a name: cut out before names are looked for.
FILLERS = ("面试", "候选人", "怎么", "怎样", "如何", "一下", "看看", "查看", "查一下", "查询", "我想", "想看", "请问",
           "帮我", "现在", "目前", "这个", "那个", "还有", "有没有", "哪些", "什么", "可以", "能不能", "知道", "已经",
           "应该", "的人", "同学", "大家", "所有", "全部", "给我", "发给", "谁", "了吗", "没有")
ASCII_REF = re.compile(r"[A-Za-z][A-Za-z0-9_.@-]{1,63}")
HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
GREETING = re.compile(r"(?:你好|您好|嗨|哈喽|在吗|在不在|hi|hello|hey)[啊呀呢吗！!。.，, ]*")
DEFAULT_EXAMPLE = {"position": "柜员", "candidate": "zhangsan"}
# What /help and the nearest-commands list show when nothing in the question points anywhere.
FIRST_CHOICES = ("status", "report", "invite", "bulk", "help")


@dataclass(frozen=True)
class Reading:
    """What a question was read as: the command to run (with its arguments) or the reply to send."""

    command: str = ""
    args: tuple[str, ...] = ()
    reply: str = ""


def answer(userid: str, text: str, key: str) -> str:
    """Answer an HR member's free question; return what was done: "ran:<command>", "answered" (a pointer or the
    nearest commands) or "failed" (logged, and answered with the hint)."""
    try:
        settings = get_settings()
        with db_session():
            standing = registry.standing_of(settings, userid)
            with acting_as(access_of(settings, userid)):
                reading = read(text[:TEXT_MAX], standing, settings)
            if reading.reply:
                notify.to_hr_text(userid, reading.reply, f"{key}:question")
        if reading.command:
            spec = registry.COMMANDS[reading.command]
            if spec.inline:  # /help: the reply is the function's return value
                with db_session():
                    notify.to_hr_text(userid, spec.func(*reading.args, userid=userid, key=key), f"{key}:question")
            else:
                registry.run(reading.command, list(reading.args), userid, key)
            return f"ran:{reading.command}"
        return "answered"
    except OUTAGES:
        raise  # RQ runs the job again once the database or Redis is back
    except Exception:
        log.exception("free question from %s failed (request %s)", userid, key)
        with db_session():
            notify.to_hr_text(userid, registry.HINT, f"{key}:question-failed")
        return "failed"


def read(text: str, standing: str | None, settings: Settings) -> Reading:
    """Read text as a question from a member of that standing (inside acting_as): what to run or what to say."""
    locale = settings.hr_locale
    lowered = text.lower()
    position, position_word = find_position(text)
    names = candidate_refs(text, position_word)
    refused = False
    fallback: Topic | None = None
    for topic in TOPICS:
        if not any(word in lowered for word in topic.words):
            continue
        spec = registry.COMMANDS.get(topic.command)
        if not (registry.allowed(spec, standing) if spec is not None else standing == registry.RECRUITER
                or topic.who == registry.READER):
            refused = True
            continue
        if not topic.runs:
            return Reading(reply=pointer(topic, position, names, locale))
        if topic.command == "status" and names and not position_word:  # "张三完成了吗": their report, or why none
            return Reading(command="report", args=(names[0],))
        args = arguments(topic, position_word, names)
        if args is None:  # a report without a name: another topic may still fit ("评分情况" is the funnel)
            fallback = fallback or topic
            continue
        return Reading(command=topic.command, args=args)
    if fallback is not None:
        return Reading(reply=pointer(fallback, position, names, locale))
    if position is not None and registry.allowed(registry.COMMANDS["status"], standing):
        return Reading(command="status", args=(position_word,))  # a position and nothing else: its funnel
    if len(names) == 1 and registry.allowed(registry.COMMANDS["report"], standing):
        return Reading(command="report", args=(names[0],))  # a candidate and nothing else: their report
    return Reading(reply=unknown(text, standing, refused, locale))


def find_position(text: str) -> tuple[Position | None, str]:
    """The open position of the member's units the text names (its title or code, or a word of the text that
    means exactly one, or several: the command then lists them); (None, "") when none."""
    lowered = text.lower()
    named = [p for p in Position.select().where(Position.is_open & in_scope())
             if p.title in text or _code_in(p.slug, lowered)]
    if named:
        best = max(named, key=lambda p: len(p.title) if p.title in text else len(p.slug))
        return best, (best.title if best.title in text else best.slug)
    for word in words(text):
        if len(word) < 2 or word in KEYWORDS or word in FILLERS:
            continue
        found = match_positions(word)
        if found:
            return found[0], word
    return None, ""


def _code_in(code: str, lowered: str) -> bool:
    """Whether a position's code stands in the text as a word of its own ("rm-bj的进度", not the "rm" of "form")."""
    return re.search(rf"(?<![a-z0-9_-]){re.escape(code.lower())}(?![a-z0-9_-])", lowered) is not None


def words(text: str) -> list[str]:
    """jieba's words of the text (accurate mode), without spaces and punctuation."""
    return [w for w in (w.strip() for w in jieba.lcut(text)) if w and (w.isalnum() or "_" in w)]


def candidate_refs(text: str, position_word: str) -> list[str]:
    """The candidates the text names, as typed (a userid, a WeChat id, a name), among those the member may see;
    jieba's words first, then the Chinese left over once topic words and fillers are cut out."""
    rest = text.replace(position_word, " ") if position_word else text
    for word in (*KEYWORDS, *sorted(FILLERS, key=len, reverse=True)):
        rest = rest.replace(word, " ")
    tried: list[str] = []
    for word in [*words(rest), *ASCII_REF.findall(rest), *_spans(rest)]:
        if word not in tried and (ASCII_REF.fullmatch(word) or HAN_RUN.fullmatch(word)) and word.lower() not in \
                KEYWORDS and len(tried) < REFS_MAX:
            tried.append(word)
    found: list[str] = []
    for ref in tried:
        if any(ref in other or other in ref for other in found):
            continue
        if find_candidate(ref) is not None:
            found.append(ref)
    return found


def _spans(rest: str) -> list[str]:
    """Two-to-four character pieces of the Chinese left over, longest first (a name jieba cut in two)."""
    pieces: list[str] = []
    for run in HAN_RUN.findall(rest):
        for size in range(min(4, len(run)), 1, -1):
            pieces.extend(run[at:at + size] for at in range(len(run) - size + 1))
    return pieces


def arguments(topic: Topic, position_word: str, names: list[str]) -> tuple[str, ...] | None:
    """The arguments the topic's command runs with, or None when the question lacks what it needs."""
    if topic.needs == "candidate":
        return (names[0],) if names else None
    if topic.needs == "candidates":
        return tuple(names[:5]) if len(names) >= 2 else None
    if topic.command == "status":
        return (position_word,) if position_word else ()
    return ()


def pointer(topic: Topic, position: Position | None, names: list[str], locale: str) -> str:
    """The command that does what the question is about, with an example filled from it (never run)."""
    title = position.title if position is not None else _any_title()
    who = names[0] if names else DEFAULT_EXAMPLE["candidate"]
    if topic.page:  # done on a page, not by a command: where, with the candidate's report when one is named
        settings = get_settings()
        report = latest_report(find_candidate(names[0])) if names else None
        link = report_link(settings, report.id) if report is not None else ""
        return messages.render(topic.page, locale, link=link, name=names[0] if report is not None else "",
                               pool=f"{settings.public_base_url}/hr/pool")
    examples = {
        "invite": f"/invite {title} {who}",
        "bulk": f"/bulk {title}",
        "cancel": f"/cancel {who} {title}",
        "remind": f"/remind {title}",
        "reschedule": f"/reschedule {who} 下周一下午2点",
        "reply": f"/reply {who} 您好，……",
        "compare": f"/compare {' '.join(names[:5]) if len(names) >= 2 else 'zhangsan lisi'}",
        "deadline": f"/deadline {who}",
        "report": f"/report {who}",
    }
    spec = registry.COMMANDS[topic.command]
    # the command lines are added as they are: a template's rendering joins Chinese words ("柜员 张三" → "柜员张三")
    return "\n".join((messages.render("hr_question_pointer", locale, summary=spec.summary, changes=not topic.runs),
                      _labelled("hr_question_example", locale, examples[topic.command]),
                      _labelled("hr_question_usage", locale, spec.usage)))


def _labelled(label: str, locale: str, line: str) -> str:
    """A line after its label ("例如：…", "For example: …")."""
    head = messages.render(label, locale)
    return f"{head}{'' if head.endswith('：') else ' '}{line}"


def unknown(text: str, standing: str | None, refused: bool, locale: str) -> str:
    """A short answer to a question nothing matched: the nearest commands the member may run, and /help."""
    mine = [spec for spec in registry.COMMANDS.values() if registry.allowed(spec, standing) and spec.name != "help"]
    asked = set(text) - set("的了吗呢和与或怎么看查")

    def nearness(spec: registry.Command) -> tuple[int, int]:
        said = set(spec.summary + "".join(spec.aliases))
        first = FIRST_CHOICES.index(spec.name) if spec.name in FIRST_CHOICES else len(FIRST_CHOICES)
        return -len(asked & said), first

    nearest = sorted(mine, key=nearness)[:3]
    lines = "\n".join(f"• {spec.usage}\n  {spec.summary}" for spec in nearest)
    greeting = GREETING.fullmatch(text.strip().lower()) is not None
    return messages.render("hr_question_unknown", locale, lines=lines, refused=refused, greeting=greeting)


def _any_title() -> str:
    """A title for an example: the member's first open position, or the shipped 柜员."""
    position = Position.select(Position.title).where(Position.is_open & in_scope()).order_by(Position.id).first()
    return position.title if position is not None else DEFAULT_EXAMPLE["position"]
