"""`rate_counters`: how many times a key did something in a fixed window, shared by every replica; each window's
counter expires with it (TTL)."""

import asyncio
from datetime import datetime, timedelta

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

ATTEMPTS = 5
DUPLICATE_KEY = 11000


def _counted(n: int, expires: datetime) -> dict:
    return {'$inc': {'n': n}, '$setOnInsert': {'expires': expires + timedelta(minutes=1)}}


async def _pause(attempt: int) -> None:
    await asyncio.sleep(0.01 * (attempt + 1))


class RateCounterRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._counters = db['rate_counters']

    async def ensure_indexes(self) -> None:
        await self._counters.create_index('expires', name='expires', expireAfterSeconds=0)

    async def add(self, counter_id: str, expires: datetime) -> int:
        """Count one more; returns the count in this window."""
        attempt = 0
        while True:
            try:
                doc = await self._counters.find_one_and_update(
                    {'_id': counter_id}, _counted(1, expires), upsert=True, return_document=ReturnDocument.AFTER
                )
                if doc is None:  # the embedded server may not return a document it just upserted in a race
                    doc = await self._counters.find_one({'_id': counter_id})
                return doc['n']
            except DuplicateKeyError:  # first hits of a window raced to create it: count again, it exists now
                if attempt == ATTEMPTS - 1:
                    raise
                await _pause(attempt)
                attempt += 1

    async def add_many(self, counts: dict[str, dict[str, int]], expires: datetime) -> dict[str, dict[str, int]]:
        """Add counts kept as fields of a few shared documents ({document: {field: n}}): one write per document
        however many fields, and one read back. Returns each document's totals of those fields."""
        if not counts:
            return {}
        waiting = list(counts)
        for attempt in range(ATTEMPTS):
            operations = [
                UpdateOne(
                    {'_id': doc_id},
                    {
                        '$inc': {f'c.{name}': n for name, n in counts[doc_id].items()},
                        '$setOnInsert': {'expires': expires + timedelta(minutes=1)},
                    },
                    upsert=True,
                )
                for doc_id in waiting
            ]
            try:
                await self._counters.bulk_write(operations, ordered=False)
                break
            except BulkWriteError as error:  # first hits raced with another replica's: add those again
                failed = error.details.get('writeErrors', [])
                if attempt == ATTEMPTS - 1 or any(e.get('code') != DUPLICATE_KEY for e in failed):
                    raise
                raced = {e['index'] for e in failed}
                waiting = [doc_id for index, doc_id in enumerate(waiting) if index in raced]
                await _pause(attempt)
        found = self._counters.find({'_id': {'$in': list(counts)}}, {'c': 1})  # a projection per field costs more
        return {doc['_id']: doc.get('c', {}) async for doc in found}

    async def count(self, counter_id: str) -> int:
        doc = await self._counters.find_one({'_id': counter_id})
        return doc['n'] if doc else 0

    async def subtract(self, counter_id: str) -> None:
        """Count one less (never below zero); a window that ended meanwhile is left alone."""
        await self._counters.update_one({'_id': counter_id, 'n': {'$gt': 0}}, {'$inc': {'n': -1}})
