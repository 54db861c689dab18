"""The talent pool: candidates with a report or a résumé, tagged by rules and by HR, searchable by tags and by text.

A candidate with a résumé (a file, or a résumé's text from the open API) is in the pool whether interviewed or not;
what the pool shows HR says where each candidate came from (their sources: a résumé file and how it arrived, the open
API, a bulk sheet, an interview report).

Each candidate's searchable profile (résumé fields, positions, transcripts, tags) is a PoolProfile row; every
web process keeps a PoolIndex (bot/talent/index.py) of them in memory and brings it up to date from the rows changed
since its last look, so a search never scans the table. Withdrawn candidates and those past their retention
date are excluded at query time, whatever the index holds.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from pathlib import Path
from typing import Any

import peewee as pw
import yaml
from peewee import fn

from bot.clock import utcnow
from bot.org.access import ROOT, Access, within
from bot.org.team import recruiters
from bot.privacy.roles import RECRUITER, candidate_view, mask_name
from bot.resumes.questions import latest_resume
from bot.store.db import database, db_session
from bot.store.models import (
    AuditLog,
    BulkItem,
    Candidate,
    CandidateTag,
    Interview,
    Invitation,
    PoolProfile,
    Position,
    Report,
    Resume,
    Tag,
)
from bot.talent.index import PoolIndex, profile_terms
from bot.wecom import messages, outbox
from bot.wecom.cards import KEYNAME_MAX_BYTES, clip, task_id, template_card
from config.settings import get_settings
from scoring.report import DIMENSIONS

log = logging.getLogger(__name__)

RULES_FILE = Path(__file__).resolve().parents[2] / "config" / "talent.yaml"
TAG_MAX = 32
RESUME_FIELDS = ("education", "major", "resume")
SOURCE_LABELS = {"report": "面试报告", "api": "开放接口", "bulk": "批量表格",
                 "resume:api": "简历文件·开放接口", "resume:bulk": "简历文件·批量上传", "resume:hr": "简历文件·HR 上传",
                 "resume:h5": "简历文件·候选人上传"}


class TagError(ValueError):
    """A tag or a tag rule is malformed; the message is safe to show."""


@functools.lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """Read and check config/talent.yaml."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = doc.get("rules") or []
    for i, rule in enumerate(rules, 1):
        if not isinstance(rule, dict) or not str(rule.get("tag", "")).strip() or len(str(rule["tag"])) > TAG_MAX:
            raise TagError(f"{path.name}: rule {i} needs a tag of 1–{TAG_MAX} characters")
        kinds = [k for k in ("dimension", "total_min", "recommendation") if k in rule]
        if len(kinds) != 1:
            raise TagError(f"{path.name}: rule {i} needs exactly one of dimension/total_min/recommendation")
        numeric = isinstance(rule.get("min"), int | float)
        if "dimension" in rule and (rule["dimension"] not in DIMENSIONS or not numeric):
            raise TagError(f"{path.name}: rule {i}: dimension must be one of {list(DIMENSIONS)}, with a numeric min")
        if rule.get("recommendation", "recommend") not in ("recommend", "consider", "reject"):
            raise TagError(f"{path.name}: rule {i}: recommendation must be recommend, consider or reject")
    return {"rules": rules, "new_position_matches": int(doc.get("new_position_matches", 5))}


def rule_tags(doc: dict[str, Any], rules: list[dict[str, Any]]) -> list[str]:
    """The tags a report document earns under the rules."""
    scores = {d["name"]: d["score"] for d in doc.get("dimensions", []) if d.get("score") is not None}
    earned = []
    for rule in rules:
        if "dimension" in rule:
            hit = scores.get(rule["dimension"], -1) >= rule["min"]
        elif "total_min" in rule:
            hit = (doc.get("total") or 0) >= rule["total_min"]
        else:
            hit = doc.get("recommendation", {}).get("key") == rule["recommendation"]
        if hit:
            earned.append(str(rule["tag"]).strip())
    return list(dict.fromkeys(earned))


def _clean(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name or len(name) > TAG_MAX or any(c in name for c in "<>\"'&,;"):
        raise TagError(f"标签需为 1–{TAG_MAX} 个字，且不含 < > \" ' & , ;")
    return name


def _tag(name: str) -> Tag:
    try:
        with database.atomic():
            return Tag.get_or_create(name=name)[0]
    except pw.IntegrityError:
        return Tag.get(Tag.name == name)


def _attach(candidate_id: int, name: str, source: str, by: str) -> bool:
    """Give a candidate a tag; False when they already had it."""
    try:
        with database.atomic():
            CandidateTag.create(candidate=candidate_id, tag=_tag(name), source=source, created_by=by)
    except pw.IntegrityError:
        return False
    return True


def add_tag(candidate_id: int, name: str, by: str) -> bool:
    """Tag a candidate by hand; False when they already had the tag."""
    name = _clean(name)
    if not _attach(candidate_id, name, "hr", by):
        return False
    AuditLog.create(actor=by, action="tag_add", target_type="candidate", target_id=str(candidate_id),
                    detail={"tag": name, "source": "hr"})
    refresh_profile(candidate_id)
    return True


def remove_tag(candidate_id: int, name: str, by: str) -> bool:
    """Untag a candidate; False when they did not have the tag."""
    tag = Tag.get_or_none(Tag.name == _clean(name))
    removed = tag is not None and CandidateTag.delete().where(
        (CandidateTag.candidate == candidate_id) & (CandidateTag.tag == tag)).execute() > 0
    if removed:
        AuditLog.create(actor=by, action="tag_remove", target_type="candidate", target_id=str(candidate_id),
                        detail={"tag": tag.name})
        refresh_profile(candidate_id)
    return removed


def candidate_tags(candidate_id: int) -> list[dict[str, str]]:
    """The candidate's tags, rule tags first."""
    return tags_of([candidate_id]).get(candidate_id, [])


def tags_of(candidate_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Each candidate's tags (rule tags first), in one query."""
    found: dict[int, list[dict[str, str]]] = {}
    rows = (CandidateTag.select(CandidateTag.candidate, CandidateTag.source, Tag.name).join(Tag)
            .where(CandidateTag.candidate.in_(candidate_ids)).order_by(CandidateTag.source.desc(), Tag.name))
    for row in rows:
        found.setdefault(row.candidate_id, []).append({"name": row.tag.name, "source": row.source})
    return found


def on_report(report_id: int) -> None:
    """A new report: apply the tag rules, keep the candidate in the pool for the retention period, re-profile."""
    settings = get_settings()
    report = Report.get_by_id(report_id)
    candidate_id = report.interview.invitation.candidate_id
    if report.interview.invitation.candidate.withdrawn_at is not None:
        return  # they left the pool: a later interview does not bring them back
    for name in rule_tags(report.document, load_rules()["rules"]):
        _attach(candidate_id, name, "rule", "rule")
    keep = utcnow() + dt.timedelta(days=settings.pool_retention_days)
    Candidate.update(retain_until=keep).where(Candidate.id == candidate_id).execute()
    refresh_profile(candidate_id)


def withdraw(candidate_id: int, actor: str) -> None:
    """Take a candidate out of the pool for good: no profile, no tags, never in a search again."""
    with database.atomic():
        Candidate.update(withdrawn_at=utcnow()).where(Candidate.id == candidate_id).execute()
        PoolProfile.delete().where(PoolProfile.candidate == candidate_id).execute()
        CandidateTag.delete().where(CandidateTag.candidate == candidate_id).execute()
        AuditLog.create(actor=actor, action="pool_withdraw", target_type="candidate", target_id=str(candidate_id))


def _reports(candidate_id: int) -> list[Report]:
    return list(Report.select(Report, Interview, Invitation, Position).join(Interview).join(Invitation).join(Position)
                .where(Invitation.candidate == candidate_id).order_by(Report.created_at))


def profile_text(candidate_id: int, reports: list[Report]) -> str:
    """What the pool searches for a candidate: résumé (API) and sheet fields, the parsed résumé's entries, skills
    and certificates, positions, answers, highlights (no contacts)."""
    parts = [Candidate.get_by_id(candidate_id).resume]
    item = (BulkItem.select().join(Invitation).where(Invitation.candidate == candidate_id)
            .order_by(BulkItem.id.desc()).first())
    if item is not None:
        parts += [str(item.fields.get(k, "")) for k in RESUME_FIELDS if item.fields.get(k)]
    if (found := latest_resume(candidate_id)) is not None:
        resume = found[0]
        parts += [v.value for x in resume.experience for v in (x.employer, x.title) if v]
        parts += [v.value for e in resume.education for v in (e.school, e.major) if v]
        parts += [v.value for v in (*resume.skills, *resume.certificates, *resume.languages)]
    for report in reports:
        doc = report.document
        parts.append(doc["interview"]["position"]["title"])
        parts += doc.get("highlights", [])
        for answer in doc.get("answers", []):
            transcript = answer.get("transcript") or {}
            parts.append(transcript.get("text", "") if isinstance(transcript, dict) else str(transcript))
    return "\n".join(p for p in parts if p)


def refresh_profile(candidate_id: int) -> None:
    """Rebuild one candidate's pool profile: candidates with a report or a résumé, who have not withdrawn. One
    who enters with a résumé alone is kept for the pool's retention period, like one with a report."""
    reports = _reports(candidate_id)
    candidate = Candidate.get_by_id(candidate_id)
    has_resume = bool(candidate.resume) or Resume.select().where(Resume.candidate == candidate_id).exists()
    if not (reports or has_resume) or candidate.withdrawn_at is not None or candidate.erased_at is not None:
        return
    if not reports and candidate.retain_until is None:
        keep = utcnow() + dt.timedelta(days=get_settings().pool_retention_days)
        Candidate.update(retain_until=keep).where(Candidate.id == candidate_id).execute()
    text = profile_text(candidate_id, reports)
    values = {"text": text, "terms": profile_terms(text), "best_total": max((r.total for r in reports), default=0.0),
              "last_position": reports[-1].interview.invitation.position.title if reports else "",
              "updated_at": utcnow()}
    if not PoolProfile.update(**values).where(PoolProfile.candidate == candidate_id).execute():
        try:
            with database.atomic():
                PoolProfile.create(candidate=candidate_id, **values)
        except pw.IntegrityError:
            PoolProfile.update(**values).where(PoolProfile.candidate == candidate_id).execute()


def enter_resumes(limit: int = 5000) -> int:
    """Put in the pool the candidates with a résumé file and no profile yet (a bulk upload's, whose import cannot
    call the pool itself: the pool reads bulk screening); return how many."""
    with db_session():
        waiting = (Resume.select(Resume.candidate).distinct()
                   .join(Candidate).switch(Resume)
                   .join(PoolProfile, pw.JOIN.LEFT_OUTER, on=(PoolProfile.candidate == Resume.candidate))
                   .where(PoolProfile.id.is_null() & Candidate.withdrawn_at.is_null() & Candidate.erased_at.is_null())
                   .limit(limit).tuples())
        ids = [cid for (cid,) in waiting]
        for cid in ids:
            refresh_profile(cid)
    return len(ids)


def sources_of(candidate_ids: list[int]) -> dict[int, list[str]]:
    """Where each candidate came from, as HR reads it (面试报告, 简历文件·开放接口, 批量表格 …)."""
    found: dict[int, set[str]] = {cid: set() for cid in candidate_ids}
    for cid, source in Candidate.select(Candidate.id, Candidate.source).where(
            Candidate.id.in_(candidate_ids)).tuples():
        if source in SOURCE_LABELS:
            found[cid].add(source)
    for cid, source in Resume.select(Resume.candidate, Resume.source).where(
            Resume.candidate.in_(candidate_ids)).tuples():
        found[cid].add(f"resume:{source}")
    for (cid,) in (BulkItem.select(Invitation.candidate).join(Invitation)
                   .where(Invitation.candidate.in_(candidate_ids)).tuples()):
        found[cid].add("bulk")
    for (cid,) in (Report.select(Invitation.candidate).join(Interview).join(Invitation)
                   .where(Invitation.candidate.in_(candidate_ids)).tuples()):
        found[cid].add("report")
    return {cid: [SOURCE_LABELS[k] for k in SOURCE_LABELS if k in kinds] for cid, kinds in found.items()}


class _Cache:
    """This process's index and how far it has read the profile table.

    A search first asks for the newest updated_at (one index lookup): unchanged, the index is current. Changed,
    the rows stamped from a little before the last newest one (LAG: a transaction that committed late with an
    earlier stamp) are compared with the stamps already indexed, and only those that differ are loaded. The
    window is also re-read every RECHECK seconds, so a late commit is never missed for long.
    """

    LAG = dt.timedelta(seconds=5)
    RECHECK = 30.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index = PoolIndex()
        self.seen_until: dt.datetime | None = None
        self.stamps: dict[int, dt.datetime] = {}  # candidate → updated_at, for rows inside the window
        self.checked = 0.0

    def fresh(self) -> PoolIndex:
        with self.lock:
            newest = PoolProfile.select(fn.MAX(PoolProfile.updated_at)).scalar()
            if newest is None or (newest == self.seen_until and time.monotonic() - self.checked < self.RECHECK):
                return self.index
            self.checked = time.monotonic()
            if self.seen_until is None:
                self.index.build(self._load(None))
            else:
                window = (PoolProfile.select(PoolProfile.candidate, PoolProfile.updated_at)
                          .where(PoolProfile.updated_at >= self.seen_until - self.LAG).tuples())
                changed = [cid for cid, stamp in window if self.stamps.get(cid) != stamp]
                for start in range(0, len(changed), 5000):
                    for entry in self._load(changed[start:start + 5000]):
                        self.index.upsert(*entry)
            self.seen_until = max(newest, self.seen_until or newest)
            self.stamps = dict(PoolProfile.select(PoolProfile.candidate, PoolProfile.updated_at)
                               .where(PoolProfile.updated_at >= self.seen_until - self.LAG).tuples())
            return self.index

    @staticmethod
    def _load(ids: list[int] | None) -> list[tuple[int, dict[str, float], list[str], float]]:
        """(candidate, terms, tags, quality) for these candidates, or for everyone."""
        query = PoolProfile.select(PoolProfile.candidate, PoolProfile.terms, PoolProfile.best_total)
        tag_query = CandidateTag.select(CandidateTag.candidate, Tag.name).join(Tag)
        if ids is not None:
            query, tag_query = query.where(PoolProfile.candidate.in_(ids)), tag_query.where(
                CandidateTag.candidate.in_(ids))
        tags: dict[int, list[str]] = {}
        for cid, name in tag_query.tuples():
            tags.setdefault(cid, []).append(name)
        return [(cid, terms, tags.get(cid, []), (total or 0) / 100) for cid, terms, total in query.tuples()]


_cache = _Cache()


def warm() -> int:
    """Load this process's index now (the web workers do it at start); return its size."""
    return len(_cache.fresh())


def reset_cache() -> None:
    """Forget this process's index (tests; a restored database)."""
    global _cache
    _cache = _Cache()


def excluded_ids() -> set[int]:
    """Candidates who may not appear: consent withdrawn, or past their retention date."""
    now = utcnow()
    return {cid for (cid,) in Candidate.select(Candidate.id).where(
        Candidate.withdrawn_at.is_null(False) | (Candidate.retain_until < now)).tuples()}


def outside(access: Access | None) -> set[int]:
    """Candidates outside a member's units: those with no invitation to a position they may see (a candidate
    never invited, e.g. one added through the open API, belongs to the root)."""
    if access is None or access.everything:
        return set()
    seen = {cid for (cid,) in Invitation.select(Invitation.candidate).where(
        Invitation.position.in_(access.position_ids())).tuples()}
    if ROOT in access.units:
        invited = Invitation.select(Invitation.candidate)
        seen |= {cid for (cid,) in Candidate.select(Candidate.id).where(Candidate.id.not_in(invited)).tuples()}
    return {cid for (cid,) in Candidate.select(Candidate.id).tuples()} - seen


def search(text: str, *, tags: list[str] | tuple[str, ...] = (), limit: int = 20, role: str = RECRUITER,
           exclude: set[int] | frozenset[int] = frozenset(), access: Access | None = None) -> list[dict[str, Any]]:
    """Rank the pool against a text (free words or a whole job description) among those with all the tags, within
    what `access` may see (None: everyone, for the bot's own matching)."""
    index = _cache.fresh()
    hits = index.search(text[:20000], tags=list(tags), limit=limit,
                        exclude=excluded_ids() | set(exclude) | outside(access))
    if not hits:
        return []
    ids = [h.candidate_id for h in hits]
    candidates = {c.id: c for c in Candidate.select().where(Candidate.id.in_(ids))}
    profiles = {p.candidate_id: p for p in PoolProfile.select(
        PoolProfile.candidate, PoolProfile.best_total, PoolProfile.last_position).where(PoolProfile.candidate.in_(ids))}
    latest = {}
    for report_id, cid in (Report.select(Report.id, Invitation.candidate).join(Interview).join(Invitation)
                           .where(Invitation.candidate.in_(ids)).order_by(Report.created_at).tuples()):
        latest[cid] = report_id
    tags, sources = tags_of(ids), sources_of(ids)
    results = []
    for hit in hits:
        candidate, profile = candidates.get(hit.candidate_id), profiles.get(hit.candidate_id)
        if candidate is None or profile is None:  # deleted since this process indexed it
            continue
        results.append({"candidate": candidate_view(candidate, role), "score": round(hit.score, 4),
                        "matched": list(hit.matched), "tags": tags.get(candidate.id, []),
                        "best_total": profile.best_total, "last_position": profile.last_position,
                        "report_id": latest.get(candidate.id), "sources": sources.get(candidate.id, [])})
    return results


def position_text(position: Position) -> str:
    """A position as a query: title, description, the questions' rubric keywords."""
    words = [position.title, position.department, position.description]
    for question in position.questions:
        for point in question.get("rubric", []):
            words += [point.get("point", ""), *point.get("keywords", [])]
    return " ".join(w for w in words if w)


def invited_to(position: Position) -> set[int]:
    return {cid for (cid,) in Invitation.select(Invitation.candidate).where(Invitation.position == position).tuples()}


def match_new_positions() -> int:
    """Send HR the pool's best matches for each newly opened position (once per opening); return cards sent."""
    settings = get_settings()
    count = load_rules()["new_position_matches"]
    sent = 0
    with db_session():
        for position in Position.select().where(Position.is_open & Position.pool_matched_at.is_null()):
            now = utcnow()
            claimed = (Position.update(pool_matched_at=now)
                       .where((Position.id == position.id) & Position.pool_matched_at.is_null()).execute())
            team = recruiters(settings, position)
            if not claimed or count <= 0 or not team:
                continue
            # only candidates the position's recruiters may see: their unit's, not another branch's
            found = search(position_text(position), limit=count, exclude=invited_to(position),
                           access=within(position.unit, RECRUITER))
            if found:
                _send_matches(settings, position, found, f"pool-match:{position.id}:{now.isoformat()}", team)
                sent += 1
    return sent


def _send_matches(settings: Any, position: Position, found: list[dict[str, Any]], key: str,
                  team: list[str]) -> None:
    locale = settings.hr_locale
    # Names are masked in chat: the page behind the card shows them to recruiters.
    fields = [{"keyname": clip(mask_name(r["candidate"]["name"]), KEYNAME_MAX_BYTES),
               "value": f"{r['best_total']:.0f} · {'、'.join(r['matched'][:2]) or r['last_position']}"} for r in found]
    lines = [messages.render("pool_match_line", locale, name=mask_name(r["candidate"]["name"]),
                             position=r["last_position"], total=f"{r['best_total']:.0f}",
                             tags="、".join(t["name"] for t in r["tags"][:3]) or "-") for r in found]
    url = f"{settings.public_base_url}/hr/pool?position={position.slug}"
    payload = template_card("|".join(team), "text_notice", locale, settings.company_name,
                    messages.render("pool_match_title", locale, position=position.title),
                    messages.render("pool_match_desc", locale, count=len(found)), "\n".join(lines), fields, url,
                    task_id("pool"))
    outbox.send(key, payload, purpose="hr")
