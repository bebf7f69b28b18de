"""Each account's second factor, kept in its `users` document under `totp`: the sealed secret, the last time step
a code was accepted for (a code is good once), and the hashes of the unused recovery codes."""

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from repositories.database import durable
from repositories.users import object_id


@dataclass(frozen=True)
class StoredFactor:
    sealed_secret: bytes | None  # the confirmed secret; None while two-factor is off
    sealed_pending: bytes | None  # a secret whose setup was started and not yet confirmed
    last_step: int
    recovery_codes_left: int = 0


class SecondFactorRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._users = durable(db, 'users')

    async def get(self, user_id: str) -> StoredFactor:
        doc = await self._users.find_one({'_id': object_id(user_id)}, {'totp': 1}) or {}
        totp = doc.get('totp') or {}
        secret = totp.get('secret') if totp.get('enabled') else None
        left = len(totp.get('recovery') or [])
        return StoredFactor(secret, totp.get('pending'), int(totp.get('last_step', 0)), left)

    async def start(self, user_id: str, sealed_pending: bytes) -> bool:
        """Keep a new secret for setup; False when two-factor is already on."""
        result = await self._users.update_one(
            {'_id': object_id(user_id), 'totp.enabled': {'$ne': True}}, {'$set': {'totp.pending': sealed_pending}}
        )
        return result.matched_count == 1

    async def enable(self, user_id: str, sealed_pending: bytes, step: int, recovery_hashes: list[str]) -> bool:
        """Turn on the secret whose setup was started (only that one), spending the step of its first code."""
        result = await self._users.update_one(
            {'_id': object_id(user_id), 'totp.pending': sealed_pending, 'totp.enabled': {'$ne': True}},
            {
                '$set': {'totp.enabled': True, 'totp.secret': sealed_pending, 'totp.last_step': step},
                '$unset': {'totp.pending': ''},
                '$push': {'totp.recovery': {'$each': recovery_hashes}},
            },
        )
        return result.modified_count == 1

    async def spend_step(self, user_id: str, step: int) -> bool:
        """Record that a code of `step` was used; False when a code of this step or a later one already was."""
        result = await self._users.update_one(
            {'_id': object_id(user_id), 'totp.enabled': True, 'totp.last_step': {'$lt': step}},
            {'$set': {'totp.last_step': step}},
        )
        return result.modified_count == 1

    async def spend_recovery_code(self, user_id: str, code_hash: str) -> bool:
        """Use up one recovery code; False when it is not (or no longer) one of the account's."""
        result = await self._users.update_one(
            {'_id': object_id(user_id), 'totp.enabled': True, 'totp.recovery': code_hash},
            {'$pull': {'totp.recovery': code_hash}},
        )
        return result.modified_count == 1

    async def clear(self, user_id: str) -> bool:
        """Turn two-factor off; False when it was not on."""
        result = await self._users.update_one(
            {'_id': object_id(user_id), 'totp.enabled': True}, {'$unset': {'totp': ''}}
        )
        return result.modified_count == 1
