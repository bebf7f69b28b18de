"""What the Observatory knows: a snapshot of the cluster and the fleet, and series of samples over time."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

Values = dict[str, float | None]

CLUSTER_METRICS = (
    'cpu_used',
    'cpu_allocatable',
    'cpu_capacity',
    'memory_used',
    'memory_allocatable',
    'memory_capacity',
    'pods_running',
    'pods_pending',
    'pods_failed',
    'nodes_ready',
    'nodes_total',
    'restarts',
)
FLEET_METRICS = ('online', 'offline', 'pending', 'heartbeats_per_second', 'cpu_percent', 'memory_percent')
DEPLOYMENT_METRICS = (
    'cpu_used',
    'memory_used',
    'cpu_request',
    'memory_request',
    'cpu_limit',
    'memory_limit',
    'pods_ready',
    'restarts',
)
GROUP_METRICS = ('cpu_used', 'memory_used', 'pods')  # per namespace and per cluster node


@dataclass(frozen=True)
class FleetTotals:
    online: int = 0
    offline: int = 0
    pending: int = 0
    heartbeats_per_second: float = 0.0
    cpu_percent: float | None = None
    memory_percent: float | None = None


@dataclass(frozen=True)
class PodUse:
    """A pod with what it uses now (None without a metrics server) and what it asked for."""

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


@dataclass(frozen=True)
class ClusterTotals:
    reachable: bool
    metrics_available: bool
    cpu_capacity: float = 0.0
    cpu_allocatable: float = 0.0
    cpu_used: float | None = None
    memory_capacity: int = 0
    memory_allocatable: int = 0
    memory_used: int | None = None
    pods_by_phase: dict[str, int] = field(default_factory=dict)
    nodes_ready: int = 0
    nodes_total: int = 0
    restarts: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class NodeUse:
    name: str
    ready: bool
    addresses: tuple[str, ...]
    cpu_used: float | None
    memory_used: int | None
    cpu_allocatable: float
    memory_allocatable: int
    pods: int


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    cluster: ClusterTotals
    fleet: FleetTotals
    pods: list[PodUse]
    nodes: list[NodeUse]


@dataclass(frozen=True)
class Series:
    scope: str
    metrics: tuple[str, ...]
    resolution: str  # raw, minute, hour
    step_seconds: int
    times: list[datetime]
    values: dict[str, list[float | None]]


@dataclass(frozen=True)
class Resolution:
    name: str
    collection: str
    step: timedelta  # one point per step (raw: the collection interval at most)
    bucket: timedelta  # one document holds this span

    def bucket_start(self, at: datetime) -> datetime:
        epoch = int(at.timestamp())
        size = int(self.bucket.total_seconds())
        return datetime.fromtimestamp(epoch - epoch % size, UTC)

    def slot(self, at: datetime) -> str:
        """The key of the point inside its bucket: its offset in steps, zero-padded so keys sort by time."""
        offset = int((at - self.bucket_start(at)).total_seconds() // self.step.total_seconds())
        return f'{offset:05d}'


RAW = Resolution('raw', 'metrics_raw', timedelta(seconds=1), timedelta(hours=1))
MINUTE = Resolution('minute', 'metrics_minute', timedelta(minutes=1), timedelta(hours=6))
HOUR = Resolution('hour', 'metrics_hour', timedelta(hours=1), timedelta(days=7))
RESOLUTIONS = (RAW, MINUTE, HOUR)
