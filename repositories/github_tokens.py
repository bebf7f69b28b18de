"""`github_tokens`: one sealed GitHub credential per user; `github_oauth_states`: pending OAuth sign-ins."""

from datetime import UTC, datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from models.github import GitHubIdentity, StoredCredential
from repositories.database import durable


class GitHubTokenRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._tokens = durable(db, 'github_tokens')
        self._states = db['github_oauth_states']

    async def ensure_indexes(self) -> None:
        await self._states.create_index([('expires_at', ASCENDING)], expireAfterSeconds=0, name='expires_ttl')

    async def save(self, owner_id: str, ciphertext: bytes, *, kind: str, identity: GitHubIdentity, hint: str) -> None:
        """Store (or replace) the owner's credential and what GitHub said about it."""
        now = datetime.now(UTC)
        doc = {
            'ciphertext': ciphertext,
            'invalid': False,
            'linked_at': now,
            'updated_at': now,
            'kind': kind,
            'login': identity.login,
            'scopes': list(identity.scopes) if identity.scopes is not None else None,
            'expires_at': identity.expires_at,
            'hint': hint,
        }
        await self._tokens.replace_one({'_id': owner_id}, doc, upsert=True)

    async def get(self, owner_id: str) -> StoredCredential | None:
        doc = await self._tokens.find_one({'_id': owner_id})
        if doc is None:
            return None
        return StoredCredential(
            owner_id=owner_id,
            ciphertext=doc['ciphertext'],
            kind=doc.get('kind'),
            login=doc.get('login'),
            scopes=tuple(doc['scopes']) if doc.get('scopes') is not None else None,
            expires_at=doc.get('expires_at'),
            hint=doc.get('hint'),
            linked_at=doc.get('linked_at'),
            refused_because=(doc.get('invalid_reason') or 'refused') if doc.get('invalid') else None,
        )

    async def delete(self, owner_id: str) -> bool:
        return (await self._tokens.delete_one({'_id': owner_id})).deleted_count == 1

    async def mark_invalid(self, owner_id: str, ciphertext: bytes, reason: str) -> None:
        """Flag the credential GitHub refused, unless it was replaced meanwhile."""
        await self._tokens.update_one(
            {'_id': owner_id, 'ciphertext': ciphertext},
            {'$set': {'invalid': True, 'invalid_reason': reason, 'updated_at': datetime.now(UTC)}},
        )

    async def reseal(self, owner_id: str, old: bytes, new: bytes) -> None:
        """Replace a ciphertext sealed with an older key by one sealed with the newest."""
        await self._tokens.update_one({'_id': owner_id, 'ciphertext': old}, {'$set': {'ciphertext': new}})

    async def add_oauth_state(self, state_hash: str, owner_id: str, browser_hash: str, expires_at: datetime) -> None:
        await self._states.insert_one(
            {'_id': state_hash, 'owner_id': owner_id, 'browser_hash': browser_hash, 'expires_at': expires_at}
        )

    async def take_oauth_state(self, state_hash: str) -> tuple[str, str] | None:
        """The owner who started this sign-in and the hash of its browser's nonce, once: the state is consumed;
        an expired one is refused."""
        doc = await self._states.find_one_and_delete({'_id': state_hash, 'expires_at': {'$gt': datetime.now(UTC)}})
        return (doc['owner_id'], doc.get('browser_hash', '')) if doc else None
