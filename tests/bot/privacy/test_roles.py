"""Roles (admin, HR lead, recruiter, interviewer): what each sees and may do on the HR pages, ID numbers masked
by role, HR leads in chat, and the audit log page with its filters, pages and CSV — itself audited."""
from __future__ import annotations

import csv
import io

import pytest

from tests.support.chat import cards, click, texts
from tests.support.h5 import reported
from tests.support.hr import csrf, login

pytestmark = pytest.mark.sqlite_only  # what each role sees (other modules cover PostgreSQL)

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def lead(monkeypatch):
    """hr_zhou is an HR lead (set before the stack reads the settings)."""
    monkeypatch.setenv("HR_LEADS", "hr_zhou")
    return "hr_zhou"


@pytest.fixture
def report_id(stack) -> int:
    """A scored interview whose candidate came from a bulk sheet row with an ID number."""
    from bot.store.models import BulkItem, BulkRun, Candidate, Position, Report

    reported(stack)
    report = Report.get()
    invitation = report.interview.invitation
    Candidate.update(name="张三丰", phone="13812345678", email="zhangsan@example.com").execute()
    run = BulkRun.create(position=Position.get(), created_by="hr_li", request_key="sheet-1")
    BulkItem.create(run=run, row_no=2, fields={"name": "张三丰", "id_number": ID_NUMBER}, status="done",
                    invitation=invitation)
    return report.id


def test_role_precedence_and_permissions(env):
    import dataclasses

    from bot.privacy.roles import PERMISSIONS, ROLES, can, role_of

    settings = dataclasses.replace(env, admin_userids=frozenset({"a"}), hr_leads=frozenset({"l", "a"}),
                                   hr_userids=frozenset({"r", "l"}), hr_viewers=frozenset({"i", "r"}))
    assert [role_of(settings, u) for u in ("a", "l", "r", "i", "x")] == \
        ["admin", "hr_lead", "recruiter", "interviewer", None]  # the highest list wins
    table = {p: [r for r in ROLES if can(r, p)] for p in PERMISSIONS}
    assert table == {"see_contacts": ["admin", "hr_lead", "recruiter"], "see_id_number": ["admin", "hr_lead"],
                     "play_recordings": ["admin", "hr_lead", "recruiter"], "decide": ["admin", "hr_lead", "recruiter"],
                     "read_audit": ["admin", "hr_lead"], "read_fairness": ["admin", "hr_lead"], "erase": ["admin"],
                     "end_sessions": ["admin"], "performance": ["admin", "hr_lead", "recruiter"]}
    assert not any(can(None, p) for p in PERMISSIONS)
    assert settings.recruiters == {"r", "l", "a"}  # chat commands, card taps: HR_USERIDS + HR_LEADS ("a" is on both)


def test_each_role_sees_what_it_may(lead, stack, report_id):
    pages = {user: login(stack, user).get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
             for user in ("admin_sun", lead, "hr_li", "mgr_zhao")}
    for user in ("admin_sun", lead):  # everything, the ID number whole
        assert "张三丰" in pages[user] and "13812345678" in pages[user] and ID_NUMBER in pages[user]
        assert 'value="pass"' in pages[user] and "审计日志" in pages[user]
    recruiter = pages["hr_li"]  # contacts whole, the ID number masked, no audit log
    assert "张三丰" in recruiter and "13812345678" in recruiter and ID_NUMBER not in recruiter
    assert "110" + "*" * 11 + "002X" in recruiter and 'value="pass"' in recruiter and "审计日志" not in recruiter
    interviewer = pages["mgr_zhao"]  # everything masked, no decisions
    for secret in ("张三丰", "13812345678", "zhangsan@example.com", ID_NUMBER, "1949"):
        assert secret not in interviewer
    assert "110" + "*" * 11 + "002X" in interviewer and 'value="pass"' not in interviewer
    assert "面试官" in interviewer and "招聘负责人" in pages[lead] and "管理员" in pages["admin_sun"]


def test_an_hr_lead_runs_recruiter_commands_in_chat(lead, stack):
    stack.say(lead, "/positions")
    stack.drain()
    replies = texts(stack, lead)
    assert replies and "柜员" in replies[-1] and "无权" not in replies[-1]


def test_the_audit_log_is_for_leads_and_admins_and_is_itself_audited(lead, stack, report_id):
    from bot.store.models import AuditLog

    login(stack, "hr_li").get(f"{stack.base}/hr/reports/{report_id}", timeout=30)
    for user in ("hr_li", "mgr_zhao"):
        refused = login(stack, user).get(f"{stack.base}/hr/audit", timeout=30)
        assert refused.status_code == 403 and "无权" in refused.text
        assert login(stack, user).get(f"{stack.base}/hr/audit.csv", timeout=30).status_code == 403
    admin = login(stack, "admin_sun")
    page = admin.get(f"{stack.base}/hr/audit", timeout=30)
    assert page.status_code == 200 and "查看报告" in page.text and f'href="/hr/reports/{report_id}"' in page.text
    only = admin.get(f"{stack.base}/hr/audit", params={"actor": "hr_li", "action": "view_report"}, timeout=30).text
    assert only.count("<tr><td") == 1
    # bad filters get a clear 400, never a traceback
    for params in ({"actor": "x" * 65}, {"actor": "a b"}, {"since": "2026-13-01"}, {"before": "abc"},
                   {"action": "'; DROP TABLE audit_log; --"}):
        bad = admin.get(f"{stack.base}/hr/audit", params=params, timeout=30)
        assert bad.status_code == 400, params
    exported = login(stack, lead).get(f"{stack.base}/hr/audit.csv", params={"action": "view_report"}, timeout=30)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "时间", "成员"] and {r[2] for r in rows[1:]} == {"hr_li"}
    assert AuditLog.select().where(AuditLog.action == "view_audit", AuditLog.actor == "admin_sun").count() >= 2
    assert AuditLog.get(AuditLog.action == "export_audit").actor == lead


def test_audit_pages_page_by_id_and_keep_their_place(stack):
    import re

    from bot.store.models import AuditLog

    AuditLog.insert_many([{"actor": "hr_li", "action": "export", "target_type": "bulk_run", "target_id": str(i)}
                          for i in range(230)]).execute()
    admin = login(stack, "admin_sun")
    seen: list[str] = []
    params = {"action": "export"}
    for _ in range(3):
        page = admin.get(f"{stack.base}/hr/audit", params=params, timeout=30).text
        seen += re.findall(r"bulk_run (\d+)</td>", page)
        AuditLog.create(actor="hr_li", action="export", target_type="bulk_run", target_id="new")  # arrives meanwhile
        more = re.search(r"before=(\d+)", page)
        if not more:
            break
        params["before"] = more.group(1)
    assert seen == [str(i) for i in range(229, -1, -1)]  # every row once, newest first, nothing shifted


def test_id_numbers_from_sheets_are_stored_encrypted_and_reseal_under_a_new_key(env, monkeypatch):
    import base64
    import secrets

    from bot.bulk import id_numbers
    from bot.bulk import runs as bulk
    from bot.clock import utcnow
    from bot.store.db import database
    from bot.store.models import BulkItem, Candidate, Invitation, Position
    from config.settings import get_settings

    position = Position.get()
    run, _ = bulk.start(position, "hr_li", "名单.csv", [(2, {"name": "张三丰", "id_number": ID_NUMBER}, None)],
                        "sheet-1", 0, auto_invite=False)
    candidate = Candidate.create(name="张三丰")
    invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li", expires_at=utcnow())
    BulkItem.update(invitation=invitation).execute()
    raw = database.execute_sql(f"SELECT fields FROM {BulkItem._meta.table_name}").fetchone()[0]
    assert ID_NUMBER not in raw and "19491231" not in raw and "sealed:" in raw
    assert id_numbers.id_number_of(invitation.id) == ID_NUMBER
    old = env.recording_keys
    new_key = ("k2", secrets.token_bytes(32))
    monkeypatch.setenv("RECORDING_KEYS", ",".join(f"{k}:{base64.b64encode(v).decode()}" for k, v in (new_key, *old)))
    get_settings.cache_clear()
    assert id_numbers.reseal_id_numbers() == 1 and id_numbers.reseal_id_numbers() == 0  # once, then nothing left to do
    monkeypatch.setenv("RECORDING_KEYS", f"k2:{base64.b64encode(new_key[1]).decode()}")  # the old key dropped
    get_settings.cache_clear()
    assert id_numbers.id_number_of(invitation.id) == ID_NUMBER


def test_an_admin_erases_a_candidate_from_the_report_page(stack, report_id):
    from bot.store.models import AuditLog, Candidate, Decision, ErasureRequest, Report

    admin = login(stack, "admin_sun")
    page = admin.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert "删除个人信息（管理员）" in page
    recruiter = login(stack, "hr_li")
    recruiter_page = recruiter.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert "删除个人信息（管理员）" not in recruiter_page
    url = f"{stack.base}/hr/reports/{report_id}/erase"
    refused = recruiter.post(url, data={"csrf": csrf(recruiter_page), "confirm": "确认删除"}, timeout=30)
    assert refused.status_code == 403
    assert admin.post(url, data={"csrf": csrf(page), "confirm": "删除"}, timeout=30).status_code == 400
    assert admin.post(url, data={"confirm": "确认删除"}, timeout=30).status_code in (400, 403)  # no CSRF token
    assert ErasureRequest.select().count() == 0
    done = admin.post(url, data={"csrf": csrf(page), "confirm": "确认删除"}, timeout=30)
    assert done.status_code == 200 and "已提交删除" in done.text
    admin.post(url, data={"csrf": csrf(page), "confirm": "确认删除"}, timeout=30)  # again: the same request
    stack.drain()
    assert ErasureRequest.select().count() == 1 and ErasureRequest.get().state == "done"
    candidate = Candidate.get()
    assert candidate.erased_at is not None and candidate.name == "" and candidate.phone == ""
    after = admin.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert "张三丰" not in after and "13812345678" not in after and "删除个人信息（管理员）" not in after
    assert Report.get_by_id(report_id).total > 0  # the numbers stay
    assert "进入复试" not in after and "不再作出决定" in after

    # An old result card tapped, or the page's form posted from a tab left open: no decision, HR told why.
    [card] = cards(stack, "hr_li")
    click(stack, "hr_li", card, "pass")
    stale = recruiter.post(f"{stack.base}/hr/reports/{report_id}/decision",
                           data={"csrf": csrf(recruiter_page), "outcome": "reject"}, timeout=30)
    assert stale.status_code == 200 and "无法再作出决定" in stale.text
    stack.drain()
    assert Decision.select().count() == 0
    assert len([t for t in texts(stack, "hr_li") if "无法再作出决定" in t]) == 2
    import requests

    from bot.integrations.tokens import create_token

    interview_id = Report.get_by_id(report_id).interview_id
    api = requests.post(f"{stack.base}/api/v1/decisions", timeout=30,
                        json={"interview_id": interview_id, "outcome": "pass", "by": "hr_li"},
                        headers={"Authorization": f"Bearer {create_token('ats', 'full')[1]}", "Idempotency-Key": "e1"})
    assert api.status_code == 409 and api.json()["error"]["code"] == "candidate_erased"
    assert Decision.select().count() == 0
    assert AuditLog.select().where(AuditLog.action == "erasure_request", AuditLog.actor == "admin_sun").count() == 2
