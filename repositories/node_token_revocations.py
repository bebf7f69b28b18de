"""The `node_token_revocations` collection: ids of node tokens that must no longer be accepted."""

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from repositories.database import durable


class NodeTokenRevocationRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._revocations = durable(db, 'node_token_revocations')

    async def ensure_indexes(self) -> None:
        """Polling by time, and dropping entries once the token would have expired anyway (idempotent)."""
        await self._revocations.create_index([('revoked_at', ASCENDING)], name='revoked_at')
        await self._revocations.create_index([('expires_at', ASCENDING)], expireAfterSeconds=0, name='expires_ttl')

    async def add(self, token_id: str, node_id: str, revoked_at: datetime, expires_at: datetime) -> None:
        """Record that a token is revoked (idempotent)."""
        await self._revocations.update_one(
            {'_id': token_id},
            {'$setOnInsert': {'node_id': node_id, 'revoked_at': revoked_at, 'expires_at': expires_at}},
            upsert=True,
        )

    async def revoked_since(self, since: datetime | None) -> list[str]:
        """Ids of tokens revoked at or after `since` (all of them when None)."""
        query = {'revoked_at': {'$gte': since}} if since else {}
        return [doc['_id'] async for doc in self._revocations.find(query, {'_id': 1})]
