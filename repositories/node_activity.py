"""Per-node history: status changes (`node_events`) and at most one metrics point a minute (`node_metrics`)."""

from datetime import datetime, timedelta

from pymongo import ASCENDING, DESCENDING, InsertOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from models.fleet import MetricsPoint, NodeEvent, NodeMetrics, NodeStatus

DUPLICATE_KEY = 11000


def _event(doc: dict) -> NodeEvent:
    return NodeEvent(
        node_id=doc['node_id'],
        from_status=NodeStatus(doc['from']) if doc.get('from') else None,
        to_status=NodeStatus(doc['to']),
        at=doc['at'],
        reason=doc.get('reason', ''),
    )


class NodeActivityRepository:
    def __init__(self, db: AsyncDatabase, metrics_retention: timedelta, events_retention: timedelta) -> None:
        self._events = db['node_events']
        self._metrics = db['node_metrics']
        self._metrics_retention = metrics_retention
        self._events_retention = events_retention

    async def ensure_indexes(self) -> None:
        """Time-ordered lookups per node, one metrics point per node and minute, and TTL retention (idempotent)."""
        await self._events.create_index([('node_id', ASCENDING), ('at', DESCENDING)], name='node_at')
        await self._events.create_index(
            [('at', ASCENDING)], expireAfterSeconds=int(self._events_retention.total_seconds()), name='at_ttl'
        )
        await self._metrics.create_index([('node_id', ASCENDING), ('minute', ASCENDING)], unique=True, name='node_min')
        await self._metrics.create_index(
            [('minute', ASCENDING)], expireAfterSeconds=int(self._metrics_retention.total_seconds()), name='minute_ttl'
        )

    async def record_events(self, events: list[tuple[str, NodeEvent]]) -> None:
        """Store status changes, given as (owner_id, event), in one round trip."""
        if not events:
            return
        await self._events.insert_many(
            [
                {
                    'node_id': event.node_id,
                    'owner_id': owner_id,
                    'from': event.from_status.value if event.from_status else None,
                    'to': event.to_status.value,
                    'at': event.at,
                    'reason': event.reason,
                }
                for owner_id, event in events
            ],
            ordered=False,
        )

    async def events(self, node_id: str, limit: int = 100) -> list[NodeEvent]:
        """The node's latest status changes, newest first."""
        cursor = self._events.find({'node_id': node_id}).sort('at', DESCENDING).limit(limit)
        return [_event(doc) async for doc in cursor]

    async def recent_events(self, owner_id: str | None, since: datetime, limit: int = 30) -> list[NodeEvent]:
        """Status changes of the owner's nodes (everybody's for None) since `since`, newest first."""
        query: dict = {'at': {'$gte': since}} | ({'owner_id': owner_id} if owner_id else {})
        cursor = self._events.find(query).sort('at', DESCENDING).limit(limit)
        return [_event(doc) async for doc in cursor]

    async def add_minute_points(self, points: list[tuple[str, datetime, NodeMetrics]]) -> None:
        """Store (node_id, minute, metrics) points; a minute another writer already stored is kept as it is."""
        if not points:
            return
        operations = [
            InsertOne({'node_id': node_id, 'minute': minute, 'metrics': vars(metrics)})
            for node_id, minute, metrics in points
        ]
        try:
            await self._metrics.bulk_write(operations, ordered=False)
        except BulkWriteError as error:
            if any(e.get('code') != DUPLICATE_KEY for e in error.details.get('writeErrors', [])):
                raise

    async def metrics_since(self, node_id: str, since: datetime) -> list[MetricsPoint]:
        """The node's metrics points since a time, oldest first."""
        cursor = self._metrics.find({'node_id': node_id, 'minute': {'$gte': since}}).sort('minute', ASCENDING)
        return [MetricsPoint(at=doc['minute'], metrics=NodeMetrics(**doc['metrics'])) async for doc in cursor]

    async def delete_node(self, node_id: str) -> None:
        """Forget a deleted node's history."""
        await self._events.delete_many({'node_id': node_id})
        await self._metrics.delete_many({'node_id': node_id})
