"""What a candidate's values mean: mobile numbers, resident ID numbers, years of experience, education levels.

Each check returns the normalised value and, when the value is unusable, a reason in plain Chinese naming it
(ID numbers masked), so a sheet row can list every problem it has. Used by bot/bulk/sheets.py and bot/bulk/screening.py.
"""
from __future__ import annotations

import re
import unicodedata

EDUCATION_LEVELS = ("博士", "硕士", "本科", "大专", "高中", "中专", "其他")
_EDUCATION = (  # checked in order: 博士研究生 is 博士, 大学专科 is 大专
    ("博士", re.compile(r"博士|\bph\.?d\b|doctor")),
    ("硕士", re.compile(r"硕士|研究生|\bmaster|\bmba\b|\bm\.?sc?\b|\bmphil\b")),
    ("本科", re.compile(r"本科|学士|专升本|\bbachelor|\bundergraduate|\bb\.?sc?\b|\bb\.?a\b")),
    ("大专", re.compile(r"大专|专科|高职|高专|\bassociate|\bjunior college|\bdiploma")),
    ("中专", re.compile(r"中专|职高|技校|中技|职业高中|vocational")),
    ("高中", re.compile(r"高中|\bhigh school")),
)

_PHONE_JUNK = re.compile(r"[\s\-–—()（）.·]")
MOBILE = re.compile(r"1[3-9]\d{9}")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_YEARS = re.compile(r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+)?\s*(半)?\s*"
                    r"(个月|月|months?|年|years?|yrs?)?\s*(半)?")
_NO_EXPERIENCE = {"应届", "应届生", "应届毕业生", "无", "没有", "无经验", "暂无", "none", "no", "fresh",
                  "freshgraduate"}


def normalise_phone(text: str) -> tuple[str, str | None]:
    """A Chinese mobile number as 11 digits (+86, spaces and dashes allowed), or the problem with it."""
    digits = _PHONE_JUNK.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not digits.isdigit():
        return "", f"手机号 {text} 含有数字以外的字符"
    if len(digits) != 11:
        return "", f"手机号 {text} 不是 11 位"
    if not MOBILE.fullmatch(digits):
        return "", f"手机号 {text} 不是有效的中国大陆手机号"
    return digits, None


def _masked(number: str) -> str:
    return number[:4] + "*" * max(0, len(number) - 8) + number[-4:] if len(number) > 8 else number


def check_id_number(text: str, *, typed_as_number: bool = False) -> tuple[str, str | None]:
    """An 18-character resident ID (GB 11643 check digit and birth date verified), or the problem with it."""
    number = re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()
    shown = _masked(number)
    if typed_as_number and len(number) > 15:
        return "", f"身份证号 {shown} 被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”后重新填写"
    if len(number) == 15 and number.isdigit():
        return "", f"身份证号 {shown} 是 15 位旧号码，请提供 18 位身份证号"
    if len(number) != 18:
        return "", f"身份证号 {shown} 不是 18 位"
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "", f"身份证号 {shown} 含有无效字符"
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return "", f"身份证号 {shown} 的出生日期无效"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number, _ID_WEIGHTS, strict=False)) % 11]
    if number[-1] != check:
        return "", f"身份证号 {shown} 校验位不正确"
    return number, None


def _chinese_number(text: str) -> int | None:
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text)) if all(c in _CN_DIGITS for c in text) else None
    tens, _, ones = text.partition("十")
    if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def parse_years(text: str) -> tuple[float, str | None]:
    """Years of experience from "3", "3年", "三年", "3.5", "5年以上", "一年半", "6个月", "应届" (0), or the problem."""
    value = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    if value in _NO_EXPERIENCE:
        return 0.0, None
    if re.match(r"[-−]\d", value):
        return 0.0, f"工作年限 {text} 不能为负数"
    match = _YEARS.match(value)
    number, half_before, unit, half_after = match.groups() if match else (None, None, None, None)
    if number is None:
        if half_before and unit in ("年", "year", "years"):
            return 0.5, None
        return 0.0, f"工作年限 {text} 无法识别，请填写数字，如 3 或 3年"
    years = float(number) if number[0].isdigit() else _chinese_number(number)
    if years is None:
        return 0.0, f"工作年限 {text} 无法识别，请填写数字，如 3 或 3年"
    years += 0.5 if (half_before or half_after) else 0.0
    if unit in ("个月", "月") or (unit or "").startswith("month"):
        years /= 12
    if years > 60:
        return 0.0, f"工作年限 {text} 不合理（超过 60 年）"
    return round(years, 2), None


def normalise_education(text: str) -> str:
    """One of 博士/硕士/本科/大专/高中/中专/其他 for a degree as written (研究生 → 硕士, Bachelor → 本科)."""
    value = unicodedata.normalize("NFKC", text).lower()
    for level, pattern in _EDUCATION:
        if pattern.search(value):
            return level
    return "其他"
