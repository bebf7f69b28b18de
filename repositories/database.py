"""Opening the MongoDB database and creating its indexes."""

from pymongo import AsyncMongoClient, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

DEFAULT_DB_NAME = 'espaze'
MAJORITY = WriteConcern(w='majority')


def durable(db: AsyncDatabase, name: str) -> AsyncCollection:
    """A collection whose writes a majority of the replica set acknowledges (users, tokens, deployments): an
    acknowledged write then survives the loss of the primary. Other collections keep the client's default."""
    return db.get_collection(name, write_concern=MAJORITY)


def open_database(url: str, timeout_seconds: float) -> tuple[AsyncMongoClient, AsyncDatabase]:
    """A client with bounded timeouts on every operation, and the URL's database (or `espaze`).

    `timeoutMS` bounds each operation as a whole (the driver derives each command's `maxTimeMS` and socket
    timeout from what is left of it); server selection and connecting give up sooner than the drivers' 30 s and
    20 s defaults. Reads and writes are retried once by the driver after a transient error (AutoReconnect, a
    primary stepping down): retryable writes carry a transaction number, so the server applies one at most once,
    and an `$inc` is never counted twice. What still fails is answered 503 with Retry-After.
    """
    timeout_ms = int(timeout_seconds * 1000)
    client: AsyncMongoClient = AsyncMongoClient(
        url,
        tz_aware=True,
        timeoutMS=timeout_ms,
        serverSelectionTimeoutMS=min(timeout_ms, 5000),
        connectTimeoutMS=min(timeout_ms, 5000),
        retryWrites=True,
        retryReads=True,
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


IN_CHUNK = 200  # ids per `$in`: the embedded database's cost grows with the square of the list (1,000: 2.5 s)


def chunked(items: list, size: int = IN_CHUNK) -> list[list]:
    """`items` in lists of at most `size`, for one `$in` statement each."""
    return [items[start : start + size] for start in range(0, len(items), size)]
