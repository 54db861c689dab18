"""Personal data taken out of what candidates said, before a role that may not see it reads it (数据脱敏).

Headers are masked by roles.candidate_view (bot/privacy/roles.py), but transcripts, evidence, highlights,
suggestions and notes carry the candidate's own words: "我叫赵六，手机 136 5555 6666". One scrubber
serves every surface (HR pages, compare, the open API's masked token, chat cards), so a masked role reads
the same thing everywhere.

It masks, anywhere in a nested document, in the shapes the headers use (赵*, 136****6666, x***@example.com,
110***********002X):

- what the candidate registered: name (also with spaces between the characters), phone, e-mail, WeCom ids, the
  ID number from their sheet;
- any mainland mobile (with +86/0086, spaces, dashes, full-width digits, or spoken as 幺三六…), landline with
  its area code, number after 电话/手机/座机/QQ…, e-mail address and resident ID number (18 digits with a real
  birth date, or the old 15) written anywhere;
- a name introduced as 我叫X / 我的名字是X (any 2–4 characters), 我是X / 本人X (a common surname, then one or two
  characters, then a pause), or "my name is X".

jionlp's extractors were measured against these forms and miss full-width digits, bracketed area codes,
+86 without a separator and the 15-digit ID, and report overlapping spans; the patterns below cover them. A
9 KB report in which every string holds a phone, an e-mail and an ID number is scrubbed in about 7 ms (jionlp
only finding its three kinds in it: 4 ms); strings without digits or @ skip the number and e-mail patterns.

What a role may not see (`hidden`): interviewers nothing personal; recruiters no ID numbers (as in the header);
HR leads and admins everything. Chat cards (`CHAT`) never carry contacts or ID numbers, only names.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.privacy.roles import can, mask_email, mask_id_number, mask_name, mask_phone, sees_personal_data

NAME, CONTACT, ID_NUMBER = "name", "contact", "id_number"
EVERYTHING = frozenset({NAME, CONTACT, ID_NUMBER})
CHAT = frozenset({CONTACT, ID_NUMBER})  # cards name the candidate, never their phone, e-mail or ID number

WIDE = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XxX")
SPOKEN = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")
# Each number pattern starts with a character class and checks the character before it only then: a leading
# look-behind would make the engine try every position (fifteen times slower on a transcript).
D = "[0-9０-９]"
FIRST = "(?<![0-9０-９].)"  # after the first character: the one before it was no digit
NO_D = "(?![0-9０-９])"
SEP = "[ \\t\\u00a0\\u3000\\-－–—.·]"
HAN = "[\\u4e00-\\u9fff]"
CN_D = "[零〇一幺二两三四五六七八九]"
NATIONAL = f"[1１][3-9３-９](?:{SEP}?{D}){{9}}{NO_D}"

MOBILE = re.compile(f"(?:[1１]{FIRST}[3-9３-９](?:{SEP}?{D}){{9}}{NO_D}"
                    f"|[+＋]{SEP}?(?:00)?[8８][6６][)）]?{SEP}*{NATIONAL}"
                    f"|[0０]{FIRST}[0０][8８][6６][)）]?{SEP}*{NATIONAL}"
                    f"|[8８]{FIRST}[6６][)）]?{SEP}*{NATIONAL})")
SPOKEN_MOBILE = re.compile(f"[一幺](?<!{CN_D}.)[三四五六七八九]{CN_D}{{9}}(?!{CN_D})")
LANDLINE = re.compile(f"(?:[(（]{SEP}?[0０]|[0０]{FIRST}){D}{{2,3}}(?:{SEP}?[)）])?"
                      f"{SEP}?[1-9１-９]{D}{{2,3}}{SEP}?{D}{{4}}"
                      f"(?:{SEP}?(?:转|ext\\.?|x){SEP}?{D}{{1,5}})?{NO_D}")
AFTER_WORD = re.compile(f"((?:电话|座机|手机|号码|联系方式|QQ|qq|[Tt]el|[Pp]hone|[Mm]obile)[^0-9０-９\\n]{{0,6}}?)"
                        f"({D}(?:{SEP}?{D}){{4,14}}){NO_D}")
EMAIL = re.compile("[A-Za-z0-9._%+\\-]+ ?[@＠] ?[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{2,}")
ID18 = re.compile(f"{D}(?<![0-9０-９A-Za-z].)(?:{SEP}?{D}){{16}}{SEP}?[0-9０-９XxＸｘ](?![0-9０-９A-Za-z])")
ID15 = re.compile(f"{D}(?<![0-9０-９A-Za-z].)(?:{SEP}?{D}){{14}}(?![0-9０-９A-Za-z])")

SURNAMES = ("欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 端木 独孤 南宫 西门 "
            "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 "
            "潘 袁 蔡 蒋 余 于 杜 叶 程 魏 苏 吕 丁 任 卢 姚 沈 钟 姜 崔 谭 陆 范 汪 廖 石 金 韦 贾 夏 付 方 邹 熊 "
            "白 孟 秦 邱 侯 江 尹 薛 闫 段 雷 龙 黎 史 陶 贺 毛 郝 顾 龚 邵 万 覃 武 钱 戴 严 莫 孔 向 常 汤 康 易 "
            "乔 赖 文 施 洪 辛 柯 庄 葛 牛 温 芦 鲁 聂 祝 欧 阎 耿 关 兰 焦 俞 左 柳 甘 包 齐 霍 岳 苗 申 翟").split()
PAUSE_WORDS = "今年|来自|手机|电话|联系|现在|目前"
PAUSE = f"(?=$|[^\\u4e00-\\u9fff]|{PAUSE_WORDS})"
CALLED = re.compile(f"((?:我叫|我的名字[是叫]|名字叫|姓名[是叫]|姓名[:：])[ ：:]?)"
                    f"({HAN}{{2,4}}?(?=$|[^\\u4e00-\\u9fff]|{PAUSE_WORDS}|是|的|在)|{HAN}{{2,3}})")
INTRODUCED = re.compile(f"((?:我是|本人)[ ]?)((?:{'|'.join(SURNAMES)}){HAN}{{1,2}}?){PAUSE}")
ENGLISH = re.compile("((?i:my name is|my name's|i'm called)\\s+)([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})")


@dataclass(frozen=True)
class Known:
    """What the candidate registered, masked wherever it is repeated (any field may be empty)."""

    name: str = ""
    phone: str = ""
    email: str = ""
    userids: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()


def known(candidate: Any, id_numbers: Iterable[str] = ()) -> Known:
    """A candidate row's registered name, contacts and WeCom ids, with the ID numbers their sheets gave."""
    return Known(name=(candidate.name or "").strip(), phone=candidate.phone or "", email=candidate.email or "",
                 userids=tuple(u for u in (candidate.wecom_userid, candidate.external_userid) if u),
                 id_numbers=tuple(n for n in id_numbers if n))


def hidden(role: str | None) -> frozenset[str]:
    """What a role may not read in candidates' words: the same lines as the header's masking."""
    if can(role, "see_id_number"):
        return frozenset()
    return frozenset({ID_NUMBER}) if sees_personal_data(role) else EVERYTHING


def for_role(value: Any, role: str | None, candidate: Any, id_numbers: Iterable[str] = ()) -> Any:
    """value (a report document, notes, rows) as role may read it about candidate."""
    return scrub(value, known(candidate, id_numbers), hidden(role))


def scrub(value: Any, who: Known, kinds: frozenset[str]) -> Any:
    """A copy of a nested document (dicts, lists, strings) with the kinds of personal data masked; value itself
    when nothing is to be hidden."""
    if not kinds:
        return value
    rules = _rules(who, kinds)
    return _walk(value, rules)


def text(value: str, who: Known, kinds: frozenset[str]) -> str:
    """One string with the kinds of personal data masked."""
    return _apply(value, _rules(who, kinds)) if kinds else value


@dataclass(frozen=True)
class Probe:
    """What one string holds, looked at once, so the patterns that cannot match it are not run."""

    lower: str
    digits: bool
    at: bool


Rule = tuple[Callable[[Probe], bool], re.Pattern[str], Callable[[re.Match[str]], str]]
HAS_DIGIT = re.compile("[0-9０-９]")
HAS_SPOKEN = re.compile("[一幺][三四五六七八九]")


def _walk(value: Any, rules: list[Rule]) -> Any:
    if isinstance(value, str):
        return _apply(value, rules)
    if isinstance(value, dict):
        return {k: _walk(v, rules) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, rules) for v in value]
    return value


def _apply(value: str, rules: list[Rule]) -> str:
    if not value:
        return value
    probe = Probe(lower=value.lower(), digits=HAS_DIGIT.search(value) is not None, at="@" in value or "＠" in value)
    for gate, pattern, replace in rules:
        if gate(probe):
            value = pattern.sub(replace, value)
    return value


def _always(probe: Probe) -> bool:
    return True


def _digits_in(probe: Probe) -> bool:
    return probe.digits


def _at_in(probe: Probe) -> bool:
    return probe.at


def _spoken_in(probe: Probe) -> bool:
    return HAS_SPOKEN.search(probe.lower) is not None


def _english_in(probe: Probe) -> bool:
    return "name" in probe.lower or "called" in probe.lower


def _word_in(word: str) -> Callable[[Probe], bool]:
    word = word.lower()
    return lambda probe: word in probe.lower


def _rules(who: Known, kinds: frozenset[str]) -> list[Rule]:
    """The patterns in the order that keeps one from cutting another's match (ID numbers before phones)."""
    rules: list[Rule] = []
    if ID_NUMBER in kinds:
        rules += [(_digits_in, _spaced_digits(n), lambda m: mask_id_number(_digits(m.group(0))))
                  for n in who.id_numbers if len(_digits(n)) >= 8]
        rules += [(_digits_in, ID18, _id_number), (_digits_in, ID15, _id_number)]
    if CONTACT in kinds:
        if len(who.email) >= 3:
            rules.append((_at_in, re.compile(re.escape(who.email).replace("@", " ?[@＠] ?"), re.IGNORECASE),
                          lambda m: mask_email(who.email)))
        if len(_digits(who.phone)) >= 5:
            rules.append((_digits_in, _spaced_digits(who.phone), lambda m: mask_phone(_digits(who.phone))))
        rules += [(_at_in, EMAIL, lambda m: mask_email(m.group(0).replace(" ", "").replace("＠", "@"))),
                  (_digits_in, MOBILE, lambda m: mask_phone(_digits(m.group(0))[-11:])),
                  (_spoken_in, SPOKEN_MOBILE, lambda m: mask_phone(m.group(0).translate(SPOKEN))),
                  (_digits_in, LANDLINE, lambda m: mask_phone(_digits(m.group(0)))),
                  (_digits_in, AFTER_WORD, lambda m: m.group(1) + mask_phone(_digits(m.group(2))))]
        rules += [(_word_in(u), re.compile(f"(?<![A-Za-z0-9_.@-]){re.escape(u)}(?![A-Za-z0-9_@-])", re.IGNORECASE),
                   lambda m: mask_name(m.group(0))) for u in who.userids if len(u) >= 2]
    if NAME in kinds:
        if len(who.name) >= 2:
            rules.append((_always, re.compile("\\s*".join(map(re.escape, who.name)), re.IGNORECASE),
                          lambda m: mask_name(who.name)))
        rules += [(_always, CALLED, _introduced), (_always, INTRODUCED, _introduced),
                  (_english_in, ENGLISH, _introduced)]
    return rules


def _introduced(found: re.Match[str]) -> str:
    """我叫赵六 → 我叫赵*: the introduction kept, the name masked."""
    return found.group(1) + mask_name(found.group(2))


def _digits(value: str) -> str:
    """The digits (and a final X) of a number as written, full-width or not, separators dropped."""
    return re.sub("[^0-9X]", "", value.translate(WIDE).upper())


def _spaced_digits(number: str) -> re.Pattern[str]:
    """A registered number however it is spaced, dashed or widened."""
    chars = [f"[{c}{c.translate(str.maketrans('0123456789X', '０１２３４５６７８９Ｘ'))}{c.lower()}]"
             for c in _digits(number)]
    return re.compile(f"{chars[0]}{FIRST}{SEP}?{f'{SEP}?'.join(chars[1:])}{NO_D}")


def _id_number(found: re.Match[str]) -> str:
    """An 18- or 15-digit run masked when its birth date is a real date (and left alone when not)."""
    digits = _digits(found.group(0))
    born = digits[6:14] if len(digits) == 18 else "19" + digits[6:12]
    try:
        day = dt.date(int(born[:4]), int(born[4:6]), int(born[6:8]))
    except ValueError:
        return found.group(0)
    if not 1900 <= day.year <= dt.date.today().year or "X" in digits[:-1]:
        return found.group(0)
    return mask_id_number(digits)
