"""What the commands look up: candidates by the name a recruiter types, positions, latest reports, the funnel."""
from __future__ import annotations

from bot.commands.registry import CommandError

# find_candidate: a candidate by the userid, WeChat id or name a recruiter types (shared with rescheduling)
from bot.invitations import reach
from bot.invitations.invites import find_candidate, find_position, no_position, open_titles  # noqa: F401
from bot.org.access import in_scope
from bot.store.models import Candidate, Decision, Interview, Invitation, Position, Report


def position_named(name: str) -> Position:
    """Return the open position name means; raise CommandError listing the ones it could mean, or the open ones."""
    position = find_position(name)
    if position is None:
        template, values = no_position(name)
        raise CommandError(template, **values)
    return position


def latest_report(candidate: Candidate | None) -> Report | None:
    """Return the candidate's most recent report the acting member may see, or None."""
    if candidate is None:
        return None
    return (Report.select().join(Interview).join(Invitation).join(Position)
            .where((Invitation.candidate == candidate) & in_scope())
            .order_by(Report.created_at.desc()).first())


def funnel(position: Position) -> dict[str, int]:
    """How far the position's candidates got: invited → opened → started → completed → scored → decided.
    Invited counts the invitations that reached their candidate (reach.delivered): a card that never arrived
    invited nobody."""
    invitations = Invitation.select(Invitation.id).where(Invitation.position == position)
    interviews = Interview.select(Interview.id).where(Interview.invitation.in_(invitations))
    return {
        "invited": invitations.where(reach.delivered()).count(),
        "opened": invitations.where(Invitation.opened_at.is_null(False) | Invitation.id.in_(
            Interview.select(Interview.invitation).where(Interview.invitation.in_(invitations)))).count(),
        "started": interviews.count(),
        "completed": interviews.where(Interview.status == "completed").count(),
        "scored": Report.select().where(Report.interview.in_(interviews)).count(),
        "decided": Decision.select().where(Decision.interview.in_(interviews) & (Decision.outcome != "hold")).count(),
    }
