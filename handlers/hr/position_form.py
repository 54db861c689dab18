"""What HR's position editor shows: the form's fields (one list: adding a field to the editor is one line here),
the validator's errors in Chinese beside the field they name, and the live previews of the invitation card (as
bot/wecom/cards.py builds it for WeCom) and of one question as the candidate's page shows it."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from bot.bulk.fields import EDUCATION_LEVELS
from bot.bulk.mapping import MATCH_HINT
from bot.clock import local_time
from bot.invitations.invites import deadline
from bot.positions.catalog import ANSWER_MODES, PositionFileError, parse_position_doc
from bot.store.models import Position
from bot.wecom.cards import MODE_NAMES, answer_modes_text, invitation_card
from config.delivery import CHANNELS, KINDS
from scoring.report import DEFAULT_WEIGHTS, DIMENSIONS, THRESHOLDS


@dataclass(frozen=True)
class Field:
    """One input of the form: its path in the position document, its label, and how it is typed.

    kind: text, textarea, int, number (empty leaves the key out), bool, select (options), modes, words (a list
    written with commas or 、), names (a list of codes shown by the Chinese names in options; empty leaves the key
    out)."""
    path: str
    label: str
    kind: str = "text"
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()


SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    ("基本信息", (
        Field("title", "岗位名称", hint="候选人和招聘团队看到的名称，不能与其他岗位重名"),
        Field("slug", "岗位代码", hint="小写字母、数字、- 或 _，用于链接和接口；保存后不能修改"),
        Field("department", "用人部门"),
        Field("description", "岗位介绍", "textarea", "筛选简历时据此匹配"),
        Field("language", "作答语言", "select", options=(("zh", "中文"), ("en", "英文"), ("auto", "自动识别"))),
        Field("deadline_days", "邀请有效天数", "int", "1–365 天"),
        Field("materials", "请候选人提前准备", "textarea", "写进邀请卡片的指引"),
        Field("practice_question", "练习题（不计分）", "textarea"),
    )),
    ("作答规则", (
        Field("think_seconds", "每题思考时间（秒）", "int", "0–3600；单题可另设"),
        Field("answer_seconds", "每题作答时间（秒）", "int", "10–3600；单题可另设"),
        Field("max_retakes", "可重答次数", "int", "0–10"),
        Field("answer_modes", "作答方式", "modes"),
        Field("face_analysis", "开启表情分析（须有制度依据）", "bool"),
    )),
    ("评分", (
        *(Field(f"dimensions.{name}", name, "number", "权重 0–1") for name in DIMENSIONS),
        Field("thresholds.recommend", "推荐分数线", "number", f"0–100，默认 {THRESHOLDS['recommend']:g}"),
        Field("thresholds.consider", "待定分数线", "number", f"0–100，不高于推荐线，默认 {THRESHOLDS['consider']:g}"),
    )),
    ("简历筛选（批量邀请）", (
        Field("screening.education_min", "最低学历", "select",
              options=(("", "不限"), *((e, e) for e in EDUCATION_LEVELS[:-1]))),
        Field("screening.majors", "专业", "words", "用逗号或顿号分隔"),
        Field("screening.majors_required", "专业必须符合", "bool"),
        Field("screening.years_min", "最少工作年限", "number"),
        Field("screening.years_max", "最多工作年限", "number"),
        Field("screening.required_skills", "必备技能", "words"),
        Field("screening.bonus_skills", "加分技能", "words"),
        Field("screening.match_min", "最低匹配度（0–1）", "number", MATCH_HINT),
        Field("screening.auto_invite", "筛选通过后自动邀请", "bool"),
    )),
    ("机构与团队", (
        Field("unit", "所属机构", "select",
              "决定谁能看到这个岗位的候选人；结果卡片发给岗位团队，没有团队时发给机构的招聘专员"),
        Field("team.recruiters", "招聘专员", "words", "企业微信账号，用逗号分隔；收到结果卡片并可作决定"),
        Field("team.interviewers", "面试官", "words",
              "企业微信账号；可看报告（个人信息已脱敏），收到不带按钮的结果卡片"),
        Field("team.hiring_manager", "用人经理", "text", "一个企业微信账号；与面试官一样脱敏查看"),
    )),
    ("送达策略", (
        Field("delivery.channels", "联系渠道（按先后）", "names",
              "如 企业微信、微信客服、外部联系人、短信、邮件；留空按系统设置；候选人回复过的渠道优先",
              tuple(CHANNELS.items())),
        Field("delivery.sms", "可用短信发送的消息", "names",
              "面试邀请、提醒、复试通知、改期通知 中的若干；感谢函从不用短信；留空按系统设置", tuple(KINDS.items())),
        Field("delivery.email", "可用邮件发送的消息", "names", "留空按系统设置（全部）", tuple(KINDS.items())),
        Field("delivery.fallback_hours", "未打开则换渠道重发（小时）", "int",
              "邀请发出后这么久仍未打开，改用下一个渠道再发一次；0 不重发；留空按系统设置"),
    )),
    # handed to the hiring manager on hire for the weakest dimensions (a position's own dimensions: in its YAML)
    ("入职培训建议", tuple(
        Field(f"training.{name}", name, "words", "课程或导师，用逗号或顿号分隔；留空则不建议")
        for name in DIMENSIONS)),
    ("复试通知", (
        Field("next_round.after_days", "面试后第几天", "int"),
        Field("next_round.at", "时间（如 10:00）"),
        Field("next_round.duration_minutes", "时长（分钟）", "int"),
        Field("next_round.place", "地点"),
        Field("next_round.contact", "联系人"),
        Field("next_round.materials", "请携带", "textarea"),
    )),
)
FIELD_LABELS = {f.path: f.label for _, fields in SECTIONS for f in fields}
QUESTION_LABELS = {"key": "题目代码", "text": "题目", "text_en": "英文题目", "competency": "能力项",
                   "model_answers": "参考答案",
                   "difficulty": "难度", "think_seconds": "思考时间", "answer_seconds": "作答时间",
                   "red_flags": "红线表述", "rubric": "评分要点", "target_chars": "目标字数"}
POINT_LABELS = {"point": "要点", "description": "说明", "keywords": "关键词", "synonyms": "近义词",
                "required": "必答要点", "contradicts": "错误做法"}
SAMPLE_NAME = "张三"  # the previews' candidate


def lookup(doc: Any, path: str) -> Any:
    """The value at a dotted path of the document (None when any step is missing)."""
    value = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def shown(value: Any, kind: str, options: tuple[tuple[str, str], ...] = ()) -> Any:
    """A document value as its input shows it."""
    if kind == "words" or (kind == "text" and isinstance(value, list)):  # a hiring manager is kept as a list
        return "、".join(str(v) for v in value) if isinstance(value, list) else ""
    if kind == "names":
        return "、".join(dict(options).get(str(v), str(v)) for v in value) if isinstance(value, list) else ""
    if kind in ("bool", "modes"):
        return value
    return "" if value is None else value


def form_sections(doc: dict[str, Any], units: tuple[tuple[str, str], ...] = ()) -> list[dict[str, Any]]:
    """The sections with each field's current value, for the template; `units` are the (code, name) choices of the
    unit field: the units the member may put a position in."""
    def filled(f: Field) -> Field:
        return replace(f, options=units) if f.path == "unit" else f
    return [{"title": title, "fields": [{"field": filled(f), "value": shown(lookup(doc, f.path), f.kind, f.options)}
                                        for f in fields]} for title, fields in SECTIONS]


def modes() -> list[tuple[str, str]]:
    return [(m, MODE_NAMES[m]) for m in MODE_NAMES if m in ANSWER_MODES]


def label_of(path: str) -> str:
    """The field's name as HR reads it: 第 3 题 · 评分要点 1 · 要点, 抽题 · 服务意识, 推荐分数线."""
    if path in FIELD_LABELS:
        return FIELD_LABELS[path]
    question = re.fullmatch(r"questions\[(\d+)\](?:\.rubric\[(\d+)\])?(?:\.(\w+))?", path)
    if question:
        index, point, key = question.groups()
        parts = [f"第 {int(index) + 1} 题"]
        if point is not None:
            parts.append(f"评分要点 {int(point) + 1}")
            parts.append(POINT_LABELS.get(key or "", key or ""))
        elif key:
            parts.append(QUESTION_LABELS.get(key, key))
        return " · ".join(p for p in parts if p)
    head, _, rest = path.partition(".")
    names = {"draw": "抽题", "dimensions": "维度权重", "thresholds": "分数线", "screening": "简历筛选",
             "next_round": "复试通知", "delivery": "送达策略", "questions": "题目", "team": "岗位团队",
             "competencies": "岗位素质要求", "training": "入职培训建议"}
    return f"{names.get(head, head)}{' · ' + rest if rest else ''}"


# The validator's messages (English, for files and the API) said again in Chinese for HR; anything not listed is
# shown as the validator wrote it, after the field's Chinese name.
CHINESE: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), t) for p, t in (
    (r"title must not be empty", "请填写岗位名称。"),
    (r"title must be text of at most", "岗位名称最多 64 个字。"),
    (r"^slug:", "岗位代码只能用小写字母、数字、- 或 _（1–64 个字符），以字母或数字开头。"),
    (r"missing '(\w+)'", "缺少必填项 {0}。"),
    (r"dimension weights must sum to 1 \(they sum to (.+)\)", "各维度权重之和必须为 1（现在是 {0}）。"),
    (r"a weight is a number from 0 to 1", "权重须是 0 到 1 之间的数。"),
    (r"unknown dimensions \['([^']*)'", "没有这个评分维度：{0}。岗位自有维度须是“岗位素质要求”里的一项（名称相同）。"),
    (r"at most (\d+) dimensions of the position's own", "岗位自有维度最多 {0} 个（报告的雷达图最多八个维度）。"),
    (r"competencies: a name is", "请填写素质名称（1–64 个字，如 合规意识）。"),
    (r"competencies\.(.+): a sentence of at most (\d+)", "请用一句话写出岗位对“{0}”的要求（最多 {1} 个字）。"),
    (r"'competencies' must map up to (\d+)", "岗位素质要求最多 {0} 项，每项一个名称和一句要求。"),
    (r"model_answers must be one to three answers", "参考答案最多 3 条，每条最多 2000 个字。"),
    (r"required is true or false", "必答要点只能勾选或不勾选。"),
    (r"contradicts must be up to (\d+) sentences \(each at most (\d+)",
     "错误做法最多 {0} 句、每句最多 {1} 个字，每行一句，用肯定句写出错误做法，如：自己先垫钱把差错补上。"),
    (r"consider \((.+)\) must not be above recommend \((.+)\)", "待定分数线（{0}）不能高于推荐分数线（{1}）。"),
    (r"'thresholds' may set", "分数线须是 0 到 100 之间的数。"),
    (r"draw\.(.+): the bank cannot fill the draw: (\d+) asked, (\d+) question",
     "题库不够抽：能力项“{0}”要抽 {1} 题，题库里只有 {2} 题。"),
    (r"draw\.(.+): no question has this competency", "题库里没有能力项为“{0}”的题目。"),
    (r"draw\.(.+): the count must be a positive", "能力项“{0}”的抽题数须是正整数。"),
    (r"draw is set, so every question needs a competency", "设置了抽题规则，每道题都要填写能力项。"),
    (r"rubric point (\d+) needs its text", "评分要点 {0} 还没有填写要点。"),
    (r"description must be a sentence", "评分要点的说明不能为空（写一句好的回答会怎么做）。"),
    (r"rubric points need keywords", "评分要点需要关键词列表。"),
    (r"question (\d+) needs key and text", "第 {0} 题缺少题目代码或题目内容。"),
    (r"key must be 1-64 letters", "题目代码只能用字母、数字、- 或 _（1–64 个字符）。"),
    (r"question key '(.+)' is repeated", "题目代码 {0} 重复了。"),
    (r"competency must be a non-empty name", "能力项不能为空（如 服务意识）。"),
    (r"difficulty must be 1, 2 or 3", "难度须是 1、2 或 3。"),
    (r"text_en must be the English text", "英文题目不能只有空白；不需要就留空。"),
    (r"(think_seconds|answer_seconds|max_retakes|deadline_days|target_chars) must be a whole number from (\d+) to "
     r"(\d+)", "须是 {1} 到 {2} 之间的整数。"),
    (r"answer_modes must be among", "至少选一种作答方式。"),
    (r"unknown key '(.+)'", "不认识的字段 {0}（可能是拼写错误）。"),
    (r"next_round.at must be a time", "复试时间须写成 10:00 这样的格式。"),
    (r"an SMS carries no free text", "短信只能发送有审核模板的消息：面试邀请、提醒、复试通知、改期通知。"),
    (r"channels: unknown '(.+?)'", "不认识的渠道 {0}：可用 企业微信、微信客服、外部联系人、短信、邮件。"),
    (r"(?:sms|email): unknown '(.+?)'",
     "不认识的消息种类 {0}：可用 面试邀请、提醒、复试通知、改期通知、感谢函、录用通知、其他通知。"),
    (r"training: unknown dimension '(.+?)'", "没有这个评分维度：{0}。培训建议须写在报告的维度（或岗位素质要求）下。"),
    (r"training\.(.+?): a list of 1 to (\d+)", "“{0}”的培训建议须是 1 到 {1} 条课程或导师。"),
    (r"training\.(.+?)\[\d+\]: a course or mentor is text of 1 to (\d+)", "“{0}”的每条培训建议须是 1 到 {1} 个字。"),
    (r"'training' must map up to (\d+)", "入职培训建议最多 {0} 个维度，每个维度一组课程或导师。"),
    (r"name at least one channel", "至少写一个联系渠道。"),
    (r"delivery: \w+: (.+) is named twice", "{0} 写了两次。"),
    (r"fallback_hours must be", "换渠道重发的小时数须是 0–720 的整数。"),
    (r"the top level must be a mapping", "文件内容须是一个岗位（键值对），不是列表或单个值。"),
    (r"not valid YAML", "这不是有效的 YAML 文件。"),
    (r"years_max .* is below years_min", "最多工作年限不能少于最少工作年限。"),
))


def chinese(exc: PositionFileError) -> str:
    """The validator's reason in Chinese for HR (the English original after an unlisted one)."""
    if exc.field.startswith(("unit", "team")):  # bot/org writes these in Chinese already
        return exc.reason
    for pattern, text in CHINESE:
        found = pattern.search(exc.reason)
        if found:
            return text.format(*found.groups())
    return f"内容不符合要求：{exc.reason}"


def _whole(value: Any, default: int, low: int, high: int) -> int:
    return value if type(value) is int and low <= value <= high else default


def preview_position(doc: Any) -> tuple[Position, bool]:
    """An unsaved Position from the document for the previews, and whether the document passes the rules. A
    document still being typed (a field empty or out of range) is previewed with defaults where it breaks them."""
    try:
        values = parse_position_doc(doc, "preview", "")
        values.pop("source_sha256")
        return Position(**values), True
    except PositionFileError:
        pass
    doc = doc if isinstance(doc, dict) else {}
    questions = [q for q in doc.get("questions") or [] if isinstance(q, dict)]
    draw = doc.get("draw") if isinstance(doc.get("draw"), dict) else {}
    modes = [m for m in doc.get("answer_modes") or [] if m in ANSWER_MODES] if isinstance(
        doc.get("answer_modes"), list) else []
    return Position(title=str(doc.get("title") or "").strip()[:64] or "（未命名岗位）",
                    think_seconds=_whole(doc.get("think_seconds"), 60, 0, 3600),
                    answer_seconds=_whole(doc.get("answer_seconds"), 120, 10, 3600),
                    max_retakes=_whole(doc.get("max_retakes"), 1, 0, 10),
                    deadline_days=_whole(doc.get("deadline_days"), 7, 1, 365),
                    answer_modes=modes or sorted(ANSWER_MODES), questions=questions,
                    rubric={"draw": {c: n for c, n in draw.items() if type(n) is int and n > 0},
                            "materials": str(doc.get("materials") or "")}), False


def preview(doc: Any, company: str, index: int = 0) -> dict[str, Any]:
    """The invitation card as WeCom shows it and question `index` as the candidate sees it."""
    position, valid = preview_position(doc)
    card = invitation_card(touser="preview", locale="zh-CN", company=company, candidate_name=SAMPLE_NAME,
                           position=position, deadline=deadline(position.deadline_days), link="#",
                           decline_key="preview")["template_card"]
    questions = position.questions or []
    index = min(max(index, 0), len(questions) - 1) if questions else 0
    question = questions[index] if questions else {}
    think = _whole(question.get("think_seconds"), position.think_seconds, 0, 3600)
    answer = _whole(question.get("answer_seconds"), position.answer_seconds, 10, 3600)
    return {"card": card, "valid": valid, "index": index, "asked": position.asked_count,
            "question": {"text": str(question.get("text") or "（题目内容）"), "text_en": question.get("text_en") or "",
                         "think": think, "answer": answer, "retakes": position.max_retakes,
                         "modes": [MODE_NAMES[m] for m in MODE_NAMES if m in position.answer_modes],
                         "modes_text": answer_modes_text(position.answer_modes)},
            "deadline": local_time(deadline(position.deadline_days))}


def blank_document() -> dict[str, Any]:
    """A new position's starting document: one empty question and the standard weights and thresholds."""
    return {"slug": "", "title": "", "department": "", "description": "", "think_seconds": 60, "answer_seconds": 120,
            "max_retakes": 1, "answer_modes": sorted(ANSWER_MODES), "face_analysis": False, "deadline_days": 7,
            "language": "zh", "materials": "", "practice_question": "", "dimensions": dict(DEFAULT_WEIGHTS),
            "thresholds": dict(THRESHOLDS), "next_round": {}, "screening": {}, "draw": {},
            "questions": [{"key": "q1", "text": "", "difficulty": 2, "rubric": []}]}
