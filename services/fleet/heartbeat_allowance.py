"""How many heartbeats each node may send a minute, counted in MongoDB so that every replica shares the count.

A beat never waits for the database: each replica counts the beats it accepted in memory, adds them to the
shared counters at each flush and reads the totals back, so a node spreading its beats over several replicas is
held to one allowance, at most a flush late. The counters of a minute are fields of SHARDS documents, so that a
flush writes at most SHARDS documents however many nodes beat.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from models.errors import RateLimited
from repositories.rate_counters import RateCounterRepository

WINDOW_SECONDS = 60
SHARDS = 32


def shard_of(node_id: str) -> int:
    return int(node_id[-4:], 16) % SHARDS if len(node_id) >= 4 else 0


class HeartbeatAllowance:
    def __init__(self, counters: RateCounterRepository, per_minute: int, clock: Callable[[], datetime]) -> None:
        self._counters = counters
        self.per_minute = per_minute
        self._clock = clock
        self._window = 0
        self._shared: dict[str, int] = {}  # per node: the window's total in MongoDB, as last read
        self._unflushed: dict[str, int] = {}  # per node: beats accepted here since the last flush

    def _current_window(self) -> int:
        now = int(self._clock().timestamp())
        window = now - now % WINDOW_SECONDS
        if window != self._window:
            self._window, self._shared, self._unflushed = window, {}, {}
        return window

    def take(self, node_id: str) -> None:
        """Count one beat of this node, or refuse it (429 with Retry-After) once it used this minute's allowance."""
        window = self._current_window()
        if self._shared.get(node_id, 0) + self._unflushed.get(node_id, 0) >= self.per_minute:
            resets = datetime.fromtimestamp(window + WINDOW_SECONDS, UTC)
            raise RateLimited(
                resets,
                f'Too many heartbeats from this node (at most {self.per_minute} a minute): '
                f'try again after {resets:%H:%M:%S} UTC',
            )
        self._unflushed[node_id] = self._unflushed.get(node_id, 0) + 1

    async def flush(self) -> None:
        """Add this replica's counts to the shared counters and learn every replica's totals."""
        window, counts = self._current_window(), self._unflushed
        if not counts:
            return
        self._unflushed = {}
        by_shard: dict[str, dict[str, int]] = {}
        for node_id, n in counts.items():
            by_shard.setdefault(f'heartbeats|{window}|{shard_of(node_id)}', {})[node_id] = n
        expires = datetime.fromtimestamp(window + WINDOW_SECONDS, UTC) + timedelta(seconds=1)
        try:
            totals = await self._counters.add_many(by_shard, expires)
        except Exception:
            if window == self._window:  # counted again at the next flush
                for node_id, n in counts.items():
                    self._unflushed[node_id] = self._unflushed.get(node_id, 0) + n
            raise
        if window == self._window:
            for shard in totals.values():
                self._shared.update(shard)
