"""Each position's delivery policy: the channels tried in order, the kinds of message each may carry, and after how
many hours an unopened invitation goes once more over the next channel that reaches the candidate.

The settings (DELIVERY_*) are the deployment's policy; a position's `delivery` section overrides any part of it
(config/delivery.py parses both; bot/wecom/notify.py routes by it; docs/messaging.md explains it). A candidate's
preferred channel — the one they last answered through — is tried first when the policy allows it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store.models import Candidate
from config.settings import get_settings

# The kind of message each chat template is (the policy speaks of kinds; messages are rendered from templates)
TEMPLATE_KINDS = {"invitation_text": "invitation", "reminder": "reminder", "result_pass": "second_round",
                  "result_reject": "thanks", "reschedule_confirmed": "reschedule", "reschedule_deadline": "reschedule",
                  "offer_made": "offer", "round_thanks": "thanks"}
PURPOSE_KINDS = {"invitation": "invitation", "reminder": "reminder"}  # a message known by its purpose only


@dataclass(frozen=True)
class Policy:
    """The channels in order and what SMS and e-mail may carry (WeCom's channels carry every kind)."""

    channels: tuple[str, ...]
    sms: frozenset[str]
    email: frozenset[str]
    fallback_hours: int

    def allows(self, channel: str, kind: str) -> bool:
        """Whether a message of kind may go over channel."""
        if channel not in self.channels:
            return False
        return kind in self.sms if channel == "sms" else kind in self.email if channel == "email" else True

    def order(self, preferred: str = "") -> tuple[str, ...]:
        """The channels to try, the candidate's preferred one first when the policy has it."""
        if preferred in self.channels:
            return (preferred, *(c for c in self.channels if c != preferred))
        return self.channels


def for_position(position: Any) -> Policy:
    """The policy of position (its `delivery` section over the settings'); position may be None."""
    settings = get_settings()
    own = ((position.rubric or {}).get("delivery") or {}) if position is not None else {}
    return Policy(channels=tuple(own.get("channels") or settings.delivery_channels),
                  sms=frozenset(own.get("sms", settings.delivery_sms_kinds)),
                  email=frozenset(own.get("email", settings.delivery_email_kinds)),
                  fallback_hours=int(own.get("fallback_hours", settings.delivery_fallback_hours)))


def kind_of(template: str = "", purpose: str = "") -> str:
    """The kind of a message rendered from template (or known by its purpose): anything unnamed is a notice."""
    return TEMPLATE_KINDS.get(template) or PURPOSE_KINDS.get(purpose) or "notice"


def remember(candidate_id: int, channel: str) -> None:
    """The candidate answered through channel (followed an SMS's or an e-mail's link, entered 微信客服): try it first
    from now on. Entering 微信客服 is a choice the page offered; opening an old SMS's link afterwards does not undo
    it."""
    query = Candidate.update(preferred_channel=channel).where(
        (Candidate.id == candidate_id) & (Candidate.preferred_channel != channel))
    (query if channel == "kf" else query.where(Candidate.preferred_channel != "kf")).execute()
