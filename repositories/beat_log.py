"""The `beat_log` collection: one document per heartbeat flush of each replica, holding the ids of the nodes that
beat in it. What the database does per second then does not grow with the beat rate: a flush of 2,000 beats is one
insert of 24 KB, where one update per node cost about 0.5 ms each on the embedded database."""

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bson import Binary, ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

KEPT_FOR = timedelta(minutes=10)  # far longer than a node may stay silent before it is offline
ID_BYTES = 12
OFFSET_UNIT = timedelta(milliseconds=100)  # a beat's time after its flush's oldest, in 2 bytes: up to 109 minutes
LONGEST_OFFSET = 65_535  # (a beat later than that after the oldest is logged that late, never later)


@dataclass(frozen=True)
class LoggedBeats:
    id: ObjectId
    at: datetime  # the oldest beat of its flush
    written_at: datetime
    node_ids: list[str]
    offsets: list[int] | None = None  # each node's beat after `at`, in OFFSET_UNITs (None: every node at `at`)

    def beats(self) -> list[tuple[str, datetime]]:
        """Each node with the time of its beat."""
        if self.offsets is None:
            return [(node_id, self.at) for node_id in self.node_ids]
        return [(n, self.at + units * OFFSET_UNIT) for n, units in zip(self.node_ids, self.offsets, strict=True)]


def as_stored(at: datetime) -> datetime:
    """`at` as the database keeps it: to the millisecond."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _packed(node_ids: list[str]) -> Binary:
    return Binary(b''.join(bytes.fromhex(node_id) for node_id in node_ids))


def _unpacked(ids: bytes) -> list[str]:
    return [ids[start : start + ID_BYTES].hex() for start in range(0, len(ids), ID_BYTES)]


def _packed_offsets(offsets: list[int]) -> Binary:
    return Binary(struct.pack(f'<{len(offsets)}H', *(min(units, LONGEST_OFFSET) for units in offsets)))


def log_document(at: datetime, node_ids: list[str], offsets: list[int] | None = None) -> dict:
    """One flush's document, as written now: the nodes that beat, and how long after `at` each did (2 bytes)."""
    document = {'at': at, 'written_at': datetime.now(UTC), 'ids': _packed(node_ids)}
    if offsets is not None:
        document['offsets'] = _packed_offsets(offsets)
    return document


def _logged(doc: dict) -> LoggedBeats:
    node_ids = _unpacked(bytes(doc['ids']))
    packed = bytes(doc['offsets']) if 'offsets' in doc else None
    offsets = list(struct.unpack(f'<{len(node_ids)}H', packed)) if packed is not None else None
    return LoggedBeats(doc['_id'], doc['at'], doc['written_at'], node_ids, offsets)


class BeatLogRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._log = db['beat_log']

    async def ensure_indexes(self) -> None:
        await self._log.create_index(
            [('written_at', ASCENDING)], expireAfterSeconds=int(KEPT_FOR.total_seconds()), name='written_ttl'
        )

    async def append(self, beats: list[tuple[str, datetime]]) -> LoggedBeats | None:
        """Nodes and the time each beat (ids that are not 24 hex digits are not nodes, and left out), as one
        document whatever their number; returns it as it was written."""
        valid = [(node_id, as_stored(at)) for node_id, at in beats if ObjectId.is_valid(node_id)]
        if not valid:
            return None
        oldest = min(at for _, at in valid)
        node_ids = [node_id for node_id, _ in valid]
        offsets = [min((at - oldest) // OFFSET_UNIT, LONGEST_OFFSET) for _, at in valid]
        document = log_document(oldest, node_ids, offsets)
        await self._log.insert_one(document)
        return LoggedBeats(document['_id'], oldest, document['written_at'], node_ids, offsets)

    async def written_since(self, since: datetime, known: list[ObjectId] | None = None) -> list[LoggedBeats]:
        """Flushes written since `since` but those `known`, in the order they were written (a narrow range)."""
        query: dict = {'written_at': {'$gte': since}} | ({'_id': {'$nin': known}} if known else {})
        cursor = self._log.find(query).sort('written_at', ASCENDING)
        return [_logged(doc) async for doc in cursor]
