"""The Observatory's API: current cluster and fleet totals, pods with their use, and history."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, ServicesDep
from api.schemas import CamelModel
from models.errors import ValidationFailed

router = APIRouter(prefix='/api/metrics', tags=['metrics'])


class ResourceOut(CamelModel):
    capacity: float
    allocatable: float
    used: float | None


class NodeCountOut(CamelModel):
    ready: int
    total: int


class FleetOut(CamelModel):
    online: int
    offline: int
    pending: int
    heartbeats_per_second: float
    cpu_percent: float | None
    memory_percent: float | None


class ClusterMetricsOut(CamelModel):
    at: datetime
    reachable: bool
    metrics_available: bool
    problem: str | None
    cpu: ResourceOut  # cores
    memory: ResourceOut  # bytes
    pods: dict[str, int]  # by phase
    nodes: NodeCountOut
    restarts: int
    fleet: FleetOut


class PodMetricsOut(CamelModel):
    namespace: str
    name: str
    deployment_id: str | None
    deployment_name: str | None
    node: str | None
    phase: str
    ready: bool
    restarts: int
    cpu_used: float | None
    memory_used: int | None
    cpu_request: float
    memory_request: int
    cpu_limit: float
    memory_limit: int


class HistoryOut(CamelModel):
    scope: str
    resolution: str
    step_seconds: int
    times: list[datetime]
    series: dict[str, list[float | None]]


@router.get('/cluster')
async def cluster_metrics(user: CurrentUser, services: ServicesDep) -> ClusterMetricsOut:
    """CPU in cores and memory in bytes (capacity, allocatable, used), pods by phase, nodes, and fleet counts."""
    snapshot = await services.metrics.current(user)
    c = snapshot.cluster
    return ClusterMetricsOut(
        at=snapshot.at,
        reachable=c.reachable,
        metrics_available=c.metrics_available,
        problem=c.problem,
        cpu=ResourceOut(capacity=c.cpu_capacity, allocatable=c.cpu_allocatable, used=c.cpu_used),
        memory=ResourceOut(capacity=c.memory_capacity, allocatable=c.memory_allocatable, used=c.memory_used),
        pods=c.pods_by_phase,
        nodes=NodeCountOut(ready=c.nodes_ready, total=c.nodes_total),
        restarts=c.restarts,
        fleet=FleetOut.of(snapshot.fleet),
    )


@router.get('/pods')
async def pod_metrics(user: CurrentUser, services: ServicesDep) -> list[PodMetricsOut]:
    """Every pod you may see, with its namespace, deployment, CPU (cores), memory (bytes) and restarts."""
    return [PodMetricsOut.of(pod) for pod in await services.metrics.pods(user)]


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


@router.get('/history')
async def metric_history(
    user: CurrentUser,
    services: ServicesDep,
    metric: Annotated[str, Query(max_length=400, description='one metric or several, comma-separated')],
    scope: Annotated[str, Query(max_length=200)] = 'cluster',
    start: Annotated[datetime | None, Query(alias='from')] = None,
    end: Annotated[datetime | None, Query(alias='to')] = None,
) -> HistoryOut:
    """Series of the scope's metrics between `from` and `to` (ISO 8601; the last hour by default), from raw
    samples (ranges up to 2 h), 1-minute rollups (up to 2 days) or 1-hour rollups, at most 360 points."""
    end = _aware(end, 'to') or datetime.now(UTC)
    if end < EARLIEST:
        raise ValidationFailed('to', f'must be after {EARLIEST:%Y-%m-%d}')
    start = _aware(start, 'from') or end - timedelta(hours=1)
    metrics = tuple(m.strip() for m in metric.split(',') if m.strip())
    series = await services.metrics.history(user, scope, metrics, start, end)
    return HistoryOut(
        scope=series.scope,
        resolution=series.resolution,
        step_seconds=series.step_seconds,
        times=series.times,
        series=series.values,
    )


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(field, 'must carry a time zone, such as 2026-11-27T10:00:00Z')
    return value
