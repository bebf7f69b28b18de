"""Opening the MongoDB database and creating its indexes."""

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

DEFAULT_DB_NAME = 'espaze'


def open_database(url: str, timeout_seconds: float) -> tuple[AsyncMongoClient, AsyncDatabase]:
    """A client with bounded timeouts on every operation, and the URL's database (or `espaze`)."""
    timeout_ms = int(timeout_seconds * 1000)
    client: AsyncMongoClient = AsyncMongoClient(
        url,
        tz_aware=True,
        timeoutMS=timeout_ms,
        serverSelectionTimeoutMS=min(timeout_ms, 5000),
        connectTimeoutMS=min(timeout_ms, 5000),
        retryWrites=True,
        appname='espaze',
    )
    return client, client.get_default_database(DEFAULT_DB_NAME)


async def ping(db: AsyncDatabase, timeout_seconds: float = 2.0) -> bool:
    """True when the database answers within the timeout."""
    try:
        await db.command('ping', maxTimeMS=int(timeout_seconds * 1000))
    except Exception:
        return False
    return True
