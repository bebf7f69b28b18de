"""A cluster object kind kept as client-go's informers keep it: listed once, then followed with the official
client's watch from the list's resourceVersion; listed again when that version has expired (410) or the watch
failed; bookmarks keep the version fresh while nothing changes. The watch runs in its own thread (the client is
blocking); readers on the event loop read what the subclass keeps, under its lock."""

import json
import logging
import threading
from typing import Any

from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from models.errors import UpstreamFailed

log = logging.getLogger(__name__)

WATCH_SECONDS = 240  # the server closes each watch after this; the next one starts from the last version
RETRY_SECONDS = (0.5, 1, 2, 5, 10)


class RawWatch(watch.Watch):
    """The official watch, handing each object over as the API server's JSON: no model per event."""

    def get_return_type(self, func: Any) -> None:
        return None


def object_key(obj: dict) -> tuple[str, str]:
    meta = obj.get('metadata') or {}
    return meta.get('namespace') or '', meta.get('name') or ''


class Informer:
    kind = 'object'

    def __init__(self, list_everywhere: Any, request_timeout: float) -> None:
        self._list_everywhere = list_everywhere
        self._timeout = request_timeout
        self._lock = threading.Lock()
        self._synced = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._watch: RawWatch | None = None
        self.problem: str | None = None
        self.lists = 0
        self.events = 0

    def replace_all(self, objects: list[dict]) -> None:
        raise NotImplementedError

    def apply(self, key: tuple[str, str], obj: dict | None) -> None:
        """The object as it is now at `key`, or None when it was deleted (called under the lock)."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f'{self.kind}-informer', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._watch is not None:
            self._watch.stop()

    def wait_synced(self, seconds: float) -> bool:
        return self._synced.wait(seconds)

    def check_synced(self) -> None:
        if not self._synced.is_set():
            raise UpstreamFailed(f"The cluster's {self.kind}s are not known: {self.problem or 'not listed yet'}")

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                self._follow(self._list())
                failures = 0
            except ApiException as error:
                if error.status != 410:
                    failures = self._failed(f'the cluster answered {error.status}', failures)
            except Exception as error:  # a lost connection or a timeout: list again after a pause
                failures = self._failed(type(error).__name__, failures)

    def _failed(self, problem: str, failures: int) -> int:
        if self._stopping.is_set():  # stop() closed the watch's connection
            return failures
        self.problem = problem
        if failures >= 2:
            self._synced.clear()  # stale for too long: say so rather than show old objects as current
        log.warning('%s watch failed (%s); listing again', self.kind, problem)
        self._stopping.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
        return failures + 1

    def _list(self) -> str:
        answer = self._list_everywhere(_preload_content=False, _request_timeout=self._timeout)
        listed = json.loads(answer.data)
        with self._lock:
            self.replace_all(listed.get('items') or [])
        self.lists += 1
        self.problem = None
        self._synced.set()
        return listed['metadata']['resourceVersion']

    def _follow(self, version: str) -> None:
        """Apply every change after `version` until the cluster says it is too old (410) or the watch breaks."""
        while not self._stopping.is_set():
            self._watch = RawWatch()
            stream = self._watch.stream(
                self._list_everywhere,
                resource_version=version,
                timeout_seconds=WATCH_SECONDS,
                allow_watch_bookmarks=True,
                _request_timeout=(self._timeout, WATCH_SECONDS + self._timeout),
            )
            for event in stream:
                obj = event['raw_object']
                version = (obj.get('metadata') or {}).get('resourceVersion') or version
                if event['type'] in ('ADDED', 'MODIFIED', 'DELETED'):
                    with self._lock:
                        self.apply(object_key(obj), None if event['type'] == 'DELETED' else obj)
                self.events += 1
