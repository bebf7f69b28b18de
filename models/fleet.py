"""The edge fleet: nodes, what they report in their heartbeats, and the tokens that enroll them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from models.accounts import User


class NodeStatus(StrEnum):
    PENDING = 'pending'
    ONLINE = 'online'
    OFFLINE = 'offline'


@dataclass(frozen=True)
class GeoLocation:
    latitude: float
    longitude: float
    accuracy_meters: float | None = None


@dataclass(frozen=True)
class NodeMetrics:
    cpu_percent: float | None = None
    memory_percent: float | None = None
    disk_percent: float | None = None
    load1: float | None = None
    uptime_seconds: float | None = None


@dataclass(frozen=True)
class NodeCapacity:
    cpu_cores: float | None = None
    memory_bytes: int | None = None


@dataclass(frozen=True)
class NodeRegistration:
    """What a node says about itself when it enrolls."""

    mac_address: str
    public_ip: str
    location: GeoLocation
    name: str | None = None
    labels: dict[str, str] | None = None
    agent_version: str | None = None
    capacity: NodeCapacity | None = None


@dataclass(frozen=True)
class Node:
    id: str
    owner_id: str
    name: str
    mac_address: str
    public_ip: str
    seen_ip: str | None
    location: GeoLocation
    labels: dict[str, str]
    agent_version: str | None
    capacity: NodeCapacity | None
    status: NodeStatus
    created_at: datetime
    last_seen_at: datetime | None
    last_metrics: NodeMetrics | None
    token_id: str | None

    @property
    def has_token(self) -> bool:
        return self.token_id is not None

    def readable_by(self, user: User) -> bool:
        return user.may_read_owned_by(self.owner_id)


@dataclass(frozen=True)
class NodeListQuery:
    status: NodeStatus | None = None
    label: tuple[str, str] | None = None
    text: str | None = None
    sort: str = 'created_at'
    descending: bool = True
    page: int = 1
    page_size: int = 50


@dataclass(frozen=True)
class NodePage:
    items: list[Node]
    total: int


@dataclass(frozen=True)
class NodeCounts:
    total: int
    online: int
    offline: int
    pending: int


@dataclass(frozen=True)
class NodeEvent:
    node_id: str
    from_status: NodeStatus | None
    to_status: NodeStatus
    at: datetime
    reason: str


@dataclass(frozen=True)
class MetricsPoint:
    at: datetime
    metrics: NodeMetrics


@dataclass(frozen=True)
class Heartbeat:
    """One beat as the server received it; liveness uses `received_at`, never the node's clock."""

    node_id: str
    received_at: datetime
    seen_ip: str | None
    metrics: NodeMetrics | None = None
    location: GeoLocation | None = None
    agent_version: str | None = None


@dataclass(frozen=True)
class EnrollmentToken:
    id: str
    owner_id: str
    name: str
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool
    created_at: datetime

    def managed_by(self, user: User) -> bool:
        """Its owner or an admin sees and revokes it."""
        return user.owns_or_administers(self.owner_id)

    def usable(self, now: datetime) -> bool:
        return not self.revoked and self.uses < self.max_uses and self.expires_at > now


@dataclass(frozen=True)
class Enrollment:
    node: Node
    node_token: str
    created: bool


@dataclass(frozen=True)
class PairedNode:
    node_id: str
    node_name: str
    cluster_node: str
    heartbeat_fresh: bool
    kubelet_ready: bool

    @property
    def disagreement(self) -> str | None:
        if self.heartbeat_fresh and not self.kubelet_ready:
            return f'{self.node_name}: heartbeats arrive, but the kubelet of {self.cluster_node} is not Ready'
        if self.kubelet_ready and not self.heartbeat_fresh:
            return f'{self.node_name}: no heartbeat, yet the kubelet of {self.cluster_node} reports Ready'
        return None
