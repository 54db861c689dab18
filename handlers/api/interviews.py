"""Open API: interviews, their reports, HR's decisions, and the export (what an HR system reads back)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from bot.decisions import results as decisions
from bot.privacy.roles import RECRUITER, VIEWER, sees_personal_data
from bot.reports import export
from bot.store.models import Decision, Interview, Position, Report
from handlers.api.core import (
    ApiError,
    access,
    audit,
    body,
    idempotent,
    not_found,
    privacy_role,
    query,
    replayable,
    respond,
    settings,
    visible,
)
from handlers.api.core import token as current_token
from handlers.api.hiring import acting_hr
from handlers.api.views import decision_state, interviews_out, interviews_query, scrub

bp = Blueprint("api_interviews", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _position(slug: str | None) -> Position | None:
    if slug is None:
        return None
    position = Position.get_or_none(Position.slug == slug)
    if position is None:
        raise not_found("position")
    visible(position, "position")
    return position


@bp.get("/interviews")
def list_interviews() -> Response:
    """A page of interviews, oldest first, after the cursor."""
    args = query()
    selected = interviews_query().where(Interview.id > args["after_id"])
    position = _position(args["position"])
    if position is not None:
        selected = selected.where(Position.id == position.id)
    if args["status"]:
        selected = selected.where(Interview.status == args["status"])
    page = list(selected.order_by(Interview.id).limit(args["limit"]))
    more = len(page) == args["limit"] and selected.where(Interview.id > page[-1].id).exists()
    return respond({"items": interviews_out(settings(), page, privacy_role()),
                    "next_after_id": page[-1].id if more else None})


@bp.get("/interviews/<int:interview_id>")
def get_interview(interview_id: int) -> Response:
    """One interview."""
    found = list(interviews_query().where(Interview.id == interview_id))
    if not found:
        raise not_found("interview")
    return respond(interviews_out(settings(), found, privacy_role())[0])


@bp.get("/reports/<int:interview_id>")
def get_report(interview_id: int) -> Response:
    """The interview's stored report document; for a masked role, the candidate's name and contacts masked in it."""
    interview = Interview.get_or_none(Interview.id == interview_id)
    if interview is None:
        raise not_found("interview")
    visible(interview.invitation.position, "interview")
    report = Report.get_or_none(Report.interview == interview_id)
    if report is None:
        raise ApiError(404, "report_not_ready", "the report is not ready: the interview is not complete or scored yet")
    role = privacy_role()
    doc = report.document if sees_personal_data(role) else scrub(report.document, interview.invitation.candidate)
    return respond(doc)


def _decision_answer(recipe: dict[str, Any]) -> dict[str, Any]:
    decision = Decision.get(Decision.interview == recipe["interview_id"])
    return {**decision_state(decision), "interview_id": recipe["interview_id"], "result": recipe["result"]}


@bp.post("/decisions")
@idempotent(_decision_answer)
def decide() -> Response:
    """Take HR's decision as the result card's buttons do: once per interview, the candidate told once."""
    data = body()
    interview = Interview.get_or_none(Interview.id == data["interview_id"])
    if interview is None:
        raise not_found("interview")
    visible(interview.invitation.position, "interview")
    userid = acting_hr(data.get("by"), "by")
    report = Report.get_or_none(Report.interview == interview.id)
    if report is None:
        raise ApiError(409, "report_not_ready", "the interview has no report yet; decide once it is scored",
                       path="/interview_id")
    outcome = data["outcome"]
    key = f"api:{current_token().id}:decide:{interview.id}:{outcome}:{userid}"
    result = decisions.decide(report.id, outcome, userid=userid, response_code="", request_key=key)
    if result == "erased":
        raise ApiError(409, "candidate_erased", "the candidate's personal data was erased; no decision can be taken")
    decision = Decision.get_or_none(Decision.interview == interview.id)
    if decision is None or result not in ("decided", "held", "already"):  # refused, missing: checked above
        raise ApiError(409, "not_decided", f"the decision was not taken ({result}); retry")
    if result == "already":
        if decision.outcome != outcome:
            raise ApiError(409, "already_decided", f"already decided: {decision.outcome}",
                           current=decision_state(decision))
        result = "unchanged"
    if result != "unchanged":
        audit(f"decide.{outcome}", "interview", interview.id, result=result, by=userid)
    return replayable(_decision_answer, {"interview_id": interview.id, "result": result}, 200)


def _export_role(view: str | None) -> str:
    """The role an export is made for: the token's, or masked on request; never more than the token's."""
    role = privacy_role()
    if view == "full" and role != RECRUITER:
        raise ApiError(403, "forbidden", "an export with personal data needs a token with role full")
    return VIEWER if view == "masked" else role


def _export(kind: str) -> Response:
    args = query()
    position = _position(args["position"])
    role = _export_role(args["view"])
    rows = export.interview_rows(position.slug if position else None, role, within=access())
    if sees_personal_data(role):  # who took personal data out, and how much
        audit("export", "position", position.slug if position else "*", rows=len(rows), format=kind)
    data, content_type = (export.to_csv(rows), "text/csv; charset=utf-8") if kind == "csv" else (
        export.to_xlsx(rows), XLSX)
    return Response(data, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="interviews.{kind}"'})


@bp.get("/export/interviews.csv")
def export_csv() -> Response:
    """Every interview (of a position) as CSV."""
    return _export("csv")


@bp.get("/export/interviews.xlsx")
def export_xlsx() -> Response:
    """Every interview (of a position) as an Excel workbook."""
    return _export("xlsx")
