"""A node's liveness: whether it is online, when it was last seen, the address it beats from.

A beat is not a write of its node's document: each flush appends the ids of the nodes that beat to the beat log,
which every replica follows (`BeatTail`). The `node_liveness` document of a node is written when it goes online
or offline (with the time of its last beat then) and when the address it beats from changes.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from models.fleet import Heartbeat
from repositories.beat_log import BeatLogRepository
from repositories.beat_tail import BeatTail
from repositories.database import chunked
from repositories.node_presence import NodePresence, now
from repositories.users import object_id

TALLIES_KEPT_SECONDS = 3600
LATEST_METRICS_WITHIN = timedelta(minutes=5)


class NodeLivenessRepository:
    def __init__(
        self,
        db: AsyncDatabase,
        offline_after: timedelta = timedelta(seconds=90),
        clock: Callable[[], datetime] = now,
    ) -> None:
        self._liveness = db['node_liveness']
        self.log = BeatLogRepository(db)
        self.tail = BeatTail(self.log)
        self.presence = NodePresence(self.tail, offline_after, clock)
        self._tallies = db['heartbeat_tallies']  # one small document per flush: what the fleet's figures sum
        self._minute_points = db['node_metrics']  # written by NodeActivityRepository; read here for the latest

    async def ensure_indexes(self) -> None:
        """The offline sweep's index, and the tallies' expiry (idempotent)."""
        await self._liveness.create_index([('online', ASCENDING), ('last_seen_at', ASCENDING)], name='online_seen')
        await self._tallies.create_index('at', expireAfterSeconds=TALLIES_KEPT_SECONDS, name='expiry')
        await self.log.ensure_indexes()

    async def create(self, node_id: str) -> None:
        """Start tracking a new node: never seen yet."""
        await self._liveness.insert_one(
            {'_id': ObjectId(node_id), 'online': False, 'last_seen_at': None, 'seen_ip': None, 'metrics': None}
        )

    async def record(self, beats: list[Heartbeat]) -> None:
        """Every node that beat is seen at the time of its beat, in one insert whatever the number of nodes."""
        if not beats:
            return
        logged = await self.log.append([(beat.node_id, beat.received_at) for beat in beats])
        if logged is not None:
            self.tail.note_logged(logged)

    async def store_addresses(self, addresses: dict[str, str | None]) -> None:
        """The address each of these nodes beats from, written only where it differs from the one stored."""
        moved = [
            UpdateOne({'_id': oid, 'seen_ip': {'$ne': ip}}, {'$set': {'seen_ip': ip}})
            for node_id, ip in addresses.items()
            if (oid := object_id(node_id))
        ]
        if moved:
            await self._liveness.bulk_write(moved, ordered=False)

    async def set_online(self, node_ids: list[str], at: datetime) -> None:
        """These nodes beat again (at `at`) after being offline or pending."""
        oids = [oid for oid in map(object_id, node_ids) if oid]
        for part in chunked(oids):
            await self._liveness.update_many({'_id': {'$in': part}}, {'$set': {'online': True, 'last_seen_at': at}})

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

    async def online_nodes(self) -> dict[str, datetime]:
        """Nodes marked online, with the time their document was written (a beat does not write it): the whole
        online fleet, read once, when a replica first sweeps."""
        cursor = self._liveness.find({'online': True}, {'last_seen_at': 1})
        return {str(doc['_id']): doc['last_seen_at'] async for doc in cursor}

    async def set_offline(self, last_seen: dict[str, datetime]) -> None:
        """Stop looking at these nodes until they beat again, each with the time of its last beat (one write per
        time of a flush, for every node last seen in it)."""
        by_time: dict[datetime, list[ObjectId]] = {}
        for node_id, at in last_seen.items():
            if oid := object_id(node_id):
                by_time.setdefault(at, []).append(oid)
        for at, oids in by_time.items():
            for part in chunked(oids):
                change = {'$set': {'online': False, 'last_seen_at': at}}
                await self._liveness.update_many({'_id': {'$in': part}}, change)
        self.tail.forget(list(last_seen))

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
        for node_id, doc in found.items():
            beat = self.tail.latest(node_id)
            if beat is not None and (doc['last_seen_at'] is None or beat > doc['last_seen_at']):
                doc['last_seen_at'] = beat
        return found

    async def delete(self, node_id: str) -> None:
        """Forget a deleted node."""
        await self._liveness.delete_one({'_id': object_id(node_id)})
