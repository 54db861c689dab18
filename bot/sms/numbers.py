"""Phone numbers and message length as the SMS providers see them.

Numbers are kept in E.164 (`+8613800138000`); only numbers that can be mobile are accepted, since a landline gets
no SMS. Length is counted as both providers bill a Chinese SMS (signature included): up to 70 characters is one
message, a longer one is split into parts of 67 (each carries a concatenation header).
"""
from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

SINGLE, PART = 70, 67
_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalise(raw: str, region: str = "CN") -> str | None:
    """The number in E.164, or None when it is not a valid mobile number (a bare number is read as `region`'s:
    `138 0013 8000` → `+8613800138000`; `0086…`, `86…` and `+86…` are the same number)."""
    text = (raw or "").strip()
    if not text or len(text) > 32:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("00"):
        text = "+" + digits[2:]
    elif region == "CN" and len(digits) == 13 and digits.startswith("861"):  # 86 written without + or 00
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national(number: str) -> tuple[str, str]:
    """An E.164 number as (country code, national number): `+8613800138000` → ("86", "13800138000")."""
    parsed = phonenumbers.parse(number, None)
    return str(parsed.country_code), phonenumbers.national_significant_number(parsed)


def length(text: str) -> int:
    """Characters as the providers count them: each Chinese character, letter, digit, punctuation mark or space is
    one; a character outside the BMP (an emoji) takes two UCS-2 units."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS the text is billed as: 1 up to 70 characters, otherwise one per 67 (rounded up)."""
    size = length(text)
    if size <= SINGLE:
        return 1
    return -(-size // PART)
