"""The H5 page's optional fairness step through its API: asked only after consent and once; answers stored sealed
with a Consent row of kind fairness (不愿透露 stores nothing for that attribute); never in the report, the HR report
page or any module but the step's and the report's own; withdrawn on the page, never asked again; a refusal stores
nothing and is remembered in a later interview too; erasure deletes what was declared."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.support.chat import invite_member, token_of
from tests.support.h5 import consent, take_interview
from tests.support.hr import login
from tests.support.paths import REPO

# SQLite only: plain rows and a sealed JSON column, nothing database-specific
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
READERS = {"bot/store/models.py", "bot/privacy/self_declared.py", "bot/privacy/erasure.py",
           "bot/reports/fairness_cohort.py"}


@pytest.fixture(autouse=True)
def asking(monkeypatch):
    """The company asks (FAIRNESS_QUESTIONS, off by default; set before the stack reads the settings)."""
    monkeypatch.setenv("FAIRNESS_QUESTIONS", "true")


def notice(client, base) -> dict:
    state = client.get(f"{base}/fairness").json
    return {"version": state["version"], "text_sha256": state["texts"]["zh-CN"]["sha256"]}


def test_declared_once_after_consent_never_shown_per_candidate_withdrawn(stack):
    from bot.store.models import AuditLog, Consent, Report, SelfDeclared

    link = invite_member(stack)
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    before = client.get(f"{base}/fairness").json
    assert before["ask"] is False and before["declared"] is False  # not before the main consent
    assert "为监测招聘公平性，您可自愿提供以下信息" in before["texts"]["zh-CN"]["lines"][0]
    assert [o["label"] for o in before["texts"]["zh-CN"]["questions"][0]["options"]] == ["女", "男", "不愿透露"]
    assert client.post(f"{base}/fairness", json={"answers": {"gender": "female"}, **notice(client, base)}) \
        .status_code == 409
    consent(client, base)
    assert client.get(f"{base}/fairness").json["ask"] is True

    shown = notice(client, base)
    for bad, status, code in (({"gender": "robot"}, 400, "bad_answer"), ({"height": "180"}, 400, "bad_answer"),
                              ("female", 400, "bad_answer")):
        refused = client.post(f"{base}/fairness", json={"answers": bad, **shown})
        assert (refused.status_code, refused.json["code"]) == (status, code) and "请刷新页面" in refused.json["error"]
    stale = client.post(f"{base}/fairness", json={"answers": {"gender": "female"}, **shown, "text_sha256": "0" * 64})
    assert (stale.status_code, stale.json["code"]) == (409, "fairness_outdated")
    assert not SelfDeclared.select().exists() and not Consent.select().where(Consent.kind == "fairness").exists()

    kept = client.post(f"{base}/fairness", json={"answers": {"gender": "female", "age_band": "undisclosed"}, **shown})
    assert kept.status_code == 200 and kept.json == {"declared": True}
    assert SelfDeclared.get().attributes == {"gender": "female"}  # 不愿透露: nothing kept for it
    stored = SelfDeclared._meta.database.execute_sql("SELECT attributes FROM self_declared").fetchone()[0]
    assert "female" not in stored  # sealed at rest
    row = Consent.get(Consent.kind == "fairness")
    assert (row.version, row.text_sha256) == ("fairness-v1", shown["text_sha256"])
    assert client.get(f"{base}/fairness").json["ask"] is False  # once

    take_interview(stack, link, consented=True)
    stack.drain()
    report = Report.get()
    assert not re.search(r"female|gender|age_band|性别|年龄段", json.dumps(report.document, ensure_ascii=False))
    for user in ("hr_li", "admin_sun"):
        page = login(stack, user).get(f"{stack.base}/hr/reports/{report.id}", timeout=30)
        assert page.status_code == 200 and not re.search(r"female|gender|age_band|性别|年龄段|公平性", page.text)
    # only the step, the report's cohort and erasure read the table: not the scorer, not an HR page about a person
    readers = {str(p.relative_to(REPO)) for folder in ("bot", "handlers", "jobs", "scoring")
               for p in (REPO / folder).rglob("*.py")
               if "SelfDeclared" in p.read_text(encoding="utf-8") and "migrations" not in p.parts}
    assert readers == READERS

    done = client.get(f"{base}/fairness").json
    assert done["declared"] is True
    assert client.post(f"{base}/fairness/withdraw", json={}).status_code == 400  # the confirm step
    withdrawn = client.post(f"{base}/fairness/withdraw", json={"confirm": True})
    assert withdrawn.status_code == 200 and not SelfDeclared.select().exists()
    assert Consent.get(Consent.kind == "fairness").withdrawn_at is not None
    assert AuditLog.get(AuditLog.action == "fairness_withdraw").detail == {"interviews": 1}
    assert client.get(f"{base}/fairness").json == {**done, "declared": False, "ask": False}


def test_a_refusal_stores_nothing_and_is_remembered_erasure_deletes(stack):
    import dataclasses

    from bot.privacy import erasure, self_declared
    from bot.store.models import Consent, Interview, Invitation, Position, SelfDeclared

    link = invite_member(stack)
    client, base = stack.app.test_client(), f"/h5/api/{token_of(link)}"
    consent(client, base)
    first = Invitation.get()
    off = dataclasses.replace(stack.settings, fairness_questions=False)  # the company does not ask: never asked
    assert self_declared.state(first, first.interviews.get(), off)["ask"] is False
    assert self_declared.state(first, first.interviews.get(), stack.settings)["ask"] is True
    no = client.post(f"{base}/fairness", json={"answers": None, **notice(client, base)})
    assert no.status_code == 200 and no.json == {"declared": False}
    assert not SelfDeclared.select().exists()
    assert [(c.kind, c.version) for c in Consent.select().where(Consent.kind.startswith("fairness"))] == \
        [("fairness_no", "fairness-v1")]
    assert client.get(f"{base}/fairness").json["ask"] is False

    # a later interview of the same candidate: not asked again
    another = Position.create(slug="lobby", title="大堂经理")
    later = Invitation.create(position=another, candidate=first.candidate, invited_by="hr_li",
                              expires_at=dt.datetime(2099, 1, 1))
    interview = Interview.create(invitation=later, consent_at=dt.datetime(2026, 1, 1))
    assert self_declared.state(later, interview, stack.settings)["ask"] is False

    other = invite_member(stack, "lisi")  # 不愿透露 for everything is a refusal too; a declaration is erased
    client2, base2 = stack.app.test_client(), f"/h5/api/{token_of(other)}"
    consent(client2, base2)
    everything_withheld = {"gender": "undisclosed", "age_band": "undisclosed"}
    assert client2.post(f"{base2}/fairness", json={"answers": everything_withheld, **notice(client2, base2)}) \
        .json == {"declared": False}
    lisi = Invitation.get(Invitation.id != first.id, Invitation.id != later.id)
    SelfDeclared.create(interview=lisi.interviews.get(), attributes={"age_band": "30_34"})
    done = erasure.erase(lisi.candidate_id, "hr", "admin_sun", "erase-lisi")
    assert done.summary["self_declared"] == 1 and not SelfDeclared.select().exists()
