"""Accounts linked to the single sign-on provider: `oidc.subject` in a user's document is the provider's issuer and
subject, the identity a later sign-in finds the account by (its email may change at the provider)."""

from datetime import UTC, datetime

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from models.accounts import Role, User
from models.errors import Conflict
from repositories.database import durable
from repositories.users import object_id, user_from_document


class SingleSignOnLinks:
    def __init__(self, db: AsyncDatabase) -> None:
        self._users = durable(db, 'users')

    async def ensure_indexes(self) -> None:
        await self._users.create_index(
            [('oidc.subject', ASCENDING)],
            unique=True,
            partialFilterExpression={'oidc.subject': {'$exists': True}},
            name='oidc_subject_unique',
        )

    async def by_subject(self, subject: str) -> User | None:
        doc = await self._users.find_one({'oidc.subject': subject})
        return user_from_document(doc) if doc else None

    async def link(self, user_id: str, subject: str) -> User | None:
        """Link an account to the provider's identity (found by its verified email)."""
        doc = await self._users.find_one_and_update(
            {'_id': object_id(user_id), 'oidc.subject': {'$exists': False}},
            {'$set': {'oidc': {'subject': subject, 'linked_at': datetime.now(UTC)}}},
            return_document=ReturnDocument.AFTER,
        )
        return user_from_document(doc) if doc else None

    async def create(self, email: str, name: str, role: Role, unusable_password_hash: str, subject: str) -> User:
        """A new account that signs in through the provider (its password hash opens nothing anyone knows)."""
        doc = {
            'email': email,
            'name': name,
            'role': role.value,
            'disabled': False,
            'created_at': datetime.now(UTC),
            'password_hash': unusable_password_hash,
            'oidc': {'subject': subject, 'linked_at': datetime.now(UTC), 'only': True},
        }
        try:
            result = await self._users.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict('An account with this email or identity already exists') from None
        doc['_id'] = result.inserted_id
        return user_from_document(doc)
