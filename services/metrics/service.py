"""The Observatory's use cases: collect a sample of everything, current totals, pods with their use, and history.

Who sees what: cluster totals are everybody's; admins and viewers see the whole fleet, every namespace, node and
deployment; an operator sees their own deployments, their own namespace and their own fleet counts only.
"""

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from models.accounts import User
from models.deployments import owner_namespace
from models.errors import NotFound, ValidationFailed
from models.metrics import (
    CLUSTER_METRICS,
    DEPLOYMENT_METRICS,
    FLEET_METRICS,
    GROUP_METRICS,
    FleetTotals,
    PodUse,
    Series,
    Snapshot,
)
from repositories.metrics import MetricsRepository
from repositories.scope_history import ScopeHistoryRepository
from services.deployments.service import DeploymentService
from services.fleet.nodes import NodeService
from services.metrics.collector import MetricsCollector
from services.metrics.hour_averages import HourAverages
from services.metrics.series import EVERY_TICK, choose, choose_for_scope, downsample, global_values, scope_values

LONGEST_RANGE = timedelta(days=90)


class MetricsService:
    def __init__(
        self,
        *,
        collector: MetricsCollector,
        repository: MetricsRepository,
        scopes: ScopeHistoryRepository,
        deployments: DeploymentService,
        nodes: NodeService,
        fresh_seconds: float,
        interval_seconds: float,
    ) -> None:
        self._collector = collector
        self._repository = repository
        self._scopes = scopes
        self._hours = HourAverages()
        self._deployments = deployments
        self._nodes = nodes
        self._fresh = fresh_seconds
        self.interval_seconds = interval_seconds
        self._latest: tuple[float, Snapshot] | None = None
        self.collections = 0

    async def ensure_indexes(self) -> None:
        await self._repository.ensure_indexes()
        await self._scopes.ensure_indexes()

    async def collect(self) -> int:
        """Every tick: a sample of the cluster and the fleet, stored at every resolution (what the Observatory's
        charts follow); returns the number of scopes stored."""
        snapshot = await self._collector.snapshot(with_pods=False)
        scopes = global_values(snapshot)
        await self._repository.record(snapshot.at, scopes)
        self.collections += 1
        return len(scopes)

    async def collect_scopes(self) -> int:
        """Once a minute: every namespace, cluster node and deployment, from fresh pod use, as one inserted point
        a scope (and, as each hour ends, its averages); returns the number of scopes stored."""
        await self._collector.refresh_pod_usage()
        snapshot = await self.snapshot(fresh=True)
        scopes = scope_values(snapshot)
        minute = snapshot.at.replace(second=0, microsecond=0)
        await self._scopes.record('minute', minute, scopes)
        ended = self._hours.add(minute, scopes)
        if ended is not None:
            hour, averages, minutes = ended
            await self._scopes.record('hour', hour, averages, minutes)
        return len(scopes)

    async def snapshot(self, fresh: bool = False) -> Snapshot:
        """The latest snapshot, taken again when older than the freshness window (shared by every viewer)."""
        if fresh or self._latest is None or time.monotonic() - self._latest[0] > self._fresh:
            self._latest = (time.monotonic(), await self._collector.snapshot())
        return self._latest[1]

    async def current(self, user: User) -> Snapshot:
        """Cluster totals for everybody; the fleet and the pods as far as the user may see them."""
        snapshot = await self.snapshot()
        if user.reads_everything:
            return snapshot
        counts = await self._nodes.counts(user)
        fleet = FleetTotals(online=counts.online, offline=counts.offline, pending=counts.pending)
        return replace(snapshot, fleet=fleet, pods=await self.pods(user))

    async def pods(self, user: User) -> list[PodUse]:
        snapshot = await self.snapshot()
        if user.reads_everything:
            return snapshot.pods
        own = await self._deployments.own_ids(user, {p.deployment_id for p in snapshot.pods if p.deployment_id})
        return [p for p in snapshot.pods if p.deployment_id in own]

    async def history(self, user: User, scope: str, metrics: tuple[str, ...], start: datetime, end: datetime) -> Series:
        """Series of `metrics` for `scope` between `start` and `end`, from raw samples or rollups by the range."""
        allowed = await self._allowed_metrics(user, scope)
        unknown = [m for m in metrics if m not in allowed]
        if not metrics or unknown:
            raise ValidationFailed('metric', f'must be among {", ".join(allowed)}')
        now = datetime.now(UTC)
        end = min(end, now)
        if not start < end:
            raise ValidationFailed('from', 'must be before `to` and before now')
        if end - start > LONGEST_RANGE:
            raise ValidationFailed('from', 'the range can span at most 90 days')
        if scope in EVERY_TICK:
            resolution = choose(start, end, now, self._repository.retention)
            name, (times, values) = resolution.name, await self._repository.read(resolution, scope, start, end, metrics)
        else:
            name = choose_for_scope(start, end, now, self._repository.retention)
            times, values = await self._scopes.read(name, scope, start, end, metrics)
        times, values = downsample(times, values)
        step = int((end - start).total_seconds() / max(len(times), 1))
        return Series(scope, metrics, name, step, times, values)

    async def _allowed_metrics(self, user: User, scope: str) -> tuple[str, ...]:
        kind, _, name = scope.partition(':')
        if scope == 'cluster':
            return CLUSTER_METRICS
        if scope == 'fleet' and user.reads_everything:
            return FLEET_METRICS
        if kind == 'deployment' and name:
            await self._deployments.readable(user, name)  # NotFound for anyone else
            return DEPLOYMENT_METRICS
        if kind == 'namespace' and name and (user.reads_everything or name == owner_namespace(user.id)):
            return GROUP_METRICS
        if kind == 'node' and name and user.reads_everything:
            return GROUP_METRICS
        raise NotFound('No such scope: cluster, fleet, deployment:<id>, namespace:<name> or node:<name>')
