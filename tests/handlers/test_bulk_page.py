"""The bulk pages' downloads: the failures CSV needs a signed-in member allowed to see the run, and nothing in it
runs as a formula in a recruiter's spreadsheet."""
from __future__ import annotations

import csv
import io
from urllib.parse import urlparse

import requests

from tests.support.bulk import TELLER, member_row, sheet, upload
from tests.support.hr import login

ATTACKS = ['=cmd|"/c calc"!A1', "+SUM(1,2)", "-2+3", "@SUM(A1)"]


def _finished_run(stack):
    """A run whose failures list names the attackers (screened out) and one candidate to pass on by link."""
    from bot.bulk import runs as bulk
    from bot.store.models import BulkRun

    rows = [member_row(1)]
    rows += [[name, f"1370000000{i}", f"x{i}", "高中", "计算机", "0", "熟悉 Java 和 Go 后端开发"]
             for i, name in enumerate(ATTACKS)]
    rows.append(["孙七", "14000000017", "", "本科", "金融", "2", TELLER])  # no WeCom, 140…: no SMS reaches it
    upload(stack, sheet(rows))
    stack.drain()
    run = BulkRun.get()
    assert bulk.watch_run(run.id) == "done"
    stack.drain()
    [card] = [m["card"] for m in stack.inbox("hr_li") if m["msgtype"] == "template_card"]
    return run, card["card_action"]["url"]


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_failures_link_needs_a_signed_in_member_allowed_to_see_the_run(stack):
    run, link = _finished_run(stack)
    path = urlparse(link).path
    anonymous = requests.get(f"{stack.base}{path}", allow_redirects=False, timeout=30)
    assert anonymous.status_code in (302, 401) and "14000000017" not in anonymous.text
    if anonymous.status_code == 302:
        assert "sandbox" in anonymous.headers["Location"] or "/hr/" in anonymous.headers["Location"]
    owner = login(stack, "hr_li", path).get(f"{stack.base}{path}", timeout=30)
    assert owner.status_code == 200 and "孙七" in owner.content.decode("utf-8-sig")
    admin = login(stack, "admin_sun", path).get(f"{stack.base}{path}", timeout=30)
    assert admin.status_code == 200 and "14000000017" in admin.content.decode("utf-8-sig")
    for outsider in ("hr_wang", "mgr_zhao"):  # another recruiter's run; the masked role never gets names/phones
        refused = login(stack, outsider, path).get(f"{stack.base}{path}", timeout=30)
        assert refused.status_code == 403 and "14000000017" not in refused.text and "孙七" not in refused.text
    assert login(stack, "hr_li", path).get(f"{stack.base}/hr/bulk/{run.id + 1}/failures.csv",
                                           timeout=30).status_code == 404
    from bot.store.models import AuditLog

    assert {a.actor for a in AuditLog.select().where(AuditLog.target_type == "bulk_run")} == {"hr_li", "admin_sun"}


def test_an_old_signed_failures_link_still_asks_for_sign_in(stack):
    from itsdangerous import URLSafeTimedSerializer  # how summary cards signed the link before sign-in

    run, _ = _finished_run(stack)
    token = URLSafeTimedSerializer(stack.settings.secret_key, salt="bulk-failures-v1").dumps({"r": run.id})
    old = requests.get(f"{stack.base}/bulk/failures/{token}.csv", allow_redirects=False, timeout=30)
    assert old.status_code == 302 and old.headers["Location"].endswith(f"/hr/bulk/{run.id}/failures.csv")
    assert "孙七" not in old.text
    assert requests.get(f"{stack.base}/bulk/failures/forged.csv", timeout=30).status_code == 403


def test_formula_cells_are_defused_in_the_failures_file(stack):
    run, link = _finished_run(stack)
    path = urlparse(link).path
    rows = _rows(login(stack, "hr_li", path).get(f"{stack.base}{path}", timeout=30).content)
    names = [row[1] for row in rows[1:]]
    for attack in ATTACKS:
        assert "'" + attack in names and attack not in names
    file = [m for m in stack.inbox("hr_li") if m["msgtype"] == "file"]
    assert file  # the same rows go out as a file in chat, made by the same writer


def test_every_formula_start_is_defused_by_the_csv_writer():
    from bot.bulk.runs import csv_bytes

    cells = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "张三", "", "13800000000"]
    [row] = _rows(csv_bytes([cells]))
    assert row == ["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "'\r=1", "张三", "", "13800000000"]
