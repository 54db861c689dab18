"""Organisation units: the file's tree and roles, its errors, the sync's rules (nothing half-saved, a unit with
positions or a live token is never removed), what each member may see, and who is told about a position."""
from __future__ import annotations

import pytest

from bot.integrations.tokens import create_token
from bot.org import team, units
from bot.org.access import access_of, is_recruiter
from bot.privacy.roles import ADMIN, HR_LEAD, INTERVIEWER, RECRUITER
from bot.store.models import AuditLog, OrgUnit, Position, UnitMember

TREE = {"units": [
    {"code": "bj", "name": "北京分行", "leads": ["bj_lead"], "recruiters": ["bj_zhou"], "interviewers": ["bj_mgr"],
     "units": [{"code": "bj-xicheng", "name": "西城支行", "recruiters": ["bj_wu"]}]},
    {"code": "sh", "name": "上海分行", "recruiters": ["sh_chen", "both"], "interviewers": ["sh_mgr"]},
    {"code": "gz", "name": "广州分行", "interviewers": ["both"]},
]}


def _positions(env) -> dict[str, Position]:
    units.sync(units.parse(TREE))
    teller = Position.get(Position.slug == "teller")  # the root's
    made = {"teller": teller}
    for code in ("bj", "bj-xicheng", "sh", "gz"):
        values = {name: getattr(teller, name) for name in ("description", "questions", "rubric")}
        made[code] = Position.create(slug=f"p-{code}", title=f"岗位 {code}", unit=units.by_code(code), **values)
    return made


@pytest.mark.parametrize("doc, message", [
    ({"units": [{"code": "BJ", "name": "北京"}]}, "code must be lower-case"),
    ({"units": [{"code": "bj"}]}, "name must be"),
    ({"units": [{"code": "bj", "name": "北京", "boss": ["x"]}]}, "unknown keys ['boss']"),
    ({"units": [{"code": "bj", "name": "北京", "recruiters": "bj_zhou"}]}, "recruiters must be a list"),
    ({"units": [{"code": "bj", "name": "北京", "recruiters": ["a b"]}]}, "recruiters must be a list"),
    ({"units": [{"code": "bj", "name": "北京"}, {"code": "bj", "name": "又一个"}]}, "repeated: ['bj']"),
    ({"units": {"code": "bj"}}, "must be a list"),
    ({"branches": []}, "one key, 'units'"),
    ([1, 2], "one key, 'units'"),
])
def test_a_malformed_file_is_refused_with_the_unit_and_key(doc, message):
    with pytest.raises(units.OrganisationError, match=message.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(")):
        units.parse(doc)


def test_a_file_that_is_not_yaml_or_not_readable_says_so(tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text("units: [ {code: bj", "utf-8")
    with pytest.raises(units.OrganisationError, match="not valid YAML"):
        units.load(bad)
    with pytest.raises(units.OrganisationError, match="cannot be read"):
        units.load(tmp_path / "missing.yaml")
    bad.write_bytes(b"\xff\xfe\x00units")
    with pytest.raises(units.OrganisationError, match="cannot be read"):
        units.load(bad)


def test_sync_adds_moves_renames_and_removes_units_and_replaces_members(env):
    assert units.sync(units.parse(TREE)) == {"added": 4, "changed": 0, "removed": 0, "members": 8}
    assert units.sync(units.parse(TREE))["added"] == 0  # again: nothing changes
    moved = {"units": [{"code": "bj", "name": "北京分行（总部）", "recruiters": ["bj_new"]},
                       {"code": "sh", "name": "上海分行", "units": [{"code": "bj-xicheng", "name": "西城支行"}]}]}
    assert units.sync(units.parse(moved)) == {"added": 0, "changed": 2, "removed": 1, "members": 1}
    assert OrgUnit.get(OrgUnit.code == "bj-xicheng").parent.code == "sh"
    assert [m.userid for m in UnitMember.select()] == ["bj_new"]
    assert [r["unit"].code for r in units.tree_rows()] == ["bj", "sh", "bj-xicheng"]
    assert units.path_name(units.by_code("bj-xicheng")) == "上海分行 / 西城支行"
    assert AuditLog.select().where(AuditLog.action == "org.sync").count() == 2


def test_a_unit_with_positions_or_a_live_token_is_never_removed(env):
    made = _positions(env)
    with pytest.raises(units.OrganisationError, match="岗位 gz"):
        units.sync(units.parse({"units": TREE["units"][:2]}))
    made["gz"].delete_instance()
    create_token("gz-ats", "masked", unit="gz")
    with pytest.raises(units.OrganisationError, match="gz-ats"):
        units.sync(units.parse({"units": TREE["units"][:2]}))
    assert OrgUnit.select().count() == 4  # nothing half-done


def test_what_each_member_sees(env):
    made = _positions(env)
    settings = env
    visible = {userid: sorted(p.slug for p in Position.select().where(access_of(settings, userid).clause()))
               for userid in ("bj_lead", "bj_zhou", "bj_wu", "sh_chen", "hr_li", "both", "nobody")}
    assert visible == {"bj_lead": ["p-bj", "p-bj-xicheng"], "bj_zhou": ["p-bj"], "bj_wu": ["p-bj-xicheng"],
                       "sh_chen": ["p-sh"], "hr_li": ["teller"], "both": ["p-gz", "p-sh"], "nobody": []}
    both = access_of(settings, "both")
    assert (both.role, both.list_role) == (RECRUITER, INTERVIEWER)
    assert (both.role_for(made["sh"]), both.role_for(made["gz"]), both.role_for(made["bj"])) == (
        RECRUITER, INTERVIEWER, None)
    assert access_of(settings, "bj_lead").role_for(made["bj-xicheng"]) == HR_LEAD
    assert access_of(settings, "admin_sun").role_for(made["sh"]) == ADMIN
    assert is_recruiter(settings, "bj_wu") and not is_recruiter(settings, "sh_mgr")
    # a position's team: an interviewer of one position sees that position only
    team.assign(made["sh"], made["sh"].unit, team.parse_team({"interviewers": ["guest"]}), "test")
    guest = access_of(settings, "guest")
    assert guest.role == INTERVIEWER and [p.slug for p in Position.select().where(guest.clause())] == ["p-sh"]


def test_who_is_told_about_a_position(env):
    made = _positions(env)
    settings = env
    assert team.recruiters(settings, made["teller"]) == ["hr_li", "hr_wang"]  # the root: HR_USERIDS
    assert team.recruiters(settings, made["bj-xicheng"]) == ["bj_wu"]
    UnitMember.delete().where(UnitMember.userid == "bj_wu").execute()
    assert team.recruiters(settings, made["bj-xicheng"]) == ["bj_zhou"]  # up the tree
    assert team.recruiters(settings, made["gz"]) == ["hr_li", "hr_wang"]  # a unit with no recruiter anywhere up
    team.assign(made["gz"], made["gz"].unit, team.parse_team({"recruiters": ["gz_he"], "hiring_manager": "gz_boss",
                                                              "interviewers": ["gz_it"]}), "hr_li")
    assert team.recruiters(settings, made["gz"]) == ["gz_he"]
    assert team.watchers(made["gz"]) == ["gz_it", "gz_boss"]
    assert team.team_of(made["gz"]) == {"recruiters": ["gz_he"], "interviewers": ["gz_it"],
                                        "hiring_manager": ["gz_boss"]}
    assert not team.assign(made["gz"], made["gz"].unit, team.team_of(made["gz"]), "hr_li")  # unchanged: no audit
    assert AuditLog.select().where(AuditLog.action == "position.team").count() == 1


@pytest.mark.parametrize("raw, field", [
    ({"recruiter": ["x"]}, "team"),
    ({"recruiters": "a b"}, "team.recruiters"),
    ({"recruiters": [1]}, "team.recruiters"),
    ({"hiring_manager": ["a", "b"]}, "team.hiring_manager"),
    ("bj_zhou", "team"),
])
def test_a_bad_team_names_its_field(raw, field):
    with pytest.raises(team.TeamError) as caught:
        team.parse_team(raw)
    assert caught.value.field == field


def test_an_unknown_unit_names_its_field(env):
    with pytest.raises(team.TeamError) as caught:
        team.resolve_unit("nowhere")
    assert caught.value.field == "unit" and team.resolve_unit("") is None


def test_a_persons_change_to_a_position_is_told_to_its_team(env):
    import copy

    from bot.positions.catalog import document_of, parse_position_doc, save_position
    from bot.store.models import OutboundMessage

    made = _positions(env)
    bj = made["bj"]
    team.assign(bj, bj.unit, team.parse_team({"interviewers": ["bj_it"], "hiring_manager": "bj_boss"}), "test")
    doc = copy.deepcopy(document_of(bj))
    save_position(parse_position_doc(doc, "t", "sha-0"), author="seed", source="file")  # its v1, from a file
    doc["title"], doc["think_seconds"] = "客户经理（北京）", 30
    save_position(parse_position_doc(doc, "t", "sha-1"), author="bj_zhou", source="hr")
    [notice] = OutboundMessage.select().where(OutboundMessage.idempotency_key.startswith(f"position:{bj.id}:"))
    # its unit's recruiter wrote it, so the team's interviewer and hiring manager are told, with what changed
    assert notice.recipient.split("|") == ["bj_it", "bj_boss"]
    card = notice.payload["template_card"]
    assert "v2" in card["main_title"]["title"] and "名称、思考时间" in card["sub_title_text"]
    assert card["card_action"]["url"].endswith(f"/hr/positions/{bj.slug}/diff?a=1&b=2")
    doc["think_seconds"] = 40
    save_position(parse_position_doc(doc, "t", "sha-2"), author="seed", source="file")  # set-up: nobody told
    assert OutboundMessage.select().where(OutboundMessage.idempotency_key.startswith(f"position:{bj.id}:")).count() == 1
