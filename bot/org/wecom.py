"""Organisation units read from WeCom's directory (ORGANISATION_SOURCE=wecom), instead of a file.

WeCom's departments (department/list) become units, coded `wecom-<department id>` under their parent department;
department 1, the company itself, is the root. A member's departments (user/simplelist) say *where* they work, and
the global lists say *what* they do there: on HR_LEADS they lead their departments (and everything under them), on
HR_USERIDS they recruit for them, on HR_VIEWERS they interview for them. A member on a list who works in a
department other than the company's own is placed there instead of at the root (bot/org/access.py); admins stay
company-wide. Members on no list get no role from WeCom. Run by `python -m jobs.cli org sync` and daily by the
scheduler; what changed is in the audit log (`org.sync`, source wecom).
"""
from __future__ import annotations

from typing import Any, Protocol

from bot.org import units as org_units
from config.settings import Settings

ROOT_DEPARTMENT = 1
MAX_DEPARTMENTS = 30_000  # WeCom's own limit on a company's departments


class Directory(Protocol):
    def get(self, path: str, **kwargs: Any) -> dict[str, Any]: ...


def read_tree(client: Directory, settings: Settings) -> list[dict[str, Any]]:
    """The departments as units (parents first) with the listed members placed in them, as units.sync takes them."""
    departments = client.get("department/list").get("department") or []
    if len(departments) > MAX_DEPARTMENTS:
        raise org_units.OrganisationError(f"WeCom answered {len(departments)} departments; at most {MAX_DEPARTMENTS}")
    by_id = {int(d["id"]): d for d in departments if isinstance(d, dict) and "id" in d}
    roles = [(settings.hr_leads, "hr_lead"), (settings.hr_userids, "recruiter"), (settings.hr_viewers, "interviewer")]
    flat: list[dict[str, Any]] = []
    placed: set[int] = set()

    def add(number: int, depth: int) -> None:
        if number in placed or depth > org_units.MAX_DEPTH + 8:  # a loop in a broken answer stops here
            return
        placed.add(number)
        department = by_id[number]
        parent = int(department.get("parentid") or 0)
        members: dict[str, list[str]] = {"hr_lead": [], "recruiter": [], "interviewer": []}
        users = client.get("user/simplelist", params={"department_id": number, "fetch_child": 0}).get("userlist")
        for user in users or []:
            userid = str(user.get("userid", ""))
            role = next((r for ids, r in roles if userid in ids), None)
            if role and org_units.USERID.fullmatch(userid):
                members[role].append(userid)
        flat.append({"code": f"{org_units.WECOM_PREFIX}{number}", "name": str(department.get("name") or number)[:64],
                     "parent": f"{org_units.WECOM_PREFIX}{parent}" if parent in by_id and parent != ROOT_DEPARTMENT
                     else None, "members": members, "wecom_department_id": number})
        for child in sorted((d for d in by_id.values() if int(d.get("parentid") or 0) == number),
                            key=lambda d: (-int(d.get("order") or 0), int(d["id"]))):
            add(int(child["id"]), depth + 1)

    for top in sorted((d for d in by_id.values() if int(d.get("parentid") or 0) in (0, ROOT_DEPARTMENT)
                       and int(d["id"]) != ROOT_DEPARTMENT), key=lambda d: (-int(d.get("order") or 0), int(d["id"]))):
        add(int(top["id"]), 1)
    return flat


def sync(client: Directory, settings: Settings) -> dict[str, int]:
    """Read the directory and make the units and their members say what it says (bot/org/units.py's rules)."""
    return org_units.sync(read_tree(client, settings), actor="wecom-directory", source="wecom")
