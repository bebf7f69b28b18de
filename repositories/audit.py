"""The `audit` collection: who did what, when, to what; kept for a retention by TTL."""

from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from models.audit import AuditEntry, AuditPage
from repositories.audit_counts import AuditCounts, Bucket, count_field

BACKFILL_BATCH = 5000


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
        self._counts = AuditCounts(db, retention)

    async def ensure_indexes(self) -> None:
        await self._audit.create_index(
            [('at', ASCENDING)], expireAfterSeconds=int(self._retention.total_seconds()), name='at_ttl'
        )
        await self._audit.create_index([('action', ASCENDING), ('at', DESCENDING)], name='action_at')
        await self._audit.create_index([('actor_email', ASCENDING), ('at', DESCENDING)], name='actor_at')
        await self._counts.ensure_indexes()
        if await self._counts.is_empty():
            await self._count_what_exists()

    async def _count_what_exists(self) -> None:
        """Entries written before they were counted (once, when upgrading): counted now, a batch at a time."""
        batch = []
        async for doc in self._audit.find({}, {'at': 1, 'action': 1, 'actor_email': 1}).batch_size(BACKFILL_BATCH):
            batch.append((doc['at'], doc['action'], doc.get('actor_email')))
            if len(batch) >= BACKFILL_BATCH:
                await self._counts.add_many(batch)
                batch = []
        await self._counts.add_many(batch)

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
        await self._counts.add(entry.at, entry.action, entry.actor_email)

    async def page(self, action: str | None, actor_email: str | None, page: int, page_size: int) -> AuditPage:
        """One page, newest first: the counts say which hours hold it, and only those hours' entries are read."""
        field = count_field(action, actor_email)
        days = await self._counts.days(field)
        total = sum(day.count for day in days)
        offset = (page - 1) * page_size
        if offset >= total:
            return AuditPage([], total, page, page_size)
        first_day, offset = _holding(days, offset)
        chain = await self._counts.hours_of(days[first_day].start, field) or [days[first_day]]
        first, offset = _holding(chain, offset)
        last, covered, next_day = first, 0, first_day + 1
        while covered < offset + page_size:  # the page may go on into the next days: hour by hour there too
            if last < len(chain):
                covered += chain[last].count
                last += 1
            elif next_day < len(days):
                chain += await self._counts.hours_of(days[next_day].start, field)
                next_day += 1
            else:
                break
        query: dict[str, Any] = {'at': {'$gte': chain[last - 1].start, '$lt': chain[first].start + chain[first].length}}
        if action:
            query['action'] = action
        if actor_email:
            query['actor_email'] = actor_email
        cursor = self._audit.find(query).sort([('at', DESCENDING), ('_id', DESCENDING)]).skip(offset).limit(page_size)
        return AuditPage([_entry(doc) async for doc in cursor], total, page, page_size)


def _holding(buckets: list[Bucket], offset: int) -> tuple[int, int]:
    """The bucket that holds entry number `offset` (newest first), and the offset within it."""
    index = 0
    while index < len(buckets) - 1 and offset >= buckets[index].count:
        offset -= buckets[index].count
        index += 1
    return index, offset
