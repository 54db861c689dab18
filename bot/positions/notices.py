"""The team is told when a position they work on is created or changed in the HR pages or through the open API: a
card with what changed (the fields), who changed it and a link to the difference. Set-up by an operator (position
files, templates from the command line, the upgrade) tells no one."""
from __future__ import annotations

from bot.org import team, units
from bot.store.models import Position, PositionVersion
from bot.wecom import messages, outbox
from bot.wecom.cards import KEYNAME_MAX_BYTES, clip, task_id, template_card
from config.settings import get_settings

TOLD_SOURCES = ("hr", "api")  # a person's change; files, templates and migrations are set-up
LABELS = {"slug": "代码", "title": "名称", "department": "部门", "description": "介绍",
          "think_seconds": "思考时间", "answer_seconds": "作答时间", "max_retakes": "重录次数",
          "answer_modes": "作答方式", "face_analysis": "表情分析", "deadline_days": "有效天数", "questions": "题目",
          "rubric": "评分规则、抽题与复试"}


def version_saved(position: Position, version: PositionVersion, changed: list[str]) -> int:
    """Tell the position's team (its recruiters, interviewers and hiring manager, the author excepted) about a new
    version; return how many were told. `changed` names the changed fields (empty for a new position)."""
    if version.source not in TOLD_SOURCES:
        return 0
    settings = get_settings()
    people = [u for u in dict.fromkeys([*team.recruiters(settings, position), *team.watchers(position)])
              if u != version.author]
    if not people:
        return 0
    locale, base = settings.hr_locale, settings.public_base_url
    new = version.number == 1
    url = (f"{base}/hr/positions/{position.slug}/edit" if new else
           f"{base}/hr/positions/{position.slug}/diff?a={version.number - 1}&b={version.number}")
    fields = [{"keyname": clip(messages.render("position_notice_unit", locale), KEYNAME_MAX_BYTES),
               "value": clip(units.path_name(position.unit) or settings.company_name, 60)},
              {"keyname": clip(messages.render("position_notice_by", locale), KEYNAME_MAX_BYTES),
               "value": clip(version.author, 60)}]
    payload = template_card(
        "|".join(people), "text_notice", locale, settings.company_name,
        messages.render("position_notice_new" if new else "position_notice_changed", locale, title=position.title,
                        number=version.number),
        messages.render("position_notice_desc", locale, questions=position.asked_count),
        messages.render("position_notice_fields", locale, fields="、".join(LABELS.get(c, c) for c in changed))
        if changed else "",
        fields, url, task_id(f"pos{position.id}v{version.number}"))
    outbox.send(f"position:{position.id}:v{version.number}:notice", payload, purpose="hr")
    return len(people)
