"""A position's lifecycle: draft → open ⇄ paused → closed → archived. Only an open position takes new invitations
(is_open is kept equal to status == "open", which chat and the open API read). A change of state is audited and is
not a new version: what candidates are asked stays as it was."""
from __future__ import annotations

from bot.store.db import write_transaction
from bot.store.models import AuditLog, Position

STATES = ("draft", "open", "paused", "closed", "archived")
STATE_LABELS = {"draft": "草稿", "open": "招聘中", "paused": "已暂停", "closed": "已关闭", "archived": "已归档"}
# Where each state may go; the HR pages offer exactly these.
MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("open", "archived"),
    "open": ("paused", "closed"),
    "paused": ("open", "closed"),
    "closed": ("open", "archived"),
    "archived": ("closed",),  # restore: back among the closed ones, to be opened again on purpose
}
MOVE_LABELS = {"open": "开放招聘", "paused": "暂停", "closed": "关闭", "archived": "归档"}
BACK_LABELS = {("paused", "open"): "继续招聘", ("closed", "open"): "重新开放", ("archived", "closed"): "取消归档"}


def move_label(was: str, to: str) -> str:
    """The button that moves a position from state `was` to `to`, as HR reads it."""
    return BACK_LABELS.get((was, to), MOVE_LABELS.get(to, to))


class StateError(ValueError):
    """A move the lifecycle does not allow (from that state, or to an unknown one); the message says which."""


def state_of(position: Position) -> str:
    """The position's state (a row from before the lifecycle reads as open or closed, as is_open said)."""
    return position.status if position.status in STATES else ("open" if position.is_open else "closed")


def move(position: Position, to: str, actor: str) -> str:
    """Move the position to state `to` and audit it; return the state it left. The state is read again under the
    write lock, so two members pressing buttons at once cannot make a move the lifecycle forbids."""
    if to not in STATES:
        raise StateError(f"没有“{to[:16]}”这个状态。")
    with write_transaction():
        fresh = Position.get_by_id(position.id)
        was = state_of(fresh)
        if to not in MOVES[was]:
            raise StateError(f"岗位现在是“{STATE_LABELS[was]}”，不能改为“{STATE_LABELS[to]}”。")
        Position.update(status=to, is_open=to == "open").where(Position.id == position.id).execute()
        AuditLog.create(actor=actor[:64], action="position.status", target_type="position",
                        target_id=str(position.id), detail={"slug": fresh.slug, "from": was, "to": to})
    return was
