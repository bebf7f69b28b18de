"""bcrypt hashing at cost 10, always off the event loop."""

import asyncio

import bcrypt

BCRYPT_COST = 10


class PasswordHasher:
    def __init__(self, cost: int = BCRYPT_COST) -> None:
        self._cost = cost
        self._dummy_hash = bcrypt.hashpw(b'espaze-timing-equaliser', bcrypt.gensalt(cost))

    async def hash(self, password: bytes) -> str:
        """A `$2b$10$...` hash of the password."""
        hashed = await asyncio.to_thread(bcrypt.hashpw, password, bcrypt.gensalt(self._cost))
        return hashed.decode()

    async def verify(self, password: bytes, hashed: str | None) -> bool:
        """Check a password; with no hash, spend the same time and answer False."""
        if hashed is None:
            await asyncio.to_thread(bcrypt.checkpw, password, self._dummy_hash)
            return False
        return await asyncio.to_thread(bcrypt.checkpw, password, hashed.encode())
