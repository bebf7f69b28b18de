"""Every pod of the cluster, kept by an informer (informer.py): each pod's sample (what it requests and may use)
and what a rollout looks at (phase, readiness, waiting and termination reasons), indexed by Espaze deployment,
and totals kept change by change, so that the Observatory's tick and the rollout engine never list pods."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubernetes.utils import parse_quantity

from models.cluster import PodInfo, PodSample
from services.cluster.informer import Informer, object_key
from services.cluster.manifests import DEPLOYMENT_ID

FINISHED = ('Succeeded', 'Failed')


@dataclass
class PodTotals:
    """Kept change by change, so that the cluster's totals cost the same at any number of pods."""

    by_phase: Counter = field(default_factory=Counter)
    restarts: int = 0
    on_node: Counter = field(default_factory=Counter)  # pods not finished, by node

    def count(self, pod: PodSample, sign: int) -> None:
        self.by_phase[pod.phase] += sign
        self.restarts += sign * pod.restarts
        if pod.node and pod.phase not in FINISHED:
            self.on_node[pod.node] += sign

    def copy(self) -> 'PodTotals':
        return PodTotals(+self.by_phase, self.restarts, +self.on_node)  # unary + drops the zeros


def _resources(spec: dict, kind: str) -> tuple[float, int]:
    cpu = memory = 0
    for container in spec.get('containers') or []:
        values = (container.get('resources') or {}).get(kind) or {}
        cpu += parse_quantity(values.get('cpu', '0'))
        memory += parse_quantity(values.get('memory', '0'))
    return float(cpu), int(memory)


def _containers(pod: dict) -> list[dict]:
    return (pod.get('status') or {}).get('containerStatuses') or []


def pod_sample(pod: dict) -> PodSample:
    meta, spec, status = pod.get('metadata') or {}, pod.get('spec') or {}, pod.get('status') or {}
    containers = _containers(pod)
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


def pod_info(pod: dict) -> PodInfo:
    """What `ClusterReads.pods` tells of a pod, from the API server's JSON."""
    containers = _containers(pod)
    first = containers[0] if containers else {}
    waiting = (first.get('state') or {}).get('waiting') or {}
    terminated = (first.get('lastState') or {}).get('terminated') or {}
    started = (pod.get('status') or {}).get('startTime')
    return PodInfo(
        name=(pod.get('metadata') or {}).get('name') or '',
        phase=(pod.get('status') or {}).get('phase') or 'Pending',
        ready=bool(containers) and all(c.get('ready') for c in containers),
        restarts=sum(c.get('restartCount') or 0 for c in containers),
        node=(pod.get('spec') or {}).get('nodeName'),
        waiting_reason=waiting.get('reason'),
        waiting_message=waiting.get('message'),
        last_termination_reason=terminated.get('reason'),
        last_exit_code=terminated.get('exitCode'),
        started_at=datetime.fromisoformat(started.replace('Z', '+00:00')) if started else None,
    )


class PodInformer(Informer):
    kind = 'pod'

    def __init__(self, core_api: Any, request_timeout: float) -> None:
        super().__init__(core_api.list_pod_for_all_namespaces, request_timeout)
        self._pods: dict[tuple[str, str], tuple[PodSample, PodInfo]] = {}
        self._by_deployment: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self._totals = PodTotals()

    def pods(self) -> list[PodSample]:
        """The pods as last seen; UpstreamFailed until the first list has arrived, or while the cluster is away."""
        self.check_synced()
        with self._lock:
            return [sample for sample, _ in self._pods.values()]

    def totals(self) -> PodTotals:
        self.check_synced()
        with self._lock:
            return self._totals.copy()

    def of_deployment(self, namespace: str, deployment_id: str) -> list[PodInfo]:
        """The pods of one Espaze deployment (by its label), sorted by name."""
        self.check_synced()
        with self._lock:
            keys = self._by_deployment.get((namespace, deployment_id), set())
            return sorted((self._pods[key][1] for key in keys), key=lambda p: p.name)

    def replace_all(self, objects: list[dict]) -> None:
        self._pods, self._by_deployment, self._totals = {}, {}, PodTotals()
        for obj in objects:
            self.apply(object_key(obj), obj)

    def apply(self, key: tuple[str, str], obj: dict | None) -> None:
        old = self._pods.pop(key, None)
        if old is not None:
            self._totals.count(old[0], -1)
            owner = (old[0].namespace, old[0].labels.get(DEPLOYMENT_ID, ''))
            self._by_deployment.get(owner, set()).discard(key)
        if obj is not None:
            sample = pod_sample(obj)
            self._pods[key] = (sample, pod_info(obj))
            self._totals.count(sample, +1)
            owner = (sample.namespace, sample.labels.get(DEPLOYMENT_ID, ''))
            self._by_deployment.setdefault(owner, set()).add(key)
