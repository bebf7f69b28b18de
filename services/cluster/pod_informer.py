"""Every pod of the cluster, kept as client-go's informers keep it: listed once, then followed with the official
client's watch from the list's resourceVersion. Listed again when the watch's version has expired (410) or the
watch failed; bookmarks keep its version fresh while nothing changes. The Observatory reads this instead of listing
every pod on each tick.

The watch runs in its own thread (the client is blocking); readers on the event loop only read the dict."""

import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kubernetes import watch
from kubernetes.client.exceptions import ApiException
from kubernetes.utils import parse_quantity

from models.cluster import PodSample
from models.errors import UpstreamFailed

log = logging.getLogger(__name__)

WATCH_SECONDS = 240  # the server closes each watch after this; the next one starts from the last version
RETRY_SECONDS = (0.5, 1, 2, 5, 10)
FINISHED = ('Succeeded', 'Failed')


@dataclass
class PodTotals:
    """Kept change by change, so that the cluster's totals cost the same at any number of pods."""

    by_phase: Counter = field(default_factory=Counter)
    restarts: int = 0
    on_node: Counter = field(default_factory=Counter)  # pods not finished, by node

    def count(self, pod: 'PodSample', sign: int) -> None:
        self.by_phase[pod.phase] += sign
        self.restarts += sign * pod.restarts
        if pod.node and pod.phase not in FINISHED:
            self.on_node[pod.node] += sign

    def copy(self) -> 'PodTotals':
        return PodTotals(+self.by_phase, self.restarts, +self.on_node)  # unary + drops the zeros


class RawWatch(watch.Watch):
    """The official watch, handing each object over as the API server's JSON: no model per event."""

    def get_return_type(self, func: Any) -> None:
        return None


def _resources(spec: dict, kind: str) -> tuple[float, int]:
    cpu = memory = 0
    for container in spec.get('containers') or []:
        values = (container.get('resources') or {}).get(kind) or {}
        cpu += parse_quantity(values.get('cpu', '0'))
        memory += parse_quantity(values.get('memory', '0'))
    return float(cpu), int(memory)


def pod_sample(pod: dict) -> PodSample:
    meta, spec, status = pod.get('metadata') or {}, pod.get('spec') or {}, pod.get('status') or {}
    containers = status.get('containerStatuses') or []
    requests, limits = _resources(spec, 'requests'), _resources(spec, 'limits')
    return PodSample(
        namespace=meta.get('namespace') or '',
        name=meta.get('name') or '',
        phase=status.get('phase') or 'Pending',
        ready=bool(containers) and all(c.get('ready') for c in containers),
        node=spec.get('nodeName'),
        restarts=sum(c.get('restartCount') or 0 for c in containers),
        labels=dict(meta.get('labels') or {}),
        cpu_request=requests[0],
        memory_request=requests[1],
        cpu_limit=limits[0],
        memory_limit=limits[1],
    )


def _key(pod: dict) -> tuple[str, str]:
    meta = pod.get('metadata') or {}
    return meta.get('namespace') or '', meta.get('name') or ''


class PodInformer:
    def __init__(self, core_api: Any, request_timeout: float) -> None:
        self._core = core_api
        self._timeout = request_timeout
        self._pods: dict[tuple[str, str], PodSample] = {}
        self._totals = PodTotals()
        self._lock = threading.Lock()
        self._synced = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._watch: RawWatch | None = None
        self.problem: str | None = None
        self.lists = 0
        self.events = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name='pod-informer', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._watch is not None:
            self._watch.stop()

    def pods(self) -> list[PodSample]:
        """The pods as last seen; UpstreamFailed until the first list has arrived, or while the cluster is away."""
        self._check_synced()
        with self._lock:
            return list(self._pods.values())

    def totals(self) -> PodTotals:
        self._check_synced()
        with self._lock:
            return self._totals.copy()

    def _check_synced(self) -> None:
        if not self._synced.is_set():
            raise UpstreamFailed(f"The cluster's pods are not known: {self.problem or 'not listed yet'}")

    def _apply(self, key: tuple[str, str], pod: PodSample | None) -> None:
        with self._lock:
            old = self._pods.pop(key, None)
            if old is not None:
                self._totals.count(old, -1)
            if pod is not None:
                self._pods[key] = pod
                self._totals.count(pod, +1)

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    def wait_synced(self, seconds: float) -> bool:
        return self._synced.wait(seconds)

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
            self._synced.clear()  # stale for too long: say so rather than show old pods as current
        log.warning('pod watch failed (%s); listing again', problem)
        self._stopping.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
        return failures + 1

    def _list(self) -> str:
        answer = self._core.list_pod_for_all_namespaces(_preload_content=False, _request_timeout=self._timeout)
        listed = json.loads(answer.data)
        pods = {_key(item): pod_sample(item) for item in listed.get('items') or []}
        totals = PodTotals()
        for pod in pods.values():
            totals.count(pod, +1)
        with self._lock:
            self._pods, self._totals = pods, totals
        self.lists += 1
        self.problem = None
        self._synced.set()
        return listed['metadata']['resourceVersion']

    def _follow(self, version: str) -> None:
        """Apply every change after `version` until the cluster says it is too old (410) or the watch breaks."""
        while not self._stopping.is_set():
            self._watch = RawWatch()
            stream = self._watch.stream(
                self._core.list_pod_for_all_namespaces,
                resource_version=version,
                timeout_seconds=WATCH_SECONDS,
                allow_watch_bookmarks=True,
                _request_timeout=(self._timeout, WATCH_SECONDS + self._timeout),
            )
            for event in stream:
                pod = event['raw_object']
                version = (pod.get('metadata') or {}).get('resourceVersion') or version
                if event['type'] == 'DELETED':
                    self._apply(_key(pod), None)
                elif event['type'] in ('ADDED', 'MODIFIED'):
                    self._apply(_key(pod), pod_sample(pod))
                self.events += 1
