"""Every change to the sandbox's objects, numbered by resourceVersion, and the watch streams that follow them as
the API server serves `?watch=true`: one JSON event per line, from a resourceVersion on; `ERROR` 410 Expired when
that version is older than the changes kept; periodic `BOOKMARK`s when asked for; closed after `timeoutSeconds`."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

CHANGES_KEPT = 50_000
BOOKMARK_EVERY = 5.0


@dataclass(frozen=True)
class Change:
    version: int
    type: str  # ADDED, MODIFIED or DELETED
    kind: str
    namespace: str
    obj: dict  # what selectors read (labels, name, namespace, node, phase); the body as it was is `text`
    text: str


def _selectable(obj: dict) -> dict:
    meta, spec, status = obj['metadata'], obj.get('spec') or {}, obj.get('status') or {}
    return {
        'metadata': {k: meta.get(k) for k in ('name', 'namespace', 'labels')},
        'spec': {'nodeName': spec.get('nodeName')} if isinstance(spec, dict) else {},
        'status': {'phase': status.get('phase')} if isinstance(status, dict) else {},
    }


class ChangeLog:
    def __init__(self, kept: int = CHANGES_KEPT) -> None:
        self._kept = kept
        self._changes: list[Change] = []  # consecutive versions
        self._wakeup = asyncio.Event()

    def add(self, version: int, change_type: str, obj: dict) -> None:
        namespace = obj['metadata'].get('namespace') or ''
        change = Change(version, change_type, obj.get('kind', ''), namespace, _selectable(obj), json.dumps(obj))
        self._changes.append(change)
        if len(self._changes) > 2 * self._kept:
            del self._changes[: -self._kept]
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    @property
    def oldest(self) -> int | None:
        return self._changes[0].version if self._changes else None

    def after(self, version: int) -> list[Change] | None:
        """The changes after `version`, oldest first; None when some of them are no longer kept."""
        first = self.oldest
        if first is None:
            return []
        if version < first - 1:
            return None
        return self._changes[version - first + 1 :]

    async def wait(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        except TimeoutError:
            pass


def line(event_type: str, obj: dict | str) -> bytes:
    body = obj if isinstance(obj, str) else json.dumps(obj)
    return f'{{"type": "{event_type}", "object": {body}}}\n'.encode()


def expired(version: int, oldest: int) -> bytes:
    status = {
        'kind': 'Status',
        'apiVersion': 'v1',
        'metadata': {},
        'status': 'Failure',
        'message': f'too old resource version: {version} ({oldest})',
        'reason': 'Expired',
        'code': 410,
    }
    return line('ERROR', status)


async def watch_stream(
    log: ChangeLog,
    start: int,
    initial: list[dict],
    wanted: Callable[[Change], bool],
    *,
    timeout: float,
    bookmarks: bool,
    api_version: str,
    kind: str,
) -> AsyncIterator[bytes]:
    """The events after `start` (after `initial` as ADDED, for a watch without a resourceVersion)."""
    for obj in initial:
        yield line('ADDED', obj)
    cursor, deadline, bookmark_at = start, time.monotonic() + timeout, time.monotonic() + BOOKMARK_EVERY
    while time.monotonic() < deadline:
        changes = log.after(cursor)
        if changes is None:
            yield expired(cursor, log.oldest or cursor)
            return
        for change in changes:
            cursor = change.version
            if wanted(change):
                yield line(change.type, change.text)
        if bookmarks and time.monotonic() >= bookmark_at:
            bookmark_at = time.monotonic() + BOOKMARK_EVERY
            yield line(
                'BOOKMARK', {'kind': kind, 'apiVersion': api_version, 'metadata': {'resourceVersion': str(cursor)}}
            )
        await log.wait(min(1.0, max(0.0, deadline - time.monotonic())))
