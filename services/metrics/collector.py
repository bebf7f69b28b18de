"""One look at the cluster and the fleet: nodes with capacity, allocatable and use, pod totals, every pod with its
use and requests, and the fleet's counts, heartbeat rate and average load."""

import time
from datetime import UTC, datetime, timedelta

from models.cluster import Usage
from models.errors import EspazeError
from models.metrics import ClusterTotals, FleetTotals, NodeUse, PodUse, Snapshot
from repositories.node_liveness import NodeLivenessRepository
from repositories.nodes import NodeRepository
from services.cluster.manifests import DEPLOYMENT_ID, NAME
from services.cluster.reads import ClusterReads

POD_USAGE_SECONDS = 60  # the scopes' cadence; metrics-server itself samples every 15-60 s


class MetricsCollector:
    def __init__(
        self, reads: ClusterReads, nodes: NodeRepository, liveness: NodeLivenessRepository, window_seconds: float
    ) -> None:
        self._reads = reads
        self._nodes = nodes
        self._liveness = liveness
        self._window = window_seconds
        self._pod_usage: tuple[float, list[Usage] | None] | None = None

    async def refresh_pod_usage(self) -> None:
        """Each pod's use, listed from metrics.k8s.io (every pod at once: the API has no watch)."""
        self._pod_usage = (time.monotonic(), await self._reads.pod_usage())

    async def _known_pod_usage(self) -> list[Usage] | None:
        if self._pod_usage is None or time.monotonic() - self._pod_usage[0] > 2 * POD_USAGE_SECONDS:
            await self.refresh_pod_usage()
        return self._pod_usage[1]

    async def snapshot(self, with_pods: bool = True) -> Snapshot:
        """Nodes and their use now, pod totals as the pod informer keeps them, and (`with_pods`) each pod with its
        use as of the last minute. Without pods it costs the same at any number of them: what each tick stores."""
        at = datetime.now(UTC)
        fleet = await self.fleet(at)
        try:
            nodes = await self._reads.nodes()
            node_usage = await self._reads.node_usage()
            counted = await self._reads.pod_totals()
            pods = await self._pods() if with_pods else []
        except EspazeError as error:
            return Snapshot(
                at, ClusterTotals(reachable=False, metrics_available=False, problem=str(error)), fleet, [], []
            )
        usage_by_node = {u.name: u for u in node_usage or []}
        node_uses = [
            NodeUse(
                name=n.name,
                ready=n.ready,
                addresses=tuple(n.addresses),
                cpu_used=usage_by_node[n.name].cpu if n.name in usage_by_node else None,
                memory_used=usage_by_node[n.name].memory if n.name in usage_by_node else None,
                cpu_allocatable=n.allocatable_cpu,
                memory_allocatable=n.allocatable_memory,
                pods=counted.on_node.get(n.name, 0),
            )
            for n in nodes
        ]
        metrics = node_usage is not None
        totals = ClusterTotals(
            reachable=True,
            metrics_available=metrics,
            cpu_capacity=sum(n.capacity_cpu for n in nodes),
            cpu_allocatable=sum(n.allocatable_cpu for n in nodes),
            cpu_used=sum(u.cpu for u in node_usage) if metrics else None,
            memory_capacity=sum(n.capacity_memory for n in nodes),
            memory_allocatable=sum(n.allocatable_memory for n in nodes),
            memory_used=sum(u.memory for u in node_usage) if metrics else None,
            pods_by_phase=dict(counted.by_phase),
            nodes_ready=sum(1 for n in nodes if n.ready),
            nodes_total=len(nodes),
            restarts=counted.restarts,
        )
        return Snapshot(at, totals, fleet, pods, node_uses)

    async def _pods(self) -> list[PodUse]:
        pod_usage = await self._known_pod_usage()
        usage_by_pod = {(u.namespace, u.name): u for u in pod_usage or []}
        pods = []
        for sample in await self._reads.all_pods():
            used = usage_by_pod.get((sample.namespace, sample.name))
            pods.append(
                PodUse(
                    namespace=sample.namespace,
                    name=sample.name,
                    deployment_id=sample.labels.get(DEPLOYMENT_ID),
                    deployment_name=sample.labels.get(NAME),
                    node=sample.node,
                    phase=sample.phase,
                    ready=sample.ready,
                    restarts=sample.restarts,
                    cpu_used=used.cpu if used else (0.0 if pod_usage is not None else None),
                    memory_used=used.memory if used else (0 if pod_usage is not None else None),
                    cpu_request=sample.cpu_request,
                    memory_request=sample.memory_request,
                    cpu_limit=sample.cpu_limit,
                    memory_limit=sample.memory_limit,
                )
            )
        return pods

    async def fleet(self, at: datetime) -> FleetTotals:
        counts = await self._nodes.counts(None)
        recent, cpu, memory = await self._liveness.fleet_usage(at - timedelta(seconds=self._window))
        return FleetTotals(
            online=counts.online,
            offline=counts.offline,
            pending=counts.pending,
            heartbeats_per_second=round(recent / self._window, 3),
            cpu_percent=cpu,
            memory_percent=memory,
        )
