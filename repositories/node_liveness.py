"""The `node_liveness` collection: the hot part of a node, written by every heartbeat flush.

Kept apart from `nodes` so that each beat updates a small document with a single index, whatever indexes the
fleet's listing needs.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from models.fleet import Heartbeat
from repositories.database import chunked
from repositories.users import object_id

TALLIES_KEPT_SECONDS = 3600
LATEST_METRICS_WITHIN = timedelta(minutes=5)
SILENT_PER_SWEEP = 10_000  # marked per sweep: a statement per IN_CHUNK nodes, each node costing about 0.5 ms


class NodeLivenessRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._liveness = db['node_liveness']
        self._tallies = db['heartbeat_tallies']  # one small document per flush: what the fleet's figures sum
        self._minute_points = db['node_metrics']  # written by NodeActivityRepository; read here for the latest

    async def ensure_indexes(self) -> None:
        """The offline sweep's index, and the tallies' expiry (idempotent)."""
        await self._liveness.create_index([('online', ASCENDING), ('last_seen_at', ASCENDING)], name='online_seen')
        await self._tallies.create_index('at', expireAfterSeconds=TALLIES_KEPT_SECONDS, name='expiry')

    async def create(self, node_id: str) -> None:
        """Start tracking a new node: never seen yet."""
        await self._liveness.insert_one(
            {'_id': ObjectId(node_id), 'online': False, 'last_seen_at': None, 'seen_ip': None, 'metrics': None}
        )

    async def record(self, beats: list[Heartbeat], addresses: dict[str, str | None]) -> int:
        """Every node that beat is seen, at the oldest of these beats' times (so never later than it was), in one
        write whatever the number of nodes; `addresses` holds only the addresses seen that changed. Returns how many
        nodes matched (deleted ones do not). Its latest metrics are its newest minute point (`of`)."""
        if not beats:
            return 0
        seen = min(beat.received_at for beat in beats)
        oids = [oid for oid in (object_id(beat.node_id) for beat in beats) if oid]
        matched = 0
        for part in chunked(oids):
            seen_now = {'$set': {'last_seen_at': seen, 'online': True}}
            matched += (await self._liveness.update_many({'_id': {'$in': part}}, seen_now)).matched_count
        moved = [UpdateOne({'_id': object_id(node_id)}, {'$set': {'seen_ip': ip}}) for node_id, ip in addresses.items()]
        if moved:
            await self._liveness.bulk_write(moved, ordered=False)
        return matched

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

    async def offline_between(self, after: datetime | None, before: datetime) -> dict[str, datetime]:
        """Offline nodes whose last beat is in (`after`, `before`], with that time (a narrow range when the
        caller's window moves with the clock)."""
        seen = {'$ne': None, '$lte': before} | ({'$gt': after} if after else {})
        cursor = self._liveness.find({'online': False, 'last_seen_at': seen}, {'last_seen_at': 1})
        return {str(doc['_id']): doc['last_seen_at'] async for doc in cursor}

    async def online_among(self, node_ids: list[str]) -> list[str]:
        """Those of these nodes whose liveness says online."""
        oids = [oid for oid in map(object_id, node_ids) if oid]
        found = []
        for part in chunked(oids):
            cursor = self._liveness.find({'_id': {'$in': part}, 'online': True}, {'_id': 1})
            found += [str(doc['_id']) async for doc in cursor]
        return found

    async def oldest_online_between(self, after: datetime | None, before: datetime) -> datetime | None:
        """The oldest last beat in (`after`, `before`] of a node still marked online (the sweep has not come yet)."""
        seen = {'$ne': None, '$lte': before} | ({'$gt': after} if after else {})
        found = await self._liveness.find_one(
            {'online': True, 'last_seen_at': seen}, {'last_seen_at': 1}, sort=[('last_seen_at', ASCENDING)]
        )
        return found['last_seen_at'] if found else None

    async def silent_online(self, cutoff: datetime, limit: int = SILENT_PER_SWEEP) -> list[str]:
        """Nodes that beat once but not since `cutoff`."""
        cursor = self._liveness.find({'online': True, 'last_seen_at': {'$lt': cutoff}}, {'_id': 1}).limit(limit)
        return [str(doc['_id']) async for doc in cursor]

    async def set_offline(self, node_ids: list[str]) -> None:
        """Stop looking at these nodes until they beat again (one write for all)."""
        oids = [oid for oid in map(object_id, node_ids) if oid]
        for part in chunked(oids):
            await self._liveness.update_many({'_id': {'$in': part}}, {'$set': {'online': False}})

    async def of(self, node_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Liveness documents by node id, each with its latest metrics: those of its newest minute point of the
        last few minutes (a node silent for longer has none to show)."""
        oids = [oid for oid in map(object_id, node_ids) if oid]
        if not oids:
            return {}
        found = {str(doc['_id']): doc async for doc in self._liveness.find({'_id': {'$in': oids}})}
        since = datetime.now(UTC) - LATEST_METRICS_WITHIN
        points = self._minute_points.find(
            {'node_id': {'$in': list(found)}, 'minute': {'$gte': since}}, {'node_id': 1, 'minute': 1, 'metrics': 1}
        )
        newest: dict[str, dict[str, Any]] = {}
        async for point in points:
            if point['node_id'] not in newest or point['minute'] > newest[point['node_id']]['minute']:
                newest[point['node_id']] = point
        for node_id, point in newest.items():
            found[node_id]['metrics'] = point['metrics']
        return found

    async def delete(self, node_id: str) -> None:
        """Forget a deleted node."""
        await self._liveness.delete_one({'_id': object_id(node_id)})
