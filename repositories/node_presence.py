"""A node's status as shown: its beats, as this replica follows them, come before what the database holds.

A node that beats is shown online at once, and one silent for longer than the offline threshold is shown offline
the second it crosses it, on every replica (each follows the beat log). The database's status, its events and the
notifications follow at the pace of the writes (a node coming online or going offline is three writes: on the
embedded database a fleet of 60,000 took minutes), and a node the beats say nothing of is shown as stored.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from models.fleet import NodeStatus
from repositories.beat_tail import BeatTail
from repositories.read_model import ReadModel, Row

log = logging.getLogger(__name__)
ONLINE, OFFLINE = NodeStatus.ONLINE.value, NodeStatus.OFFLINE.value


def now() -> datetime:
    return datetime.now(UTC)


class NodePresence:
    def __init__(self, tail: BeatTail, offline_after: timedelta, clock: Callable[[], datetime] = now) -> None:
        self._tail = tail
        self.offline_after = offline_after
        self._clock = clock
        self._cutoff: datetime | None = None  # beats older than this were shown offline at the last look
        tail.watch()

    def status(self, node_id: str, stored: str) -> str:
        """What this node is shown as, the database holding `stored`."""
        latest = self._tail.latest(node_id)
        if latest is None:
            return stored
        return ONLINE if latest > self._clock() - self.offline_after else OFFLINE

    def shown(self, row: Row) -> Row:
        """The read model's row of a node, with the status shown."""
        status = self.status(row.id, row.stored_status or row.status)
        if status == row.status:
            return row
        return replace(row, status=status, sort_keys={**row.sort_keys, 'status': status})

    def changed(self) -> set[str]:
        """The nodes whose shown status may have changed since the last call: those whose latest beat changed,
        and those whose latest beat has just become older than the threshold."""
        cutoff = self._clock() - self.offline_after
        crossed = self._tail.seen_between(self._cutoff, cutoff)
        self._cutoff = cutoff
        return self._tail.take_touched() | crossed.keys()

    async def follow(self, model: ReadModel, seconds: float) -> None:
        """Every `seconds`, read the beats every replica logged, and show again the nodes whose status may have
        changed (a task of each replica)."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await self._tail.follow()
                await model.reconsider(self.changed())
            except Exception as error:  # the database is away: the next look reads what this one missed
                log.warning('node presence: %s', type(error).__name__)
