"""Rate limits counted in MongoDB, so that every replica shares them and a restart forgets nothing: fixed windows
per (limit, key); over the limit is RateLimited (429 with Retry-After)."""

import hashlib
from datetime import UTC, datetime

from models.errors import RateLimited
from models.limits import Limit
from repositories.rate_counters import RateCounterRepository


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

    async def take_all(self, attempts: list[tuple[Limit, str | None]]) -> list[str]:
        """Count one more under each (limit, key) first, then refuse if any of them went over: an attempt is
        counted before the work it guards, so concurrent attempts can't all pass a check made before any counted.
        Returns the counters, for `give_back`."""
        counted, refusals = [], []
        for limit, key in attempts:
            if key is None:
                continue
            counter, resets = self._window(limit, key)
            counted.append(counter)
            if await self._counters.add(counter, resets) > limit.most:
                refusals.append(self._refuse(limit, resets))
        if refusals:
            raise refusals[0]
        return counted

    async def give_back(self, counters: list[str]) -> None:
        """Uncount what `take_all` counted for an attempt that turned out not to count (a log-in that succeeded)."""
        for counter in counters:
            await self._counters.subtract(counter)

    async def take(self, limit: Limit, key: str | None) -> None:
        """Count one more for `key`, refusing once it goes over the limit."""
        if key is None:
            return
        counter, resets = self._window(limit, key)
        if await self._counters.add(counter, resets) > limit.most:
            raise self._refuse(limit, resets)
