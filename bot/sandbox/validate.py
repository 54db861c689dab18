"""Checks of message/send bodies and template cards against WeCom's documented limits (docs/wecom.md §2).

Each failure raises ApiError with the errcode WeCom documents for it (global errcode list, path/90313);
where WeCom has no specific code the sandbox uses 40058 "invalid parameter" and says what is wrong.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
TASK_ID = re.compile(r"[0-9a-zA-Z_\-@]{1,128}")
MSGTYPES = ("text", "textcard", "markdown", "news", "image", "file", "template_card")
CARD_TYPES = ("text_notice", "news_notice", "button_interaction", "vote_interaction", "multiple_interaction")
INTERACTIVE = ("button_interaction", "vote_interaction", "multiple_interaction")
MAX_DUPLICATE_INTERVAL = 4 * 3600


class ApiError(Exception):
    """A WeCom API error: the sandbox answers it as {"errcode", "errmsg"}."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg

    def payload(self) -> dict[str, Any]:
        """Return the JSON body WeCom answers with."""
        return {"errcode": self.errcode, "errmsg": self.errmsg}


def nbytes(text: str) -> int:
    """Return the UTF-8 length WeCom's byte limits count."""
    return len(text.encode("utf-8"))


def _obj(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ApiError(40058, f"invalid parameter: {what} must be an object")
    return value


def _list(value: Any, what: str, low: int, high: int) -> list:
    if value is None:
        value = []
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise ApiError(40058, f"invalid parameter: {what} must hold {low}-{high} items")
    return value


def _text(obj: dict, key: str, *, missing: int, limit: int = 0, what: str = "") -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError(missing, f"missing {what or key}")
    if limit and nbytes(value) > limit:
        raise ApiError(45002, f"{what or key} exceeds {limit} bytes")
    return value


def _optional_text(obj: dict, key: str, limit: int, what: str) -> None:
    value = obj.get(key)
    if value is not None and (not isinstance(value, str) or nbytes(value) > limit):
        raise ApiError(45002, f"{what} exceeds {limit} bytes")


def validate_message(body: dict, media_exists: Callable[[str], bool]) -> str:
    """Check the content part of a message/send body; return its msgtype."""
    msgtype = body.get("msgtype")
    if msgtype not in MSGTYPES:
        raise ApiError(40008, f"invalid message type: {msgtype!r}")
    if msgtype != "template_card" and not isinstance(body.get(msgtype), dict):
        raise ApiError(40058, f"invalid parameter: {msgtype} must be an object")
    part = body.get(msgtype)
    if msgtype in ("text", "markdown"):
        _text(part, "content", missing=44004, limit=2048, what=f"{msgtype}.content")
    elif msgtype == "textcard":
        _text(part, "title", missing=41016, limit=128, what="textcard.title")
        _text(part, "description", missing=41033, limit=512, what="textcard.description")
        _text(part, "url", missing=41010, limit=2048, what="textcard.url")
        btntxt = part.get("btntxt")
        if btntxt is not None and (not isinstance(btntxt, str) or len(btntxt) > 4):
            raise ApiError(45002, "textcard.btntxt exceeds 4 characters")
    elif msgtype == "news":
        articles = part.get("articles")
        if isinstance(articles, list) and len(articles) > 8:
            raise ApiError(45008, "news holds more than 8 articles")
        for i, article in enumerate(_list(articles, "news.articles", 1, 8)):
            article = _obj(article, f"news.articles[{i}]")
            _text(article, "title", missing=41016, limit=128, what=f"news.articles[{i}].title")
            _optional_text(article, "description", 512, f"news.articles[{i}].description")
            if not article.get("appid"):
                _text(article, "url", missing=41010, limit=2048, what=f"news.articles[{i}].url")
    elif msgtype in ("image", "file"):
        media_id = _text(part, "media_id", missing=41006, what=f"{msgtype}.media_id")
        if not media_exists(media_id):
            raise ApiError(40007, f"invalid media_id: {media_id}")
    else:
        validate_template_card(_obj(body.get("template_card"), "template_card"))
    interval = body.get("duplicate_check_interval")
    if interval is not None and (not isinstance(interval, int) or not 0 < interval <= MAX_DUPLICATE_INTERVAL):
        raise ApiError(40058, "invalid parameter: duplicate_check_interval must be 1-14400 seconds")
    return msgtype


def _key(value: Any, what: str, *, missing: int = 40058) -> str:
    if not isinstance(value, str) or not value:
        raise ApiError(missing, f"missing {what}")
    if nbytes(value) > 1024:
        raise ApiError(42018, f"invalid {what}: exceeds 1024 bytes")
    return value


def _jump(item: dict, what: str, url_types: tuple[int, ...] = (1,), app_types: tuple[int, ...] = (2,)) -> None:
    kind = item.get("type", 0)
    if kind in url_types:
        _text(item, "url", missing=41010, limit=2048, what=f"{what}.url")
    elif kind in app_types and not item.get("appid"):
        raise ApiError(40058, f"invalid parameter: {what}.appid is required for type {kind}")


def _card_action(card: dict, card_type: str) -> None:
    action = card.get("card_action")
    if action is None:
        if card_type in ("text_notice", "news_notice"):
            raise ApiError(40058, f"invalid template_card: card_action is required for {card_type}")
        return
    action = _obj(action, "template_card.card_action")
    allowed = (1, 2) if card_type in ("text_notice", "news_notice") else (0, 1, 2)
    if action.get("type", 0) not in allowed:
        raise ApiError(40058, f"invalid template_card: card_action.type must be one of {allowed}")
    _jump(action, "card_action")


def _has_title(card: dict) -> bool:
    main = card.get("main_title")
    return bool(isinstance(main, dict) and main.get("title")) or bool(card.get("sub_title_text"))


def _common_lists(card: dict) -> None:
    for i, item in enumerate(_list(card.get("horizontal_content_list"), "horizontal_content_list", 0, 6)):
        item = _obj(item, f"horizontal_content_list[{i}]")
        _text(item, "keyname", missing=40058, what=f"horizontal_content_list[{i}].keyname")
        kind = item.get("type", 0)
        needs = {1: "url", 2: "media_id", 3: "userid"}.get(kind)
        if kind not in (0, 1, 2, 3) or (needs and not item.get(needs)):
            raise ApiError(40058, f"invalid template_card: horizontal_content_list[{i}] type {kind!r} needs {needs}")
    for i, item in enumerate(_list(card.get("jump_list"), "jump_list", 0, 3)):
        item = _obj(item, f"jump_list[{i}]")
        _text(item, "title", missing=41016, what=f"jump_list[{i}].title")
        _jump(item, f"jump_list[{i}]")
    menu = card.get("action_menu")
    if menu is not None:
        menu = _obj(menu, "action_menu")
        for i, action in enumerate(_list(menu.get("action_list"), "action_menu.action_list", 1, 3)):
            action = _obj(action, f"action_menu.action_list[{i}]")
            _text(action, "text", missing=40058, what=f"action_menu.action_list[{i}].text")
            _key(action.get("key"), f"action_menu.action_list[{i}].key")


def _buttons(card: dict) -> None:
    keys = set()
    for i, button in enumerate(_list(card.get("button_list"), "button_list", 1, 6)):
        button = _obj(button, f"button_list[{i}]")
        if not isinstance(button.get("text"), str) or not button["text"]:
            raise ApiError(42020, f"missing button_list[{i}].text")
        if button.get("type", 0) == 1:
            _text(button, "url", missing=41010, limit=2048, what=f"button_list[{i}].url")
            continue
        key = _key(button.get("key"), f"button_list[{i}].key", missing=42019)
        if key in keys:
            raise ApiError(42018, f"invalid button_list[{i}].key: duplicate key {key!r}")
        keys.add(key)


def _options(options: Any, what: str, high: int) -> None:
    for i, option in enumerate(_list(options, what, 1, high)):
        option = _obj(option, f"{what}[{i}]")
        if not option.get("id") or not option.get("text"):
            raise ApiError(40058, f"invalid template_card: {what}[{i}] needs id and text")


def _submit(card: dict) -> None:
    submit = _obj(card.get("submit_button"), "submit_button")
    _text(submit, "text", missing=42020, what="submit_button.text")
    _key(submit.get("key"), "submit_button.key", missing=42019)


def validate_template_card(card: dict) -> str:
    """Check a template_card against its card_type's required fields and limits; return the type."""
    card_type = card.get("card_type")
    if card_type not in CARD_TYPES:
        raise ApiError(40058, f"invalid template_card: unknown card_type {card_type!r}")
    task_id = card.get("task_id")
    if task_id is not None or card_type in INTERACTIVE or card.get("action_menu") is not None:
        if not isinstance(task_id, str) or not TASK_ID.fullmatch(task_id):
            raise ApiError(42014, "invalid task_id: 1-128 bytes of [0-9a-zA-Z_-@], required for this card")
    if card_type == "news_notice":
        main = card.get("main_title")
        if not (isinstance(main, dict) and main.get("title")):
            raise ApiError(40058, "invalid template_card: news_notice needs main_title.title")
        image, area = card.get("card_image"), card.get("image_text_area")
        has_image = isinstance(image, dict) and image.get("url")
        if not has_image and not (isinstance(area, dict) and area.get("image_url")):
            raise ApiError(40058, "invalid template_card: news_notice needs card_image or image_text_area")
        _list(card.get("vertical_content_list"), "vertical_content_list", 0, 4)
    elif not _has_title(card):
        raise ApiError(40058, f"invalid template_card: {card_type} needs main_title.title or sub_title_text")
    _card_action(card, card_type)
    _common_lists(card)
    if card_type == "button_interaction":
        _buttons(card)
    elif card_type == "vote_interaction":
        checkbox = _obj(card.get("checkbox"), "checkbox")
        _key(checkbox.get("question_key"), "checkbox.question_key")
        _options(checkbox.get("option_list"), "checkbox.option_list", 20)
        _submit(card)
    elif card_type == "multiple_interaction":
        for i, select in enumerate(_list(card.get("select_list"), "select_list", 1, 3)):
            select = _obj(select, f"select_list[{i}]")
            _key(select.get("question_key"), f"select_list[{i}].question_key")
            _options(select.get("option_list"), f"select_list[{i}].option_list", 10)
        _submit(card)
    return card_type


def card_keys(card: dict) -> set[str]:
    """Return the EventKeys a click on this card can send (buttons, submit, action menu)."""
    keys = {b.get("key") for b in card.get("button_list") or [] if isinstance(b, dict) and b.get("type", 0) != 1}
    submit = card.get("submit_button")
    if isinstance(submit, dict):
        keys.add(submit.get("key"))
    menu = card.get("action_menu")
    if isinstance(menu, dict):
        keys.update(a.get("key") for a in menu.get("action_list") or [] if isinstance(a, dict))
    keys.discard(None)
    return keys
