"""Organisation units on every surface: a recruiter of 上海分行 finds nothing of 北京分行's position (HR pages,
pool, export, open API, chat commands), and 北京分行's result cards reach only its team; the global lists keep
working as the root's team. Units are the shipped example (config/organisation.example.yaml): 北京分行 (lead
bj_lead, recruiter bj_zhou, interviewer bj_mgr) with 西城支行 (recruiter bj_wu) under it, 上海分行 (recruiter sh_chen,
interviewer sh_mgr)."""
from __future__ import annotations

import io

import openpyxl
import pytest
import requests

from tests.support.chat import cards, texts, token_of
from tests.support.h5 import answer, consent
from tests.support.hr import csrf, login

SAID = "我会先耐心倾听客户的诉求，核实业务规定，再给出方案并跟进结果。我的名字叫林晓北。"


def interview(stack, recruiter: str, position: str, who: str) -> int:
    """recruiter invites who from chat; who consents and types every drawn question; return the report's id."""
    from bot.store.models import Candidate, Invitation, Report

    stack.say(recruiter, f"/invite {position} {who}")
    stack.drain()
    found = [m for m in stack.inbox(who) if m["msgtype"] == "template_card"]
    assert found, texts(stack, recruiter)
    client, base = stack.app.test_client(), f"/h5/api/{token_of(found[-1]['card']['card_action']['url'])}"
    consent(client, base)
    for q in client.get(f"{base}/state").json["questions"]:
        assert answer(client, base, q["key"], SAID).status_code == 200
    stack.drain()
    invitation = Invitation.select().join(Candidate).where(Candidate.wecom_userid == who).get()
    return Report.select().join_from(Report, Invitation.interviews.rel_model).where(
        Report.interview.in_([i.id for i in invitation.interviews])).get().id


@pytest.fixture
def campaign(stack):
    """北京分行's 客户经理 (rm-bj, team: bj_zhou, bj_mgr as hiring manager) and 上海分行's (rm-sh), one candidate
    each with a report; 柜员 stays at the root (hr_li's)."""
    from bot.org import team, units
    from bot.positions.templates import create_from_template
    from bot.store.models import Position

    units.sync(units.load(stack.settings.organisation_path))
    bj = create_from_template("retail-rm-campus", "rm-bj", "客户经理（北京分行）")
    sh = create_from_template("retail-rm-campus", "rm-sh", "客户经理（上海分行）")
    team.assign(bj, units.by_code("bj"), team.parse_team({"recruiters": ["bj_zhou"], "hiring_manager": "bj_mgr"}),
                "test")
    team.assign(sh, units.by_code("sh"), team.parse_team(None), "test")
    reports = {"bj": interview(stack, "bj_zhou", "rm-bj", "zhangsan"),
               "sh": interview(stack, "sh_chen", "rm-sh", "lisi")}
    return {"reports": reports, "bj": Position.get(Position.slug == "rm-bj"), "sh": sh}


def test_the_hr_pages_show_a_recruiter_only_their_units(stack, campaign):
    bj_report, sh_report = campaign["reports"]["bj"], campaign["reports"]["sh"]
    shanghai = login(stack, "sh_chen")
    home = shanghai.get(f"{stack.base}/hr/", timeout=30).text
    assert "客户经理（上海分行）" in home and "客户经理（北京分行）" not in home and "柜员" not in home
    for path in (f"/hr/reports/{bj_report}", f"/hr/compare?r={bj_report},{sh_report}", "/hr/positions/rm-bj",
                 "/hr/positions/rm-bj/export.csv", "/hr/positions/rm-bj/export.xlsx", "/hr/pool?position=rm-bj"):
        refused = shanghai.get(f"{stack.base}{path}", timeout=30)
        assert refused.status_code == 403 and "不在您负责的机构范围内" in refused.text, path
    assert shanghai.get(f"{stack.base}/hr/reports/{sh_report}", timeout=30).status_code == 200
    pool = shanghai.get(f"{stack.base}/hr/pool", params={"q": "倾听 诉求 方案"}, timeout=30).text
    assert f"/hr/reports/{sh_report}" in pool and f"/hr/reports/{bj_report}" not in pool
    sheet = openpyxl.load_workbook(io.BytesIO(shanghai.get(f"{stack.base}/hr/positions/rm-sh/export.xlsx",
                                                           timeout=30).content))
    assert sheet.active.max_row == 2  # the header and 上海分行's one interview

    beijing = login(stack, "bj_zhou")
    assert beijing.get(f"{stack.base}/hr/reports/{bj_report}", timeout=30).status_code == 200
    assert beijing.get(f"{stack.base}/hr/reports/{sh_report}", timeout=30).status_code == 403
    # the hiring manager reads 北京分行's report masked, and nothing of 上海分行's
    manager = login(stack, "bj_mgr")
    page = manager.get(f"{stack.base}/hr/reports/{bj_report}", timeout=30)
    assert page.status_code == 200 and "林晓北" not in page.text
    assert manager.get(f"{stack.base}/hr/reports/{sh_report}", timeout=30).status_code == 403
    # a root recruiter (HR_USERIDS) sees the root's positions only; the branch lead the branch and its sub-branches
    root = login(stack, "hr_li")
    assert root.get(f"{stack.base}/hr/reports/{bj_report}", timeout=30).status_code == 403
    lead = login(stack, "bj_lead")
    assert lead.get(f"{stack.base}/hr/reports/{bj_report}", timeout=30).status_code == 200
    assert lead.get(f"{stack.base}/hr/audit", timeout=30).status_code == 403  # company-wide: not a branch's lead
    admin = login(stack, "admin_sun")
    for report in (bj_report, sh_report):
        assert admin.get(f"{stack.base}/hr/reports/{report}", timeout=30).status_code == 200


def test_a_token_bound_to_a_unit_sees_only_its_subtree(stack, campaign):
    from bot.integrations.tokens import create_token
    from bot.store.models import Report

    _, shanghai = create_token("sh-ats", "full", unit="sh")
    _, company = create_token("hq-ats", "full")
    bj_interview = Report.get_by_id(campaign["reports"]["bj"]).interview_id
    sh_interview = Report.get_by_id(campaign["reports"]["sh"]).interview_id

    def get(token: str, path: str, **params) -> requests.Response:
        return requests.get(f"{stack.base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"},
                            params=params, timeout=30)

    listed = [i["id"] for i in get(shanghai, "/interviews").json()["items"]]
    assert listed == [sh_interview]
    for path in (f"/interviews/{bj_interview}", f"/reports/{bj_interview}"):
        assert get(shanghai, path).status_code == 404, path
    assert get(shanghai, "/interviews", position="rm-bj").status_code == 404
    assert "lisi" in get(shanghai, "/export/interviews.csv").text and "zhangsan" not in get(
        shanghai, "/export/interviews.csv").text
    decided = requests.post(f"{stack.base}/api/v1/decisions", json={"interview_id": bj_interview, "outcome": "pass"},
                            headers={"Authorization": f"Bearer {shanghai}", "Idempotency-Key": "d-1"}, timeout=30)
    assert decided.status_code == 404
    assert sorted(i["id"] for i in get(company, "/interviews").json()["items"]) == sorted([bj_interview,
                                                                                         sh_interview])


def test_a_webhook_hears_only_of_its_tokens_unit(stack, campaign):
    from bot.integrations import webhooks
    from bot.integrations.tokens import create_token
    from bot.store.models import Report, Webhook, WebhookDelivery

    hooks = {}
    for name, unit in (("sh-ats", "sh"), ("hq-ats", "")):
        row, _ = create_token(name, "full", unit=unit)
        hooks[name] = Webhook.create(url=f"https://{name}.example.com/hook", events=["report.ready"], secret="s" * 32,
                                     token=row)
    for report in campaign["reports"].values():
        webhooks.report_ready(Report.get_by_id(report))
    heard = {name: sorted(d.payload["position"]["slug"] for d in WebhookDelivery.select().where(
        WebhookDelivery.webhook == hook)) for name, hook in hooks.items()}
    assert heard == {"sh-ats": ["rm-sh"], "hq-ats": ["rm-bj", "rm-sh"]}


def test_chat_commands_of_another_branch_find_nothing(stack, campaign):
    from bot.store.models import Invitation

    for command in ("/report zhangsan", "/status rm-bj", "/invite rm-bj wangwu", "/compare zhangsan lisi",
                    "/remind rm-bj", "/cancel zhangsan", "/bulk rm-bj"):
        stack.say("sh_chen", command)
        stack.drain()
    said = "\n".join(texts(stack, "sh_chen"))
    assert "客户经理（北京分行）" not in said and not [m for m in stack.inbox("wangwu")]
    assert said.count("没有找到岗位「rm-bj」") == 4 and "没有找到zhangsan" in said.replace(" ", "")
    assert Invitation.get(Invitation.position == campaign["bj"]).status not in ("cancelled",)
    assert not cards(stack, "sh_chen", prefix=f"decide:{campaign['reports']['bj']}:")  # no card of zhangsan
    stack.say("sh_chen", "/positions")
    stack.drain()
    listing = texts(stack, "sh_chen")[-1]
    assert "rm-sh" in listing and "rm-bj" not in listing and "teller" not in listing
    stack.say("bj_zhou", "/report zhangsan")
    stack.drain()
    assert len(cards(stack, "bj_zhou")) == 2  # the result card, and the one /report sent again


def test_result_cards_reach_only_the_positions_team(stack, campaign):
    bj = f"decide:{campaign['reports']['bj']}:"
    assert len(cards(stack, "bj_zhou", prefix=bj)) == 1  # the recruiter who invited, on the team
    assert not cards(stack, "sh_chen", prefix=bj)
    for outsider in ("hr_li", "hr_wang", "sh_mgr"):
        assert not cards(stack, outsider), outsider
    masked = [m for m in stack.inbox("bj_mgr") if m["msgtype"] == "template_card"]
    assert len(masked) == 1 and not masked[0]["card"].get("button_list")
    assert "zhangsan" not in str(masked[0]["card"]) and "林晓北" not in str(masked[0]["card"])
    # 上海分行's position has no team: its unit's recruiter gets the card
    assert cards(stack, "sh_chen", prefix=f"decide:{campaign['reports']['sh']}:")


def test_a_position_is_named_by_part_of_its_title_within_the_members_units(stack, campaign):
    from bot.org import team, units
    from bot.positions.templates import create_from_template

    xicheng = create_from_template("retail-rm-campus", "rm-xicheng", "客户经理（西城支行）")
    team.assign(xicheng, units.by_code("bj-xicheng"), team.parse_team(None), "test")
    stack.say("bj_zhou", "/invite 客户经理 wangwu")  # 北京分行's recruiter sees one 客户经理: it is that one
    stack.drain()
    assert [m for m in stack.inbox("wangwu") if m["msgtype"] == "template_card"]
    stack.say("bj_lead", "/status 客户经理")  # the lead sees 北京分行's and 西城支行's: which one?
    stack.drain()
    asked = texts(stack, "bj_lead")[-1]
    assert "对应多个岗位" in asked and "rm-bj" in asked and "rm-xicheng" in asked and "rm-sh" not in asked
    stack.say("bj_lead", "/positions")
    stack.drain()
    listing = texts(stack, "bj_lead")[-1]
    assert "/hr/positions/rm-bj/edit" in listing and "/hr/positions/rm-xicheng/edit" in listing
    assert "北京分行 / 西城支行" in listing and "rm-sh" not in listing


def test_the_position_editor_keeps_to_the_members_units(stack, campaign):
    from bot.store.models import Position
    from tests.handlers.test_hr_position_editor import document_in, save

    shanghai = login(stack, "sh_chen")
    listing = shanghai.get(f"{stack.base}/hr/positions", timeout=30).text
    assert "/hr/positions/rm-sh/" in listing
    assert "/hr/positions/rm-bj/" not in listing and "/hr/positions/teller/" not in listing
    for path in ("/hr/positions/rm-bj/edit", "/hr/positions/rm-bj/history", "/hr/positions/rm-bj/position.yaml",
                 "/hr/positions/new?copy=rm-bj"):
        assert shanghai.get(f"{stack.base}{path}", timeout=30).status_code == 403, path
    assert login(stack, "bj_mgr").get(f"{stack.base}/hr/positions/rm-bj/edit", timeout=30).status_code == 403

    beijing = login(stack, "bj_zhou")
    page = beijing.get(f"{stack.base}/hr/positions/new?template=corporate-rm", timeout=30).text
    doc = document_in(page)
    assert doc["unit"] == "bj"  # a new position starts in the member's unit
    assert 'value="bj"' in page and 'value="sh"' not in page  # and only their units are offered
    doc.update(slug="crm-bj", title="客户经理（对公·北京）", unit="sh")
    refused = save(beijing, stack, doc, 0)
    assert refused.status_code == 422 and 'data-field="unit"' in refused.text and "只能选择您负责的机构" in refused.text
    assert not Position.select().where(Position.slug == "crm-bj").exists()
    doc.update(unit="bj", team={"recruiters": ["bj_zhou"], "interviewers": ["bad id"], "hiring_manager": ""})
    refused = save(beijing, stack, doc, 0)
    assert refused.status_code == 422 and 'data-field="team.interviewers"' in refused.text
    doc["team"]["interviewers"] = ["bj_mgr"]
    assert save(beijing, stack, doc, 0).status_code == 303
    created = Position.get(Position.slug == "crm-bj")
    assert (created.unit.code, created.status) == ("bj", "draft")
    assert document_in(beijing.get(f"{stack.base}/hr/positions/crm-bj/edit", timeout=30).text)["team"] == {
        "recruiters": ["bj_zhou"], "interviewers": ["bj_mgr"], "hiring_manager": ""}
    assert shanghai.get(f"{stack.base}/hr/positions/crm-bj/edit", timeout=30).status_code == 403


def test_a_hiring_manager_reads_in_chat_and_their_notes_reach_the_recruiter(stack, campaign):
    from bot.store.models import Candidate

    zhangsan = Candidate.get(Candidate.wecom_userid == "zhangsan")
    for command in ("/status rm-bj", "/report zhangsan", "/invite rm-bj wangwu", "/report lisi"):
        stack.say("bj_mgr", command)
        stack.drain()
    said = texts(stack, "bj_mgr")
    assert any("客户经理（北京分行）" in t for t in said)  # /status: the funnel, no personal data in it
    assert "抱歉，这个命令仅限招聘人员使用。如需帮助，请联系贵司 HR。" in said  # /invite: recruiters only
    assert not [m for m in stack.inbox("wangwu")]
    cards_now = [m for m in stack.inbox("bj_mgr") if m["msgtype"] == "template_card"]
    # the result card the team got, and the one /report sent: both masked (张*（#n）), neither with buttons;
    # lisi is 上海分行's candidate: not found
    assert len(cards_now) == 2 and all(not c["card"].get("button_list") for c in cards_now)
    assert all(f"（#{zhangsan.id}）" in str(c["card"]) and "zhangsan" not in str(c["card"]) for c in cards_now)

    manager = login(stack, "bj_mgr")
    report = campaign["reports"]["bj"]
    page = manager.get(f"{stack.base}/hr/reports/{report}", timeout=30).text
    manager.post(f"{stack.base}/hr/reports/{report}/notes", data={"csrf": csrf(page), "text": "沟通清楚，建议复试。"},
                 timeout=30)
    stack.drain()
    [told] = [t for t in texts(stack, "bj_zhou") if "写了备注" in t]
    assert "bj_mgr" in told and "沟通清楚，建议复试。" in told and f"/hr/reports/{report}#notes" in told
    assert not [t for t in texts(stack, "sh_chen") if "写了备注" in t]
    recruiter = login(stack, "bj_zhou")  # a recruiter's own note tells no one
    page = recruiter.get(f"{stack.base}/hr/reports/{report}", timeout=30).text
    recruiter.post(f"{stack.base}/hr/reports/{report}/notes", data={"csrf": csrf(page), "text": "已约复试。"},
                   timeout=30)
    stack.drain()
    assert len([t for t in texts(stack, "bj_zhou") if "写了备注" in t]) == 1
