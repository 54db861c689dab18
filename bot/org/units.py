"""Organisation units from a file: a tree (总行 → 分行 → 支行, or departments) and who holds which role in each.

The file (ORGANISATION_FILE, YAML) lists the units under the root; the root is the company itself, and its team is
the global lists (HR_USERIDS, HR_LEADS, HR_VIEWERS), so a set-up without a file works as before::

    units:
      - code: bj                # stable: positions, tokens and links name a unit by it
        name: 北京分行
        leads: [bj_lead]         # this unit and everything under it
        recruiters: [bj_zhou]    # this unit's positions
        interviewers: [bj_mgr]   # this unit's reports, masked
        units:
          - {code: bj-xicheng, name: 西城支行, recruiters: [bj_wu]}

`sync` makes the tables say what the file says, in one transaction: units added, renamed or moved, members
replaced; a unit that left the file is removed only when no position belongs to it (the error names them).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.store.db import database
from bot.store.models import ApiToken, AuditLog, OrgUnit, Position, UnitMember

ROLE_KEYS = {"leads": "hr_lead", "recruiters": "recruiter", "interviewers": "interviewer"}
UNIT_KEYS = {"code", "name", "units", *ROLE_KEYS}
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
MAX_DEPTH = 8
WECOM_PREFIX = "wecom-"  # the codes of units read from WeCom's departments (bot/org/wecom.py)


class OrganisationError(ValueError):
    """The organisation file is malformed; the message names the unit and the key."""


def load(path: Path) -> list[dict[str, Any]]:
    """Read and validate the file: the units, flattened parent-first, each with its parent's code."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise OrganisationError(f"{path}: cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        raise OrganisationError(f"{path.name}: not valid YAML ({exc})") from None
    return parse(doc, path.name)


def parse(doc: Any, name: str = "organisation") -> list[dict[str, Any]]:
    if doc is None:
        return []
    if not isinstance(doc, dict) or set(doc) - {"units"}:
        raise OrganisationError(f"{name}: the top level must be a mapping with one key, 'units'")
    flat: list[dict[str, Any]] = []
    _walk(doc.get("units") or [], None, 1, name, flat)
    codes = [u["code"] for u in flat]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise OrganisationError(f"{name}: unit codes must be unique; repeated: {repeated}")
    return flat


def _walk(units: Any, parent: str | None, depth: int, name: str, flat: list[dict[str, Any]]) -> None:
    where = f"{name}: units under {parent or 'the root'}"
    if not isinstance(units, list):
        raise OrganisationError(f"{where} must be a list")
    if depth > MAX_DEPTH:
        raise OrganisationError(f"{where}: at most {MAX_DEPTH} levels")
    for i, unit in enumerate(units, 1):
        if not isinstance(unit, dict):
            raise OrganisationError(f"{where}: unit {i} must be a mapping")
        unknown = sorted(set(unit) - UNIT_KEYS)
        code = str(unit.get("code", ""))
        label = f"{name}: unit {code or i}"
        if unknown:
            raise OrganisationError(f"{label}: unknown keys {unknown}; known: {sorted(UNIT_KEYS)}")
        if not CODE.fullmatch(code) or code.startswith(WECOM_PREFIX):
            raise OrganisationError(f"{label}: code must be lower-case letters, digits, - or _ (e.g. bj, sh-pudong), "
                                    f"not starting with {WECOM_PREFIX} (units read from WeCom use that)")
        title = unit.get("name")
        if not isinstance(title, str) or not title.strip() or len(title.strip()) > 64:
            raise OrganisationError(f"{label}: name must be the unit's name, at most 64 characters")
        members: dict[str, list[str]] = {}
        for key, role in ROLE_KEYS.items():
            ids = unit.get(key) or []
            if not isinstance(ids, list) or not all(isinstance(u, str) and USERID.fullmatch(u) for u in ids):
                raise OrganisationError(f"{label}: {key} must be a list of WeCom userids")
            members[role] = list(dict.fromkeys(ids))
        flat.append({"code": code, "name": title.strip(), "parent": parent, "members": members})
        _walk(unit.get("units") or [], code, depth + 1, name, flat)


def sync(units: list[dict[str, Any]], actor: str = "organisation-file", source: str = "file") -> dict[str, int]:
    """Make the tables match the parsed file (or WeCom's departments: source "wecom", bot/org/wecom.py); return
    counts of what changed. Nothing changes on an error. Each source keeps to its own units and members."""
    with database.atomic():
        existing = {u.code: u for u in OrgUnit.select().where(OrgUnit.source == source)}
        wanted = {u["code"] for u in units}
        gone = [existing[c] for c in existing if c not in wanted]
        held = sorted({f"{p.unit.name}: {p.title}" for p in Position.select(Position, OrgUnit).join(OrgUnit)
                       .where(Position.unit.in_([u.id for u in gone]))}) if gone else []
        if held:
            raise OrganisationError(f"units that still have positions cannot be removed; move these first: {held}")
        bound = sorted(t.name for t in ApiToken.select().where(ApiToken.unit.in_([u.id for u in gone])
                                                                & ApiToken.revoked_at.is_null())) if gone else []
        if bound:
            raise OrganisationError(f"units that open-API tokens are bound to cannot be removed; revoke these first: "
                                    f"{bound}")
        if gone:  # a revoked token opens nothing, whatever it was bound to
            ApiToken.update(unit=None).where(ApiToken.unit.in_([u.id for u in gone])).execute()
        counts = {"added": 0, "changed": 0, "removed": len(gone), "members": 0}
        held_before = _holders(source)
        by_code: dict[str, OrgUnit] = {}
        for unit in units:  # parents first, so each parent exists when its children are saved
            parent = by_code[unit["parent"]] if unit["parent"] else None
            row = existing.get(unit["code"])
            if row is None:
                row = OrgUnit.create(code=unit["code"], name=unit["name"], parent=parent, source=source,
                                     wecom_department_id=unit.get("wecom_department_id"))
                counts["added"] += 1
            elif (row.name, row.parent_id) != (unit["name"], parent.id if parent else None):
                row.name, row.parent = unit["name"], parent
                row.save()
                counts["changed"] += 1
            by_code[unit["code"]] = row
            UnitMember.delete().where((UnitMember.unit == row) & (UnitMember.source == source)).execute()
            rows = [{"unit": row, "userid": userid, "role": role, "source": source}
                    for role, ids in unit["members"].items() for userid in ids]
            if rows:
                UnitMember.insert_many(rows).execute()
            counts["members"] += len(rows)
        for unit in gone:
            unit.delete_instance()
        held_after = _holders(source)
        granted, taken = sorted(held_after - held_before), sorted(held_before - held_after)
        if counts["added"] or counts["changed"] or counts["removed"] or granted or taken:
            # who gained or lost a role where: the audit log answers "since when could she see Beijing's reports?"
            AuditLog.create(actor=actor, action="org.sync", target_type="organisation",
                            detail={**counts, "source": source, "granted": [" ".join(h) for h in granted][:200],
                                    "revoked": [" ".join(h) for h in taken][:200]})
    return counts


def _holders(source: str) -> set[tuple[str, str, str]]:
    """(unit code, role, userid) of every role held through one source."""
    return {(code, role, userid) for code, role, userid in UnitMember.select(OrgUnit.code, UnitMember.role,
                                                                             UnitMember.userid)
            .join(OrgUnit).where(UnitMember.source == source).tuples()}


def sync_file(path: Path | None) -> dict[str, int] | None:
    """Load and sync the file; None when no file is configured."""
    if path is None:
        return None
    return sync(load(path))


def tree_rows() -> list[dict[str, Any]]:
    """Every unit, depth-first under its parent, with its depth and members (for `jobs.cli org show` and pages)."""
    units = list(OrgUnit.select().order_by(OrgUnit.code))
    members: dict[int, dict[str, list[str]]] = {}
    for m in UnitMember.select().order_by(UnitMember.userid):
        members.setdefault(m.unit_id, {}).setdefault(m.role, []).append(m.userid)
    kids: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        kids.setdefault(unit.parent_id, []).append(unit)
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in kids.get(parent, []):
            rows.append({"unit": unit, "depth": depth, "members": members.get(unit.id, {})})
            walk(unit.id, depth + 1)
    walk(None, 0)
    return rows


def by_code(code: str) -> OrgUnit | None:
    return OrgUnit.get_or_none(OrgUnit.code == code.strip().lower()) if code and code.strip() else None


def path_name(unit: OrgUnit | None) -> str:
    """总行 / 北京分行 / 西城支行 style: the unit's names from the top (the root is the company)."""
    names = []
    seen = set()
    while unit is not None and unit.id not in seen:
        seen.add(unit.id)
        names.append(unit.name)
        unit = unit.parent
    return " / ".join(reversed(names))
