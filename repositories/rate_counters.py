"""`rate_counters`: how many times a key did something in a fixed window, shared by every replica; each window's
counter expires with it (TTL)."""

from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class RateCounterRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._counters = db['rate_counters']

    async def ensure_indexes(self) -> None:
        await self._counters.create_index('expires', name='expires', expireAfterSeconds=0)

    async def add(self, counter_id: str, expires: datetime) -> int:
        """Count one more; returns the count in this window."""
        change = {'$inc': {'n': 1}, '$setOnInsert': {'expires': expires + timedelta(minutes=1)}}
        try:
            doc = await self._counters.find_one_and_update(
                {'_id': counter_id}, change, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:  # two first hits of a window raced to create it: it exists now
            doc = await self._counters.find_one_and_update(
                {'_id': counter_id}, change, return_document=ReturnDocument.AFTER
            )
        return doc['n']

    async def count(self, counter_id: str) -> int:
        doc = await self._counters.find_one({'_id': counter_id})
        return doc['n'] if doc else 0
