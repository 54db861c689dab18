"""The data model. Schema changes go through migrations in bot/store/migrations, never create_tables."""
from __future__ import annotations

import json
from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.store.db import database
from bot.store.sealed import (
    BlindIndexField,
    BlindTermsField,
    Indexed,
    SealedJSONField,
    SealedTextField,
    normalise_contact,
    normalise_name,
)


class JSONField(pw.TextField):
    """JSON stored as text: portable across SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class OrgUnit(BaseModel):
    """An organisation unit (总行, 分行, 支行, a department): positions belong to one; its members hold roles in it
    (bot/org/). No unit is the root: the global role lists are its members."""

    code = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=64)
    parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="CASCADE")
    wecom_department_id = pw.IntegerField(null=True)  # the WeCom department it mirrors, when read from WeCom
    source = pw.CharField(max_length=16, default="file")  # file | wecom
    created_at = pw.DateTimeField(default=utcnow)


class UnitMember(BaseModel):
    """A member's role in a unit: hr_lead (the unit and everything under it), recruiter, interviewer."""

    unit = pw.ForeignKeyField(OrgUnit, backref="members", on_delete="CASCADE")
    userid = pw.CharField(max_length=64, index=True)
    role = pw.CharField(max_length=16)
    source = pw.CharField(max_length=16, default="file")

    class Meta:
        indexes = ((("unit", "userid", "role"), True),)


class Position(BaseModel):
    """A job opening with its question bank and rubric (files, the open API, the HR pages' editor)."""

    slug = pw.CharField(max_length=64, unique=True)
    title = pw.CharField(max_length=64, unique=True)
    department = pw.CharField(max_length=64, default="")
    description = pw.TextField(default="")
    think_seconds = pw.IntegerField(default=60)
    answer_seconds = pw.IntegerField(default=120)
    max_retakes = pw.IntegerField(default=1)
    answer_modes = JSONField(default=lambda: ["video", "audio", "text"])
    face_analysis = pw.BooleanField(default=False)
    deadline_days = pw.IntegerField(default=7)
    questions = JSONField(default=list)
    rubric = JSONField(default=dict)
    source_sha256 = pw.CharField(max_length=64, default="")
    is_open = pw.BooleanField(default=True)
    updated_at = pw.DateTimeField(default=utcnow)
    pool_matched_at = pw.DateTimeField(null=True)  # when HR got the talent pool's best matches for it
    status = pw.CharField(max_length=12, default="open")  # draft | open | paused | closed | archived (is_open: open)
    unit = pw.ForeignKeyField(OrgUnit, null=True, backref="positions", on_delete="SET NULL")  # None: the root

    @property
    def draw_rule(self) -> dict[str, int]:
        """How many questions an interview draws per competency ({} when it asks the whole bank)."""
        rule = (self.rubric or {}).get("draw") or {}
        return {str(c): int(n) for c, n in rule.items() if int(n) > 0} if isinstance(rule, dict) else {}

    @property
    def asked_count(self) -> int:
        """How many questions one interview asks (what cards and chat announce): the bank, or what the draw takes
        per competency plus the questions that have none (an introduction, say)."""
        rule, bank = self.draw_rule, self.questions or []
        if not rule:
            return len(bank)
        fixed = sum(1 for q in bank if not q.get("competency"))
        return fixed + sum(min(n, sum(1 for q in bank if q.get("competency") == c)) for c, n in rule.items())


class Candidate(Indexed, BaseModel):
    """Name, contacts and résumé are sealed (bot/store/sealed); the product finds a candidate by them through the
    blind indexes beside them (Candidate.lookup), never by comparing the sealed columns."""

    name = SealedTextField(default="")
    wecom_userid = pw.CharField(max_length=64, null=True, unique=True)
    external_userid = pw.CharField(max_length=64, null=True, unique=True)
    phone = SealedTextField(default="")  # a bulk sheet's row finds its candidate by these (their indexes)
    email = SealedTextField(default="")
    name_index = BlindIndexField("name", "name", normalise_name)
    phone_index = BlindIndexField("phone", "contact", normalise_contact)
    email_index = BlindIndexField("email", "contact", normalise_contact)
    source = pw.CharField(max_length=32, default="chat")
    locale = pw.CharField(max_length=8, default="zh-CN")  # zh-CN | en: the language of messages to them
    open_kfid = pw.CharField(max_length=64, default="")  # the 微信客服 account they wrote to, when they did
    contact_owner = pw.CharField(max_length=64, default="")  # the member they added as a WeChat contact
    created_at = pw.DateTimeField(default=utcnow)
    # The talent pool: a withdrawn candidate, or one past retain_until, never appears in it (or in searches).
    resume = SealedTextField(default="")  # résumé text given through the open API (the talent pool searches it)
    withdrawn_at = pw.DateTimeField(null=True, index=True)
    retain_until = pw.DateTimeField(null=True, index=True)
    erased_at = pw.DateTimeField(null=True, index=True)  # personal data deleted (on request or by retention)
    # Opted out of recruiting messages on every channel (bot/privacy/optout.py): the first time, and how
    unsubscribed_at = pw.DateTimeField(null=True, index=True)
    unsubscribe_source = pw.CharField(max_length=16, default="")  # email_link | one_click | chat | api | hr
    preferred_channel = pw.CharField(max_length=16, default="")  # the channel they last answered through (kf, sms…)

    @property
    def display_name(self) -> str:
        """The candidate as HR reads them: their name, else an id (the WeCom userid, the external one, #12)."""
        return self.name or self.wecom_userid or self.external_userid or f"#{self.id}"

    @property
    def greeting_name(self) -> str:
        """The name a message to the candidate greets them by: their name, never an id ("" when there is none: the
        templates then say 您好 without a name)."""
        return self.name or ""

    @classmethod
    def lookup(cls, field: str, value: str) -> pw.Expression:
        """Candidates whose field (name, phone, e-mail through their blind index; the WeCom ids as stored) is
        value."""
        index = cls._meta.fields.get(f"{field}_index")
        return index.matches(value) if index is not None else getattr(cls, field) == value


class PositionVersion(BaseModel):
    """A position's values as saved at one time: an edit adds the next number, so an interview can name the
    version it was asked and HR can see who changed what and when."""

    position = pw.ForeignKeyField(Position, backref="versions", on_delete="CASCADE")
    number = pw.IntegerField()
    document = JSONField()
    author = pw.CharField(max_length=64)
    source = pw.CharField(max_length=16)  # file | api | template | migration
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("position", "number"), True),)


class PositionMember(BaseModel):
    """A position's team: its recruiters, interviewers and hiring manager get its cards and may open its reports."""

    position = pw.ForeignKeyField(Position, backref="team", on_delete="CASCADE")
    userid = pw.CharField(max_length=64, index=True)
    role = pw.CharField(max_length=16)  # recruiter | interviewer | hiring_manager
    added_by = pw.CharField(max_length=64, default="")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("position", "userid", "role"), True),)


class BulkRun(BaseModel):
    """A recruiter's sheet of candidates, screened and invited in the background (resumable, pausable)."""

    position = pw.ForeignKeyField(Position, backref="bulk_runs", on_delete="CASCADE")
    created_by = pw.CharField(max_length=64)
    filename = pw.CharField(max_length=128, default="")
    status = pw.CharField(max_length=12, default="running", index=True)  # running | paused | cancelled | done
    total_rows = pw.IntegerField(default=0)
    invalid_rows = pw.IntegerField(default=0)
    screened_out = pw.IntegerField(default=0)
    request_key = pw.CharField(max_length=191, unique=True)  # the upload that started it: a replay finds the run
    progress_at = pw.DateTimeField(null=True)
    progress_done = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)


class Invitation(BaseModel):
    """One candidate invited to one position; the candidate's identity on the H5 page is its token."""

    position = pw.ForeignKeyField(Position, backref="invitations", on_delete="CASCADE")
    candidate = pw.ForeignKeyField(Candidate, backref="invitations", on_delete="CASCADE")
    invited_by = pw.CharField(max_length=64)
    status = pw.CharField(max_length=16, default="created", index=True)
    channel = pw.CharField(max_length=16, default="member")
    expires_at = pw.DateTimeField()
    created_at = pw.DateTimeField(default=utcnow)
    sent_at = pw.DateTimeField(null=True)
    opened_at = pw.DateTimeField(null=True)
    reminded_at = pw.DateTimeField(null=True)
    fallback_at = pw.DateTimeField(null=True)  # unopened, sent once more over the next channel (invitations/fallback)
    bulk_run = pw.ForeignKeyField(BulkRun, null=True, backref="invitations", on_delete="SET NULL")

    class Meta:
        indexes = ((("position", "candidate"), True),)


class BulkItem(Indexed, BaseModel):
    """One row of a bulk run: the candidate's fields, the screening verdict, what became of it (all sealed; the
    row's contacts are findable through contact_index, for erasure)."""

    run = pw.ForeignKeyField(BulkRun, backref="items", on_delete="CASCADE")
    row_no = pw.IntegerField()
    fields = SealedJSONField()
    verdict = SealedJSONField(null=True)
    # pending | queued | existing | screened_out | skipped (cancelled) | invalid (refused by the sheet check)
    # | unsubscribed (opted out before: no invitation)
    status = pw.CharField(max_length=12, default="pending")
    reason = SealedTextField(default="")
    invitation = pw.ForeignKeyField(Invitation, null=True, on_delete="SET NULL")
    contact_index = BlindTermsField("fields", ("phone", "email", "wecom_userid", "wechat"), "contact",
                                    normalise_contact)

    class Meta:
        indexes = ((("run", "status"), False), (("run", "row_no"), True))


class Interview(BaseModel):
    invitation = pw.ForeignKeyField(Invitation, backref="interviews", unique=True, on_delete="CASCADE")
    status = pw.CharField(max_length=16, default="in_progress", index=True)
    questions = JSONField(default=list)  # snapshot: later edits to the bank don't rewrite history
    consent_at = pw.DateTimeField(null=True)
    face_consent = pw.BooleanField(default=False)
    started_at = pw.DateTimeField(default=utcnow)
    completed_at = pw.DateTimeField(null=True)
    events = JSONField(default=list)  # integrity signals: page hidden, paste, … (never grounds to reject)
    media_purged_at = pw.DateTimeField(null=True, index=True)  # recordings deleted by the retention job
    draw = JSONField(default=dict)  # how the questions were drawn: rule, seed, keys (bot/interviews/draw.py)
    position_version = pw.IntegerField(null=True)  # the position's version it was asked (None: before versions)


class Answer(BaseModel):
    interview = pw.ForeignKeyField(Interview, backref="answers", on_delete="CASCADE")
    question_key = pw.CharField(max_length=64)
    ordinal = pw.IntegerField()
    mode = pw.CharField(max_length=8)  # video | audio | text
    text = SealedTextField(default="")
    status = pw.CharField(max_length=16, default="received")
    integrity = JSONField(default=dict)
    retakes_used = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("interview", "question_key"), True),)


class QuestionReveal(BaseModel):
    """When the server showed a question's text and when its takes started and ended: the times it enforces."""

    interview = pw.ForeignKeyField(Interview, backref="reveals", on_delete="CASCADE")
    question_key = pw.CharField(max_length=64)
    revealed_at = pw.DateTimeField(default=utcnow)
    window_from = pw.DateTimeField(default=utcnow)  # the current take's think time runs from here
    first_started_at = pw.DateTimeField(null=True)
    started_at = pw.DateTimeField(null=True)  # the current take
    ended_at = pw.DateTimeField(null=True)
    takes = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("interview", "question_key"), True),)


class Upload(BaseModel):
    """A recording arriving in numbered chunks; resumable until finished."""

    id = pw.CharField(primary_key=True, max_length=32)
    interview = pw.ForeignKeyField(Interview, backref="uploads", on_delete="CASCADE")
    question_key = pw.CharField(max_length=64)
    mode = pw.CharField(max_length=8)  # video | audio
    mime = pw.CharField(max_length=64)
    retake = pw.BooleanField(default=False)
    status = pw.CharField(max_length=8, default="open", index=True)  # open | finished | failed
    next_seq = pw.IntegerField(default=0)
    size = pw.BigIntegerField(default=0)
    chunk_sha256 = JSONField(default=list)
    result = JSONField(null=True)  # the finish answer, replayed to a repeated finish
    created_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)


class Recording(BaseModel):
    answer = pw.ForeignKeyField(Answer, backref="recordings", on_delete="CASCADE")
    path = pw.CharField(max_length=512)
    mime = pw.CharField(max_length=64)
    size = pw.BigIntegerField(default=0)
    duration = pw.FloatField(null=True)
    sha256 = pw.CharField(max_length=64, default="")  # of the plain media, before encryption
    key_id = pw.CharField(max_length=32, default="")  # the key that sealed the stored object; "" = stored plain
    created_at = pw.DateTimeField(default=utcnow)


class AnswerAnalysis(BaseModel):
    """What scoring made of an answer's current recording (or text): transcript, signals, scores, evidence."""
    answer = pw.ForeignKeyField(Answer, backref="analyses", unique=True, on_delete="CASCADE")
    source = pw.CharField(max_length=64)  # sha256 of the recording or text analysed: a retake replaces it
    status = pw.CharField(max_length=16)  # scored | unscorable
    reason = pw.CharField(max_length=16, null=True)  # silence | empty | corrupt | no_face | error
    total = pw.FloatField(default=0.0)
    document = SealedJSONField()
    seconds = pw.FloatField(default=0.0)
    created_at = pw.DateTimeField(default=utcnow)


class Score(BaseModel):
    interview = pw.ForeignKeyField(Interview, backref="scores", on_delete="CASCADE")
    answer = pw.ForeignKeyField(Answer, backref="scores", null=True, on_delete="CASCADE")
    dimension = pw.CharField(max_length=32)
    value = pw.FloatField()
    evidence = SealedJSONField(default=dict)
    created_at = pw.DateTimeField(default=utcnow)


class Report(BaseModel):
    interview = pw.ForeignKeyField(Interview, backref="reports", unique=True, on_delete="CASCADE")
    schema_version = pw.CharField(max_length=16)
    document = SealedJSONField()
    total = pw.FloatField()
    recommendation = pw.CharField(max_length=16)  # recommend | consider | reject
    created_at = pw.DateTimeField(default=utcnow)
    released_at = pw.DateTimeField(null=True)


class Decision(BaseModel):
    """HR's decision on an interview: one row; 'hold' may become pass or reject exactly once."""

    interview = pw.ForeignKeyField(Interview, backref="decisions", unique=True, on_delete="CASCADE")
    outcome = pw.CharField(max_length=8)  # hold | pass | reject
    decided_by = pw.CharField(max_length=64)
    decided_at = pw.DateTimeField(default=utcnow)
    held_by = pw.CharField(max_length=64, default="")
    held_at = pw.DateTimeField(null=True)


class InterviewSlot(BaseModel):
    """A second-round time an interviewer published for a position (bot/decisions/slots.py): candidates who passed
    pick one on a signed page; up to capacity of them book it (each booking is an Appointment pointing here)."""

    position = pw.ForeignKeyField(Position, backref="slots", on_delete="CASCADE")
    interviewer = pw.CharField(max_length=64, index=True)  # a WeCom userid
    starts_at = pw.DateTimeField(index=True)  # naive UTC, as Appointment
    ends_at = pw.DateTimeField()
    place = pw.CharField(max_length=128, default="")  # a room, or a video meeting's link
    capacity = pw.IntegerField(default=1)
    created_by = pw.CharField(max_length=64, default="")
    created_at = pw.DateTimeField(default=utcnow)
    cancelled_at = pw.DateTimeField(null=True)


class Appointment(BaseModel):
    """A scheduled step after the AI interview (the second round); rescheduling bumps its version."""

    invitation = pw.ForeignKeyField(Invitation, backref="appointments", on_delete="CASCADE")
    kind = pw.CharField(max_length=16, default="second_round")
    starts_at = pw.DateTimeField()  # naive UTC
    ends_at = pw.DateTimeField(null=True)
    place = pw.CharField(max_length=128, default="")
    contact = pw.CharField(max_length=128, default="")
    status = pw.CharField(max_length=12, default="scheduled")
    updated_by = pw.CharField(max_length=64, default="")
    version = pw.IntegerField(default=1)
    created_at = pw.DateTimeField(default=utcnow)
    slot = pw.ForeignKeyField(InterviewSlot, null=True, backref="bookings", on_delete="SET NULL")  # picked, if so
    reminded_at = pw.DateTimeField(null=True)  # the day-before reminder went (bot/decisions/reminders.py)

    class Meta:
        indexes = ((("invitation", "kind"), True),)


class Tag(BaseModel):
    name = pw.CharField(max_length=32, unique=True)


class CandidateTag(BaseModel):
    candidate = pw.ForeignKeyField(Candidate, backref="tags", on_delete="CASCADE")
    tag = pw.ForeignKeyField(Tag, backref="candidates", on_delete="CASCADE")
    source = pw.CharField(max_length=8, default="hr")  # hr | rule
    created_by = pw.CharField(max_length=64, default="")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("candidate", "tag"), True),)


class OutboundMessage(BaseModel):
    """Every message the bot sends; the unique idempotency key makes a retry never send twice."""

    idempotency_key = pw.CharField(max_length=191, unique=True)
    channel = pw.CharField(max_length=16, default="member")  # member | kf | external
    recipient = pw.CharField(max_length=64, index=True)
    msgtype = pw.CharField(max_length=16)
    payload = JSONField()
    purpose = pw.CharField(max_length=32, default="reply")
    invitation = pw.ForeignKeyField(Invitation, null=True, backref="messages", on_delete="SET NULL")
    # pending|sending|deferred|sent|failed; waiting (kf window closed), batched → merged (folded into one message)
    state = pw.CharField(max_length=12, default="pending", index=True)
    attempts = pw.IntegerField(default=0)
    last_error = pw.TextField(default="")
    wecom_msgid = pw.CharField(max_length=128, default="")
    response_code = pw.CharField(max_length=256, default="")
    lease_until = pw.DateTimeField(null=True)
    next_attempt_at = pw.DateTimeField(null=True, index=True)
    created_at = pw.DateTimeField(default=utcnow)
    sent_at = pw.DateTimeField(null=True)


class Note(BaseModel):
    """HR's notes on an interview, shown on its report page."""

    interview = pw.ForeignKeyField(Interview, backref="notes", on_delete="CASCADE")
    author = pw.CharField(max_length=64)
    text = SealedTextField()
    created_at = pw.DateTimeField(default=utcnow)


class PoolProfile(BaseModel):
    """What the talent-pool search knows of a candidate: weighted terms from résumé, answers and tags."""

    candidate = pw.ForeignKeyField(Candidate, backref="pool_profile", unique=True, on_delete="CASCADE")
    text = SealedTextField(default="")  # the text the terms came from (résumé fields, transcripts, titles)
    terms = SealedJSONField(default=dict)  # {term: weight}, L2-normalised: its words, so sealed too
    best_total = pw.FloatField(default=0.0)
    last_position = pw.CharField(max_length=64, default="")
    updated_at = pw.DateTimeField(default=utcnow, index=True)


class ApiToken(BaseModel):
    """A token other HR systems use on the open API; only its sha256 is stored."""

    name = pw.CharField(max_length=64, unique=True)
    token_hash = pw.CharField(max_length=64, unique=True)
    role = pw.CharField(max_length=16, default="masked")  # full | masked (never sees personal data)
    unit = pw.ForeignKeyField(OrgUnit, null=True, backref="tokens")  # sees this unit's subtree; None: everything
    created_by = pw.CharField(max_length=64, default="")
    created_at = pw.DateTimeField(default=utcnow)
    last_used_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)


class Webhook(BaseModel):
    """An HR system's URL told (signed) when a report is ready or a decision is made."""

    url = pw.CharField(max_length=512)
    events = JSONField(default=list)  # report.ready | decision.made
    secret = pw.CharField(max_length=64)
    token = pw.ForeignKeyField(ApiToken, backref="webhooks", on_delete="CASCADE")
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)


class WebhookDelivery(BaseModel):
    """One event to one webhook; the unique key makes a replayed event deliver once."""

    webhook = pw.ForeignKeyField(Webhook, backref="deliveries", on_delete="CASCADE")
    event = pw.CharField(max_length=32)
    event_key = pw.CharField(max_length=128)
    payload = JSONField()
    state = pw.CharField(max_length=12, default="pending", index=True)  # pending | sent | failed
    attempts = pw.IntegerField(default=0)
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    delivered_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("webhook", "event_key"), True),)


class AuditLog(BaseModel):
    actor = pw.CharField(max_length=64)
    action = pw.CharField(max_length=32, index=True)
    target_type = pw.CharField(max_length=32, default="")
    target_id = pw.CharField(max_length=64, default="")
    detail = JSONField(default=dict)
    created_at = pw.DateTimeField(default=utcnow, index=True)


class Consent(BaseModel):
    """What a candidate agreed to, which text (version and its sha256), when, from where."""

    interview = pw.ForeignKeyField(Interview, backref="consents", on_delete="CASCADE")
    kind = pw.CharField(max_length=16)  # recording | face
    version = pw.CharField(max_length=16)
    text_sha256 = pw.CharField(max_length=64)
    given_at = pw.DateTimeField(default=utcnow)
    withdrawn_at = pw.DateTimeField(null=True)
    ip = pw.CharField(max_length=64, default="")
    user_agent = pw.CharField(max_length=256, default="")

    class Meta:
        indexes = ((("interview", "kind", "version"), True),)


class ErasureRequest(BaseModel):
    """A request to delete a candidate's personal data (theirs, HR's, or the retention job's) and what it deleted."""

    candidate = pw.ForeignKeyField(Candidate, null=True, backref="erasures", on_delete="SET NULL")
    source = pw.CharField(max_length=16)  # chat | page | hr | api | retention
    requested_by = pw.CharField(max_length=64, default="")
    request_key = pw.CharField(max_length=191, unique=True)  # a repeated request finds the first
    state = pw.CharField(max_length=12, default="pending", index=True)  # pending | done
    requested_at = pw.DateTimeField(default=utcnow)
    completed_at = pw.DateTimeField(null=True)
    summary = JSONField(default=dict)  # counts of what was deleted, never the data itself


ALL_MODELS = [
    OrgUnit, UnitMember, Position, PositionMember, Candidate, BulkRun, Invitation, BulkItem, Interview, Answer,
    QuestionReveal, Upload, Recording, AnswerAnalysis, Score, Report, Decision, InterviewSlot, Appointment, Tag,
    CandidateTag, OutboundMessage, Note, PoolProfile, ApiToken, Webhook, WebhookDelivery, AuditLog, Consent,
    ErasureRequest,
]


class Resume(BaseModel):
    """A résumé file a candidate sent (bot/resumes): the file sealed in the store at ``path`` like a recording, its
    text and structure (every field with its span) in sealed columns, HR's corrections beside them."""

    candidate = pw.ForeignKeyField(Candidate, backref="resumes", on_delete="CASCADE")
    source = pw.CharField(max_length=16)  # api | bulk | hr | h5
    filename = SealedTextField(default="")  # a file name often carries the person's name
    mime = pw.CharField(max_length=128)  # a DOCX's type is 71 characters
    size = pw.BigIntegerField(default=0)
    sha256 = pw.CharField(max_length=64)  # of the plain file: the same file twice is stored once per candidate
    path = pw.CharField(max_length=512)
    key_id = pw.CharField(max_length=32, default="")
    text = SealedTextField(default="")
    parsed = SealedJSONField(default=dict)
    corrections = SealedJSONField(default=dict)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("candidate", "sha256"), True),)


ALL_MODELS.append(Resume)


class ShortLink(BaseModel):
    """A short code on the product's own domain (PUBLIC_BASE_URL/s/<code>) standing for an invitation's link inside
    an SMS: providers approve templates whose link domain is fixed, and the code is the template's variable. The
    signed link itself is never stored: /s/<code> signs it afresh, with the invitation's current deadline."""

    code = pw.CharField(max_length=16, unique=True)
    invitation = pw.ForeignKeyField(Invitation, backref="short_links", on_delete="CASCADE", unique=True)
    created_at = pw.DateTimeField(default=utcnow)


ALL_MODELS.append(ShortLink)


# --- after the AI round: the second round's scorecards and decision, the offer and the hire, performance, fairness -

class Scorecard(BaseModel):
    """An interviewer's second-round evaluation of a candidate (bot/decisions/scorecards.py): a rating from 1 to 5 per
    competency of the position, notes, whether the notes may go to onboarding; one per interviewer and invitation."""

    invitation = pw.ForeignKeyField(Invitation, backref="scorecards", on_delete="CASCADE")
    interviewer = pw.CharField(max_length=64, index=True)  # a WeCom userid
    ratings = JSONField(default=dict)  # competency → 1..5
    notes = SealedTextField(default="")
    shareable = pw.BooleanField(default=False)  # the notes may go to the hiring manager with the hire
    recommendation = pw.CharField(max_length=8, default="")  # the interviewer's own lean: hire | no_hire | hold
    submitted_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("invitation", "interviewer"), True),)


class RoundDecision(BaseModel):
    """The final decision after the second round (录用 / 不录用 / 待定): one row per invitation; 'hold' may become
    hire or no_hire exactly once, as the AI round's Decision."""

    invitation = pw.ForeignKeyField(Invitation, backref="round_decisions", unique=True, on_delete="CASCADE")
    outcome = pw.CharField(max_length=8)  # hold | hire | no_hire
    decided_by = pw.CharField(max_length=64)
    decided_at = pw.DateTimeField(default=utcnow)
    held_by = pw.CharField(max_length=64, default="")
    held_at = pw.DateTimeField(null=True)


class Hire(Indexed, BaseModel):
    """What follows 录用 (bot/decisions/hires.py): offered → accepted | declined | withdrawn; accepted → hired |
    withdrawn. The employee id is sealed; the performance import finds the hire through its blind index."""

    invitation = pw.ForeignKeyField(Invitation, backref="hires", unique=True, on_delete="CASCADE")
    status = pw.CharField(max_length=12, index=True)  # offered | accepted | declined | hired | withdrawn
    offered_at = pw.DateTimeField(default=utcnow)
    responded_at = pw.DateTimeField(null=True)  # accepted or declined
    hired_on = pw.DateField(null=True)  # the first working day
    unit = pw.ForeignKeyField(OrgUnit, null=True, backref="hires", on_delete="SET NULL")
    employee_id = SealedTextField(default="")
    employee_index = BlindIndexField("employee_id", "employee", normalise_contact)
    updated_by = pw.CharField(max_length=64, default="")
    updated_at = pw.DateTimeField(default=utcnow)
    version = pw.IntegerField(default=1)  # bumped by every change (the webhook's and the API's If-Match)


class PerformanceRecord(BaseModel):
    """A hired candidate's rating for one period, imported from the HR system (bot/decisions/performance.py)."""

    hire = pw.ForeignKeyField(Hire, backref="performance", on_delete="CASCADE")
    period = pw.CharField(max_length=32)  # as the HR system names it: 2026H1, 2026-Q3…
    score = pw.FloatField()  # the rating as a number (a grade such as A or 优秀 mapped by the import)
    rating = pw.CharField(max_length=16, default="")  # the grade as written, when it was one
    kpis = JSONField(default=dict)
    source = pw.CharField(max_length=8, default="hr")  # hr | api
    imported_by = pw.CharField(max_length=64, default="")
    imported_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("hire", "period"), True),)


class SelfDeclared(BaseModel):
    """Attributes a candidate chose to declare for the fairness report (gender, age band…), under their own
    refusable consent (Consent kind 'fairness'): sealed, kept apart from the answers, never shown to the scorer or to
    HR per candidate; only counts per group leave the database."""

    interview = pw.ForeignKeyField(Interview, backref="self_declared", unique=True, on_delete="CASCADE")
    attributes = SealedJSONField(default=dict)
    declared_at = pw.DateTimeField(default=utcnow)


ALL_MODELS += [Scorecard, RoundDecision, Hire, PerformanceRecord, SelfDeclared]
