"""Message templates: both languages complete, every variable supplied, WeCom's byte limits kept."""
from __future__ import annotations

import pytest
from jinja2 import meta

from bot.wecom import messages
from bot.wecom.cards import CARD_DESC_MAX_BYTES, TEXT_MAX_BYTES, report_card, text_message


def variables(source: str) -> set[str]:
    return meta.find_undeclared_variables(messages._environment().parse(source))


def test_both_languages_have_the_same_templates():
    zh, en = messages.catalogue("zh-CN"), messages.catalogue("en")
    assert set(zh) == set(en)


@pytest.mark.parametrize("key", sorted(messages.catalogue("zh-CN")))
def test_every_template_renders_in_both_languages(key):
    zh = messages.catalogue("zh-CN")[key]
    if isinstance(zh, list):
        assert len(messages.strings(key, "zh-CN")) == len(messages.strings(key, "en"))
        return
    names = variables(zh) | variables(messages.catalogue("en")[key])
    values = {name: "好" * 3 for name in names} | {"suggestions": ["多举例", "讲结构"]}
    for locale in messages.LOCALES:
        text = messages.render(key, locale, **values)
        assert text and "{{" not in text and "{%" not in text


def test_a_missing_variable_is_an_error_not_a_blank():
    with pytest.raises(messages.MessageError, match="position"):
        messages.render("completed", "zh-CN")
    with pytest.raises(messages.MessageError):
        messages.render("no_such_template", "zh-CN")


def test_locales_are_normalised_and_fall_back_to_chinese():
    assert messages.normalize_locale("en-US") == "en"
    assert messages.normalize_locale("fr") == messages.normalize_locale(None) == "zh-CN"
    assert messages.render("completed", "en-GB", position="Teller").startswith("Your interview is complete")


def test_templates_are_sandboxed():
    env = messages._environment()
    with pytest.raises(Exception):  # noqa: B017 - jinja2's SecurityError
        env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()


def test_long_texts_and_cards_stay_within_wecoms_limits():
    long_letter = messages.render("result_reject", "zh-CN", name="张" * 50, company="银" * 100, position="岗" * 60,
                                  suggestions=["很长的建议" * 100] * 3, days=365, pool=True)
    assert len(text_message("u", long_letter)["text"]["content"].encode()) <= TEXT_MAX_BYTES
    doc = {"total": 88.4, "recommendation": {"label": "推荐", "confidence_label": "高"},
           "dimensions": [{"name": f"维度{i}", "score": 80} for i in range(8)],
           "highlights": ["亮" * 400], "concerns": ["忧" * 400], "integrity": {"flags": ["旗" * 400]}}
    card = report_card(touser="a|b", locale="zh-CN", company="公司" * 30, name="名" * 80, position="岗" * 80,
                       doc=doc, report_id=7, report_url="http://x/r/t", task="report7-abc")["template_card"]
    assert len(card["sub_title_text"].encode()) <= CARD_DESC_MAX_BYTES
    assert len(card["main_title"]["title"].encode()) <= 36 and len(card["horizontal_content_list"]) == 6
    keys = [b["key"] for b in card["button_list"] if "key" in b]
    assert keys == ["decide:7:pass", "decide:7:hold", "decide:7:reject"]


def test_the_folds_go_and_a_values_own_spaces_stay():
    """YAML folds a long line into a space that Chinese does not want; a value's spaces are the value's: the slot
    label 12月9日 周三 14:00–14:30 keeps them, in the reminder and wherever else it is put."""
    text = messages.render("hr_second_round_reminder", "zh-CN", when="12月9日 周三 14:00–14:30", position="柜员",
                           who="张三", place="总行 3 楼 301")
    assert "12月9日 周三 14:00–14:30" in text and "总行 3 楼 301" in text
    offer = messages.render("offer_made", "zh-CN", name="张三", company="示例银行", position="柜员", contact="hr_li")
    assert "招聘人员 hr_li会尽快与您联系" not in offer and "hr_li 会尽快" in offer  # the fold before a Latin word
    assert "，恭喜您！经过面试，示例银行决定录用您" in offer  # no stray space between Chinese characters
