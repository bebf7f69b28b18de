"""`leases`: which process runs a periodic job (holder), until when (expires_at), and a fencing generation that
grows each time the lease changes hands."""

from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from repositories.database import durable


class LeaseRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._leases = durable(db, 'leases')

    async def acquire(self, name: str, holder: str, now: datetime, ttl: timedelta) -> int | None:
        """Renew or take the lease; its generation if `holder` holds it now, else None."""
        until = now + ttl
        renewed = await self._leases.find_one_and_update(
            {'_id': name, 'holder': holder, 'expires_at': {'$gt': now}},
            {'$set': {'expires_at': until}},
            return_document=ReturnDocument.AFTER,
        )
        if renewed is not None:
            return renewed['generation']
        taken = await self._leases.find_one_and_update(
            {'_id': name, 'expires_at': {'$lte': now}},
            {'$set': {'holder': holder, 'expires_at': until}, '$inc': {'generation': 1}},
            return_document=ReturnDocument.AFTER,
        )
        if taken is not None:
            return taken['generation']
        try:
            await self._leases.insert_one({'_id': name, 'holder': holder, 'expires_at': until, 'generation': 1})
        except DuplicateKeyError:
            return None  # someone else holds it
        return 1

    async def holds(self, name: str, holder: str, generation: int, now: datetime) -> bool:
        found = await self._leases.find_one(
            {'_id': name, 'holder': holder, 'generation': generation, 'expires_at': {'$gt': now}}, {'_id': 1}
        )
        return found is not None

    async def holder(self, name: str) -> dict | None:
        return await self._leases.find_one({'_id': name})
