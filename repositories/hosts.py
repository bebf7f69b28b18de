"""`hosts`: which deployment each public hostname belongs to, across all owners: generated hosts and custom domains
alike. The hostname is the document's `_id`, so a claim is one insert that MongoDB's unique `_id` makes atomic: of
two claimants, one gets it. A custom domain's document also holds its verification: the token its TXT record must
carry, when and how it was verified, and what the last DNS check found."""

from datetime import UTC, datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from repositories.database import chunked, durable

DUPLICATE_KEY = 11000
CLAIMED_TOGETHER = 1000


class HostRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._hosts = durable(db, 'hosts')

    async def ensure_indexes(self) -> None:
        await self._hosts.create_index([('owner_id', ASCENDING), ('name', ASCENDING)], name='owner_name')
        await self._hosts.create_index([('due_at', ASCENDING)], name='domain_checks_due')

    async def is_empty(self) -> bool:
        return await self._hosts.find_one({}, {'_id': 1}) is None

    async def claim(self, host: str, owner_id: str, name: str, **fields) -> bool | None:
        """True when this call claimed `host`, False when the same owner's deployment `name` already held it,
        None when someone else holds it."""
        try:
            await self._hosts.insert_one(
                {'_id': host, 'owner_id': owner_id, 'name': name, 'at': datetime.now(UTC), **fields}
            )
            return True
        except DuplicateKeyError:
            return False if await self._held_by(host, owner_id, name) else None

    async def claim_all(self, claims: list[tuple[str, str, str]]) -> list[str]:
        """Claim each (host, owner, deployment name) in order, a batch of inserts at a time (one write per batch,
        not per host); returns the hosts someone else held, or an earlier claim in `claims` took."""
        at, lost = datetime.now(UTC), []
        for part in chunked(claims, CLAIMED_TOGETHER):
            docs = [{'_id': host, 'owner_id': owner_id, 'name': name, 'at': at} for host, owner_id, name in part]
            try:
                await self._hosts.insert_many(docs, ordered=False)
            except BulkWriteError as error:
                duplicates = [e['index'] for e in error.details['writeErrors'] if e['code'] == DUPLICATE_KEY]
                if len(duplicates) < len(error.details['writeErrors']):
                    raise
                lost += [
                    host
                    for host, owner_id, name in map(part.__getitem__, duplicates)
                    if not await self._held_by(host, owner_id, name)
                ]
        return lost

    async def _held_by(self, host: str, owner_id: str, name: str) -> bool:
        holder = await self._hosts.find_one({'_id': host})
        return holder is not None and (holder['owner_id'], holder['name']) == (owner_id, name)

    async def release(self, host: str, owner_id: str, name: str) -> None:
        """Give `host` up, if this owner's deployment `name` holds it."""
        await self._hosts.delete_one({'_id': host, 'owner_id': owner_id, 'name': name})

    async def taken_among(self, hosts: list[str]) -> set[str]:
        found = self._hosts.find({'_id': {'$in': hosts}}, {'_id': 1})
        return {doc['_id'] async for doc in found}

    async def domains_of(self, owner_id: str, name: str) -> list[dict]:
        """The custom domains one deployment holds, each with its verification."""
        found = self._hosts.find({'owner_id': owner_id, 'name': name, 'token': {'$exists': True}})
        return [doc async for doc in found]

    async def verified_domains(self, owner_id: str, name: str) -> set[str]:
        found = self._hosts.find(
            {'owner_id': owner_id, 'name': name, 'token': {'$exists': True}, 'verified_at': {'$ne': None}}, {'_id': 1}
        )
        return {doc['_id'] async for doc in found}

    async def domain_checked(self, domain: str, owner_id: str, name: str, changes: dict, unset: tuple = ()) -> None:
        """Record a check's outcome on the deployment's domain: verified, or what was found and when to look again."""
        update = {'$set': changes} | ({'$unset': dict.fromkeys(unset, '')} if unset else {})
        await self._hosts.update_one(
            {'_id': domain, 'owner_id': owner_id, 'name': name, 'token': {'$exists': True}}, update
        )

    async def due_domains(self, now: datetime, limit: int) -> list[dict]:
        """Unverified domains whose next DNS check is due, longest waiting first (verified ones have no `due_at`)."""
        found = self._hosts.find({'due_at': {'$lte': now}}).sort('due_at', ASCENDING).limit(limit)
        return [doc async for doc in found]
