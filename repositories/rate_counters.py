"""`rate_counters`: how many times a key did something in a fixed window, shared by every replica; each window's
counter expires with it (TTL)."""

import asyncio
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

ATTEMPTS = 5


class RateCounterRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._counters = db['rate_counters']

    async def ensure_indexes(self) -> None:
        await self._counters.create_index('expires', name='expires', expireAfterSeconds=0)

    async def add(self, counter_id: str, expires: datetime) -> int:
        """Count one more; returns the count in this window."""
        change = {'$inc': {'n': 1}, '$setOnInsert': {'expires': expires + timedelta(minutes=1)}}
        for attempt in range(ATTEMPTS):
            try:
                doc = await self._counters.find_one_and_update(
                    {'_id': counter_id}, change, upsert=True, return_document=ReturnDocument.AFTER
                )
                if doc is None:  # the embedded server may not return a document it just upserted in a race
                    doc = await self._counters.find_one({'_id': counter_id})
                return doc['n']
            except DuplicateKeyError:  # first hits of a window raced to create it: count again, it exists now
                if attempt == ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError('unreachable')

    async def count(self, counter_id: str) -> int:
        doc = await self._counters.find_one({'_id': counter_id})
        return doc['n'] if doc else 0
