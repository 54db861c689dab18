"""/compare: 2–5 candidates side by side in one card, best total first, opening the compare page."""
from __future__ import annotations

from bot.commands.lookup import find_candidate, latest_report
from bot.commands.registry import CommandError, arity, command
from bot.wecom import messages, outbox
from bot.wecom.cards import KEYNAME_MAX_BYTES, clip, task_id, template_card
from config.settings import get_settings


def read_args(words: tuple[str, ...]) -> tuple[str, ...]:
    """Take 2–5 candidates; a name given twice counts once (and may leave too few to compare)."""
    return tuple(dict.fromkeys(arity(2, 5)(words)))


@command("compare", aliases=("对比",), args=read_args,
         usage="/compare <候选人…>（2–5 人）  例：/compare zhangsan lisi", summary="并排对比几位候选人的得分")
def compare(*refs: str, userid: str, key: str) -> str:
    """Send a card comparing the candidates' latest reports."""
    settings = get_settings()
    locale = settings.hr_locale
    found, missing = [], []
    for ref in refs:
        candidate = find_candidate(ref)
        latest = latest_report(candidate)
        (found.append((candidate, latest)) if latest else missing.append(ref))
    if len(found) < 2:
        raise CommandError("compare_none", missing="、".join(missing) or "-")
    found.sort(key=lambda pair: -pair[1].total)
    fields = [{"keyname": clip(c.display_name, KEYNAME_MAX_BYTES),
               "value": f"{r.total:.0f} · {r.document['recommendation']['label']}"} for c, r in found]
    lines = [f"{c.display_name}：" + "，".join(f"{d['name'][:2]}{d['score']:.0f}" for d in r.document["dimensions"])
             for c, r in found]
    if missing:
        lines.append(messages.render("compare_missing", locale, missing="、".join(missing)))
    title = messages.render("compare_title", locale, position=found[0][1].interview.invitation.position.title)
    payload = template_card(userid, "text_notice", locale, settings.company_name, title, messages.render(
        "compare_desc", locale, count=len(found)), "\n".join(lines), fields,
        f"{settings.public_base_url}/hr/compare?r={','.join(str(r.id) for _, r in found)}",
        task_id("cmp"))
    outbox.send(f"{key}:compare", payload, purpose="hr")
    return "sent"
