"""The history of every namespace, cluster node and deployment: one small document per scope per minute, and one
per scope per hour with that hour's averages. Each is inserted once and never updated: the embedded database
rewrites a whole document on every update (a bucket of 60 points took 8 ms an update), while an insert of a small
document costs about the same at any size of history. A scope's day is 1,440 + 24 documents of about 200 bytes.
Minutes are kept as long as raw samples, hours as long as hourly rollups (TTL on `x`)."""

from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from models.metrics import Values

TIMEOUT_MS = 5000
DUPLICATE_KEY = 11000
COLLECTIONS = {'minute': 'metrics_scope_minute', 'hour': 'metrics_scope_hour'}
STEPS = {'minute': timedelta(minutes=1), 'hour': timedelta(hours=1)}


class ScopeHistoryRepository:
    def __init__(self, db: AsyncDatabase, retention: dict[str, timedelta]) -> None:
        self._collections = {name: db[collection] for name, collection in COLLECTIONS.items()}
        self._retention = retention

    async def ensure_indexes(self) -> None:
        for collection in self._collections.values():
            await collection.create_index([('s', ASCENDING), ('t', ASCENDING)], name='scope_time', unique=True)
            await collection.create_index('x', name='expires', expireAfterSeconds=0)

    async def record(
        self, resolution: str, at: datetime, scopes: dict[str, Values], samples: dict[str, int] | None = None
    ) -> int:
        """Insert each scope's point at `at` (the start of its minute or hour); a point already there (another
        replica's, or a retry) is kept. Returns the number inserted."""
        expires = at + STEPS[resolution] + self._retention['raw' if resolution == 'minute' else 'hour']
        documents = []
        for scope, values in scopes.items():
            known = {k: float(v) for k, v in values.items() if v is not None}
            if known:
                documents.append({'s': scope, 't': at, 'v': known, 'n': (samples or {}).get(scope, 1), 'x': expires})
        if not documents:
            return 0
        try:
            result = await self._collections[resolution].insert_many(documents, ordered=False)
            return len(result.inserted_ids)
        except BulkWriteError as error:
            if any(e.get('code') != DUPLICATE_KEY for e in error.details.get('writeErrors', [])):
                raise
            return error.details.get('nInserted', 0)

    async def read(
        self, resolution: str, scope: str, start: datetime, end: datetime, metrics: tuple[str, ...]
    ) -> tuple[list[datetime], dict[str, list[float | None]]]:
        """The points of `scope` from `start` to `end`, oldest first, one column per metric."""
        projection = {'_id': 0, 't': 1} | {f'v.{m}': 1 for m in metrics}
        query = {'s': scope, 't': {'$gte': start, '$lte': end}}
        cursor = self._collections[resolution].find(query, projection).sort('t', ASCENDING).max_time_ms(TIMEOUT_MS)
        times: list[datetime] = []
        values: dict[str, list[float | None]] = {m: [] for m in metrics}
        async for doc in cursor:
            times.append(doc['t'])
            for metric in metrics:
                values[metric].append((doc.get('v') or {}).get(metric))
        return times, values
