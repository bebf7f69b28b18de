"""The `instance` collection: instance-wide settings and the one-time setup token."""

import uuid
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from repositories.database import durable

SETTINGS_ID = 'settings'
SETUP_ID = 'setup'
SWEEP_ID = 'offline_sweep'
READ_MODELS_ID = 'read_models'  # its epoch changes when the data is replaced wholesale (a restore)
SETUP_TOKENS_KEPT = 5


class InstanceRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._instance = durable(db, 'instance')

    async def read_model_epoch(self) -> str:
        """This database's lineage: a replica's saved read models are of it only while it is unchanged."""
        found = await self._instance.find_one_and_update(
            {'_id': READ_MODELS_ID},
            {'$setOnInsert': {'epoch': uuid.uuid4().hex}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return found['epoch']

    async def signup_allowed(self, default: bool) -> bool:
        """Whether self sign-up is open; `default` until an admin has chosen."""
        doc = await self._instance.find_one({'_id': SETTINGS_ID})
        if doc is None or 'allow_signup' not in doc:
            return default
        return bool(doc['allow_signup'])

    async def set_signup_allowed(self, allowed: bool) -> None:
        """Open or close self sign-up."""
        await self._instance.update_one(
            {'_id': SETTINGS_ID}, {'$set': {'allow_signup': allowed, 'updated_at': datetime.now(UTC)}}, upsert=True
        )

    async def two_factor_policy(self) -> str:
        """Who must sign in with a second factor: 'off', 'admins' or 'everyone'."""
        doc = await self._instance.find_one({'_id': SETTINGS_ID}, {'two_factor_required': 1})
        return (doc or {}).get('two_factor_required', 'off')

    async def set_two_factor_policy(self, policy: str) -> None:
        await self._instance.update_one(
            {'_id': SETTINGS_ID},
            {'$set': {'two_factor_required': policy, 'updated_at': datetime.now(UTC)}},
            upsert=True,
        )

    async def store_setup_token(self, token_hash: str) -> None:
        """Add a setup token (only its hash is kept): each replica that starts on an empty instance prints its own
        link, and any of the last few works until one of them is spent."""
        await self._instance.update_one(
            {'_id': SETUP_ID},
            {
                '$push': {'token_hashes': {'$each': [token_hash], '$slice': -SETUP_TOKENS_KEPT}},
                '$set': {'created_at': datetime.now(UTC)},
            },
            upsert=True,
        )

    async def setup_token_matches(self, token_hash: str) -> bool:
        """Whether this hash is one of the current setup tokens'."""
        return await self._instance.count_documents({'_id': SETUP_ID, 'token_hashes': token_hash}) == 1

    async def consume_setup_token(self, token_hash: str) -> bool:
        """Spend the setup tokens if the hash is one of them; only one caller ever gets True."""
        return await self._instance.find_one_and_delete({'_id': SETUP_ID, 'token_hashes': token_hash}) is not None

    async def drop_setup_token(self) -> None:
        """Forget any setup token."""
        await self._instance.delete_one({'_id': SETUP_ID})

    async def offline_sweep_checkpoint(self, now: datetime, max_gap: timedelta, grace: timedelta) -> datetime:
        """Record a sweep at `now`; returns the time before which no node may be marked offline.

        A gap longer than `max_gap` since the previous sweep (of any replica) means Espaze was down: grace starts.
        The very first sweep of a database has nothing to be lenient about.
        """
        previous = await self._instance.find_one_and_update(
            {'_id': SWEEP_ID}, {'$set': {'last_run_at': now}}, upsert=True, return_document=ReturnDocument.BEFORE
        )
        if previous is None:
            return now
        if now - previous['last_run_at'] > max_gap:
            grace_until = now + grace
            await self._instance.update_one({'_id': SWEEP_ID}, {'$set': {'grace_until': grace_until}})
            return grace_until
        return previous.get('grace_until', now)
