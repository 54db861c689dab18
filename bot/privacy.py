"""Who may see candidates' personal data, and the masked forms everyone else gets.

Two roles read reports: ``recruiter`` (HR_USERIDS, and API tokens with role ``full``) sees names and contacts;
``viewer`` (HR_VIEWERS: hiring managers, interviewers; API tokens with role ``masked``) gets them masked here,
before any template or JSON encoder sees them, so a masked role never receives the data at all.
"""
from __future__ import annotations

import re
from typing import Any

from config.settings import Settings

RECRUITER, VIEWER = "recruiter", "viewer"
ROLES = (RECRUITER, VIEWER)


def role_of(settings: Settings, userid: str) -> str | None:
    """The HR role of a WeCom member, or None when they may not open HR pages at all."""
    if userid in settings.hr_userids:
        return RECRUITER
    if userid in settings.hr_viewers:
        return VIEWER
    return None


def sees_personal_data(role: str | None) -> bool:
    return role == RECRUITER


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, Alice Wang → A****"""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 4))


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; anything shorter keeps only its last two characters."""
    digits = re.sub(r"\s+", "", phone or "")
    if not digits:
        return ""
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_email(email: str) -> str:
    """zhang.san@example.com → z***@example.com"""
    local, at, domain = (email or "").partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] or "*") + "***@" + domain


def mask_id_number(value: str) -> str:
    """110101199003077777 → 110***********7777"""
    value = (value or "").strip()
    return value[:3] + "*" * max(0, len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def candidate_view(candidate: Any, role: str | None) -> dict[str, Any]:
    """The candidate as a role may see them: the id always; name and contacts in full or masked."""
    full = sees_personal_data(role)
    name = candidate.name or candidate.wecom_userid or candidate.external_userid or f"#{candidate.id}"
    return {
        "id": candidate.id,
        "name": name if full else mask_name(name),
        "phone": candidate.phone if full else mask_phone(candidate.phone),
        "email": candidate.email if full else mask_email(candidate.email),
        "wecom_userid": (candidate.wecom_userid or "") if full else "",
        "masked": not full,
    }
