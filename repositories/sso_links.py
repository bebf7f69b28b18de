"""Accounts linked to the single sign-on provider: `oidc.subject` in a user's document is the provider's issuer and
subject, the identity a later sign-in finds the account by (its email may change at the provider)."""

from datetime import UTC, datetime

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from models.accounts import User
from repositories.database import durable
from repositories.users import object_id, user_from_document


def made_by_sign_on(subject: str) -> dict:
    """The fields of an account made by a sign-in through the provider (`User.single_sign_on`: no password)."""
    return {'oidc': {'subject': subject, 'linked_at': datetime.now(UTC), 'only': True}}


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
