"""Candidates' rights in chat and on the H5 page (PIPL Art. 24 and 47): a human review, and deleting their data.

A review request is recorded and put in front of the recruiter at once (once per decision). Deletion from chat is
first stated and confirmed (bot/channels/conversation.py asks, the intent registry says so); the page asks with its
own confirm step. Either records one ErasureRequest (a second request finds the first) and queues `erase_job`, which
runs bot/privacy/erasure.py, tells the candidate it is done (the last message to them, queued while their contacts
still exist, and scrubbed from the outbox once sent) and tells the recruiters who invited them — without a name,
since it is gone.
"""
from __future__ import annotations

import datetime as dt
import logging

from rq import Retry

from bot.clock import local_time, utcnow
from bot.links import invitation_link, report_link
from bot.privacy import erasure
from bot.queues import COMMANDS, DELIVERY, enqueue
from bot.store.db import db_session
from bot.store.models import (
    AuditLog,
    Candidate,
    Decision,
    ErasureRequest,
    Invitation,
    OutboundMessage,
    Position,
    Report,
)
from bot.wecom import messages, notify, outbox
from config.settings import get_settings

log = logging.getLogger(__name__)

RETRY = Retry(max=3, interval=[30, 300, 1800])  # the object store unreachable, the database busy
SCRUB_TRIES = 12  # the candidate's last message is looked at 12 times (30 s … 1 h apart), then given up on
FINAL = ("sent", "failed", "merged")


def request_review(invitation: Invitation, request_key: str | None) -> str:
    """Record a request for a human review and put it in front of the recruiter (once per decision: a repeat is
    answered again but neither audited nor sent to HR twice). Without a request_key (the H5 page) the candidate's
    confirmation goes once per decision too."""
    settings = get_settings()
    interview = invitation.interviews.first()
    report = Report.get_or_none(Report.interview == interview) if interview else None
    decision = Decision.get_or_none(Decision.interview == interview) if interview else None
    stamp = decision.decided_at.isoformat() if decision else "none"
    key = f"review:{invitation.id}:{stamp}"
    repeat = OutboundMessage.select().where(OutboundMessage.idempotency_key == key).exists()
    if not repeat:
        AuditLog.create(actor=f"candidate:{invitation.candidate_id}", action="review_request",
                        target_type="invitation", target_id=str(invitation.id),
                        detail={"decision": decision.outcome if decision else None})
        outcome = messages.render(f"outcome_{decision.outcome}", settings.hr_locale) if decision else "-"
        link = report_link(settings, report.id) if report else invitation_link(settings, invitation)
        notify.to_hr(invitation.invited_by, "hr_review_requested", key, invitation=invitation,
                     name=invitation.candidate.display_name, position=invitation.position.title, outcome=outcome,
                     link=link)
    notify.to_candidate(invitation, "review_received", f"{request_key or key}:reply", purpose="candidate")
    return "review_repeat" if repeat else "review"


def erase_confirmed(invitation: Invitation, request_key: str) -> str:
    """The candidate confirmed in chat that their data is to be deleted: record the request and queue it."""
    request = erasure.open_request(invitation.candidate_id, "chat", "candidate", f"chat:{request_key}")
    if request.state != "done":
        queue(request)
    return "erasure_queued"


def from_page(invitation: Invitation) -> ErasureRequest:
    """The candidate confirmed deletion on the H5 page: record the request (or find theirs) and queue it."""
    request = erasure.open_request(invitation.candidate_id, "page", "candidate", f"page:{invitation.id}")
    if request.state != "done":
        queue(request)
    return request


def queue(request: ErasureRequest) -> None:
    """Queue the request's erasure (one job per request: a repeat while it waits is the same job)."""
    enqueue(COMMANDS, "jobs.privacy.erase_job", request.id, key=f"erasure:{request.id}", retry=RETRY, timeout=900)


def erase_job(request_id: int) -> str:
    """Carry out a recorded erasure; tell the candidate (when they can be reached) and HR."""
    settings = get_settings()
    queued: list[int] = []
    with db_session():
        request = ErasureRequest.get_or_none(ErasureRequest.id == request_id)
        if request is None or request.state == "done":
            return request.state if request else "missing"
        invitations = list(Invitation.select(Invitation, Position).join(Position)
                           .where(Invitation.candidate == request.candidate_id)
                           .order_by(Invitation.created_at, Invitation.id))
        tell = request.source != "retention"

        def last_message(req: ErasureRequest, candidate: Candidate, counts) -> None:
            latest = invitations[-1] if invitations else None
            if not tell or latest is None or notify.route(latest) == "none":
                return  # nobody to tell, and HR must not get their name to pass on
            key = f"erasure:{req.id}:candidate"
            text = messages.render("erasure_done", candidate.locale, company=settings.company_name,
                                   recordings=counts["recordings"], answers=counts["answers"])
            channel, payload = notify.candidate_payload(latest, text, key)
            message, _ = outbox.record(key, payload, purpose="candidate", channel=channel)
            queued.append(message.id)

        request = erasure.carry_out(request, settings, last_message)
        if tell:
            for invitation in invitations:
                notify.to_hr(invitation.invited_by, "hr_erasure_done", f"erasure:{request.id}:hr:{invitation.id}",
                             id=request.candidate_id, position=invitation.position.title,
                             invited=local_time(invitation.created_at)[:10], via=request.source,
                             recordings=request.summary.get("recordings", 0),
                             answers=request.summary.get("answers", 0))
    for message_id in queued:
        outbox.schedule(message_id)
    if queued:
        enqueue(DELIVERY, "jobs.delivery.scrub_notice", request_id, 0, key=f"erasure-scrub:{request_id}:0", delay=30)
    return "done"


def scrub_notice(request_id: int, attempt: int = 0) -> str:
    """Once the last message to an erased candidate is sent (or given up), keep no trace of whom it went to."""
    with db_session():
        _, left = scrub_notices(OutboundMessage.idempotency_key == f"erasure:{request_id}:candidate",
                                force=attempt >= SCRUB_TRIES)
    if left:
        enqueue(DELIVERY, "jobs.delivery.scrub_notice", request_id, attempt + 1,
                key=f"erasure-scrub:{request_id}:{attempt + 1}",
                delay=min(30 * 2 ** attempt, 3600))
        return "waiting"
    return "scrubbed"


def scrub_notices(where, *, force: bool = False) -> tuple[int, int]:
    """Scrub the erasure messages matched by where that are final (all of them with force, failing unsent ones);
    return (scrubbed, still on their way)."""
    scrubbed = left = 0
    for message in OutboundMessage.select().where(where & (OutboundMessage.recipient != "")):
        if message.state not in FINAL and not force:
            left += 1
            continue
        scrubbed += OutboundMessage.update(
            recipient="", payload={"msgtype": message.msgtype, "erased": True},
            state=message.state if message.state in FINAL else "failed",
            last_error="" if message.state == "sent" else "recipient erased", wecom_msgid="", response_code="",
        ).where(OutboundMessage.id == message.id).execute()
    return scrubbed, left


def stale_notices(now: dt.datetime | None = None, days: int = 2) -> int:
    """Scrub erasure messages older than days whatever their state (the daily retention job's backstop)."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    with db_session():
        scrubbed, _ = scrub_notices(OutboundMessage.idempotency_key.startswith("erasure:")
                                    & OutboundMessage.idempotency_key.endswith(":candidate")
                                    & (OutboundMessage.created_at < cutoff), force=True)
    return scrubbed
