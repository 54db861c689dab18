"""The audit log, for HR leads and admins: who viewed, exported, decided, tagged, erased what, and when.

Filters by member, action, target and day; newest first in pages of 100 (a cursor on the id, so a page never
shifts while new rows arrive); CSV of the filtered rows. Reading the log is itself logged.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request

from bot.clock import CN_TZ, local_time
from bot.privacy.cells import safe_cell
from bot.store.db import db_session
from bot.store.models import AuditLog
from handlers.hr.auth import hr_page, requires

bp = Blueprint("hr_audit", __name__)

PAGE = 100
EXPORT_MAX = 50_000
TOKEN = re.compile(r"[\w.:@-]{1,64}")
# The actions a person looks for, in words; anything else is shown as its code.
ACTIONS = {
    "hr_login": "登录", "hr_login_refused": "登录被拒", "view_report": "查看报告", "play_recording": "播放录音录像",
    "export": "导出", "decide:pass": "决定：进入复试", "decide:hold": "决定：待定", "decide:reject": "决定：不通过",
    "add_note": "添加备注", "compare": "对比", "cancel": "取消邀请", "decline": "候选人婉拒", "tag_add": "添加标签",
    "tag_remove": "移除标签",
    "invite": "邀请", "pool_search": "人才库搜索", "pool_withdraw": "退出人才库", "review_request": "申请人工复核",
    "reopen_decision": "重新打开决定",
    "erase": "删除个人信息", "erasure_request": "申请删除", "retention": "到期删除", "view_audit": "查看审计日志",
    "export_audit": "导出审计日志", "reschedule": "改期", "extend": "延期", "sessions_ended": "结束登录会话",
    "chat_forward": "候选人留言转人工", "chat_reply": "回复候选人", "position.version": "岗位新版本",
    "position.created": "新建岗位", "position.status": "岗位状态变更", "position.export": "导出岗位 YAML",
    "unsubscribe": "候选人退订消息",
    "view_fairness": "查看公平性报告", "export_fairness": "导出公平性报告", "fairness_withdraw": "候选人撤回公平性信息",
}


def _filters() -> tuple[dict[str, str], list[Any]]:
    """The query's filters, checked: member, action, target type/id, from/to days (Beijing dates)."""
    values = {k: (request.args.get(k) or "").strip() for k in ("actor", "action", "target_type", "target_id",
                                                                "since", "until")}
    where: list[Any] = []
    for key, column in (("actor", AuditLog.actor), ("action", AuditLog.action),
                        ("target_type", AuditLog.target_type), ("target_id", AuditLog.target_id)):
        if values[key]:
            if not TOKEN.fullmatch(values[key]):
                abort(400, description=f"筛选条件「{key}」的格式不对。")
            where.append(column == values[key])
    for key, op in (("since", "ge"), ("until", "lt")):
        if values[key]:
            try:
                day = dt.date.fromisoformat(values[key])
            except ValueError:
                abort(400, description="日期格式应为 2026-11-25。")
            if key == "until":
                day += dt.timedelta(days=1)  # inclusive of the whole last day
            start = dt.datetime.combine(day, dt.time(), CN_TZ).astimezone(dt.UTC).replace(tzinfo=None)
            where.append(AuditLog.created_at >= start if op == "ge" else AuditLog.created_at < start)
    return values, where


def _query(where: list[Any]) -> Any:
    query = AuditLog.select().order_by(AuditLog.id.desc())
    for clause in where:
        query = query.where(clause)
    return query


def _row(entry: AuditLog) -> dict[str, Any]:
    return {"id": entry.id, "at": local_time(entry.created_at), "actor": entry.actor, "action": entry.action,
            "action_label": ACTIONS.get(entry.action, entry.action), "target_type": entry.target_type,
            "target_id": entry.target_id,
            "detail": json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else ""}


@bp.get("/hr/audit")
@hr_page
def audit():
    """One page of the log, newest first."""
    requires("read_audit")
    values, where = _filters()
    before = request.args.get("before", "")
    if before and (not before.isdigit() or len(before) > 12):
        abort(400, description="翻页参数无效。")
    with db_session():
        query = _query(where + ([AuditLog.id < int(before)] if before else []))
        rows = [_row(e) for e in query.limit(PAGE + 1)]
        AuditLog.create(actor=g.userid, action="view_audit", target_type="audit_log",
                        detail={k: v for k, v in values.items() if v})
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("hr/audit.html", rows=rows, values=values, actions=ACTIONS,
                           next_before=rows[-1]["id"] if more else None)


@bp.get("/hr/audit.csv")
@hr_page
def audit_csv():
    """The filtered log as CSV (UTF-8 with BOM), at most 50,000 rows."""
    requires("read_audit")
    values, where = _filters()
    with db_session():
        rows = [_row(e) for e in _query(where).limit(EXPORT_MAX)]
        AuditLog.create(actor=g.userid, action="export_audit", target_type="audit_log",
                        detail={"rows": len(rows), **{k: v for k, v in values.items() if v}})
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["编号", "时间", "成员", "操作", "对象类型", "对象", "详情"])
    for r in rows:
        writer.writerow([r["id"], r["at"], *(safe_cell(r[k]) for k in ("actor", "action_label", "target_type",
                                                                       "target_id", "detail"))])
    stamp = dt.datetime.now(CN_TZ).strftime("%Y%m%d-%H%M")
    return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
                             "Cache-Control": "private, no-store"})
