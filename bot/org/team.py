"""A position's team and who is told about it.

A position belongs to a unit (None: the root) and has a team: recruiters, interviewers and a hiring manager. Cards
and notices about its candidates go to its team's recruiters; where it has none, to its unit's recruiters, then
the parent unit's, up to the root, whose recruiters are HR_USERIDS (so a set-up from before units is told as it
was). Interviewers and the hiring manager get the result card masked (bot/decisions/results.py).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.org import units as org_units
from bot.store.models import AuditLog, OrgUnit, Position, PositionMember, UnitMember
from config.settings import Settings

TEAM_KEYS = {"recruiters": "recruiter", "interviewers": "interviewer", "hiring_manager": "hiring_manager"}
USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
TEAM_MAX = 50


class TeamError(ValueError):
    """A unit or team that cannot be saved; `field` names what to fix (unit, team.recruiters, …)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def team_of(position: Position) -> dict[str, list[str]]:
    """The team by key (recruiters, interviewers, hiring_manager: lists of userids)."""
    team: dict[str, list[str]] = {key: [] for key in TEAM_KEYS}
    roles = {role: key for key, role in TEAM_KEYS.items()}
    for member in PositionMember.select().where(PositionMember.position == position).order_by(PositionMember.id):
        team[roles[member.role]].append(member.userid)
    return team


def as_document(members: dict[str, list[str]]) -> dict[str, Any]:
    """A team as a position document writes it: lists of recruiters and interviewers, one hiring manager ("")."""
    return {"recruiters": list(members["recruiters"]), "interviewers": list(members["interviewers"]),
            "hiring_manager": (members["hiring_manager"] or [""])[0]}


def parse_team(raw: Any) -> dict[str, list[str]]:
    """A team as a form, file or API gives it: {recruiters: [..], interviewers: [..], hiring_manager: id or [..]}."""
    if raw in (None, ""):
        return {key: [] for key in TEAM_KEYS}
    if not isinstance(raw, Mapping):
        raise TeamError("team", "team 必须是 recruiters、interviewers、hiring_manager 组成的映射")
    unknown = sorted(set(raw) - set(TEAM_KEYS))
    if unknown:
        raise TeamError("team", f"team 有未知的键 {unknown}；可用：{sorted(TEAM_KEYS)}")
    team = {}
    for key in TEAM_KEYS:
        value = raw.get(key) or []
        ids = [value] if isinstance(value, str) else value
        if isinstance(ids, str):
            ids = [ids]
        if not isinstance(ids, list) or not all(isinstance(u, str) for u in ids):
            raise TeamError(f"team.{key}", f"team.{key} 必须是企业微信账号（userid）的列表")
        ids = [u.strip() for u in ids if u.strip()]
        bad = [u for u in ids if not USERID.fullmatch(u)]
        if bad:
            raise TeamError(f"team.{key}", f"team.{key}：{bad[0]!r} 不是有效的企业微信账号")
        if len(ids) > TEAM_MAX or (key == "hiring_manager" and len(ids) > 1):
            raise TeamError(f"team.{key}", f"team.{key} 人数过多（用人经理 1 位，其余至多 {TEAM_MAX} 位）")
        team[key] = list(dict.fromkeys(ids))
    return team


def resolve_unit(code: Any) -> OrgUnit | None:
    """The unit a position names by code (None or "" is the root); an unknown code is an error at the field."""
    if code in (None, ""):
        return None
    if not isinstance(code, str):
        raise TeamError("unit", "unit 必须是组织单元的代码，例如 bj")
    unit = org_units.by_code(code)
    if unit is None:
        raise TeamError("unit", f"没有代码为 {code!r} 的组织单元（见组织架构文件，或 python -m jobs.cli org show）")
    return unit


def assign(position: Position, unit: OrgUnit | None, team: dict[str, list[str]], actor: str) -> bool:
    """Put the position in the unit with the team (call it in the transaction that saved the position); return
    whether anything changed (audited when it did)."""
    before = (position.unit_id, team_of(position))
    after = (unit.id if unit else None, team)
    if before == after:
        return False
    if position.unit_id != after[0]:
        Position.update(unit=unit).where(Position.id == position.id).execute()
        position.unit = unit
    PositionMember.delete().where(PositionMember.position == position).execute()
    rows = [{"position": position, "userid": userid, "role": TEAM_KEYS[key], "added_by": actor[:64]}
            for key, ids in team.items() for userid in ids]
    if rows:
        PositionMember.insert_many(rows).execute()
    AuditLog.create(actor=actor[:64], action="position.team", target_type="position", target_id=str(position.id),
                    detail={"slug": position.slug, "unit": unit.code if unit else "", "team": team})
    return True


def _unit_chain(unit_id: int | None) -> list[int]:
    """The unit and its ancestors, nearest first."""
    chain, seen = [], set()
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        chain.append(unit_id)
        unit_id = OrgUnit.select(OrgUnit.parent).where(OrgUnit.id == unit_id).scalar()
    return chain


def recruiters(settings: Settings, position: Position | None) -> list[str]:
    """Who is told about the position's candidates: its team's recruiters, else the nearest unit's recruiters
    (or leads) up the tree, else the root's (HR_USERIDS, or the HR leads when that is empty)."""
    if position is not None:
        team = [m.userid for m in PositionMember.select(PositionMember.userid).where(
            (PositionMember.position == position) & (PositionMember.role == "recruiter")).order_by(PositionMember.id)]
        if team:
            return team
        for unit_id in _unit_chain(position.unit_id):
            for roles in (("recruiter",), ("hr_lead",)):
                found = sorted({m.userid for m in UnitMember.select(UnitMember.userid).where(
                    (UnitMember.unit == unit_id) & UnitMember.role.in_(roles))})
                if found:
                    return found
    return sorted(settings.hr_userids) or sorted(settings.recruiters)


def watchers(position: Position) -> list[str]:
    """The team's interviewers and hiring manager: they get the result card with the candidate masked."""
    return list(dict.fromkeys(m.userid for m in PositionMember.select(PositionMember.userid).where(
        (PositionMember.position == position) & PositionMember.role.in_(("interviewer", "hiring_manager")))
        .order_by(PositionMember.id)))


def members_of(settings: Settings) -> set[str]:
    """Every member who holds a role anywhere (the sandbox lists them as its company's members)."""
    ids = set(settings.hr_userids | settings.hr_leads | settings.hr_viewers | settings.admin_userids)
    ids |= {m.userid for m in UnitMember.select(UnitMember.userid)}
    ids |= {m.userid for m in PositionMember.select(PositionMember.userid)}
    return ids
