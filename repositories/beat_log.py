"""The `beat_log` collection: one document per heartbeat flush of each replica, holding the ids of the nodes that
beat in it. What the database does per second then does not grow with the beat rate: a flush of 2,000 beats is one
insert of 24 KB, where one update per node cost about 0.5 ms each on the embedded database."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bson import Binary, ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

KEPT_FOR = timedelta(minutes=10)  # far longer than a node may stay silent before it is offline
ID_BYTES = 12


@dataclass(frozen=True)
class LoggedBeats:
    id: ObjectId
    at: datetime  # the oldest beat of its flush: every node in it was seen at this time or later
    written_at: datetime
    node_ids: list[str]


def as_stored(at: datetime) -> datetime:
    """`at` as the database keeps it: to the millisecond."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _packed(node_ids: list[str]) -> Binary:
    return Binary(b''.join(bytes.fromhex(node_id) for node_id in node_ids))


def _unpacked(ids: bytes) -> list[str]:
    return [ids[start : start + ID_BYTES].hex() for start in range(0, len(ids), ID_BYTES)]


def log_document(at: datetime, node_ids: list[str]) -> dict:
    """One flush's document, as written now."""
    return {'at': at, 'written_at': datetime.now(UTC), 'ids': _packed(node_ids)}


class BeatLogRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._log = db['beat_log']

    async def ensure_indexes(self) -> None:
        await self._log.create_index(
            [('written_at', ASCENDING)], expireAfterSeconds=int(KEPT_FOR.total_seconds()), name='written_ttl'
        )

    async def append(self, at: datetime, node_ids: list[str]) -> tuple[ObjectId, datetime] | None:
        """Nodes seen at `at` or later (ids that are not 24 hex digits are not nodes, and left out); returns the
        document's id and the time it was written."""
        valid = [node_id for node_id in node_ids if ObjectId.is_valid(node_id)]
        if not valid:
            return None
        document = log_document(at, valid)
        await self._log.insert_one(document)
        return document['_id'], document['written_at']

    async def written_since(self, since: datetime, known: list[ObjectId] | None = None) -> list[LoggedBeats]:
        """Flushes written since `since` but those `known`, in the order they were written (a narrow range)."""
        query: dict = {'written_at': {'$gte': since}} | ({'_id': {'$nin': known}} if known else {})
        cursor = self._log.find(query).sort('written_at', ASCENDING)
        return [
            LoggedBeats(doc['_id'], doc['at'], doc['written_at'], _unpacked(bytes(doc['ids']))) async for doc in cursor
        ]
