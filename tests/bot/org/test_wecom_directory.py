"""Organisation units read from WeCom's directory (ORGANISATION_SOURCE=wecom) through the sandbox, whose
departments mirror the example organisation file: 北京分行 (with 西城支行 under it) and 上海分行 under the company.
The global lists say what a member does; their department says where."""
from __future__ import annotations

import dataclasses

import pytest

from bot.errors import WeComError
from bot.org import wecom as org_wecom
from bot.org.access import access_of
from bot.privacy.roles import ADMIN, HR_LEAD, RECRUITER
from bot.store.models import AuditLog, OrgUnit, Position, UnitMember
from bot.wecom.delivery import wecom


@pytest.fixture
def lists(stack):
    """The sandbox's settings with branch staff on the global lists (where WeCom's departments place them)."""
    return dataclasses.replace(stack.settings, hr_userids=frozenset({"hr_li", "bj_zhou", "bj_wu", "sh_chen"}),
                               hr_leads=frozenset({"bj_lead"}), hr_viewers=frozenset({"bj_mgr"}))


def test_the_departments_become_units_and_the_lists_place_their_members(stack, lists):
    counts = org_wecom.sync(wecom(), lists)
    assert counts == {"added": 3, "changed": 0, "removed": 0, "members": 5}
    tree = {u.code: (u.name, u.parent.code if u.parent_id else None, u.wecom_department_id)
            for u in OrgUnit.select()}
    assert tree == {"wecom-2": ("北京分行", None, 2), "wecom-3": ("上海分行", None, 3),
                    "wecom-4": ("西城支行", "wecom-2", 4)}
    held = sorted((m.unit.code, m.role, m.userid) for m in UnitMember.select())
    assert held == [("wecom-2", "hr_lead", "bj_lead"), ("wecom-2", "interviewer", "bj_mgr"),
                    ("wecom-2", "recruiter", "bj_zhou"), ("wecom-3", "recruiter", "sh_chen"),
                    ("wecom-4", "recruiter", "bj_wu")]
    assert org_wecom.sync(wecom(), lists) == {"added": 0, "changed": 0, "removed": 0, "members": 5}

    teller = Position.get(Position.slug == "teller")
    bj = Position.create(slug="p-bj", title="北京的岗位", unit=OrgUnit.get(OrgUnit.code == "wecom-2"))
    xicheng = Position.create(slug="p-xc", title="西城的岗位", unit=OrgUnit.get(OrgUnit.code == "wecom-4"))
    seen = {userid: sorted(p.slug for p in Position.select().where(access_of(lists, userid).clause()))
            for userid in ("hr_li", "bj_zhou", "bj_wu", "sh_chen", "bj_lead")}
    # hr_li works in the company's own department: the root, as before; the others where WeCom places them
    assert seen == {"hr_li": ["teller"], "bj_zhou": ["p-bj"], "bj_wu": ["p-xc"], "sh_chen": [],
                    "bj_lead": ["p-bj", "p-xc"]}
    assert access_of(lists, "bj_lead").role_for(xicheng) == HR_LEAD and not access_of(lists, "bj_lead").everything
    zhou = access_of(lists, "bj_zhou")
    assert zhou.role_for(bj) == RECRUITER and zhou.role_for(teller) is None
    assert access_of(lists, "admin_sun").role_for(xicheng) == ADMIN  # admins stay company-wide


def test_a_member_taken_off_a_list_loses_the_role_and_the_audit_log_says_so(stack, lists):
    org_wecom.sync(wecom(), lists)
    fewer = dataclasses.replace(lists, hr_userids=frozenset({"hr_li", "bj_zhou", "bj_wu"}))
    org_wecom.sync(wecom(), fewer)
    assert not UnitMember.select().where(UnitMember.userid == "sh_chen").exists()
    last = AuditLog.select().where(AuditLog.action == "org.sync").order_by(AuditLog.id.desc()).get()
    assert last.detail["revoked"] == ["wecom-3 recruiter sh_chen"] and last.detail["source"] == "wecom"


def test_the_sandbox_answers_the_directory_as_wecom_does(stack):
    client = wecom()
    assert [d["id"] for d in client.get("department/list", params={"id": 2})["department"]] == [2, 4]
    users = client.get("user/simplelist", params={"department_id": 2, "fetch_child": 1})["userlist"]
    assert {"bj_zhou", "bj_wu"} <= {u["userid"] for u in users}
    with pytest.raises(WeComError) as refused:
        client.get("user/simplelist", params={"department_id": 99})
    assert refused.value.errcode == 60003
