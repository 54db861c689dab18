"""Saves of one position at the same moment, in two threads with their own connections: without a base version both
are kept as consecutive versions (never one number twice, never a misleading "title taken"); with the same base
version one wins and the other is told the position changed, and nothing of it is saved."""
from __future__ import annotations

import copy
import threading
import time

import pytest

from bot.positions import versions
from bot.positions.catalog import POSITIONS_DIR, PositionChanged, digest_of, parse_position, save_position
from bot.store.db import database, db_session, write_transaction
from bot.store.models import Position

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)


def _teller(think: int) -> dict:
    values = copy.deepcopy(parse_position(POSITIONS_DIR / "teller.yaml"))
    values["think_seconds"] = think
    values["source_sha256"] = digest_of(values)
    return values


def _at_once(base: int | None) -> list[object]:
    """Two saves of the teller with different times: the first one's transaction is still open (it has saved, not
    yet committed) when the second starts. Each one's result or exception."""
    saved, results = threading.Event(), [None, None]

    def run(i: int) -> None:
        with db_session():
            try:
                if i == 0:
                    with write_transaction():
                        results[i] = save_position(_teller(30), author="hr_0", source="hr", base_version=base)
                        saved.set()
                        time.sleep(0.5)  # the second save starts now, against an uncommitted version 2
                else:
                    saved.wait(10)
                    results[i] = save_position(_teller(31), author="hr_1", source="hr", base_version=base)
            except PositionChanged as exc:
                results[i] = exc
        database.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_without_a_base_both_saves_are_kept_as_consecutive_versions(env):
    assert _at_once(None) == ["updated", "updated"]
    teller = Position.get(Position.slug == "teller")
    assert [v.number for v in versions.history(teller)] == [3, 2, 1]
    assert teller.think_seconds == versions.latest(teller).document["think_seconds"]


def test_with_the_same_base_one_wins_and_the_other_is_told(env):
    first, second = _at_once(1)
    assert first == "updated" and isinstance(second, PositionChanged), (first, second)
    assert (second.current, second.base) == (2, 1)
    teller = Position.get(Position.slug == "teller")
    assert teller.think_seconds == 30 and [v.number for v in versions.history(teller)] == [2, 1]
