"""What Espaze reads from a cluster: rollout state, pods, logs, events, nodes, usage, and the cluster's status."""

import asyncio
import json
from datetime import datetime

from kubernetes.utils import parse_quantity

from models.cluster import ClusterNode, ClusterStatus, Condition, EventInfo, PodInfo, PodSample, RolloutState, Usage
from models.errors import EspazeError, NotFound
from services.cluster.gateway import KubeGateway
from services.cluster.manifests import deployment_selector
from services.cluster.pod_informer import PodInformer, PodTotals, pod_info
from services.cluster.rollout_informer import RolloutInformer, rollout_state
from services.cluster.shared_reads import SharedReads

MAX_LOG_LINES = 5000


def _conditions(items) -> list[Condition]:
    return [Condition(c.type, c.status, c.reason, c.message) for c in items or []]


def _node(node) -> ClusterNode:
    status = node.status
    ready = any(c.type == 'Ready' and c.status == 'True' for c in status.conditions or [])
    return ClusterNode(
        name=node.metadata.name,
        ready=ready,
        labels=dict(node.metadata.labels or {}),
        addresses=[a.address for a in status.addresses or []],
        capacity_cpu=float(parse_quantity((status.capacity or {}).get('cpu', '0'))),
        capacity_memory=int(parse_quantity((status.capacity or {}).get('memory', '0'))),
        allocatable_cpu=float(parse_quantity((status.allocatable or {}).get('cpu', '0'))),
        allocatable_memory=int(parse_quantity((status.allocatable or {}).get('memory', '0'))),
        conditions=_conditions(status.conditions),
    )


def _usage(item: dict, namespaced: bool) -> Usage:
    meta = item.get('metadata') or {}
    parts = [item.get('usage')] if 'usage' in item else [c.get('usage') for c in item.get('containers') or []]
    return Usage(
        name=meta.get('name', ''),
        namespace=meta.get('namespace') if namespaced else None,
        cpu=float(sum(parse_quantity(p.get('cpu', '0')) for p in parts if p)),
        memory=int(sum(parse_quantity(p.get('memory', '0')) for p in parts if p)),
        labels=dict(meta.get('labels') or {}),
    )


def _event(item: dict) -> EventInfo:
    involved = item.get('involvedObject') or {}
    moment = item.get('lastTimestamp') or item.get('eventTime') or (item.get('metadata') or {}).get('creationTimestamp')
    return EventInfo(
        object_kind=involved.get('kind') or '',
        object_name=involved.get('name') or '',
        type=item.get('type') or 'Normal',
        reason=item.get('reason') or '',
        message=item.get('message') or '',
        count=item.get('count') or 1,
        last_seen=datetime.fromisoformat(moment) if moment else None,
    )


LIVE_SECONDS = 1.5  # under the pages' 2 s refresh: a follower never sees the same answer twice


class ClusterReads:
    def __init__(self, gateway: KubeGateway, sandbox: bool, live_seconds: float = LIVE_SECONDS) -> None:
        self.gateway = gateway
        self.sandbox = sandbox
        self.live = SharedReads(live_seconds)
        self.informer = PodInformer(gateway.core, gateway.timeout)
        self.rollouts = RolloutInformer(gateway.apps, gateway.timeout)

    async def live_pods(self, namespace: str, deployment_id: str) -> list[PodInfo]:
        """`pods`, shared by every page watching this deployment within LIVE_SECONDS."""
        return await self.live.get(('pods', namespace, deployment_id), lambda: self.pods(namespace, deployment_id))

    async def live_logs(self, namespace: str, pod: str, tail: int) -> str:
        """`logs`, shared by every page following this pod's log within LIVE_SECONDS."""
        return await self.live.get(('logs', namespace, pod, tail), lambda: self.logs(namespace, pod, tail=tail))

    async def rollout(self, namespace: str, name: str) -> RolloutState | None:
        read = self.gateway.apps.read_namespaced_deployment
        found = await self.gateway.optional(read, name, namespace, _preload_content=False)
        return None if found is None else rollout_state(json.loads(found.data))

    async def pods(self, namespace: str, deployment_id: str) -> list[PodInfo]:
        found = await self.gateway.call(
            self.gateway.core.list_namespaced_pod,
            namespace,
            label_selector=deployment_selector(deployment_id),
            _preload_content=False,
        )
        return sorted((pod_info(p) for p in json.loads(found.data).get('items') or []), key=lambda p: p.name)

    def informed(self, namespace: str, name: str, deployment_id: str) -> tuple[RolloutState | None, list[PodInfo]]:
        """The rollout and its pods as the watches last saw them (started on first use; a few milliseconds behind
        the cluster). UpstreamFailed until both have listed once."""
        self.rollouts.start()
        self.informer.start()
        return self.rollouts.state(namespace, name), self.informer.of_deployment(namespace, deployment_id)

    async def all_pods(self) -> list[PodSample]:
        """Every pod of the cluster, in every namespace, as the pod informer last saw it (started on first use)."""
        await self._informed()
        return self.informer.pods()

    async def pod_totals(self) -> PodTotals:
        """Pods by phase, their restarts and the pods on each node, kept by the pod informer."""
        await self._informed()
        return self.informer.totals()

    async def _informed(self) -> None:
        self.informer.start()
        if not self.informer.synced:
            await asyncio.to_thread(self.informer.wait_synced, self.gateway.timeout)

    async def logs(self, namespace: str, pod: str, tail: int = 200, since_seconds: int | None = None) -> str:
        return await self.gateway.call(
            self.gateway.core.read_namespaced_pod_log,
            pod,
            namespace,
            tail_lines=max(1, min(tail, MAX_LOG_LINES)),
            since_seconds=since_seconds,
        )

    async def events(self, namespace: str, object_names: set[str]) -> list[EventInfo]:
        """Events about these objects (the deployment, its pods), newest first (read as JSON: a namespace may hold
        hundreds, and the client's models cost more to build than the request)."""
        found = await self.gateway.call(self.gateway.core.list_namespaced_event, namespace, _preload_content=False)
        events = [_event(e) for e in json.loads(found.data).get('items') or []]
        chosen = [
            e
            for e in events
            if e.object_name in object_names or any(e.object_name.startswith(f'{n}-') for n in object_names)
        ]
        return sorted(chosen, key=lambda e: e.last_seen.timestamp() if e.last_seen else 0, reverse=True)

    async def nodes(self) -> list[ClusterNode]:
        found = await self.gateway.call(self.gateway.core.list_node)
        return [_node(n) for n in found.items]

    async def node_usage(self) -> list[Usage] | None:
        """Node CPU and memory from metrics.k8s.io; None when no metrics server answers."""
        found = await self._metrics('nodes')
        return None if found is None else [_usage(item, namespaced=False) for item in found]

    async def pod_usage(self, namespace: str | None = None) -> list[Usage] | None:
        found = await self._metrics('pods', namespace)
        return None if found is None else [_usage(item, namespaced=True) for item in found]

    async def _metrics(self, plural: str, namespace: str | None = None) -> list[dict] | None:
        custom = self.gateway.custom
        try:
            if namespace is None:
                answer = await self.gateway.call(custom.list_cluster_custom_object, 'metrics.k8s.io', 'v1beta1', plural)
            else:
                answer = await self.gateway.call(
                    custom.list_namespaced_custom_object, 'metrics.k8s.io', 'v1beta1', namespace, plural
                )
        except NotFound:
            return None
        return list(answer.get('items') or [])

    async def status(self) -> ClusterStatus:
        """Version, nodes ready out of total, and whether metrics are available; unreachable is a status too."""
        try:
            version = await self.gateway.call(self.gateway.version.get_code)
            nodes = await self.nodes()
            metrics = await self.node_usage()
        except EspazeError as error:
            return ClusterStatus(reachable=False, sandbox=self.sandbox, problem=str(error))
        return ClusterStatus(
            reachable=True,
            sandbox=self.sandbox,
            version=version.git_version,
            nodes_ready=sum(1 for n in nodes if n.ready),
            nodes_total=len(nodes),
            metrics_available=metrics is not None,
        )
