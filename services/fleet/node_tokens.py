"""Node tokens are checked without a database round trip: a signed JWT, minus the ones revoked.

Each replica keeps the ids of revoked node tokens in memory, adds its own revocations at once, and picks up other
replicas' revocations by polling (`poll`, a scheduled job): a token revoked elsewhere stops working within one poll.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from repositories.node_token_revocations import NodeTokenRevocationRepository

POLL_OVERLAP = timedelta(seconds=30)  # tolerates clock differences between replicas


class NodeTokenGuard:
    def __init__(self, revocations: NodeTokenRevocationRepository, clock: Callable[[], datetime]) -> None:
        self._revocations = revocations
        self._clock = clock
        self._revoked: set[str] = set()
        self._last_poll: datetime | None = None

    async def ensure_indexes(self) -> None:
        """Create the revocation list's indexes."""
        await self._revocations.ensure_indexes()

    def is_revoked(self, token_id: str) -> bool:
        """Whether this token id was revoked (as far as this replica knows)."""
        return token_id in self._revoked

    async def revoke(self, token_id: str, node_id: str, expires_at: datetime) -> None:
        """Refuse this token from now on, here at once and on other replicas after their next poll."""
        self._revoked.add(token_id)
        await self._revocations.add(token_id, node_id, self._clock(), expires_at)

    async def poll(self) -> int:
        """Learn revocations made since the last poll (all of them on the first); returns how many are new."""
        started = self._clock()
        since = self._last_poll - POLL_OVERLAP if self._last_poll else None
        fresh = set(await self._revocations.revoked_since(since)) - self._revoked
        self._revoked |= fresh
        self._last_poll = started
        return len(fresh)
