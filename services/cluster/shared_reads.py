"""One cluster read for many watchers: live views (a deployment's pods, a followed log) ask for the same thing every
few seconds from every open page. Within `ttl` seconds of a read, callers with the same key share its answer, and
callers arriving while it runs wait for it, so forty pages following one log cost about one read per interval.
Who may see the answer is decided by each caller before it asks."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

MOST_KEYS = 2000


class SharedReads:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, asyncio.Future]] = {}
        self.reads = 0  # how many reads reached the cluster (for the bench and tests)

    async def get(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            if len(self._entries) >= MOST_KEYS:
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
            self.reads += 1
            entry = (now + self._ttl, asyncio.ensure_future(read()))
            self._entries[key] = entry
        try:
            return await asyncio.shield(entry[1])
        except Exception:
            if self._entries.get(key) is entry:
                del self._entries[key]  # a failure is not kept for the others
            raise
