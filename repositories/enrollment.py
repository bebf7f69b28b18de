"""The `enrollment_tokens` collection: expiring, counted, revocable tokens that let a node enroll."""

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from models.fleet import EnrollmentToken
from repositories.database import durable
from repositories.users import object_id


def _to_token(doc: dict[str, Any]) -> EnrollmentToken:
    return EnrollmentToken(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        name=doc['name'],
        expires_at=doc['expires_at'],
        max_uses=doc['max_uses'],
        uses=doc['uses'],
        revoked=doc['revoked'],
        created_at=doc['created_at'],
    )


class EnrollmentTokenRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._tokens = durable(db, 'enrollment_tokens')

    async def ensure_indexes(self) -> None:
        """Lookup by hash, listing per owner (idempotent)."""
        await self._tokens.create_index([('token_hash', ASCENDING)], unique=True, name='token_hash')
        await self._tokens.create_index([('owner_id', ASCENDING), ('created_at', DESCENDING)], name='owner_created')

    async def create(self, owner_id: str, name: str, token_hash: str, expires_at: datetime, max_uses: int):
        """Store a new token (its hash only)."""
        doc = {
            'owner_id': owner_id,
            'name': name,
            'token_hash': token_hash,
            'expires_at': expires_at,
            'max_uses': max_uses,
            'uses': 0,
            'remaining': max_uses,
            'revoked': False,
            'created_at': datetime.now(UTC),
        }
        doc['_id'] = (await self._tokens.insert_one(doc)).inserted_id
        return _to_token(doc)

    async def find(self, token_hash: str) -> EnrollmentToken | None:
        doc = await self._tokens.find_one({'token_hash': token_hash})
        return _to_token(doc) if doc else None

    async def use(self, token_hash: str) -> EnrollmentToken | None:
        """Count one use of a valid token atomically; None when it is unknown, expired, spent or revoked."""
        doc = await self._tokens.find_one_and_update(
            {
                'token_hash': token_hash,
                'revoked': False,
                'expires_at': {'$gt': datetime.now(UTC)},
                'remaining': {'$gt': 0},
            },
            {'$inc': {'uses': 1, 'remaining': -1}},
            return_document=ReturnDocument.AFTER,
        )
        return _to_token(doc) if doc else None

    async def give_back(self, token_id: str) -> None:
        """Undo one use after a registration that failed."""
        await self._tokens.update_one(
            {'_id': object_id(token_id), 'uses': {'$gt': 0}}, {'$inc': {'uses': -1, 'remaining': 1}}
        )

    async def newest(self, owner_id: str | None, limit: int = 100) -> list[EnrollmentToken]:
        """Tokens, newest first (only `owner_id`'s when given)."""
        query: dict[str, Any] = {'owner_id': owner_id} if owner_id else {}
        cursor = self._tokens.find(query).sort('created_at', DESCENDING).limit(limit)
        return [_to_token(doc) async for doc in cursor]

    async def get(self, token_id: str) -> EnrollmentToken | None:
        """The token with this id, or None."""
        oid = object_id(token_id)
        doc = await self._tokens.find_one({'_id': oid}) if oid else None
        return _to_token(doc) if doc else None

    async def revoke(self, token_id: str) -> None:
        """Stop a token from enrolling any more nodes."""
        await self._tokens.update_one({'_id': object_id(token_id)}, {'$set': {'revoked': True}})
