"""Chat commands and candidates' keywords, each declared once (errbot style).

A recruiter command is a function under `@command(...)`: its name, aliases, usage line, summary, who may run it
and how its arguments are read. From that one declaration come the parser (`parse`), the role check
(`allowed`), the /help text (`help_text`) and the job that runs it (`run`). A command answers with message
templates (config/messages); it refuses by raising `CommandError` (a template) or `UserError` (a text), and any
other exception is logged with its traceback while the recruiter gets a short apology, never silence.

A candidate's intent (退出人才库, 删除我的数据, 人工复核, 面试要多久, 确认 …) is declared once with `@intent(...)`
on its handler: its phrasings, whether it is an act or an answer, whether it waits for the candidate's confirmation
and the templates that explain it (a question about it) or acknowledge it (a negated request). `read` finds the
intents a message mentions, clause by clause, with negation and questions (bot/commands/sentences.py);
bot/channels/conversation.py acts on them, the same for member chat and 微信客服. Docs: docs/commands.md,
docs/candidate-chat.md.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.commands.sentences import Clause, clauses, normalise
from bot.errors import OUTAGES, UserError
from bot.org.access import access_of, acting_as, is_recruiter
from bot.store.db import db_session
from bot.wecom import notify
from config.settings import get_settings

log = logging.getLogger(__name__)

RECRUITER, READER, ANYONE = "recruiter", "reader", "anyone"  # who may run a command
# READER: anyone with an HR role for some position (interviewers, hiring managers too): the read-only commands
ARG_MAX = 64  # characters in one argument: userids, names and titles are shorter
HINT = "我是面试助手。发送 /help 查看可用命令。"
REFUSAL = "抱歉，这个命令仅限招聘人员使用。如需帮助，请联系贵司 HR。"

Parser = Callable[[tuple[str, ...]], tuple[Any, ...]]


class UsageError(UserError):
    """A command was recognised but used wrongly; an empty message means "show the command's usage line"."""


class CommandError(UserError):
    """A command cannot go on; the person who ran it is told why with a message template."""

    def __init__(self, template: str, /, **values: Any) -> None:
        super().__init__(template)
        self.template = template
        self.values = values


@dataclass(frozen=True)
class Command:
    """One declared command."""

    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    who: str
    read_args: Parser
    func: Callable[..., str]
    inline: bool  # answered by the handler itself (the function returns the reply), no job, no database


@dataclass(frozen=True)
class Call:
    """A command as typed: the declaration and the words after it."""

    command: Command
    words: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.command.name


ACT, ANSWER, CONFIRM, CANCEL = "act", "answer", "confirm", "cancel"  # what an intent is
CONFIRM_SECONDS = 1800  # how long a consequential request waits for the candidate's 确认


@dataclass(frozen=True)
class Turn:
    """What an intent's handler is given: who wrote, about which invitation, and the key its replies go under."""

    candidate: Any
    invitation: Any
    channel: str
    user: str  # the member userid or WeChat external_userid the message came from
    text: str
    key: str


@dataclass(frozen=True)
class Intent:
    """A candidate's intent: its phrasings and what it does.

    kind ACT does something (handler), ANSWER replies with facts (handler), CONFIRM and CANCEL answer a pending
    confirmation. An ACT with confirm=True is first stated (template ask) and done only on the candidate's explicit
    confirmation. A question about an ACT gets template explain; a negated ACT gets template declined and nothing
    else happens.
    """

    name: str
    words: tuple[str, ...]
    order: int
    kind: str
    handler: Callable[[Turn], str] | None
    confirm: bool = False
    ask: str = ""
    explain: str = ""
    declined: str = ""
    label: str = ""  # the template naming it in a few words (a clarifying question, a cancellation, the card)
    acts_when_asked: Callable[[str], bool] | None = None  # a question that is a proposal ("改到周一下午2点吗？")
    alone: tuple[str, ...] = ()  # words that count only as the whole clause (TD, never "我在TD银行工作过")
    unavailable: Callable[[Turn], str] | None = None  # a template answering instead, when the act cannot apply now
    about: Callable[[Turn], Any] | None = None  # the invitation the act is about, when not the latest (None: latest)
    pairs: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()  # (actions, objects) said near each other

    def locate(self, clause: Clause) -> tuple[int, int, str]:
        """Where the clause mentions this intent first, where its negation is looked for and the phrasing found
        there ((-1, -1, "") when it does not mention it); confirmations by exact spelling only."""
        exact = self.kind in (CONFIRM, CANCEL)
        spots = [(at, at, word) for at, word in ((clause.find(word, exact=exact), word) for word in self.words)
                 if at != -1]
        if clause.text.strip(" .!?。！？~～") in self.alone:
            spots.append((0, 0, ""))
        spots += [spot for spot in (clause.find_pair(acts, objects) for acts, objects in self.pairs) if spot[0] != -1]
        return min(spots, default=(-1, -1, ""))


@dataclass(frozen=True)
class Mention:
    """An intent said in one clause of a message, and how."""

    intent: Intent
    clause: Clause
    negated: bool

    @property
    def question(self) -> bool:
        return self.clause.question


COMMANDS: dict[str, Command] = {}
INTENTS: dict[str, Intent] = {}
_ALIASES: dict[str, Command] = {}


def arity(low: int, high: int) -> Parser:
    """Return a parser taking low to high arguments of at most ARG_MAX characters each."""
    def read(words: tuple[str, ...]) -> tuple[str, ...]:
        if not low <= len(words) <= high or any(len(w) > ARG_MAX for w in words):
            raise UsageError()
        return words
    return read


def _any(words: tuple[str, ...]) -> tuple[str, ...]:
    return words


def command(name: str, *, usage: str, summary: str, aliases: tuple[str, ...] = (), who: str = RECRUITER,
            args: Parser | tuple[int, int] | None = None, inline: bool = False) -> Callable[[Callable], Callable]:
    """Declare the decorated function as the chat command /name; args is a parser or a (low, high) arity.

    The function is called as func(*parsed_args, userid=..., key=...) inside a database session and returns a
    short status for the job's result; an inline one returns the reply text instead.
    """
    if who not in (RECRUITER, READER, ANYONE):
        raise ValueError(f"/{name}: who must be RECRUITER, READER or ANYONE")
    read_args = arity(*args) if isinstance(args, tuple) else (args or _any)

    def register(func: Callable[..., str]) -> Callable[..., str]:
        spec = Command(name, (f"/{name}", *aliases), usage, summary, who, read_args, func, inline)
        for alias in spec.aliases:
            taken = _ALIASES.get(alias.lower())
            if taken is not None and taken.name != name:
                raise ValueError(f"/{name}: alias {alias!r} is already /{taken.name}'s")
        COMMANDS[name] = spec
        _ALIASES.update({alias.lower(): spec for alias in spec.aliases})
        return func
    return register


def parse(text: str) -> Call | None:
    """Return the command in text, None when text is not one; raise UsageError for an unknown /word."""
    words = text.replace("\u3000", " ").split()
    if not words:
        return None
    spec = _ALIASES.get(words[0].lower())
    if spec is None:
        if words[0].startswith("/"):
            raise UsageError(f"没有这个命令：{words[0][:32]}。发送 /help 查看可用命令。")
        return None
    return Call(spec, tuple(words[1:]))


def arguments(call: Call) -> tuple[Any, ...]:
    """Return the call's arguments as its command reads them; raise UsageError (with the usage line) when wrong."""
    try:
        return tuple(call.command.read_args(call.words))
    except UsageError as exc:
        if str(exc):
            raise
        raise UsageError(f"用法：{call.command.usage}") from None


def standing_of(settings: Any, userid: str) -> str | None:
    """What the member may run: RECRUITER (a recruiter, lead or admin on a list, a unit or a team), READER (an HR
    role somewhere, e.g. a position's interviewer or hiring manager) or None (a candidate, anyone else). Call it in a
    database session."""
    if is_recruiter(settings, userid):
        return RECRUITER
    return READER if access_of(settings, userid).role is not None else None


def standing_now(settings: Any, userid: str) -> str | None:
    """standing_of in its own database session, for the callback's dispatch and /help. With the database away a
    moment the global lists alone decide (as before units): the callback keeps answering, and a queued command is
    checked again against the organisation when its job runs (run())."""
    try:
        with db_session():
            return standing_of(settings, userid)
    except OUTAGES:
        if userid in settings.recruiters:
            return RECRUITER
        return READER if userid in settings.hr_viewers | settings.admin_userids else None


def allowed(spec: Command, standing: str | bool | None) -> bool:
    """Return whether someone of that standing (True: a recruiter, False: nobody) may run the command."""
    standing = RECRUITER if standing is True else (None if standing is False else standing)
    if spec.who == ANYONE:
        return True
    return standing == RECRUITER or (spec.who == READER and standing == READER)


def help_text(standing: str | bool | None) -> str:
    """Return the /help reply for the member's standing: the commands they may run, /help last."""
    lines = ["面试助手可用命令："]
    for spec in sorted(COMMANDS.values(), key=lambda s: (s.who == ANYONE, s.name)):
        if allowed(spec, standing):
            lines.append(f"• {spec.usage}\n  {spec.summary}")
    if standing not in (True, RECRUITER):
        lines.append("招聘命令仅对招聘人员开放。候选人请点击收到的面试邀请卡片开始面试。")
    return "\n".join(lines)


def run(name: str, args: list[Any], userid: str, key: str) -> str:
    """Run command name for userid; a UserError is answered with its text, any other error with an apology."""
    try:
        spec = COMMANDS[name]  # a job queued before a deploy that dropped the command is apologised for too
        with db_session():
            settings = get_settings()
            if not allowed(spec, standing_of(settings, userid)):  # no longer allowed since it was queued
                raise UserError(REFUSAL)
            with acting_as(access_of(settings, userid)):  # the lookups see only the member's units
                return spec.func(*args, userid=userid, key=key)
    except UserError as exc:
        with db_session():
            _answer(spec, userid, exc, key)
        return "refused"
    except OUTAGES:  # the database or Redis away a moment: RQ's outage handler runs the command again later
        raise
    except Exception:
        log.exception("command /%s from %s failed (request %s)", name, userid, key)
        with db_session():
            notify.to_hr(userid, "command_failed", f"{key}:failed", command=f"/{name}")
        return "failed"


def _answer(spec: Command, userid: str, exc: UserError, key: str) -> None:
    if isinstance(exc, CommandError):
        notify.to_hr(userid, exc.template, f"{key}:{exc.template}", **exc.values)
    else:
        notify.to_hr_text(userid, str(exc) or f"用法：{spec.usage}", f"{key}:refused")


def intent(name: str, *, words: tuple[str, ...], order: int, kind: str = ACT, confirm: bool = False,
           ask: str = "", explain: str = "", declined: str = "", label: str = "",
           acts_when_asked: Callable[[str], bool] | None = None, alone: tuple[str, ...] = (),
           unavailable: Callable[[Turn], str] | None = None,
           about: Callable[[Turn], Any] | None = None,
           pairs: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()) -> Callable[[Callable], Callable]:
    """Declare the decorated function as the handler of a candidate's intent; `read` tries intents by order.
    words: its phrasings; alone: words that count only as the whole clause; pairs: (actions, objects) that say it
    when one of each stands near the other, in either order (删 … 资料, 把我的资料删了)."""
    if any(other.order == order for other in INTENTS.values() if other.name != name):
        raise ValueError(f"intent {name}: order {order} is taken")
    if confirm and not (ask and label):
        raise ValueError(f"intent {name}: one that waits for confirmation needs the templates that ask for it and "
                         "name it")

    def register(func: Callable[[Turn], str]) -> Callable[[Turn], str]:
        INTENTS[name] = Intent(name, tuple(normalise(w) for w in words), order, kind, func, confirm, ask, explain,
                               declined, label, acts_when_asked, tuple(normalise(w) for w in alone), unavailable,
                               about, tuple((tuple(map(normalise, acts)), tuple(map(normalise, objects)))
                                            for acts, objects in pairs))
        return func
    return register


def read(text: str) -> list[Mention]:
    """The intents text mentions, in the order it says them (one mention per intent, its first)."""
    found: list[tuple[int, int, Mention]] = []
    seen: set[str] = set()
    ordered = sorted(INTENTS.values(), key=lambda i: i.order)
    for number, clause in enumerate(clauses(text)):
        for spec in ordered:
            at, negation_at, phrase = spec.locate(clause)
            if at == -1 or spec.name in seen:
                continue
            seen.add(spec.name)
            if spec.kind == CONFIRM:  # a confirmation must not say a negation anywhere: 我还没确认, 确认不了
                negated = clause.negated_anywhere()
            else:
                negated = clause.negated_at(negation_at, phrase)
            found.append((number, at, Mention(spec, clause, negated)))
    return [mention for _, _, mention in sorted(found, key=lambda f: (f[0], f[1]))]
