"""Screening that explains itself (issue 24, item 6): a sheet whose résumé column is not recognised shows how its
columns were read before any run starts, and the recruiter maps the column or confirms; a failed row says what to
change; 「仍然邀请」 invites a screened-out row (or all of a run's), audited and scoped by unit; the match threshold
comes in words (its scale, where this sheet's résumés fall); a template sheet holds every recognised header."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlparse

from tests.support.bulk import member_row
from tests.support.chat import texts

PROGRAMMER = "熟悉 Java 和 Go 后端开发"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


HEADER = ["姓名", "手机", "企业微信ID", "学历", "专业", "工作年限"]


def _link(stack, user: str = "hr_li") -> str:
    stack.say(user, "/bulk 柜员")
    stack.drain()
    prompt = [t for t in texts(stack, user) if "上传「柜员」的候选人名单" in t][-1]
    return urlparse(prompt.rsplit("：", 1)[1]).path


def _post(client, path: str, data: bytes):
    answer = client.post(path, data={"file": (io.BytesIO(data), "名单.csv")}, content_type="multipart/form-data")
    return answer.status_code, answer.get_data(as_text=True)


def _held(body: str) -> str:
    return re.search(r'name="held" value="([0-9a-f]{64})"', body).group(1)


def _mapping_form(held: str, choices: dict[str, str]) -> dict:
    return {"held": held, "header": list(choices), "field": list(choices.values())}


def _cards(stack, user: str) -> list[dict]:
    return [m for m in stack.inbox(user) if m["msgtype"] == "template_card"]


def test_an_unknown_resume_column_shows_the_mapping_and_nothing_starts_until_confirmed(stack):
    from bot.store.models import BulkRun, Invitation

    data = _csv([*HEADER, "候选人自述"], [member_row(i) for i in range(5)])
    path = _link(stack)
    client = stack.app.test_client()
    status, body = _post(client, path, data)
    assert status == 200 and "确认列映射" in body and "已收到" not in body
    assert "姓名 ←「姓名」" in body and "手机号 ←「手机」" in body
    assert "未使用的列：「候选人自述」" in body
    assert "未识别简历列：若「候选人自述」是简历内容，请把列名改为「简历」" in body
    assert "每一行都会因为没有简历内容而筛选不通过" in body and "0.03" in body
    stack.drain()
    assert BulkRun.select().count() == 0 and Invitation.select().count() == 0  # never silently failed

    held = _held(body)
    choices = {h: f for h, f in zip([*HEADER, "候选人自述"], ["name", "phone", "wecom_userid", "education", "major",
                                                            "years", "resume"], strict=True)}
    preview = client.post(f"{path}?action=preview", data=_mapping_form(held, choices)).get_data(as_text=True)
    assert "简历 ←「候选人自述」" in preview and "未使用的列" not in preview and "仍未选择简历列" not in preview
    assert BulkRun.select().count() == 0

    confirmed = client.post(f"{path}?action=confirm", data=_mapping_form(held, choices))
    assert confirmed.status_code == 200 and "按您确认的列映射" in confirmed.get_data(as_text=True)
    stack.drain()
    run = BulkRun.get()
    assert run.screened_out == 0 and run.total_rows == 5
    for i in range(5):
        assert _cards(stack, f"c{i:05d}")
    [explained] = [t for t in texts(stack, "hr_li") if f"批量邀请 {run.id} 的名单是这样读取的" in t]
    assert "简历 ←「候选人自述」" in explained
    assert "范围 0–1" in explained and "本表 5 份简历的中位数" in explained and "前 20% 在" in explained
    # the held sheet is gone once confirmed; confirming it again says so
    again = client.post(f"{path}?action=confirm", data=_mapping_form(held, choices))
    assert again.status_code == 410 and BulkRun.select().count() == 1


def test_a_held_sheet_is_only_its_recruiters(stack):
    from bot.store.models import BulkRun

    _, body = _post(stack.app.test_client(), _link(stack), _csv([*HEADER, "备注"], [member_row(0)]))
    held = _held(body)
    other = stack.app.test_client().post(f"{_link(stack, 'hr_wang')}?action=confirm", data={"held": held})
    assert other.status_code == 410 and "已导入或已过期" in other.get_data(as_text=True)
    stack.drain()
    assert BulkRun.select().count() == 0


def test_confirming_without_a_resume_column_says_in_each_row_what_to_change(stack):
    from bot.store.models import BulkItem, BulkRun

    data = _csv([*HEADER, "备注"], [member_row(i) for i in range(2)])
    path = _link(stack)
    client = stack.app.test_client()
    _, body = _post(client, path, data)
    held = _held(body)
    client.post(f"{path}?action=confirm", data={"held": held})
    stack.drain()
    run = BulkRun.get()
    assert run.screened_out == 2
    for item in BulkItem.select():
        assert item.reason.startswith("没有简历内容：表中没有可识别的简历列，请添加「简历」列")
    page = client.get(path).get_data(as_text=True)
    assert "没有简历内容：表中没有可识别的简历列" in page and page.count(">仍然邀请</button>") == 2


def test_common_names_of_the_resume_column_are_read_without_asking(stack):
    from bot.store.models import BulkRun

    data = _csv([*HEADER, "自我评价/简历摘要"], [member_row(i) for i in range(3)])
    path = _link(stack)
    status, body = _post(stack.app.test_client(), path, data)
    assert status == 200 and "已收到名单" in body and "简历 ←「自我评价/简历摘要」" in body
    stack.drain()
    assert BulkRun.get().screened_out == 0


def _run_with_screened_out(stack, n: int = 2):
    from bot.store.models import BulkRun

    rows = [member_row(0)]
    rows += [[f"周{i}", f"1370000000{i}", f"c0000{i}", "高中", "计算机", "0", PROGRAMMER] for i in range(1, n + 1)]
    path = _link(stack)
    _post(stack.app.test_client(), path, _csv([*HEADER, "简历"], rows))
    stack.drain()
    run = BulkRun.get()
    assert run.screened_out == n and not _cards(stack, "c00001")
    return run, path


def test_a_recruiters_override_invites_a_screened_out_row_and_is_audited(stack):
    from bot.bulk import runs as bulk
    from bot.store.models import AuditLog, BulkItem, BulkRun

    run, path = _run_with_screened_out(stack)
    assert bulk.watch_run(run.id) == "done"
    client = stack.app.test_client()
    page = client.get(path).get_data(as_text=True)
    assert "第 3 行 周1：学历 高中 低于要求的 大专" in page
    answer = client.post(f"{path}?action=invite", data={"run": str(run.id), "row": "3"})
    assert answer.status_code == 200 and "仍然邀请" in answer.get_data(as_text=True)
    stack.drain()
    assert _cards(stack, "c00001") and not _cards(stack, "c00002")
    item = BulkItem.get((BulkItem.run == run.id) & (BulkItem.row_no == 3))
    assert item.status == "queued" and item.invitation is not None and item.verdict["overridden_by"] == "hr_li"
    [audit] = AuditLog.select().where(AuditLog.action == "screening_override")
    assert (audit.actor, audit.target_type, audit.target_id) == ("hr_li", "bulk_item", f"{run.id}:3")
    assert audit.detail["overridden"][0] == "学历 高中 低于要求的 大专" and audit.detail["scope"] == "row"
    assert BulkRun.get_by_id(run.id).screened_out == 1
    # the finished run ran again for it; the row cannot be overridden twice
    assert bulk.override(run.id, "hr_li", 3) == ("none", 0)


def test_a_run_wide_override_from_chat_invites_every_screened_out_row(stack):
    from bot.store.models import AuditLog, BulkRun

    run, _ = _run_with_screened_out(stack, 2)
    stack.say("hr_li", f"/bulk invite {run.id} all")
    stack.drain()
    assert _cards(stack, "c00001") and _cards(stack, "c00002")
    assert any("仍然邀请" in t and "2 行" in t for t in texts(stack, "hr_li"))
    audits = list(AuditLog.select().where(AuditLog.action == "screening_override"))
    assert sorted(a.target_id for a in audits) == [f"{run.id}:3", f"{run.id}:4"]
    assert {a.detail["scope"] for a in audits} == {"run"} and BulkRun.get_by_id(run.id).screened_out == 0


def test_a_recruiter_of_another_unit_cannot_override(stack):
    from bot.bulk import runs as bulk
    from bot.org import units
    from bot.store.models import AuditLog, BulkItem

    units.sync(units.parse({"units": [{"code": "bj", "name": "北京分行", "recruiters": ["bj_zhou"]}]}))
    run, _ = _run_with_screened_out(stack, 1)
    assert bulk.override(run.id, "bj_zhou", 3) == ("forbidden", 0)
    stack.say("bj_zhou", f"/bulk invite {run.id} 3")
    stack.drain()
    assert any("您不是这个岗位的招聘人员" in t for t in texts(stack, "bj_zhou"))
    assert BulkItem.get((BulkItem.run == run.id) & (BulkItem.row_no == 3)).status == "screened_out"
    assert not _cards(stack, "c00001")
    assert not AuditLog.select().where(AuditLog.action == "screening_override").exists()


def test_the_template_sheet_holds_every_recognised_header_and_reads_back(stack):
    from bot.bulk.sheets import FIELDS, read_sheet

    answer = stack.app.test_client().get("/bulk/template.xlsx")
    assert answer.status_code == 200 and answer.data.startswith(b"PK")
    sheet = read_sheet(answer.data, "模板.xlsx")
    assert list(sheet.columns) == list(FIELDS) and not sheet.ignored_columns
    assert len(sheet.rows) == 1 and not sheet.errors and sheet.rows[0].fields["name"] == "张三"


def test_the_threshold_in_words_without_enough_resumes():
    from bot.bulk.mapping import threshold_words

    few = threshold_words({"match_min": 0.03}, [0.1, 0.2])
    assert "范围 0–1" in few and "要求至少 0.03" in few and "对口的简历通常在 0.2–0.45" in few
    many = threshold_words({"match_min": 0.1}, [0.05, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert "本表 6 份简历的中位数 0.25" in many and "前 20% 在 0.40 以上" in many and "1 行低于要求" in many


def test_a_held_sheet_never_confirmed_is_deleted_by_the_bulk_tick_after_a_day(stack):
    import datetime as dt
    import json

    from bot.bulk import imports
    from bot.clock import utcnow
    from bot.store.models import Position
    from bot.store.storage import get_storage

    teller = Position.get(Position.slug == "teller")
    data = _csv([*HEADER, "备注"], [member_row(0)])
    old = imports.hold(stack.settings, data, "hr_li", teller.id, "旧名单.csv")
    fresh = imports.hold(stack.settings, data, "hr_wang", teller.id, "新名单.csv")
    store = get_storage(stack.settings)
    note = {"userid": "hr_li", "position_id": teller.id, "filename": "旧名单.csv",
            "held_at": (utcnow() - dt.timedelta(days=1, minutes=1)).isoformat()}
    store.put(f"imports/{old}.heldnote", json.dumps(note).encode())  # as a hold made a day ago left it
    assert imports.requeue_lost() == 0
    assert imports.held(stack.settings, old, "hr_li", teller.id) is None
    assert sorted(store.list("imports/")) == [f"imports/{fresh}.held", f"imports/{fresh}.heldnote"]
    assert imports.held(stack.settings, fresh, "hr_wang", teller.id).data == data
