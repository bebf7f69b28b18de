"""The `audit` collection: who did what, when, to what; kept for a retention by TTL."""

from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from models.audit import AuditEntry, AuditPage


def _entry(doc: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=str(doc['_id']),
        at=doc['at'],
        actor_id=doc.get('actor_id'),
        actor_email=doc.get('actor_email'),
        action=doc['action'],
        target=doc.get('target'),
        details=doc.get('details') or {},
    )


class AuditRepository:
    def __init__(self, db: AsyncDatabase, retention: timedelta) -> None:
        self._audit = db['audit']
        self._retention = retention

    async def ensure_indexes(self) -> None:
        await self._audit.create_index(
            [('at', ASCENDING)], expireAfterSeconds=int(self._retention.total_seconds()), name='at_ttl'
        )
        await self._audit.create_index([('action', ASCENDING), ('at', DESCENDING)], name='action_at')
        await self._audit.create_index([('actor_email', ASCENDING), ('at', DESCENDING)], name='actor_at')

    async def add(self, entry: AuditEntry) -> None:
        """Keep one entry (its id is chosen here)."""
        await self._audit.insert_one(
            {
                'at': entry.at,
                'actor_id': entry.actor_id,
                'actor_email': entry.actor_email,
                'action': entry.action,
                'target': entry.target,
                'details': entry.details,
            }
        )

    async def page(self, action: str | None, actor_email: str | None, page: int, page_size: int) -> AuditPage:
        query: dict[str, Any] = {}
        if action:
            query['action'] = action
        if actor_email:
            query['actor_email'] = actor_email
        total = await self._audit.count_documents(query)
        cursor = self._audit.find(query).sort('at', DESCENDING).skip((page - 1) * page_size).limit(page_size)
        return AuditPage([_entry(doc) async for doc in cursor], total, page, page_size)
