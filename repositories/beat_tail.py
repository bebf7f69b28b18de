"""What a replica knows of the fleet's recent beats, following the beat log that every replica writes: each node's
latest beat, and the nodes filed by the second of it. The silent ones are then found without a look at the nodes
that keep beating, and a page shows a node's last beat to the second without a write per beat."""

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from repositories.beat_log import KEPT_FOR, BeatLogRepository, LoggedBeats

OVERLAP = timedelta(seconds=10)  # a flush written late by another replica is still read


def _second(at: datetime) -> int:
    return int(at.timestamp())


class BeatTail:
    def __init__(self, log: BeatLogRepository) -> None:
        self._log = log
        self._latest: dict[str, datetime] = {}
        self._by_second: defaultdict[int, set[str]] = defaultdict(set)
        self._applied: dict[ObjectId, datetime] = {}  # log documents read, by when they were written
        self._cursor: datetime | None = None
        self._newest: datetime | None = None
        self._touched: set[str] | None = None
        self._lock = asyncio.Lock()

    def note(self, node_id: str, at: datetime) -> None:
        """This node beat at `at` (a time older than what is known of it changes nothing)."""
        previous = self._latest.get(node_id)
        if previous is not None:
            if previous >= at:
                return
            self._unfile(node_id, previous)
        self._latest[node_id] = at
        self._by_second[_second(at)].add(node_id)
        if self._newest is None or at > self._newest:
            self._newest = at
        if self._touched is not None:
            self._touched.add(node_id)

    def note_logged(self, logged: LoggedBeats) -> None:
        """The beats of one log document (one this replica wrote need then not be read)."""
        self._applied[logged.id] = logged.written_at
        for node_id, at in logged.beats():
            self.note(node_id, at)

    def watch(self) -> None:
        """From now on, keep the nodes whose latest beat changed, for `take_touched`."""
        if self._touched is None:
            self._touched = set()

    def take_touched(self) -> set[str]:
        """The nodes whose latest beat changed (noted, forgotten or pruned) since the last call."""
        touched = self._touched or set()
        if self._touched is not None:
            self._touched = set()
        return touched

    async def follow(self) -> int:
        """Read the flushes written since the last look, by every replica; returns how many."""
        async with self._lock:
            since = self._cursor - OVERLAP if self._cursor else datetime.now(UTC) - KEPT_FOR
            read = 0
            known = [i for i, written in self._applied.items() if written >= since]
            for logged in await self._log.written_since(since, known):
                if logged.id in self._applied:
                    continue
                self.note_logged(logged)
                self._cursor = max(self._cursor or logged.written_at, logged.written_at)
                read += 1
            self._prune()
            return read

    async def reload(self) -> int:
        """Forget what is known and read the whole log again."""
        async with self._lock:
            if self._touched is not None:
                self._touched.update(self._latest)
            self._latest.clear()
            self._by_second.clear()
            self._applied.clear()
            self._cursor = None
            self._newest = None
        return await self.follow()

    def latest(self, node_id: str) -> datetime | None:
        return self._latest.get(node_id)

    def silent_since(self, cutoff: datetime) -> dict[str, datetime]:
        """Nodes whose latest beat is older than `cutoff`, oldest first, with that beat's time."""
        silent: dict[str, datetime] = {}
        for second in sorted(s for s in self._by_second if s <= _second(cutoff)):
            for node_id in self._by_second[second]:
                if self._latest[node_id] < cutoff:
                    silent[node_id] = self._latest[node_id]
        return dict(sorted(silent.items(), key=lambda item: item[1]))

    def seen_between(self, after: datetime | None, before: datetime) -> dict[str, datetime]:
        """Nodes whose latest beat is in (`after`, `before`]."""
        low = _second(after) if after else None
        found: dict[str, datetime] = {}
        for second in [s for s in self._by_second if (low is None or s >= low) and s <= _second(before)]:
            for node_id in self._by_second[second]:
                at = self._latest[node_id]
                if (after is None or at > after) and at <= before:
                    found[node_id] = at
        return found

    def forget(self, node_ids: list[str]) -> None:
        """Nodes marked offline are no longer looked at, until they beat again."""
        for node_id in node_ids:
            at = self._latest.pop(node_id, None)
            if at is not None:
                self._unfile(node_id, at)
                if self._touched is not None:
                    self._touched.add(node_id)

    def _unfile(self, node_id: str, at: datetime) -> None:
        second = _second(at)
        filed = self._by_second.get(second)
        if filed is not None:
            filed.discard(node_id)
            if not filed:
                del self._by_second[second]

    def _prune(self) -> None:
        """Beats older than the log keeps, and the ids of documents that can no longer be read twice."""
        if self._newest is not None:
            oldest = _second(self._newest - KEPT_FOR)
            for second in [s for s in self._by_second if s < oldest]:
                for node_id in self._by_second.pop(second):
                    del self._latest[node_id]
                    if self._touched is not None:
                        self._touched.add(node_id)
        if self._cursor is not None:
            read_again_after = self._cursor - 2 * OVERLAP
            self._applied = {i: written for i, written in self._applied.items() if written >= read_again_after}
