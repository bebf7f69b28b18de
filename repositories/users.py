"""The `users` collection."""

import re
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from models.accounts import Role, Theme, User, UserPage
from models.errors import Conflict
from repositories.database import durable


def object_id(value: str) -> ObjectId | None:
    """The ObjectId spelled by `value`, or None when it spells none."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def user_from_document(doc: dict[str, Any]) -> User:
    return User(
        id=str(doc['_id']),
        email=doc['email'],
        name=doc['name'],
        role=Role(doc['role']),
        disabled=doc.get('disabled', False),
        created_at=doc['created_at'],
        password_hash=doc['password_hash'],
        theme=Theme(doc.get('theme', Theme.AUTO)),
        two_factor=bool((doc.get('totp') or {}).get('enabled')),
        single_sign_on=bool((doc.get('oidc') or {}).get('only')),
    )


class UserRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._users = durable(db, 'users')

    async def ensure_indexes(self) -> None:
        """Create the unique email index and the listing index (idempotent)."""
        await self._users.create_index([('email', ASCENDING)], unique=True, name='email_unique')
        await self._users.create_index([('created_at', DESCENDING)], name='created_at')

    async def create(
        self, email: str, name: str, role: Role, password_hash: str, more: dict[str, Any] | None = None
    ) -> User:
        """Insert a user (with `more` fields); an email already taken raises Conflict."""
        doc = {
            'email': email,
            'name': name,
            'role': role.value,
            'disabled': False,
            'created_at': datetime.now(UTC),
            'password_hash': password_hash,
            **(more or {}),
        }
        try:
            result = await self._users.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict('An account with this email already exists') from None
        doc['_id'] = result.inserted_id
        return user_from_document(doc)

    async def get(self, user_id: str) -> User | None:
        """The user with this id, or None (also for ids that are not ObjectIds)."""
        oid = object_id(user_id)
        if oid is None:
            return None
        doc = await self._users.find_one({'_id': oid})
        return user_from_document(doc) if doc else None

    async def roles_of_enabled(self, user_ids: list[str]) -> dict[str, Role]:
        """The role of each of these accounts that exists and is enabled (one query)."""
        oids = [oid for oid in map(object_id, user_ids) if oid is not None]
        found = self._users.find({'_id': {'$in': oids}, 'disabled': {'$ne': True}}, {'role': 1})
        return {str(doc['_id']): Role(doc['role']) async for doc in found}

    async def set_theme(self, user_id: str, theme: Theme) -> None:
        oid = object_id(user_id)
        if oid is not None:
            await self._users.update_one({'_id': oid}, {'$set': {'theme': theme.value}})

    async def matching(self, text: str, limit: int) -> list[User]:
        """Accounts whose email or name contains `text` (any case), at most `limit`."""
        pattern = {'$regex': re.escape(text), '$options': 'i'}
        found = self._users.find({'$or': [{'email': pattern}, {'name': pattern}]}).limit(limit)
        return [user_from_document(doc) async for doc in found]

    async def names_of(self, user_ids: list[str]) -> dict[str, str]:
        """The display name of each of these accounts that exists (one query)."""
        oids = [oid for oid in map(object_id, user_ids) if oid is not None]
        found = self._users.find({'_id': {'$in': oids}}, {'name': 1, 'email': 1})
        return {str(doc['_id']): doc.get('name') or doc['email'] async for doc in found}

    async def get_by_email(self, email: str) -> User | None:
        """The user with this canonical email, or None."""
        doc = await self._users.find_one({'email': email})
        return user_from_document(doc) if doc else None

    async def count(self) -> int:
        """How many accounts exist."""
        return await self._users.count_documents({})

    async def count_active_admins(self) -> int:
        """How many admins can still log in."""
        return await self._users.count_documents({'role': Role.ADMIN.value, 'disabled': False})

    async def page(self, skip: int, limit: int) -> UserPage:
        """One page of users, newest first."""
        cursor = self._users.find({}).sort('created_at', DESCENDING).skip(skip).limit(limit)
        items = [user_from_document(doc) async for doc in cursor]
        return UserPage(items=items, total=await self._users.count_documents({}))

    async def update_access(self, user_id: str, role: Role | None, disabled: bool | None) -> User | None:
        """Change role and/or disabled."""
        oid = object_id(user_id)
        if oid is None:
            return None
        changes: dict[str, Any] = {}
        if role is not None:
            changes['role'] = role.value
        if disabled is not None:
            changes['disabled'] = disabled
        if not changes:
            return await self.get(user_id)
        doc = await self._users.find_one_and_update(
            {'_id': oid}, {'$set': changes}, return_document=ReturnDocument.AFTER
        )
        return user_from_document(doc) if doc else None

    async def set_password(self, user_id: str, password_hash: str) -> None:
        """Store a new password hash."""
        await self._users.update_one({'_id': object_id(user_id)}, {'$set': {'password_hash': password_hash}})
