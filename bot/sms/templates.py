"""The SMS the product sends: one approved template per kind, its variables, and the text a candidate reads.

Providers send no free text: an administrator requests each template below word for word (`request_text` gives it
in the provider's variable syntax, with the product's address written in), and SMS_TEMPLATES maps each kind to
the id the provider approved. Links keep the domain in the template and carry only a short code as a variable
(`{base}/s/{code}`; both providers refuse a link passed as a variable). Every template that asks something of the
candidate ends with the carriers' opt-out hint 拒收请回复R; the opt-out confirmation does not (replying R to it
would opt out of what was just opted out of).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from config.settings import SMS_KINDS, Settings, get_settings

OPT_OUT_HINT = "拒收请回复R"
VALUE_MAX = 20  # characters per variable: Alibaba allows 1–35, Tencent sets it per template type in its console
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_UNSAFE = re.compile(r"[【】\[\]{}<>\s]+")  # 【】 is the signature's; braces break the providers' variable parsing


class TemplateError(ValueError):
    """A kind the product has no template for, or params that do not fill its variables."""


@dataclass(frozen=True)
class Template:
    """One kind of SMS: its text ({base} is PUBLIC_BASE_URL, the rest are variables in order) and what it is for."""

    kind: str
    text: str
    purpose: str

    @property
    def variables(self) -> tuple[str, ...]:
        """The template's variables in the order they appear (Tencent's {1}, {2}, … follow this order)."""
        return tuple(name for name in _PLACEHOLDER.findall(self.text) if name != "base")


TEMPLATES: dict[str, Template] = {t.kind: t for t in (
    Template("invitation",
             "{name}您好，您应聘{company}的{position}岗位，请于{deadline}前完成在线面试：{base}/s/{code} "
             + OPT_OUT_HINT,
             "通知已投递简历的应聘者完成在线面试（链接为本公司面试系统）"),
    Template("reminder",
             "{name}您好，您的{position}岗位在线面试尚未完成，截止时间{deadline}，请尽快完成：{base}/s/{code} "
             + OPT_OUT_HINT,
             "提醒尚未完成在线面试的应聘者"),
    Template("result_pass",
             "{name}您好，您已通过{position}岗位初试，请于{when}到{place}参加复试。" + OPT_OUT_HINT,
             "通知通过初试的应聘者复试时间和地点"),
    Template("reschedule",
             "您的{position}岗位复试时间已改为{when}，地点{place}，请准时参加。" + OPT_OUT_HINT,
             "通知应聘者复试改期"),
    Template("unsubscribed",
             "您已退订{company}的招聘短信，此后不会再收到。",
             "确认应聘者已退订（回复R/TD/退订后发送一次）"),
)}
assert tuple(TEMPLATES) == SMS_KINDS, "config/sms.py's SMS_KINDS and the templates must name the same kinds"


def template(kind: str) -> Template:
    """The template of a kind; TemplateError for a kind the product does not send by SMS."""
    try:
        return TEMPLATES[kind]
    except KeyError:
        raise TemplateError(f"no SMS template of kind {kind!r} (kinds: {', '.join(TEMPLATES)})") from None


def clean(value: str) -> str:
    """A variable's value as sent: characters that break templates become spaces, runs of space one, at most
    VALUE_MAX characters (the last one … when cut)."""
    text = _UNSAFE.sub(" ", str(value)).strip()
    return text if len(text) <= VALUE_MAX else text[:VALUE_MAX - 1] + "…"


def values(kind: str, params: dict[str, str]) -> list[str]:
    """The kind's variables filled from params, cleaned, in template order; TemplateError when one is missing or
    empty, or params name a variable the template does not have (no free text)."""
    names = template(kind).variables
    extra = sorted(set(params) - set(names))
    if extra:
        raise TemplateError(f"the {kind} template has no variable {', '.join(extra)} (it has {', '.join(names)})")
    filled = [clean(params.get(name, "")) for name in names]
    missing = [name for name, value in zip(names, filled, strict=True) if not value]
    if missing:
        raise TemplateError(f"the {kind} template needs {', '.join(missing)}")
    return filled


def render(kind: str, params: dict[str, str], settings: Settings) -> str:
    """The SMS as the candidate reads it, signature first: `【示例银行】张三您好，…`. TemplateError as values()."""
    filled = dict(zip(template(kind).variables, values(kind, params), strict=True))
    body = template(kind).text.format(base=settings.public_base_url, **filled)
    return f"【{settings.sms_sign_name}】{body}" if settings.sms_sign_name else body


def request_text(kind: str, provider: str, settings: Settings) -> str:
    """The template text to request from the provider: Tencent numbers variables {1}, {2}, …; Alibaba names them
    ${name}. The product's address (PUBLIC_BASE_URL) is part of the text."""
    names = template(kind).variables

    def placeholder(match: re.Match) -> str:
        name = match.group(1)
        if name == "base":
            return settings.public_base_url
        return f"{{{names.index(name) + 1}}}" if provider == "tencent" else f"${{{name}}}"

    return _PLACEHOLDER.sub(placeholder, template(kind).text)


def template_id(settings: Settings, kind: str) -> str | None:
    """The approved template id SMS_TEMPLATES gives the kind, or None."""
    return dict(settings.sms_templates).get(kind)


def kind_of(settings: Settings, template_id: str) -> str | None:
    """The kind SMS_TEMPLATES maps template_id to, or None."""
    return next((kind for kind, known in settings.sms_templates if known == template_id), None)


def main() -> None:
    """Print the texts to request from the configured provider (`python -m bot.sms.templates`)."""
    settings = get_settings()
    provider = settings.sms_provider or "tencent"
    for kind, item in TEMPLATES.items():
        print(f"{kind}（{item.purpose}）\n  {request_text(kind, provider, settings)}\n")


if __name__ == "__main__":
    main()
