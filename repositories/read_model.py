"""An in-memory read model of one collection, kept by every replica as a Kubernetes informer keeps one.

Loaded once, then following the database through a narrow poll of what changed since its cursor (an index on
`updated_at`, which every write sets) and of what was deleted (a tombstone collection). Writes still go to the
database first; the writing replica catches up at once, the others at their next poll. Lists, filters, sorts,
searches and counts are answered here, so their cost follows the page, not the collection: a list is a slice of a
sorted view, kept up to date change by change, and only the page's own documents are then read from the database.
"""

import asyncio
import logging
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pymongo
from pymongo.asynchronous.collection import AsyncCollection
from sortedcontainers import SortedList

from repositories import read_model_snapshot as snapshots

log = logging.getLogger('espaze.read_model')

OVERLAP = timedelta(seconds=5)  # a poll looks this far behind its cursor: writes land a little out of order
RESTING_OVERLAP = timedelta(seconds=30)  # and, when nothing was written lately, this far behind its own start
RESYNC_SECONDS = 900  # and, rarely, everything is read again: a write that landed later still than that is seen
LOAD_SECONDS = 300  # reading a whole large collection outlasts a request's timeout
LOAD_BATCH = 1000  # documents handled between two waits on the database: the event loop stays free
VIEWS_KEPT = 16  # sorted views kept (each is updated on every change), least recently used dropped first
VIEWS_DROPPED_ABOVE = 2000  # rows reconsidered at once beyond which views are built again rather than updated
RECONSIDERED_BETWEEN_YIELDS = 1000
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """What lists need of one document: who owns it, its status, the values it sorts by, and its search text."""

    id: str
    owner_id: str
    status: str
    sort_keys: dict[str, Any]
    text: str = ''  # lower case: what a search looks in
    tags: frozenset[str] = frozenset()  # exact-match filters, such as labels as 'key=value'
    extra: Any = None  # what a page draws beside the list (a node's position)
    stored_status: str | None = None  # the status the database holds, where the one shown is derived from more


@dataclass(frozen=True)
class ViewKey:
    owner_id: str | None
    status: str | None
    tag: str | None
    sort: str


@dataclass
class ReadStats:
    """What the read model read from the database (tests assert on these, not on time)."""

    loaded: int = 0
    polled: int = 0
    polls: int = 0
    views_built: int = 0


@dataclass
class _State:
    rows: dict[str, Row] = field(default_factory=dict)
    by_owner: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    counts: Counter = field(default_factory=Counter)  # (owner_id, status) -> n
    views: OrderedDict[ViewKey, SortedList] = field(default_factory=OrderedDict)


class ReadModel:
    def __init__(
        self,
        collection: AsyncCollection,
        to_row: Callable[[dict[str, Any]], Row | None],
        projection: dict[str, int],
        *,
        tombstones: AsyncCollection | None = None,
        hidden_statuses: tuple[str, ...] = (),
        shown: Callable[[Row], Row] | None = None,
    ) -> None:
        self._collection = collection
        self._tombstones = tombstones
        self._to_row = to_row
        self._shown = shown  # what a row is shown as, beyond its document (a node's status follows its beats)
        self._projection = {**projection, 'updated_at': 1}
        self._hidden = hidden_statuses  # listed only when asked for by status (deleted deployments)
        self._state = _State()
        self._cursor = EARLIEST
        self._tombstone_cursor = EARLIEST
        self._lock = asyncio.Lock()
        self._loaded = asyncio.Event()
        self._snapshot_path: Path | None = None
        self._epoch = ''
        self.stats = ReadStats()
        self.version = 0  # moves on every change: what is derived from the rows may be kept until it moves

    async def load(self) -> None:
        """Read the whole collection once (at startup; every later read is narrow)."""
        async with self._lock:
            state, cursor = _State(), EARLIEST
            started = datetime.now(UTC)
            with pymongo.timeout(LOAD_SECONDS):
                async for doc in self._collection.find({}, self._projection).batch_size(LOAD_BATCH):
                    self.stats.loaded += 1
                    cursor = max(cursor, doc.get('updated_at') or EARLIEST)
                    _put(state, str(doc['_id']), self._row(doc))
            self._state = state
            self.version += 1
            took = (datetime.now(UTC) - started).total_seconds()
            log.info('read model of %s: %d loaded in %.1f s', self._collection.name, len(state.rows), took)
            self._cursor = max(cursor, started - OVERLAP)
            self._tombstone_cursor = started - OVERLAP
            self._loaded.set()
        await self.save_snapshot()

    async def start(self, snapshot_path: Path | None = None, epoch: str = '') -> None:
        """Load from the snapshot this replica saved (then read only what changed since), or read everything."""
        self._snapshot_path, self._epoch = snapshot_path, epoch
        found = await asyncio.to_thread(snapshots.read, snapshot_path, epoch) if snapshot_path else None
        if found is None:
            await self.load()
            return
        async with self._lock:
            state = _State()
            for row_id, row in found.rows.items():
                _put(state, row_id, self._shown(row) if self._shown else row)
            self._state, self._cursor, self._tombstone_cursor = state, found.cursor, found.tombstone_cursor
            self.version += 1
            self._loaded.set()
        await self.catch_up()
        log.info('read model of %s: %d from its snapshot, then what changed', self._collection.name, len(state.rows))

    async def save_snapshot(self) -> None:
        if self._snapshot_path is None or not self._loaded.is_set():
            return
        async with self._lock:
            rows, cursors = dict(self._state.rows), (self._cursor, self._tombstone_cursor)
        found = snapshots.Snapshot(rows, *cursors, datetime.now(UTC), self._epoch)
        await asyncio.to_thread(snapshots.save, self._snapshot_path, found)

    @property
    def name(self) -> str:
        return self._collection.name

    async def wait_loaded(self) -> None:
        await self._loaded.wait()

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set()

    def note(self, doc: dict[str, Any]) -> None:
        """A document this replica just wrote, as the database answered it: read at once, without a poll."""
        if self._loaded.is_set():
            self._apply(str(doc['_id']), self._row(doc))

    def note_deleted(self, row_id: str) -> None:
        if self._loaded.is_set():
            self._apply(row_id, None)

    async def catch_up(self) -> None:
        """Apply what changed since the cursor: called after this replica's own writes, and every second."""
        if not self._loaded.is_set():
            return
        async with self._lock:
            self.stats.polls += 1
            started = datetime.now(UTC)
            since = self._cursor - OVERLAP
            async for doc in self._collection.find({'updated_at': {'$gte': since}}, self._projection):
                self.stats.polled += 1
                self._cursor = max(self._cursor, doc['updated_at'])
                self._apply(str(doc['_id']), self._row(doc))
            # with no write since, a poll looks no further back than RESTING_OVERLAP: a burst followed by quiet
            # is read again for half a minute, not at every poll until the next write
            self._cursor = max(self._cursor, started - RESTING_OVERLAP)
            if self._tombstones is not None:
                since = self._tombstone_cursor - OVERLAP
                async for doc in self._tombstones.find({'at': {'$gte': since}}):
                    self.stats.polled += 1
                    self._tombstone_cursor = max(self._tombstone_cursor, doc['at'])
                    self._apply(str(doc['_id']), None)

    async def follow(self, seconds: float) -> None:
        """Catch up every `seconds`, and read everything again every RESYNC_SECONDS, for ever (a task of each
        replica)."""
        last_load = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(seconds)
            try:
                if asyncio.get_running_loop().time() - last_load > RESYNC_SECONDS:
                    await self.load()
                    last_load = asyncio.get_running_loop().time()
                await self.catch_up()
            except Exception as error:  # the database is away: the next poll looks further back
                log.warning('read model of %s: %s', self._collection.name, type(error).__name__)

    async def reconsider(self, row_ids: Iterable[str]) -> int:
        """Show these rows again, their documents unchanged (what they are shown as follows more than the
        database); returns how many changed. Many at once drop the sorted views, built again at their next use."""
        if self._shown is None or not self._loaded.is_set():
            return 0
        present = [row_id for row_id in row_ids if row_id in self._state.rows]
        if len(present) > VIEWS_DROPPED_ABOVE:
            self._state.views.clear()
        changed = 0
        for done, row_id in enumerate(present, 1):
            row = self._state.rows.get(row_id)
            if row is not None and (shown := self._shown(row)) != row:
                self._apply(row_id, shown)
                changed += 1
            if done % RECONSIDERED_BETWEEN_YIELDS == 0:
                await asyncio.sleep(0)
        return changed

    def _row(self, doc: dict[str, Any]) -> Row | None:
        row = self._to_row(doc)
        return self._shown(row) if row is not None and self._shown is not None else row

    def _apply(self, row_id: str, row: Row | None) -> None:
        state = self._state
        old = state.rows.get(row_id)
        if old == row:
            return
        self.version += 1
        for key, view in state.views.items():
            if old is not None and self._matches(key, old):
                view.remove((old.sort_keys[key.sort], row_id))
            if row is not None and self._matches(key, row):
                view.add((row.sort_keys[key.sort], row_id))
        _take(state, row_id, old)
        _put(state, row_id, row)

    def _matches(self, key: ViewKey, row: Row) -> bool:
        if key.owner_id is not None and row.owner_id != key.owner_id:
            return False
        if key.status is not None and row.status != key.status:
            return False
        if key.status is None and row.status in self._hidden:
            return False
        return key.tag is None or key.tag in row.tags

    def _candidates(self, owner_id: str | None) -> Iterable[Row]:
        state = self._state
        if owner_id is None:
            return state.rows.values()
        return (state.rows[i] for i in state.by_owner.get(owner_id, ()))

    def _view(self, key: ViewKey) -> SortedList:
        views = self._state.views
        if key in views:
            views.move_to_end(key)
            return views[key]
        self.stats.views_built += 1
        view = SortedList(
            (row.sort_keys[key.sort], row.id) for row in self._candidates(key.owner_id) if self._matches(key, row)
        )
        views[key] = view
        if len(views) > VIEWS_KEPT:
            views.popitem(last=False)
        return view

    def page(self, key: ViewKey, text: str | None, descending: bool, offset: int, limit: int) -> tuple[list[str], int]:
        """The ids of one page, in order, and how many match in all."""
        if text:
            needle = text.lower()
            found = sorted(
                (row.sort_keys[key.sort], row.id)
                for row in self._candidates(key.owner_id)
                if needle in row.text and self._matches(key, row)
            )
            chosen = found[::-1] if descending else found
            return [row_id for _, row_id in chosen[offset : offset + limit]], len(found)
        view = self._view(key)
        size = len(view)
        if descending:
            chosen = list(reversed(view[max(0, size - offset - limit) : max(0, size - offset)]))
        else:
            chosen = list(view[offset : offset + limit])
        return [row_id for _, row_id in chosen], size

    def counts(self, owner_id: str | None) -> dict[str, int]:
        """How many rows are in each status (every owner's for None)."""
        totals: Counter = Counter()
        for (owner, status), n in self._state.counts.items():
            if owner_id is None or owner == owner_id:
                totals[status] += n
        return {status: n for status, n in totals.items() if n}

    def rows(self, owner_id: str | None) -> list[Row]:
        """Every row (an owner's, or all): for what draws them all at once, such as the map's aggregation."""
        return list(self._candidates(owner_id))

    def get(self, row_id: str) -> Row | None:
        return self._state.rows.get(row_id)


def _put(state: _State, row_id: str, row: Row | None) -> None:
    if row is None:
        return
    state.rows[row_id] = row
    state.by_owner[row.owner_id].add(row_id)
    state.counts[(row.owner_id, row.status)] += 1


def _take(state: _State, row_id: str, old: Row | None) -> None:
    if old is None:
        return
    del state.rows[row_id]
    state.by_owner[old.owner_id].discard(row_id)
    state.counts[(old.owner_id, old.status)] -= 1
