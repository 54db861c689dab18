"""Who may see and do what with candidates' data, and the masked forms everyone else gets (数据脱敏).

Four roles, from the settings on every request (removing someone from a list takes effect at once):

| role | who | may |
|---|---|---|
| admin | ADMIN_USERIDS (data protection) | everything below, and erase a candidate's data |
| hr_lead | HR_LEADS | what a recruiter may, ID numbers unmasked, the audit log, the fairness report |
| recruiter | HR_USERIDS (and API tokens with role ``full``) | names, phone, e-mail; recordings; decide, tag |
| interviewer | HR_VIEWERS (hiring managers, interviewers; API tokens ``masked``) | reports masked; notes |

Masking happens here, before any template or JSON encoder sees the data, so a masked role never receives it.
"""
from __future__ import annotations

import re
from typing import Any

from config.settings import Settings

ADMIN, HR_LEAD, RECRUITER, INTERVIEWER = "admin", "hr_lead", "recruiter", "interviewer"
VIEWER = INTERVIEWER  # the masked role (API tokens with role "masked")
ROLES = (ADMIN, HR_LEAD, RECRUITER, INTERVIEWER)
ROLE_LABELS = {ADMIN: "管理员", HR_LEAD: "招聘负责人", RECRUITER: "招聘专员", INTERVIEWER: "面试官"}

# What each permission needs; a role not listed may not.
PERMISSIONS: dict[str, frozenset[str]] = {
    "see_contacts": frozenset({ADMIN, HR_LEAD, RECRUITER}),   # name, phone, e-mail, WeCom userid
    "see_id_number": frozenset({ADMIN, HR_LEAD}),
    "play_recordings": frozenset({ADMIN, HR_LEAD, RECRUITER}),
    "decide": frozenset({ADMIN, HR_LEAD, RECRUITER}),          # decisions and tags
    "read_audit": frozenset({ADMIN, HR_LEAD}),
    "read_fairness": frozenset({ADMIN, HR_LEAD}),              # selection rates per self-declared group
    "erase": frozenset({ADMIN}),
    "end_sessions": frozenset({ADMIN}),                        # sign a member out everywhere
    "performance": frozenset({ADMIN, HR_LEAD, RECRUITER}),     # import post-hire ratings, read the analysis
}


def role_of(settings: Settings, userid: str) -> str | None:
    """The HR role of a WeCom member (the highest list they are on), or None when they may not open HR pages."""
    for role, members in ((ADMIN, settings.admin_userids), (HR_LEAD, settings.hr_leads),
                          (RECRUITER, settings.hr_userids), (INTERVIEWER, settings.hr_viewers)):
        if userid in members:
            return role
    return None


def can(role: str | None, permission: str) -> bool:
    """Whether the role holds the permission (an unknown permission is a programming error)."""
    return role in PERMISSIONS[permission]


def sees_personal_data(role: str | None) -> bool:
    return can(role, "see_contacts")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, Alice Wang → A****"""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 4))


def masked_label(candidate: Any) -> str:
    """A masked candidate that two of the same surname can be told apart by: 王*（#12）."""
    return f"{mask_name(candidate.display_name)}（#{candidate.id}）"


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


def id_number_view(value: str, role: str | None) -> str:
    """An ID number as the role may see it: whole for admins and HR leads, 110***********7777 otherwise."""
    return value if can(role, "see_id_number") else mask_id_number(value)
