"""What a member may see: their role at each organisation unit and position, and the positions that makes visible.

Roles come from three places, and the highest one at a place wins:

| from | scope |
|---|---|
| ADMIN_USERIDS | everything, as admin |
| HR_LEADS | the root unit's leads: everything, as HR lead |
| HR_USERIDS, HR_VIEWERS | the root unit's recruiters and interviewers: positions with no unit |
| a unit's `leads` (bot/org/units.py) | that unit and every unit under it |
| a unit's `recruiters`, `interviewers` | that unit only |
| a position's team (bot/org/team.py) | that position (recruiter; interviewer and hiring manager as interviewer) |

So a set-up from before units (the global lists only, every position at the root) sees what it saw. A report,
an export row or an API view is masked by the member's role *for that position*: a recruiter of 北京分行 who
interviews for 上海分行 reads 上海分行's reports as an interviewer does.
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from bot.privacy.roles import ADMIN, HR_LEAD, INTERVIEWER, RECRUITER
from bot.store.models import OrgUnit, Position, PositionMember, UnitMember
from config.settings import Settings

RANK = {None: 0, INTERVIEWER: 1, RECRUITER: 2, HR_LEAD: 3, ADMIN: 4}
UNIT_ROLES = {"hr_lead": HR_LEAD, "recruiter": RECRUITER, "interviewer": INTERVIEWER}
TEAM_ROLES = {"recruiter": RECRUITER, "interviewer": INTERVIEWER, "hiring_manager": INTERVIEWER}
ROOT = None  # the root unit: positions with no unit, and the global role lists


def higher(a: str | None, b: str | None) -> str | None:
    return a if RANK[a] >= RANK[b] else b


def children_of(units: Iterable[OrgUnit]) -> dict[int | None, list[int]]:
    """Each unit's direct children (None: the units at the top, under the root)."""
    tree: dict[int | None, list[int]] = {}
    for unit in units:
        tree.setdefault(unit.parent_id, []).append(unit.id)
    return tree


def subtree(tree: Mapping[int | None, list[int]], top: int | None) -> list[int | None]:
    """top and every unit under it (the root's subtree is every unit)."""
    found, stack = [top], list(tree.get(top, []))
    while stack:
        unit = stack.pop()
        found.append(unit)
        stack.extend(tree.get(unit, []))
    return found


@dataclass(frozen=True)
class Access:
    """One member's roles by unit and by position. `everything` holds the role an admin or a root lead has on
    every position; `units` and `positions` the rest."""

    userid: str
    everything: str | None = None
    units: Mapping[int | None, str] = field(default_factory=dict)
    positions: Mapping[int, str] = field(default_factory=dict)

    @functools.cached_property
    def role(self) -> str | None:
        """The member's highest role anywhere (what the HR pages' permissions check); None: no HR role at all."""
        role = self.everything
        for held in (*self.units.values(), *self.positions.values()):
            role = higher(role, held)
        return role

    @functools.cached_property
    def list_role(self) -> str | None:
        """The role a list mixing positions masks by: the member's lowest role where they hold different ones (a
        recruiter of one branch who interviews for another sees the pool as an interviewer)."""
        held = {r for r in (self.everything, *self.units.values(), *self.positions.values()) if r}
        return min(held, key=RANK.__getitem__) if held else None

    def role_for(self, position: Position | None) -> str | None:
        """The member's role for one position (None: they may not see it). A row's masking follows this."""
        if position is None:
            return self.role
        role = higher(self.everything, self.units.get(position.unit_id))
        return higher(role, self.positions.get(position.id))

    def sees(self, position: Position | None) -> bool:
        return self.role_for(position) is not None

    def clause(self, model: Any = Position) -> pw.Expression:
        """A where-clause on Position (or on a model with `position` and `unit` columns of the same names) that
        keeps the positions this member may see."""
        if self.everything:
            return pw.SQL("1 = 1")
        units = [u for u in self.units if u is not None]
        parts = [model.id.in_(list(self.positions))] if self.positions else []
        if units:
            parts.append(model.unit.in_(units))
        if ROOT in self.units:
            parts.append(model.unit.is_null())
        if not parts:
            return pw.SQL("1 = 0")
        clause = parts[0]
        for part in parts[1:]:
            clause = clause | part
        return clause

    def position_ids(self) -> pw.SelectQuery:
        """The visible positions' ids, as a sub-query for where-clauses on Invitation.position and the like."""
        return Position.select(Position.id).where(self.clause())


def global_role(settings: Settings, userid: str) -> str | None:
    """The member's role from the global lists (the root unit's team), the highest list they are on."""
    for role, members in ((ADMIN, settings.admin_userids), (HR_LEAD, settings.hr_leads),
                          (RECRUITER, settings.hr_userids), (INTERVIEWER, settings.hr_viewers)):
        if userid in members:
            return role
    return None


def access_of(settings: Settings, userid: str) -> Access:
    """Everything the member may see, read from the settings and the organisation tables (a few small queries;
    call it inside a database session)."""
    if not userid:
        return Access(userid="")
    root = global_role(settings, userid)
    memberships = list(UnitMember.select(UnitMember.unit, UnitMember.role, UnitMember.source)
                       .where(UnitMember.userid == userid))
    placed = any(m.source == "wecom" for m in memberships)  # their WeCom departments say where (bot/org/wecom.py)
    if root == ADMIN or (root == HR_LEAD and not placed):  # the root's lead leads every unit under it
        return Access(userid=userid, everything=root)
    units: dict[int | None, str] = {ROOT: root} if root and not placed else {}
    tree = children_of(OrgUnit.select(OrgUnit.id, OrgUnit.parent)) if any(
        m.role == "hr_lead" for m in memberships) else {}
    for membership in memberships:
        role = UNIT_ROLES.get(membership.role)
        reach = subtree(tree, membership.unit_id) if membership.role == "hr_lead" else [membership.unit_id]
        for unit in reach:
            units[unit] = higher(units.get(unit), role)
    positions: dict[int, str] = {}
    for member in PositionMember.select(PositionMember.position, PositionMember.role).where(
            PositionMember.userid == userid):
        positions[member.position_id] = higher(positions.get(member.position_id), TEAM_ROLES.get(member.role))
    return Access(userid=userid, units={u: r for u, r in units.items() if r}, positions=positions)


def everything(role: str) -> Access:
    """An access that sees every position with one role (the open API's tokens without a unit)."""
    return Access(userid="", everything=role)


def within(unit: OrgUnit | None, role: str) -> Access:
    """An access that sees one unit's subtree with one role (an API token bound to a unit)."""
    if unit is None:
        return everything(role)
    tree = children_of(OrgUnit.select(OrgUnit.id, OrgUnit.parent))
    return Access(userid="", units=dict.fromkeys(subtree(tree, unit.id), role))


def is_recruiter(settings: Settings, userid: str) -> bool:
    """Whether the member may run recruiter commands in chat (invite, bulk, remind, decide): on HR_USERIDS or
    HR_LEADS (as before units), or a recruiter or lead of some unit or position (an admin only by those)."""
    if not userid:
        return False
    if userid in settings.recruiters:
        return True
    return (UnitMember.select().where((UnitMember.userid == userid)
                                      & UnitMember.role.in_(("recruiter", "hr_lead"))).exists()
            or PositionMember.select().where((PositionMember.userid == userid)
                                             & (PositionMember.role == "recruiter")).exists())


# The member a chat command runs for (bot/commands/registry.py sets it): the lookups that find positions,
# candidates and reports by name (bot/invitations/invites.py, bot/commands/lookup.py) see only what they may.
_acting: ContextVar[Access | None] = ContextVar("acting", default=None)


@contextlib.contextmanager
def acting_as(access: Access) -> Iterator[Access]:
    token = _acting.set(access)
    try:
        yield access
    finally:
        _acting.reset(token)


def acting() -> Access | None:
    """The member a command runs for; None in the bot's own work (candidates' chat, jobs), which sees everything."""
    return _acting.get()


def in_scope() -> pw.Expression:
    """A where-clause on Position: what the acting member may see (everything when no member is acting)."""
    access = _acting.get()
    return access.clause() if access is not None else pw.SQL("1 = 1")
