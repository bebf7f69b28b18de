"""The `node_liveness` collection: the hot part of a node, written by every heartbeat flush.

Kept apart from `nodes` so that each beat updates a small document with a single index, whatever indexes the
fleet's listing needs.
"""

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from models.fleet import Heartbeat
from repositories.users import object_id

TALLIES_KEPT_SECONDS = 3600


class NodeLivenessRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._liveness = db['node_liveness']
        self._tallies = db['heartbeat_tallies']  # one small document per flush: what the fleet's figures sum

    async def ensure_indexes(self) -> None:
        """The offline sweep's index, and the tallies' expiry (idempotent)."""
        await self._liveness.create_index([('online', ASCENDING), ('last_seen_at', ASCENDING)], name='online_seen')
        await self._tallies.create_index('at', expireAfterSeconds=TALLIES_KEPT_SECONDS, name='expiry')

    async def create(self, node_id: str) -> None:
        """Start tracking a new node: never seen yet."""
        await self._liveness.insert_one(
            {'_id': ObjectId(node_id), 'online': False, 'last_seen_at': None, 'seen_ip': None, 'metrics': None}
        )

    async def record(self, beats: list[Heartbeat]) -> int:
        """Write many beats in one round trip; returns how many nodes matched (deleted ones do not)."""
        operations = []
        for beat in beats:
            changes: dict[str, Any] = {'last_seen_at': beat.received_at, 'seen_ip': beat.seen_ip, 'online': True}
            if beat.metrics is not None:
                changes['metrics'] = vars(beat.metrics)
            operations.append(UpdateOne({'_id': object_id(beat.node_id)}, {'$set': changes}))
        if not operations:
            return 0
        return (await self._liveness.bulk_write(operations, ordered=False)).matched_count

    async def tally(self, at: datetime, accepted: int, beats: list[Heartbeat]) -> None:
        """What one flush wrote: the beats accepted since the previous one, and the sums of what they reported."""
        reported = [beat.metrics for beat in beats if beat.metrics is not None]
        cpu = [m.cpu_percent for m in reported if m.cpu_percent is not None]
        memory = [m.memory_percent for m in reported if m.memory_percent is not None]
        await self._tallies.insert_one(
            {
                'at': at,
                'beats': accepted,
                'cpu_sum': sum(cpu),
                'cpu_n': len(cpu),
                'memory_sum': sum(memory),
                'memory_n': len(memory),
            }
        )

    async def fleet_usage(self, since: datetime) -> tuple[int, float | None, float | None]:
        """Beats accepted since `since` (by every replica), and the average CPU and memory percent they reported:
        read from the flushes' tallies of that window, never from every node."""
        beats = cpu = cpu_n = memory = memory_n = 0
        async for doc in self._tallies.find({'at': {'$gte': since}}):
            beats += doc['beats']
            cpu, cpu_n = cpu + doc['cpu_sum'], cpu_n + doc['cpu_n']
            memory, memory_n = memory + doc['memory_sum'], memory_n + doc['memory_n']
        return beats, cpu / cpu_n if cpu_n else None, memory / memory_n if memory_n else None

    async def silent_offline(self, before: datetime, limit: int = 1000) -> dict[str, datetime]:
        """Offline nodes whose last beat is older than `before`, with that time."""
        query = {'online': False, 'last_seen_at': {'$ne': None, '$lte': before}}
        cursor = self._liveness.find(query, {'last_seen_at': 1}).limit(limit)
        return {str(doc['_id']): doc['last_seen_at'] async for doc in cursor}

    async def silent_online(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        """Nodes that beat once but not since `cutoff`."""
        cursor = self._liveness.find({'online': True, 'last_seen_at': {'$lt': cutoff}}, {'_id': 1}).limit(limit)
        return [str(doc['_id']) async for doc in cursor]

    async def set_offline(self, node_ids: list[str]) -> None:
        """Stop looking at these nodes until they beat again."""
        operations = [UpdateOne({'_id': object_id(node_id)}, {'$set': {'online': False}}) for node_id in node_ids]
        if operations:
            await self._liveness.bulk_write(operations, ordered=False)

    async def of(self, node_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Liveness documents by node id."""
        oids = [oid for oid in map(object_id, node_ids) if oid]
        if not oids:
            return {}
        return {str(doc['_id']): doc async for doc in self._liveness.find({'_id': {'$in': oids}})}

    async def delete(self, node_id: str) -> None:
        """Forget a deleted node."""
        await self._liveness.delete_one({'_id': object_id(node_id)})
