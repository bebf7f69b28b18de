"""The `sessions` collection: one document per login, holding the hash of its current refresh token."""

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from models.accounts import Session
from repositories.database import durable


def _to_session(doc: dict[str, Any]) -> Session:
    return Session(
        id=doc['_id'],
        user_id=doc['user_id'],
        kind=doc['kind'],
        revoked=doc.get('revoked', False),
        expires_at=doc['expires_at'],
        created_at=doc.get('created_at'),
        last_seen_at=doc.get('last_seen_at') or doc.get('created_at'),
        address=doc.get('address'),
        device=doc.get('device'),
    )


class SessionRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._sessions = durable(db, 'sessions')

    async def ensure_indexes(self) -> None:
        """Index by user, and let MongoDB drop sessions once they expire (idempotent)."""
        await self._sessions.create_index([('user_id', ASCENDING)], name='user_id')
        await self._sessions.create_index([('expires_at', ASCENDING)], expireAfterSeconds=0, name='expires_ttl')
        await self._sessions.create_index([('claim_hash', ASCENDING)], sparse=True, name='claim_hash')

    async def create(
        self,
        session_id: str,
        user_id: str,
        kind: str,
        refresh_hash: str | None,
        expires_at: datetime,
        claim: tuple[str, datetime] | None = None,
        address: str | None = None,
        device: str | None = None,
    ):
        """Record a new login; with `claim` (a ticket's hash and its expiry) it counts only once claimed."""
        now = datetime.now(UTC)
        doc = {
            '_id': session_id,
            'user_id': user_id,
            'kind': kind,
            'refresh_hash': refresh_hash,
            'revoked': False,
            'created_at': now,
            'last_seen_at': now,
            'expires_at': expires_at,
            'address': address,
            'device': device,
        }
        if claim is not None:
            doc['claim_hash'], doc['claim_expires'] = claim
        await self._sessions.insert_one(doc)

    async def claim(self, claim_hash: str) -> str | None:
        """Spend a login ticket once: the id of the session it opens, or None when unknown, spent or expired."""
        now = datetime.now(UTC)
        doc = await self._sessions.find_one_and_update(
            {'claim_hash': claim_hash, 'claim_expires': {'$gt': now}, 'revoked': False, 'expires_at': {'$gt': now}},
            {'$unset': {'claim_hash': '', 'claim_expires': ''}},
            projection={'_id': 1},
        )
        return doc['_id'] if doc else None

    async def get_active(self, session_id: str) -> Session | None:
        """The session if it exists, was claimed, is not revoked and has not expired."""
        doc = await self._sessions.find_one(
            {
                '_id': session_id,
                'revoked': False,
                'expires_at': {'$gt': datetime.now(UTC)},
                'claim_hash': {'$exists': False},
            }
        )
        return _to_session(doc) if doc else None

    async def active_among(self, session_ids: list[str]) -> dict[str, str]:
        """Of these sessions, the ones still active, each with its user's id (one query)."""
        if not session_ids:
            return {}
        found = self._sessions.find(
            {'_id': {'$in': session_ids}, 'revoked': False, 'expires_at': {'$gt': datetime.now(UTC)}},
            {'user_id': 1},
        )
        return {doc['_id']: doc['user_id'] async for doc in found}

    async def rotate_refresh(self, session_id: str, old_hash: str, new_hash: str, expires_at: datetime) -> bool:
        """Swap the current refresh token atomically; False when `old_hash` is not the current one."""
        result = await self._sessions.update_one(
            {'_id': session_id, 'revoked': False, 'refresh_hash': old_hash, 'expires_at': {'$gt': datetime.now(UTC)}},
            {'$set': {'refresh_hash': new_hash, 'expires_at': expires_at}},
        )
        return result.modified_count == 1

    async def revoke(self, session_id: str) -> None:
        """End one login (its refresh token and every access token issued under it)."""
        await self._sessions.update_one({'_id': session_id}, {'$set': {'revoked': True, 'refresh_hash': None}})

    async def revoke_all(self, user_id: str, keep: str | None = None) -> None:
        """End every login of a user (but `keep`, when given)."""
        query: dict[str, Any] = {'user_id': user_id}
        if keep is not None:
            query['_id'] = {'$ne': keep}
        await self._sessions.update_many(query, {'$set': {'revoked': True, 'refresh_hash': None}})

    async def of_user(self, user_id: str, most: int = 100) -> list[Session]:
        """The user's active, claimed sessions, the most recently seen first."""
        found = self._sessions.find(
            {
                'user_id': user_id,
                'revoked': False,
                'expires_at': {'$gt': datetime.now(UTC)},
                'claim_hash': {'$exists': False},
            }
        )
        sessions = [_to_session(doc) async for doc in found.sort('created_at', -1).limit(most)]
        return sorted(sessions, key=lambda s: s.last_seen_at or s.expires_at, reverse=True)

    async def seen(self, session_id: str, at: datetime) -> None:
        """Record that the session was used at `at`."""
        await self._sessions.update_one({'_id': session_id}, {'$set': {'last_seen_at': at}})
