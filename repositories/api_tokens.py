"""The `api_tokens` collection: one document per personal API token, holding only the token's hash."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from models.api_tokens import ApiToken, Scope
from repositories.database import durable

KEPT_AFTER_EXPIRY = timedelta(days=30)  # an expired token stays listed (as expired) this long, then goes


def _to_token(doc: dict[str, Any]) -> ApiToken:
    return ApiToken(
        id=doc['_id'],
        user_id=doc['user_id'],
        name=doc['name'],
        scopes=tuple(Scope(s) for s in doc['scopes']),
        created_at=doc['created_at'],
        expires_at=doc['expires_at'],
        last_used_at=doc.get('last_used_at'),
        uses=doc.get('uses', 0),
    )


class ApiTokenRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._tokens = durable(db, 'api_tokens')

    async def ensure_indexes(self) -> None:
        await self._tokens.create_index([('hash', ASCENDING)], unique=True, name='hash_unique')
        await self._tokens.create_index([('user_id', ASCENDING), ('created_at', DESCENDING)], name='user_created')
        await self._tokens.create_index([('purge_at', ASCENDING)], expireAfterSeconds=0, name='purge_ttl')

    async def create(
        self, user_id: str, name: str, scopes: tuple[Scope, ...], secret_hash: str, expires_at: datetime
    ) -> ApiToken:
        doc = {
            '_id': uuid.uuid4().hex,
            'user_id': user_id,
            'name': name,
            'scopes': [s.value for s in scopes],
            'hash': secret_hash,
            'created_at': datetime.now(UTC),
            'expires_at': expires_at,
            'purge_at': expires_at + KEPT_AFTER_EXPIRY,
            'uses': 0,
            'revoked': False,
        }
        await self._tokens.insert_one(doc)
        return _to_token(doc)

    async def count_active(self, user_id: str) -> int:
        return await self._tokens.count_documents(
            {'user_id': user_id, 'revoked': False, 'expires_at': {'$gt': datetime.now(UTC)}}
        )

    async def of_user(self, user_id: str) -> list[ApiToken]:
        """The user's tokens that were not revoked (expired ones too, for a while), newest first."""
        found = self._tokens.find({'user_id': user_id, 'revoked': False}).sort('created_at', DESCENDING)
        return [_to_token(doc) async for doc in found.limit(200)]

    async def use(self, secret_hash: str) -> ApiToken | None:
        """Count one use of the live token with this hash and return it; None when there is none."""
        now = datetime.now(UTC)
        doc = await self._tokens.find_one_and_update(
            {'hash': secret_hash, 'revoked': False, 'expires_at': {'$gt': now}},
            {'$inc': {'uses': 1}, '$set': {'last_used_at': now}},
            return_document=ReturnDocument.AFTER,
        )
        return _to_token(doc) if doc else None

    async def revoke(self, user_id: str, token_id: str) -> ApiToken | None:
        """Revoke one of the user's tokens at once: the token as it was, or None when the user has no such token."""
        now = datetime.now(UTC)
        doc = await self._tokens.find_one_and_update(
            {'_id': token_id, 'user_id': user_id, 'revoked': False},
            {'$set': {'revoked': True, 'revoked_at': now, 'purge_at': now + KEPT_AFTER_EXPIRY}},
        )
        return _to_token(doc) if doc else None

    async def revoke_all(self, user_id: str) -> int:
        """Revoke every token of the user; how many were live."""
        now = datetime.now(UTC)
        result = await self._tokens.update_many(
            {'user_id': user_id, 'revoked': False},
            {'$set': {'revoked': True, 'revoked_at': now, 'purge_at': now + KEPT_AFTER_EXPIRY}},
        )
        return result.modified_count
