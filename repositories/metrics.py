"""The cluster's and the fleet's samples: `metrics_raw`, `metrics_minute` and `metrics_hour`, one bucket document
per scope and span, each metric's points under their slot keys (`p.<metric>.<slot>`, so that a read takes only the
metrics it needs). Raw points are set (a second writer of the same instant writes the same
thing); rollups add a sum and a count per metric, so that an average stays right whoever adds to it. Each bucket
carries its expiry, and a TTL index removes it after its resolution's retention. (Namespaces, cluster nodes and
deployments are kept in scope_history.py: a bucket rewritten on each tick costs by its size.)"""

from datetime import datetime, timedelta

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from models.metrics import RAW, RESOLUTIONS, Resolution, Values

TIMEOUT_MS = 5000


def bucket_id(scope: str, start: datetime) -> str:
    return f'{scope}|{start:%Y%m%dT%H%M}'


class MetricsRepository:
    def __init__(self, db: AsyncDatabase, retention: dict[str, timedelta]) -> None:
        self._collections = {r.name: db[r.collection] for r in RESOLUTIONS}
        self.retention = retention

    async def ensure_indexes(self) -> None:
        """Range reads by scope and time, and expiry by TTL (idempotent)."""
        for collection in self._collections.values():
            await collection.create_index([('scope', ASCENDING), ('start', ASCENDING)], name='scope_start')
            await collection.create_index('expires', name='expires', expireAfterSeconds=0)

    async def record(self, at: datetime, scopes: dict[str, Values]) -> int:
        """Store one sample of every scope at every resolution; returns the number of bucket writes."""
        writes = 0
        for resolution in RESOLUTIONS:
            start = resolution.bucket_start(at)
            slot = resolution.slot(at)
            on_insert = {'start': start, 'expires': start + resolution.bucket + self.retention[resolution.name]}
            operations = []
            for scope, values in scopes.items():
                known = {k: float(v) for k, v in values.items() if v is not None}
                if not known:
                    continue
                if resolution is RAW:
                    change = {'$set': {f'p.{k}.{slot}': v for k, v in known.items()}}
                else:
                    change = {
                        '$inc': {
                            f'p.{k}.{slot}.{part}': v for k, s in known.items() for part, v in (('s', s), ('n', 1))
                        }
                    }
                change['$setOnInsert'] = {'scope': scope, **on_insert}
                operations.append(UpdateOne({'_id': bucket_id(scope, start)}, change, upsert=True))
            if operations:
                await self._collections[resolution.name].bulk_write(operations, ordered=False)
                writes += len(operations)
        return writes

    async def read(
        self, resolution: Resolution, scope: str, start: datetime, end: datetime, metrics: tuple[str, ...]
    ) -> tuple[list[datetime], dict[str, list[float | None]]]:
        """The points of `scope` between `start` and `end`, oldest first, one column per metric."""
        projection = {'start': 1} | {f'p.{m}': 1 for m in metrics}  # only the metrics asked for leave the server
        query = {'scope': scope, 'start': {'$gte': resolution.bucket_start(start), '$lte': end}}
        cursor = (
            self._collections[resolution.name].find(query, projection).sort('start', ASCENDING).max_time_ms(TIMEOUT_MS)
        )
        times: list[datetime] = []
        values: dict[str, list[float | None]] = {m: [] for m in metrics}
        async for doc in cursor:
            columns = {m: (doc.get('p') or {}).get(m) or {} for m in metrics}
            for slot in sorted({slot for column in columns.values() for slot in column}):
                at = doc['start'] + resolution.step * int(slot)
                if not start <= at <= end:
                    continue
                times.append(at)
                for metric, column in columns.items():
                    value = column.get(slot)
                    if isinstance(value, dict):
                        value = value['s'] / value['n'] if value.get('n') else None
                    values[metric].append(value)
        return times, values

    async def bucket_count(self, resolution: Resolution) -> int:
        return await self._collections[resolution.name].count_documents({})
