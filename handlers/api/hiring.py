"""Open API: positions, candidates and invitations (what an HR system sets up before an interview)."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import peewee as pw
from flask import Blueprint, Response, request

from bot.bulk.candidate import screen_and_invite
from bot.bulk.fields import EMAIL, normalise_phone
from bot.invitations.invites import open_invitation, queue_card
from bot.org import names
from bot.org.access import is_recruiter
from bot.positions import versions
from bot.positions.catalog import (
    PositionChanged,
    PositionFileError,
    digest_of,
    org_of,
    parse_position_doc,
    save_position,
)
from bot.store.db import database
from bot.store.models import Candidate, Invitation, Position
from bot.talent import pool as talent
from handlers.api.core import (
    ApiError,
    access,
    audit,
    body,
    idempotent,
    not_found,
    privacy_role,
    replayable,
    respond,
    settings,
    token,
    visible,
)
from handlers.api.views import candidate_out, invitation_out, position_out

bp = Blueprint("api_hiring", __name__)

IDENTIFIERS = ("wecom_userid", "external_userid", "phone", "email")  # how a known candidate is found, in order
SCREENING_ONLY = ("position", "education", "major", "years")  # read by screening, not kept on the candidate
IF_MATCH = re.compile(r'(?:W/)?"?(\d{1,9})"?')  # the version a client read: 3, "3" or W/"3"


@bp.get("/positions")
def list_positions() -> Response:
    """Every position the token may see."""
    return respond({"items": [position_out(p) for p in Position.select().where(access().clause())
                              .order_by(Position.id)]})


@bp.get("/positions/<slug>")
def get_position(slug: str) -> Response:
    """One position."""
    position = Position.get_or_none(Position.slug == slug)
    if position is None:
        raise not_found("position")
    visible(position, "position")
    number = versions.current_number(position) or 0
    return respond({**position_out(position), "version": number}, headers={"ETag": f'"{number}"'})


def _position_answer(recipe: dict[str, Any]) -> dict[str, Any]:
    position = Position.get(Position.slug == recipe["slug"])
    return {**position_out(position), "version": versions.current_number(position) or 0, "result": recipe["result"]}


def _base_version() -> int | None:
    """The version the client's edit was based on (If-Match), or None for a save that overwrites whatever is there;
    the header's form is checked by the document (openapi.yaml)."""
    raw = request.headers.get("If-Match", "").strip()
    return int(IF_MATCH.fullmatch(raw).group(1)) if raw else None


@bp.post("/positions")
@idempotent(_position_answer)
def save_position_view() -> Response:
    """Create or update a position from a document shaped like config/positions/*.yaml."""
    doc = body()
    try:
        values = parse_position_doc(doc, "position", digest_of(doc))
    except PositionFileError as exc:  # the rules the schema cannot say: weights summing to 1, screening rules
        raise ApiError(422, "invalid_value", exc.reason, path=_pointer(exc.field)) from None
    existing = Position.get_or_none(Position.slug == values["slug"])
    if existing is not None:
        visible(existing, "position")  # another unit's position: as if there were none
    org = _org(doc, existing)
    base = _base_version()
    try:
        result = save_position(values, author=f"api:{token().name}", source="api", base_version=base, org=org)
    except PositionChanged as exc:
        raise ApiError(409, "version_conflict", f"the position is at version {exc.current}, not {exc.base}: someone "
                       "saved it since you read it; read it again and reapply your change",
                       current_version=exc.current) from None
    except pw.IntegrityError:
        raise ApiError(409, "title_taken", f"another position is called {values['title']}", path="/title") from None
    position = Position.get(Position.slug == values["slug"])
    if result != "unchanged":
        audit(f"position.{result}", "position", position.id, slug=position.slug)
    return replayable(_position_answer, {"slug": position.slug, "result": result}, 201 if result == "created" else 200)


def _org(doc: dict[str, Any], existing: Position | None) -> dict[str, Any] | None:
    """The document's unit and team, checked against what the token may see; a new position without a unit goes
    into the token's unit."""
    try:
        org = org_of(doc, "position")
    except PositionFileError as exc:
        raise ApiError(422, "invalid_value", exc.reason, path=_pointer(exc.field)) from None
    bound = token().unit if token().unit_id else None
    if org is None and existing is None and bound is not None:
        org = {"unit": bound, "team": {"recruiters": [], "interviewers": [], "hiring_manager": []}}
    if org is not None and not access().sees(Position(unit=org["unit"])):
        raise ApiError(422, "unit_out_of_scope", "this token may use only its own unit and the units under it",
                       path="/unit")
    return org


def _pointer(field: str) -> str:
    """A validator's field path (questions[2].rubric[0].point) as a JSON pointer (/questions/2/rubric/0/point)."""
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1")
                          for part in re.split(r"\.|\[(\d+)\]\.?", field) if part) if field else "/"


@bp.get("/candidates/<int:candidate_id>")
def get_candidate(candidate_id: int) -> Response:
    """One candidate, masked by role."""
    candidate = Candidate.get_or_none(Candidate.id == candidate_id)
    if candidate is None:
        raise not_found("candidate")
    return respond(candidate_out(candidate, privacy_role()))


def _candidates_answer(recipe: dict[str, Any]) -> Any:
    """The candidates a request imported, as they are now (an erased one without name or contacts)."""
    role = privacy_role()
    found = {c.id: c for c in Candidate.select().where(Candidate.id.in_([item[0] for item in recipe["items"]]))}
    out = [{**candidate_out(found[item[0]], role), "created": item[1], **(item[2] if len(item) > 2 else {})}
           for item in recipe["items"]]
    return {"items": out} if recipe["list"] else out[0]


@bp.post("/candidates")
@idempotent(_candidates_answer)
def import_candidates() -> Response:
    """Import one candidate or a list; known ones are found, not duplicated."""
    data = body()
    items = data if isinstance(data, list) else [data]
    checked, problems, positions = [], [], {}
    for index, item in enumerate(items):
        values, found = _checked(item, f"/{index}" if isinstance(data, list) else "")
        checked.append(values)
        problems += found
        if values.get("position") and values["position"] not in positions:
            positions[values["position"]] = Position.get_or_none(Position.slug == values["position"])
            if positions[values["position"]] is None:
                problems.append({"path": f"/{index}/position" if isinstance(data, list) else "/position",
                                 "message": f"没有岗位 {values['position'][:64]}"})
    if problems:
        raise ApiError(422, "invalid_value", f"{problems[0]['path'] or '/'}: {problems[0]['message']}",
                       path=problems[0]["path"], details=problems[:50])
    invited_by = acting_hr(None, "position") if positions else ""  # checked before anything is saved
    try:
        with database.atomic():  # all or nothing: a list is never half imported
            saved = [_save(values) for values in checked]
    except pw.IntegrityError:  # another request created one of them a moment ago
        raise ApiError(409, "conflict", "a candidate in this request was created concurrently; retry") from None
    states = Counter(state for _, state in saved)
    if states["created"] or states["updated"]:
        audit("candidates.import", "candidate", saved[0][0].id, **states)
    screened = [_screened(values, candidate, positions, invited_by)
                for values, (candidate, _) in zip(checked, saved, strict=True)]
    recipe = {"items": [[c.id, state == "created", extra] for (c, state), extra in zip(saved, screened, strict=True)],
              "list": isinstance(data, list)}
    return replayable(_candidates_answer, recipe, 201 if states["created"] else 200)


def _checked(item: dict[str, Any], where: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The candidate's values normalised (bot.bulk.fields), and what is wrong with them."""
    values = {"name": item["name"].strip(), "locale": item.get("locale", "zh-CN")}
    problems = []
    if "phone" in item:
        values["phone"], reason = normalise_phone(item["phone"])
        if reason:
            problems.append({"path": f"{where}/phone", "message": reason})
    if "email" in item:
        values["email"] = item["email"].strip()
        if not EMAIL.fullmatch(values["email"]):
            problems.append({"path": f"{where}/email", "message": f"邮箱 {values['email'][:64]} 格式不正确"})
    for key in ("wecom_userid", "external_userid"):
        if key in item:
            values[key] = item[key]
    if item.get("resume", "").strip():
        values["resume"] = item["resume"].strip()
    for key in ("position", "education", "major", "years"):  # what screening reads beside the résumé
        if item.get(key) not in (None, ""):
            values[key] = item[key]
    return values, problems


def _screened(values: dict[str, Any], candidate: Candidate, positions: dict[str, Position],
              invited_by: str) -> dict[str, Any]:
    """A candidate imported for a position is screened by its rules and auto-invited like a bulk row."""
    if not values.get("position"):
        return {}
    given = {k: values[k] for k in ("education", "major", "years") if k in values}
    done = screen_and_invite(settings(), positions[values["position"]], candidate, invited_by, given)
    if done.invitation is not None:
        audit("invite", "invitation", done.invitation.id, position=values["position"], invited_by=invited_by,
              screened=True)
    return {"screening": done.verdict, "invitation_id": done.invitation.id if done.invitation else None}


def _save(values: dict[str, str]) -> tuple[Candidate, str]:
    """Find the candidate these values name, filling in only what they lacked, or create them; return the
    candidate and created, updated or known."""
    values = {k: v for k, v in values.items() if k not in SCREENING_ONLY}
    existing = _find(values)
    if existing is None:
        created = Candidate.create(source="api", **values)
        if values.get("resume"):  # a candidate with a résumé is in the talent pool, interviewed or not
            talent.refresh_profile(created.id)
        return created, "created"
    blanks = {k: v for k, v in values.items() if k in ("name", *IDENTIFIERS) and v and not getattr(existing, k)}
    if values.get("resume") and values["resume"] != existing.resume:  # a newer résumé replaces the older one
        blanks["resume"] = values["resume"]
    for key in ("wecom_userid", "external_userid"):  # unique: never take one another candidate holds
        if key in blanks and Candidate.select().where(getattr(Candidate, key) == blanks[key]).exists():
            del blanks[key]
    if not blanks:
        return existing, "known"
    Candidate.update(**blanks).where(Candidate.id == existing.id).execute()
    if "resume" in blanks:
        talent.refresh_profile(existing.id)
    return Candidate.get_by_id(existing.id), "updated"


def _find(values: dict[str, str]) -> Candidate | None:
    for key in IDENTIFIERS:
        if not values.get(key):
            continue
        query = Candidate.select().where(Candidate.lookup(key, values[key]))
        for other in ("wecom_userid", "external_userid"):  # the same phone on two accounts is two people
            if other != key and values.get(other):
                field = getattr(Candidate, other)
                query = query.where(field.is_null() | (field == values[other]))
        found = query.order_by(Candidate.id).first()
        if found is not None:
            return found
    return None


@bp.get("/invitations/<int:invitation_id>")
def get_invitation(invitation_id: int) -> Response:
    """One invitation."""
    invitation = Invitation.get_or_none(Invitation.id == invitation_id)
    if invitation is None:
        raise not_found("invitation")
    return respond(invitation_out(settings(), invitation, privacy_role()))


def acting_hr(given: str | None, field: str) -> str:
    """The HR member a request acts for: the body's field, else the token's name; a recruiter (HR_USERIDS, HR_LEADS,
    or a unit's or position team's recruiter: bot/org)."""
    userid = given or token().name
    if not is_recruiter(settings(), userid):
        raise ApiError(422, "not_hr", f"{field} must name an HR member (a recruiter); {userid[:64]} is not one",
                       path=f"/{field}")
    return userid


def _invitation_answer(recipe: dict[str, Any]) -> dict[str, Any]:
    out = invitation_out(settings(), Invitation.get_by_id(recipe["id"]), privacy_role())
    return {**out, "card_queued": recipe["card_queued"]}


@bp.post("/invitations")
@idempotent(_invitation_answer)
def create_invitation() -> Response:
    """Invite a candidate to a position: the WeCom card when they are a member, the link in the answer always."""
    data = body()
    invited_by = acting_hr(data.get("invited_by"), "invited_by")
    position = Position.get_or_none(Position.slug == data["position"])
    if position is None:
        raise not_found("position")
    if not position.is_open:
        raise ApiError(409, "position_closed", f"position {position.slug} is closed", path="/position")
    candidate = Candidate.get_or_none(Candidate.id == data["candidate_id"])
    if candidate is None:
        raise not_found("candidate")
    candidate = names.fill_name(candidate)  # a member without a name: the directory's (a name the API gave stays)
    invitation, is_new = open_invitation(position, candidate, invited_by)
    card = False
    # "created": an earlier request stopped before its card was recorded (the card's key makes this one card)
    if (is_new or invitation.status == "created") and candidate.wecom_userid and data.get("send", True):
        queue_card(settings(), position, invitation)
        card = True
    if is_new:
        audit("invite", "invitation", invitation.id, position=position.slug, invited_by=invited_by)
    return replayable(_invitation_answer, {"id": invitation.id, "card_queued": card}, 201 if is_new else 200)
