"""Checking node tokens on the heartbeat path without a database round trip per beat."""

import hmac
import time
from collections.abc import Callable

from repositories.nodes import NodeRepository
from services.tokens import token_hash

Entry = tuple[str | None, float]  # (stored token hash, fetched at)


class NodeTokenCache:
    """Each node's stored token hash, re-read after `ttl_seconds`.

    This replica forgets an entry at once when it rotates or revokes the token; other replicas notice within the TTL.
    """

    def __init__(
        self, nodes: NodeRepository, ttl_seconds: float = 10.0, monotonic: Callable[[], float] = time.monotonic
    ):
        self._nodes = nodes
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[str, Entry] = {}

    async def matches(self, node_id: str, token: str) -> bool:
        """Whether `token` is the node's current token."""
        now = self._monotonic()
        entry = self._entries.get(node_id)
        if entry is None or now - entry[1] > self._ttl:
            entry = (await self._nodes.token_hash(node_id), now)
            self._entries[node_id] = entry
        return entry[0] is not None and hmac.compare_digest(entry[0], token_hash(token))

    def forget(self, node_id: str) -> None:
        """Drop what is known of a node's token (after a rotation, revocation or deletion)."""
        self._entries.pop(node_id, None)
