"""Rate limits counted in MongoDB, so that every replica shares them and a restart forgets nothing: fixed windows
per (limit, key); over the limit is RateLimited (429 with Retry-After)."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from errors import RateLimited
from repositories.rate_counters import RateCounterRepository


@dataclass(frozen=True)
class Limit:
    name: str
    most: int
    window: timedelta
    message: str  # said when the limit is reached; `{at}` is when it resets


class RateLimiter:
    def __init__(self, counters: RateCounterRepository) -> None:
        self._counters = counters

    async def ensure_indexes(self) -> None:
        await self._counters.ensure_indexes()

    @staticmethod
    def _window(limit: Limit, key: str) -> tuple[str, datetime]:
        size = int(limit.window.total_seconds())
        now = int(datetime.now(UTC).timestamp())
        start = now - now % size
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # keys (emails, addresses) are not stored as such
        return f'{limit.name}|{digest}|{start}', datetime.fromtimestamp(start + size, UTC)

    def _refuse(self, limit: Limit, resets: datetime) -> RateLimited:
        return RateLimited(resets, limit.message.format(at=f'{resets:%H:%M:%S} UTC'))

    async def check(self, limit: Limit, key: str | None) -> None:
        """Refuse if `key` already reached the limit in this window (counting nothing)."""
        if key is None:
            return
        counter, resets = self._window(limit, key)
        if await self._counters.count(counter) >= limit.most:
            raise self._refuse(limit, resets)

    async def count(self, limit: Limit, key: str | None) -> None:
        """Count one more for `key` (a failure, for limits checked before the attempt)."""
        if key is not None:
            counter, resets = self._window(limit, key)
            await self._counters.add(counter, resets)

    async def take(self, limit: Limit, key: str | None) -> None:
        """Count one more for `key`, refusing once it goes over the limit."""
        if key is None:
            return
        counter, resets = self._window(limit, key)
        if await self._counters.add(counter, resets) > limit.most:
            raise self._refuse(limit, resets)
