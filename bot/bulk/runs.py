"""Bulk invitations: a recruiter's sheet → screened rows → invitations sent in the background, resumable.

A run is rows in the database. `run_chunk` takes the next pending rows, opens each candidate's invitation
(unique per position and candidate, so a row processed twice — after a crash, or by two workers — is still
one invitation) and queues its card through the outbox (one key per invitation, so one message), then marks
the rows and queues the next chunk. A row whose candidate has opted out (退订) opens nothing: it is reported with
when and how they opted out. Delivery goes through the rate limiter like every other message. The
scheduler's `bulk_watch` posts progress to the recruiter ("送达 3500/10000，失败 12") at most once a minute,
re-queues a run whose chunk job was lost with a killed worker, and, when every invitation has settled,
sends the summary card and a CSV of the rows that failed and why.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections import Counter
from typing import Any

import peewee as pw

from bot.bulk import id_numbers
from bot.clock import CN_TZ, local_time, utcnow
from bot.errors import WeComError
from bot.invitations import reach
from bot.invitations.invites import find_position, no_position, open_invitation, queue_card
from bot.links import failures_link, invitation_link, upload_link
from bot.org import names
from bot.org.access import access_of
from bot.privacy import optout
from bot.privacy.cells import safe_cell
from bot.privacy.roles import ADMIN, HR_LEAD, RECRUITER
from bot.queues import COMMANDS, enqueue
from bot.store.db import database, db_session
from bot.store.models import AuditLog, BulkItem, BulkRun, Candidate, Invitation, OutboundMessage, Position
from bot.wecom import messages, notify, outbox
from bot.wecom.cards import clip, task_id, template_card
from bot.wecom.delivery import deliver, wecom
from config.settings import get_settings

log = logging.getLogger(__name__)

CHUNK = 200
PROGRESS_SECONDS = 60        # a progress message at most this often
STALL_SECONDS = 120          # a running run with pending rows and no chunk done for this long is re-queued
# how a candidate opted out (bot/privacy/optout.py SOURCES), in the words of the summary file's reasons
OPTED_OUT_BY = {"email_link": "邮件中的退订链接", "one_click": "邮件一键退订", "chat": "聊天中回复退订",
                "api": "经开放接口登记", "hr": "HR 代为登记", "sms": "短信回复退订或号码在运营商黑名单"}


def start(position: Position, created_by: str, filename: str, rows: list[tuple[int, dict, dict | None]],
          request_key: str, invalid_rows: int, auto_invite: bool = True) -> tuple[BulkRun, bool]:
    """Store a run and its rows (row_no, fields, verdict); queue its first chunk unless the position wants a
    recruiter to look at the screening first (`auto_invite: false`: the run waits paused). A replayed upload
    finds its run."""
    try:
        with database.atomic():
            run = BulkRun.create(position=position, created_by=created_by, filename=clip(filename, 120),
                                 total_rows=len(rows) + invalid_rows, invalid_rows=invalid_rows,
                                 request_key=request_key, progress_at=utcnow(),
                                 status="running" if auto_invite else "paused")
            items = [{"run": run.id, "row_no": row_no, "fields": id_numbers.sealed_fields(fields), "verdict": verdict,
                      "status": "pending" if verdict is None or verdict["passed"] else "screened_out",
                      "reason": "" if verdict is None or verdict["passed"] else "；".join(verdict["reasons"])[:250]}
                     for row_no, fields, verdict in rows]
            for i in range(0, len(items), 500):
                BulkItem.insert_many(items[i:i + 500]).execute()
            screened_out = BulkItem.select().where((BulkItem.run == run) & (BulkItem.status == "screened_out")).count()
            BulkRun.update(screened_out=screened_out).where(BulkRun.id == run.id).execute()
    except pw.IntegrityError:
        return BulkRun.get(BulkRun.request_key == request_key), False
    if auto_invite:
        queue_chunk(run.id, 0)
    return BulkRun.get_by_id(run.id), True


def queue_chunk(run_id: int, after: int) -> None:
    """Queue the chunk of pending rows after item id `after` (the key makes a repeat one job)."""
    enqueue(COMMANDS, "jobs.bulk.run_chunk", run_id, key=f"bulk:{run_id}:{after}")


def candidate_for(fields: dict[str, Any]) -> Candidate:
    """The candidate a row names: by WeCom userid when it has one (a member without a name yet takes the sheet's,
    else the WeCom directory's: bot/org/names.py; a name they have stays), else a new WeChat candidate by name."""
    userid = str(fields.get("wecom_userid") or "").strip()[:64]
    values = {"name": str(fields.get("name") or "")[:64], "phone": str(fields.get("phone") or "")[:32],
              "email": str(fields.get("email") or "")[:128], "source": "bulk"}
    if userid:  # the directory is asked before the row's transaction reads or writes: no lock held meanwhile
        values["name"] = values["name"] or names.member_name(userid)
        try:
            with database.atomic():
                candidate = Candidate.get_or_create(wecom_userid=userid, defaults=values)[0]
        except pw.IntegrityError:
            candidate = Candidate.get(Candidate.wecom_userid == userid)
        return names.fill_name(candidate, values["name"])
    for field in ("phone", "email"):  # the same phone or e-mail is the same person: never invite them twice
        if values[field]:
            found = Candidate.get_or_none(Candidate.lookup(field, values[field])
                                          & Candidate.wecom_userid.is_null())
            if found:
                return found
    return Candidate.create(**values)


def run_chunk(run_id: int) -> str:
    """Invite the next CHUNK pending rows of a running run, then queue the next chunk."""
    settings = get_settings()
    with db_session():
        run = BulkRun.get_or_none(BulkRun.id == run_id)
        if run is None or run.status != "running":
            return run.status if run else "missing"
        # cards an earlier try of this chunk recorded but did not send (it died halfway: a database lock, a kill)
        cards = _unsent_cards(run_id)
        items = list(BulkItem.select().where((BulkItem.run == run_id) & (BulkItem.status == "pending"))
                     .order_by(BulkItem.id).limit(CHUNK))
        cards += [card for item in items if (card := _invite_row(settings, run, item))]
        # Sent right here, one after another through the limiter: a job per card would spend more on job
        # bookkeeping than on WeCom. A card the limiter holds back gets its own delayed job.
        for message_id in cards:
            deliver(message_id)
        BulkRun.update(progress_at=utcnow()).where(BulkRun.id == run_id).execute()
    if items:
        queue_chunk(run_id, items[-1].id)
        return "more"
    return "queued"


def _unsent_cards(run_id: int) -> list[int]:
    """The run's invitation cards recorded but never tried (each row commits its card before the next row)."""
    return [m.id for m in OutboundMessage.select(OutboundMessage.id).join(Invitation)
            .where((Invitation.bulk_run == run_id) & (OutboundMessage.purpose == "invitation")
                   & (OutboundMessage.state == "pending") & (OutboundMessage.attempts == 0))
            .order_by(OutboundMessage.id).limit(CHUNK)]


def _invite_row(settings, run: BulkRun, item: BulkItem) -> int | None:
    """Open the row's invitation and record its card; return the card's message id when it is to be sent."""
    card = None
    with database.atomic():
        candidate = candidate_for(item.fields)
        if optout.is_unsubscribed(candidate):  # nothing may reach them: no invitation, the row says why
            BulkItem.update(status="unsubscribed", reason=opted_out(candidate)).where(BulkItem.id == item.id).execute()
            return None
        invitation, is_new = open_invitation(run.position, candidate, run.created_by)
        if is_new:
            Invitation.update(bulk_run=run.id).where(Invitation.id == invitation.id).execute()
            invitation = Invitation.get_by_id(invitation.id)
        status = "queued" if is_new or invitation.status == "created" else "existing"
        if status == "queued":
            if candidate.wecom_userid or notify.route(invitation, "invitation") in ("sms", "email"):
                card = queue_card(settings, run.position, invitation, later=False)
            else:  # no WeCom account, no phone or e-mail that works: the link in the summary file to pass on
                Invitation.update(status="failed", channel="wechat").where(Invitation.id == invitation.id).execute()
        BulkItem.update(status=status, invitation=invitation.id).where(BulkItem.id == item.id).execute()
    return card


def opted_out(candidate: Candidate) -> str:
    """Why a candidate is not invited: they opted out, how and when (the part before "；" is what the summary card
    counts)."""
    how = OPTED_OUT_BY.get(candidate.unsubscribe_source or "", "")
    return f"候选人已退订招聘消息{f'（{how}）' if how else ''}；退订于 {local_time(candidate.unsubscribed_at)}"


def control(run_id: int, action: str, userid: str) -> str:
    """Pause, resume or cancel a run (only its recruiter or HR); cancelling stops what has not gone out yet."""
    settings = get_settings()
    with db_session():
        run = BulkRun.get_or_none(BulkRun.id == run_id)
        if run is None or (userid != run.created_by and userid not in settings.hr_userids):
            return "missing"
        if action == "pause":
            changed = BulkRun.update(status="paused").where((BulkRun.id == run_id) & (BulkRun.status == "running"))
        elif action == "resume":
            changed = BulkRun.update(status="running").where((BulkRun.id == run_id) & (BulkRun.status == "paused"))
        else:
            changed = BulkRun.update(status="cancelled").where(
                (BulkRun.id == run_id) & BulkRun.status.in_(["running", "paused"]))
        if not changed.execute():
            return run.status
        if action == "resume":
            queue_chunk(run_id, -1)
        if action == "cancel":
            _cancel_rest(run_id)
    return {"pause": "paused", "resume": "running", "cancel": "cancelled"}[action]


OVERRIDERS = (RECRUITER, HR_LEAD, ADMIN)  # a position's recruiters and those above them; not its interviewers
OVERRIDE_LIST = 50  # screened-out rows the upload page lists per run


def may_override(settings, userid: str, run: BulkRun) -> bool:
    """Whether the member may invite the run's screened-out rows anyway: a recruiter (or lead, admin) of its
    position, by the organisation's scoping (a recruiter of another unit may not)."""
    return access_of(settings, userid).role_for(run.position) in OVERRIDERS


def override(run_id: int, userid: str, row_no: int | None = None) -> tuple[str, int]:
    """「仍然邀请」: a screened-out row (or, with no row, every screened-out row of the run) becomes a row to invite,
    each audited with who overrode which rule; the run then invites it as any passing row (a finished run runs
    again, a paused one invites it on resume). Return (outcome, rows): missing | forbidden | cancelled | none |
    running | paused."""
    settings = get_settings()
    with db_session():
        run = BulkRun.get_or_none(BulkRun.id == run_id)
        if run is None:
            return "missing", 0
        if not may_override(settings, userid, run):
            return "forbidden", 0
        if run.status == "cancelled":
            return "cancelled", 0
        where = (BulkItem.run == run_id) & (BulkItem.status == "screened_out")
        if row_no is not None:
            where &= BulkItem.row_no == row_no
        with database.atomic():
            items = []
            for item in BulkItem.select().where(where):  # each taken once: a second click changes nothing
                verdict = {**(item.verdict or {}), "overridden_by": userid, "overridden_at": utcnow().isoformat()}
                if BulkItem.update(status="pending", reason="", verdict=verdict).where(
                        (BulkItem.id == item.id) & (BulkItem.status == "screened_out")).execute():
                    items.append(item)
            audit = [{"actor": userid, "action": "screening_override", "target_type": "bulk_item",
                      "target_id": f"{run_id}:{item.row_no}",
                      "detail": {"run": run_id, "row": item.row_no, "position": run.position_id,
                                 "scope": "row" if row_no is not None else "run",
                                 "overridden": _failed_rules(item.verdict)}} for item in items]
            for i in range(0, len(audit), 500):
                AuditLog.insert_many(audit[i:i + 500]).execute()
            BulkRun.update(screened_out=BulkRun.screened_out - len(items)).where(BulkRun.id == run_id).execute()
            if items and run.status == "done":
                BulkRun.update(status="running", finished_at=None, progress_at=utcnow()).where(
                    BulkRun.id == run_id).execute()
        if not items:
            return "none", 0
        status = BulkRun.get_by_id(run_id).status
        if status == "running":
            queue_chunk(run_id, -int(utcnow().timestamp()))  # a fresh key: the first chunk's job may be kept
        return ("paused" if status == "paused" else "running"), len(items)


def _failed_rules(verdict: dict | None) -> list[str]:
    """The rules a screened-out row failed (a verdict's reasons are its failures, then notes that end in points or
    say a major is unrelated)."""
    return [r for r in (verdict or {}).get("reasons", [])
            if not r.endswith(")") and "不直接相关" not in r][:10]


def screened_out(run_id: int, limit: int = OVERRIDE_LIST) -> list[BulkItem]:
    """The run's screened-out rows (the first `limit`), for the page's 「仍然邀请」 list."""
    return list(BulkItem.select().where((BulkItem.run == run_id) & (BulkItem.status == "screened_out"))
                .order_by(BulkItem.row_no).limit(limit))


def _cancel_rest(run_id: int) -> None:
    with database.atomic():
        BulkItem.update(status="skipped", reason="批量邀请已取消").where(
            (BulkItem.run == run_id) & (BulkItem.status == "pending")).execute()
        waiting = Invitation.select(Invitation.id).where((Invitation.bulk_run == run_id)
                                                         & (Invitation.status == "created"))
        OutboundMessage.update(state="failed", last_error="cancelled by the recruiter").where(
            OutboundMessage.invitation.in_(waiting) & OutboundMessage.state.in_(["pending", "deferred"])).execute()
        Invitation.update(status="cancelled").where((Invitation.bulk_run == run_id)
                                                    & (Invitation.status == "created")).execute()


def counts(run_id: int) -> dict[str, int]:
    """Where a run stands: rows to invite, queued, delivered, failed, already invited, screened out, skipped.
    Delivered and failed are bot/invitations/reach.py's, as everywhere else HR reads them."""
    rows = dict(BulkItem.select(BulkItem.status, pw.fn.COUNT(BulkItem.id)).where(BulkItem.run == run_id)
                .group_by(BulkItem.status).tuples())
    tally = reach.tally(Invitation.bulk_run == run_id)
    return {"target": sum(rows.get(s, 0) for s in ("pending", "queued", "existing")),
            "pending": rows.get("pending", 0), "existing": rows.get("existing", 0),
            "delivered": tally["delivered"], "failed": tally["failed"],
            "settled": tally["invited"] - tally["in_flight"],
            "invited": tally["invited"], "screened_out": rows.get("screened_out", 0),
            "skipped": rows.get("skipped", 0), "unsubscribed": rows.get("unsubscribed", 0)}


def watch() -> int:
    """The scheduler's tick over running runs: progress, lost chunks, and the summary when done."""
    with db_session():
        ids = [r.id for r in BulkRun.select(BulkRun.id).where(BulkRun.status.in_(["running", "cancelled"])
                                                               & BulkRun.finished_at.is_null())]
    for run_id in ids:
        watch_run(run_id)
    return len(ids)


def watch_run(run_id: int) -> str:
    """Check one run: re-queue a stalled one, post progress, finish it."""
    settings = get_settings()
    now = utcnow()
    with db_session():
        run = BulkRun.get_by_id(run_id)
        c = counts(run_id)
        if run.status == "running" and c["pending"] and run.progress_at < now - dt.timedelta(seconds=STALL_SECONDS):
            log.warning("bulk run %s stalled; re-queueing its next chunk", run_id)
            queue_chunk(run_id, int(now.timestamp()))  # a fresh key: the lost job's id may still be taken
        done = not c["pending"] and c["settled"] >= c["invited"]
        if done and run.status in ("running", "cancelled"):
            finished = (BulkRun.update(finished_at=now, status="done" if run.status == "running" else run.status)
                        .where((BulkRun.id == run_id) & BulkRun.finished_at.is_null()).execute())
            if finished:
                _summary(settings, run, c)
            return "done"
        due = run.progress_at is None or run.progress_at < now - dt.timedelta(seconds=PROGRESS_SECONDS)
        handled = c["delivered"] + c["failed"]
        if due and handled != run.progress_done:
            BulkRun.update(progress_done=handled, progress_at=max(run.progress_at or now, now)).where(
                BulkRun.id == run_id).execute()
            notify.to_hr(run.created_by, "bulk_progress", f"bulk:{run_id}:progress:{handled}",
                         id=run_id, done=c["delivered"], total=c["target"], failed=c["failed"],
                         channels=channel_counts(settings, run_id))
    return "running"


def channel_counts(settings, run_id: int) -> str:
    """How many of the run's invitations reached their candidate over each channel: "短信 620 · 邮件 300"."""
    return " · ".join(f"{messages.render(f'card_channel_{channel}', settings.hr_locale)} {count}"
                      for channel, count in reach.by_channel(Invitation.bulk_run == run_id))


def _summary(settings, run: BulkRun, c: dict[str, int]) -> None:
    """The final card (numbers, the commonest reasons, a link to download every failed row) and the same CSV
    as a file in chat."""
    locale = settings.hr_locale
    failures = failure_rows(settings, run)
    reasons = Counter(row[4].split("；")[0][:40] for row in failures[1:] if row[4])
    lines = [messages.render("bulk_done", locale, id=run.id, position=run.position.title, total=run.total_rows,
                             delivered=c["delivered"], existing=c["existing"], failed=c["failed"],
                             invalid=run.invalid_rows, screened_out=c["screened_out"], skipped=c["skipped"],
                             unsubscribed=c.get("unsubscribed", 0), attachment=len(failures) > 1)]
    lines += [f"· {reason}：{count}" for reason, count in reasons.most_common(3)]
    if shown := channel_counts(settings, run.id):
        lines.append(messages.render("bulk_channels", locale, channels=shown))
    fields = [{"keyname": messages.render(f"bulk_n_{name}", locale), "value": str(value)} for name, value in (
        ("delivered", c["delivered"]), ("failed", c["failed"]), ("invalid", run.invalid_rows),
        ("screened", c["screened_out"]), ("existing", c["existing"]))]
    payload = template_card(run.created_by, "text_notice", locale, settings.company_name,
                    messages.render("bulk_card_title", locale, id=run.id), run.position.title, "\n".join(lines),
                    fields, failures_link(settings, run.id), task_id(f"bulk{run.id}"))
    outbox.send(f"bulk:{run.id}:done", payload, purpose="hr")
    if len(failures) > 1:
        _send_file(run, failures)


def failure_rows(settings, run: BulkRun) -> list[list[str]]:
    """Every row of the run that did not end in an invitation sent, with why (the summary file's rows)."""
    rows = [["行号", "姓名", "手机", "状态", "原因", "面试链接（请转给候选人）"]]
    query = (BulkItem.select(BulkItem, Invitation).join(Invitation, pw.JOIN.LEFT_OUTER)
             .where(BulkItem.run == run.id).order_by(BulkItem.row_no))
    for item in query:
        invitation = item.invitation
        failed = (invitation is not None and not reach.was_delivered(invitation)
                  and invitation.status in ("failed", "cancelled", "expired"))
        if item.status in ("screened_out", "skipped", "invalid", "unsubscribed") or failed:
            reason = item.reason or (_delivery_reason(invitation) if invitation else "")
            link = invitation_link(settings, invitation) if failed and invitation.status == "failed" else ""
            rows.append([str(item.row_no), str(item.fields.get("name", "")), str(item.fields.get("phone", "")),
                         item.status if not failed else invitation.status, reason, link])
    return rows


def _delivery_reason(invitation: Invitation) -> str:
    if invitation.channel == "wechat":
        return "候选人没有企业微信账号：请把面试链接转给候选人"
    if optout.is_unsubscribed(invitation.candidate):  # meanwhile: the SMS provider reported the number unsubscribed
        return opted_out(invitation.candidate)
    message = (OutboundMessage.select(OutboundMessage.last_error).where(OutboundMessage.invitation == invitation)
               .order_by(OutboundMessage.id.desc()).first())
    return (message.last_error if message else "")[:200]


def csv_bytes(rows: list[list[str]]) -> bytes:
    """CSV that Excel opens with the Chinese intact (UTF-8 with a BOM) and runs none of the candidates' text."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _send_file(run: BulkRun, rows: list[list[str]]) -> None:
    data = csv_bytes(rows)
    stamp = dt.datetime.now(CN_TZ).strftime("%Y%m%d")
    name = f"批量邀请{run.id}-未成功-{stamp}.csv"
    try:
        media = wecom().media.upload("file", (name, io.BytesIO(data), "text/csv"))
    except WeComError as exc:
        log.error("bulk run %s: failure file not uploaded: %s", run.id, exc)
        return
    payload = {"touser": run.created_by, "msgtype": "file", "file": {"media_id": media["media_id"]}}
    outbox.send(f"bulk:{run.id}:file", payload, purpose="hr")


def command(action: str, ref: str | int, userid: str, key: str) -> str:
    """/bulk <岗位> sends the upload link; /bulk status|pause|resume|cancel <id> acts on a run."""
    settings = get_settings()
    locale = settings.hr_locale
    with db_session():
        if action == "start":
            position = find_position(str(ref))
            if position is None:
                template, values = no_position(str(ref))
                notify.to_hr(userid, template, f"{key}:no-position", **values)
                return "no-position"
            notify.to_hr(userid, "bulk_prompt", f"{key}:prompt", position=position.title,
                         link=upload_link(settings, userid, position.id))
            return "prompted"
        if action == "invite":
            return _invite_command(str(ref), userid, key)
        run = BulkRun.get_or_none(BulkRun.id == int(ref))
        if run is None or (userid != run.created_by and userid not in settings.hr_userids):
            notify.to_hr(userid, "bulk_usage", f"{key}:usage")
            return "missing"
        if action != "status":
            control(run.id, action, userid)
        run = BulkRun.get_by_id(run.id)
        c = counts(run.id)
        text = messages.render("bulk_status", locale, id=run.id, status=STATUS_WORDS.get(run.status, run.status),
                               position=run.position.title, done=c["delivered"], total=c["target"],
                               failed=c["failed"], pending=c["pending"])
    notify.to_hr_text(userid, text, f"{key}:status")
    return run.status


def _invite_command(ref: str, userid: str, key: str) -> str:
    """/bulk invite <编号> <行号|all>: 「仍然邀请」 from chat, as the upload page's button."""
    run_ref, _, row_ref = ref.partition(":")
    row_no = None if row_ref == "all" else int(row_ref)
    outcome, rows = override(int(run_ref), userid, row_no)
    notify.to_hr_text(userid, messages.render("bulk_override", get_settings().hr_locale, outcome=outcome,
                                              rows=rows, id=run_ref, row=row_no or ""), f"{key}:override")
    return outcome


STATUS_WORDS = {"running": "进行中", "paused": "已暂停", "cancelled": "已取消", "done": "已完成"}
