"""The H5 page's optional fairness step: attributes a candidate may declare (gender, age band) for the fairness
report, under their own consent, separate from the recording's and refusable (PIPL Art. 14, 29).

The step comes after the main consent, where the company asks at all (FAIRNESS_QUESTIONS, off by default: collecting
more personal data is its decision to make). Its notice is defined here and in the ``fairness_*`` templates of
config/messages; the page shows it as sent and its sha256 (the lines joined with "\\n", UTF-8, as
bot/interviews/consent.py hashes the main notice) is what a Consent row records:

- declared: a Consent row of kind ``fairness`` and the answers in SelfDeclared (sealed, one row per interview);
  "不愿透露" for an attribute stores nothing for it, and "不愿透露" for every one is a refusal;
- refused ("跳过"): a Consent row of kind ``fairness_no`` — the notice read and when, nothing else — so the
  candidate is never asked again, in this interview or a later one;
- withdrawn (the page's「撤回公平性信息」, any time, the link's deadline notwithstanding): every SelfDeclared row of
  the candidate deleted, their ``fairness`` rows marked withdrawn, and they are not asked again.

Nothing but bot/reports/fairness_cohort.py reads SelfDeclared, and it hands on counts per group only: the scorer,
the report and every HR page about one candidate never see it (tests/handlers/test_h5_fairness.py).
Erasure deletes the rows (bot/privacy/erasure.py).
"""
from __future__ import annotations

import hashlib
from typing import Any

import peewee as pw

from bot.clock import utcnow
from bot.store.db import database
from bot.store.models import AuditLog, Consent, Interview, Invitation, SelfDeclared
from bot.wecom import messages
from config.settings import Settings

VERSION = "fairness-v1"
DECLARED, REFUSED = "fairness", "fairness_no"  # Consent kinds
UNDISCLOSED = "undisclosed"
# attribute → its groups, in the order the page and the report show them
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male"),
    "age_band": ("under_25", "25_29", "30_34", "35_39", "40_plus"),
}
LINES = ("intro", "private", "effect", "withdraw")
IP_MAX, USER_AGENT_MAX = 64, 256


class DeclareError(Exception):
    """An answer the page should not have sent; its message is safe to show."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def label(attribute: str, group: str, locale: str = "zh-CN") -> str:
    """A group's name as people read it (女, 35–39 岁; 不愿透露)."""
    if group == UNDISCLOSED:
        return messages.render("fairness_undisclosed", locale)
    return messages.render(f"fairness_{attribute}_{group}", locale)


def notice(locale: str) -> dict[str, Any]:
    """The step's notice in one language, as the page shows it, with its sha256."""
    doc: dict[str, Any] = {
        "title": messages.render("fairness_title", locale),
        "lines": [messages.render(f"fairness_{name}", locale) for name in LINES],
        "questions": [{"key": attribute, "label": messages.render(f"fairness_{attribute}", locale),
                       "options": [{"value": group, "label": label(attribute, group, locale)}
                                   for group in (*groups, UNDISCLOSED)]}
                      for attribute, groups in ATTRIBUTES.items()],
        "agree": messages.render("fairness_agree", locale),
        "skip": messages.render("fairness_skip", locale),
    }
    doc["sha256"] = hashlib.sha256(canonical(doc).encode("utf-8")).hexdigest()
    return doc


def canonical(doc: dict[str, Any]) -> str:
    """The text the hash is taken of: every line shown, in order (each question, then its options)."""
    lines = [doc["title"], *doc["lines"]]
    for question in doc["questions"]:
        lines += [question["label"], *(option["label"] for option in question["options"])]
    return "\n".join([*lines, doc["agree"], doc["skip"]])


def notices() -> dict[str, dict[str, Any]]:
    """The notice in every language the page offers, keyed by locale."""
    return {locale: notice(locale) for locale in messages.LOCALES}


def _candidate_interviews(candidate_id: int) -> Any:
    return Interview.select(Interview.id).join(Invitation).where(Invitation.candidate == candidate_id)


def refused(candidate_id: int) -> bool:
    """Whether the candidate said no (in any interview) or withdrew what they declared: never asked again."""
    return Consent.select().where(
        Consent.interview.in_(_candidate_interviews(candidate_id))
        & ((Consent.kind == REFUSED) | ((Consent.kind == DECLARED) & Consent.withdrawn_at.is_null(False)))).exists()


def declared(candidate_id: int) -> bool:
    """Whether anything the candidate declared is kept (the page then offers to withdraw it)."""
    return SelfDeclared.select().where(SelfDeclared.interview.in_(_candidate_interviews(candidate_id))).exists()


def state(invitation: Invitation, interview: Interview | None, settings: Settings) -> dict[str, Any]:
    """What the page needs: whether to ask now (FAIRNESS_QUESTIONS on; after consent, while the interview runs, never
    after a refusal, once per interview), whether something is kept, and the notice."""
    candidate_id = invitation.candidate_id
    erased = invitation.candidate.erased_at is not None
    answered = interview is not None and Consent.select().where(
        (Consent.interview == interview) & Consent.kind.in_((DECLARED, REFUSED))).exists()
    ask = (settings.fairness_questions and not erased and interview is not None and interview.consent_at is not None
           and interview.status == "in_progress" and not answered and not refused(candidate_id))
    return {"ask": ask, "declared": not erased and declared(candidate_id), "version": VERSION, "texts": notices()}


def clean(answers: Any) -> dict[str, str]:
    """The declared attributes worth keeping ({} when every one is 不愿透露), or DeclareError for anything the page
    never offers."""
    if not isinstance(answers, dict) or not set(answers) <= set(ATTRIBUTES):
        raise DeclareError(400, "bad_answer", "提交的内容无法识别，请刷新页面后重试。")
    kept = {}
    for attribute, value in answers.items():
        if value not in (*ATTRIBUTES[attribute], UNDISCLOSED):
            raise DeclareError(400, "bad_answer", "提交的内容无法识别，请刷新页面后重试。")
        if value != UNDISCLOSED:
            kept[attribute] = value
    return kept


def _consent(interview: Interview, kind: str, text_sha256: str, ip: str, user_agent: str) -> None:
    try:
        with database.atomic():
            Consent.create(interview=interview, kind=kind, version=VERSION, text_sha256=text_sha256,
                           ip=(ip or "")[:IP_MAX], user_agent=(user_agent or "")[:USER_AGENT_MAX])
    except pw.IntegrityError:  # a repeat: the first row stands
        pass


def answer(interview: Interview, answers: Any, *, version: str, text_sha256: str, ip: str = "",
           user_agent: str = "") -> bool:
    """Keep the candidate's choice; True when attributes were stored, False for a refusal (answers None, or every
    attribute 不愿透露). The notice must be a current one (else DeclareError: the text changed since the page
    loaded)."""
    if version != VERSION or text_sha256 not in {t["sha256"] for t in notices().values()}:
        raise DeclareError(409, "fairness_outdated", "说明内容已更新，请刷新页面后重新阅读。")
    kept = clean(answers) if answers is not None else {}
    with database.atomic():
        if not kept:
            SelfDeclared.delete().where(SelfDeclared.interview == interview).execute()
            Consent.update(withdrawn_at=utcnow()).where((Consent.interview == interview) & (Consent.kind == DECLARED)
                                                        & Consent.withdrawn_at.is_null()).execute()
            _consent(interview, REFUSED, text_sha256, ip, user_agent)
            return False
        _consent(interview, DECLARED, text_sha256, ip, user_agent)
        row, made = SelfDeclared.get_or_create(interview=interview, defaults={"attributes": kept})
        if not made:
            SelfDeclared.update(attributes=kept, declared_at=utcnow()).where(SelfDeclared.id == row.id).execute()
    return True


def withdraw(candidate_id: int) -> int:
    """Delete everything the candidate declared and mark their fairness consents withdrawn; return how many
    interviews' answers went (audited, without them)."""
    with database.atomic():
        gone = SelfDeclared.delete().where(SelfDeclared.interview.in_(_candidate_interviews(candidate_id))).execute()
        Consent.update(withdrawn_at=utcnow()).where(
            Consent.interview.in_(_candidate_interviews(candidate_id)) & (Consent.kind == DECLARED)
            & Consent.withdrawn_at.is_null()).execute()
        AuditLog.create(actor=f"candidate:{candidate_id}", action="fairness_withdraw", target_type="candidate",
                        target_id=str(candidate_id), detail={"interviews": gone})
    return gone
