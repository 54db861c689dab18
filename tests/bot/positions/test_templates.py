"""The shipped bank position templates: each is a complete bank a recruiter can copy, and copying one creates a live
position through the same validation, never overwriting one."""
from __future__ import annotations

from collections import Counter

import pytest

from bot.positions.catalog import POSITIONS_DIR, parse_position
from bot.positions.templates import TEMPLATES_DIR, TemplateError, create_from_template, list_templates
from bot.store.models import AuditLog, Position
from jobs import cli

pytestmark = pytest.mark.sqlite_only  # the templates' validation (other modules cover PostgreSQL)

TEMPLATES = list_templates()
NAMES = ["柜员", "大堂经理", "客户经理（零售", "客户经理（对公）", "理财经理", "信贷审批", "IT 开发", "管培生"]


def test_every_role_of_the_issue_has_a_template_and_the_retail_one_has_both_variants():
    titles = [t["title"] for t in TEMPLATES]
    assert all(any(title.startswith(name) for title in titles) for name in NAMES), titles
    assert {"客户经理（零售·校招）", "客户经理（零售·社招）", "管培生（校招）"} <= set(titles)


def test_no_two_templates_share_a_slug_or_title_and_files_are_named_by_slug():
    assert len({t["slug"] for t in TEMPLATES}) == len({t["title"] for t in TEMPLATES}) == len(TEMPLATES)
    assert all(t["file"] == f"{t['slug']}.yaml" for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=[t["slug"] for t in TEMPLATES])
def test_a_template_is_a_complete_bank_with_a_draw_it_can_fill(template):
    questions = template["questions"]
    bank = Counter(q["competency"] for q in questions)
    draw = template["rubric"]["draw"]
    assert len(questions) >= 12 and len(bank) >= 4
    assert draw and all(bank[c] >= n for c, n in draw.items()) and sum(draw.values()) >= 5
    assert all(q["text_en"].isascii() and q["rubric"] for q in questions)
    compliance = [q for q in questions if q["competency"] in ("合规意识", "信息安全")]
    assert compliance and all(q.get("red_flags") for q in compliance)
    assert sum(bool(q.get("red_flags")) for q in questions) >= 4
    points = [p for q in questions for p in q["rubric"]]
    assert all(p["description"].endswith("。") and len(p["description"]) >= 12 and p["keywords"] for p in points)
    assert template["rubric"]["next_round"]["place"] and template["rubric"]["materials"]
    assert template["rubric"]["screening"]["education_min"]


def test_the_templates_are_not_seeded_as_live_positions():
    assert TEMPLATES_DIR.parent == POSITIONS_DIR
    assert [p.name for p in POSITIONS_DIR.glob("*.yaml")] == ["teller.yaml"]


def test_a_position_made_from_a_template_is_a_copy_under_its_new_names(env):
    position = create_from_template("retail-rm-campus", slug="rm-bj-2027", title="客户经理（北京分行2027校招）")
    template = parse_position(TEMPLATES_DIR / "retail-rm-campus.yaml")
    assert (position.slug, position.title, position.is_open) == ("rm-bj-2027", "客户经理（北京分行2027校招）", True)
    assert position.questions == template["questions"] and position.rubric == template["rubric"]
    entry = AuditLog.get(AuditLog.action == "position.created")
    assert entry.detail == {"template": "retail-rm-campus", "slug": "rm-bj-2027"}


def test_a_copy_never_overwrites_a_live_position(env):
    create_from_template("retail-rm-campus", slug="rm-bj", title="客户经理（北京）")
    with pytest.raises(TemplateError, match="slug 'rm-bj' already exists; choose another with --slug"):
        create_from_template("corporate-rm", slug="rm-bj", title="对公客户经理（北京）")
    with pytest.raises(TemplateError, match="title '客户经理（北京）' already exists; choose another with --title"):
        create_from_template("corporate-rm", slug="corp-bj", title="客户经理（北京）")
    with pytest.raises(TemplateError, match="title '柜员' already exists"):  # the seeded teller holds it
        create_from_template("bank-teller")
    assert Position.get(Position.slug == "rm-bj").questions[0]["key"] == \
        parse_position(TEMPLATES_DIR / "retail-rm-campus.yaml")["questions"][0]["key"]
    assert Position.select().count() == 2


@pytest.mark.parametrize("args, words", [
    (["nope"], "no template 'nope'; the templates are: bank-teller"),
    (["../teller"], "no template '../teller'"),
    (["corporate-rm", "--slug", "Bad Slug"], "slug 'Bad Slug': use 1-64 lower-case letters"),
    (["corporate-rm", "--title", " "], "title: 1-64 characters"),
])
def test_the_cli_refuses_bad_requests_clearly(env, capsys, args, words):
    assert cli.main(["positions", "from-template", *args]) == 2
    assert words in capsys.readouterr().err
    assert Position.select().count() == 1


def test_the_cli_lists_templates_and_creates_one(env, capsys):
    assert cli.main(["positions", "templates"]) == 0
    listing = capsys.readouterr().out
    assert "management-trainee\t管培生（校招）\t" in listing and "draw: " in listing
    assert cli.main(["positions", "from-template", "lobby-manager"]) == 0
    assert "position lobby-manager (大堂经理) created from template lobby-manager" in capsys.readouterr().out
    assert cli.main(["positions", "from-template", "lobby-manager"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert Position.get(Position.slug == "lobby-manager").rubric["draw"]


def test_the_open_api_accepts_a_template_document_with_its_draw(client):
    from bot.integrations.tokens import create_token
    from bot.positions.templates import load_template

    token = create_token("hr_li", "full")[1]
    doc = {**load_template("credit-approval"), "slug": "credit-sh", "title": "信贷审批（上海）"}
    answer = client.post("/api/v1/positions", json=doc, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.get_json()
    assert Position.get(Position.slug == "credit-sh").rubric["draw"] == doc["draw"]
    bad = {**doc, "slug": "credit-bj", "title": "信贷审批（北京）", "draw": {"专业知识": 9}}
    refused = client.post("/api/v1/positions", json=bad, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 422 and "the bank cannot fill the draw" in refused.get_json()["error"]["message"]
