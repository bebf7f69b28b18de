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


class NodeLivenessRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._liveness = db['node_liveness']

    async def ensure_indexes(self) -> None:
        """The offline sweep's index (idempotent)."""
        await self._liveness.create_index([('online', ASCENDING), ('last_seen_at', ASCENDING)], name='online_seen')

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

    async def fleet_usage(self, since: datetime) -> tuple[int, float | None, float | None]:
        """Nodes that beat since `since`, and the average CPU and memory percent online nodes last reported."""
        recent = await self._liveness.count_documents({'online': True, 'last_seen_at': {'$gte': since}})
        pipeline = [
            {'$match': {'online': True}},
            {
                '$group': {
                    '_id': None,
                    'cpu': {'$avg': '$metrics.cpu_percent'},
                    'memory': {'$avg': '$metrics.memory_percent'},
                }
            },
        ]
        found = [doc async for doc in await self._liveness.aggregate(pipeline)]
        averages = found[0] if found else {}
        return recent, averages.get('cpu'), averages.get('memory')

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
