"""Bodies of the fleet API."""

from datetime import datetime

from pydantic import Field

from api.schemas import CamelModel
from models.fleet import GeoLocation, NodeMetrics, NodeStatus

MAX_TEXT = 256


class LocationIn(CamelModel):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy_meters: float | None = Field(default=None, ge=0, le=1e7, allow_inf_nan=False)

    def model(self) -> GeoLocation:
        return GeoLocation(self.latitude, self.longitude, self.accuracy_meters)


class CapacityIn(CamelModel):
    cpu_cores: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)
    memory_bytes: int | None = Field(default=None, ge=0, le=2**60)


class MetricsIn(CamelModel):
    cpu_percent: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    memory_percent: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    disk_percent: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    load1: float | None = Field(default=None, ge=0, le=1e6, allow_inf_nan=False)
    uptime_seconds: float | None = Field(default=None, ge=0, le=1e10, allow_inf_nan=False)

    def model(self) -> NodeMetrics:
        return NodeMetrics(self.cpu_percent, self.memory_percent, self.disk_percent, self.load1, self.uptime_seconds)


class RegisterNodeRequest(CamelModel):
    mac_address: str = Field(max_length=64)
    public_ip: str = Field(max_length=64)
    location: LocationIn
    name: str | None = Field(default=None, max_length=MAX_TEXT)
    labels: dict[str, str] | None = Field(default=None, max_length=64)
    agent_version: str | None = Field(default=None, max_length=64)
    capacity: CapacityIn | None = None
    node_token: str | None = Field(
        default=None, max_length=4096, description="to enroll an enrolled MAC again: that node's current token"
    )


class ReenrollmentOut(CamelModel):
    allowed_until: datetime


class HeartbeatRequest(CamelModel):
    metrics: MetricsIn | None = None
    location: LocationIn | None = None
    agent_version: str | None = Field(default=None, max_length=64)


class HeartbeatResponse(CamelModel):
    server_time: datetime
    next_heartbeat_seconds: int


class LocationOut(CamelModel):
    latitude: float
    longitude: float
    accuracy_meters: float | None


class CapacityOut(CamelModel):
    cpu_cores: float | None
    memory_bytes: int | None


class MetricsOut(CamelModel):
    cpu_percent: float | None
    memory_percent: float | None
    disk_percent: float | None
    load1: float | None
    uptime_seconds: float | None


class NodeOut(CamelModel):
    id: str
    owner_id: str
    name: str
    mac_address: str
    public_ip: str
    seen_ip: str | None
    location: LocationOut
    labels: dict[str, str]
    agent_version: str | None
    capacity: CapacityOut | None
    status: NodeStatus
    created_at: datetime
    last_seen_at: datetime | None
    last_metrics: MetricsOut | None
    has_token: bool


class RegisterNodeResponse(CamelModel):
    node: NodeOut
    node_token: str


class NodeList(CamelModel):
    items: list[NodeOut]
    total: int
    page: int
    page_size: int


class NodeCountsOut(CamelModel):
    total: int
    online: int
    offline: int
    pending: int


class NodePatch(CamelModel):
    name: str | None = Field(default=None, max_length=MAX_TEXT)
    labels: dict[str, str] | None = Field(default=None, max_length=64)


class NodeEventOut(CamelModel):
    from_status: NodeStatus | None
    to_status: NodeStatus
    at: datetime
    reason: str


class MetricsPointOut(CamelModel):
    at: datetime
    metrics: MetricsOut


class EnrollmentTokenCreate(CamelModel):
    name: str = Field(default='', max_length=100)
    ttl_hours: int = Field(default=24, ge=1, le=720)
    max_uses: int = Field(default=1, ge=1, le=10_000)


class EnrollmentTokenOut(CamelModel):
    id: str
    name: str
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool
    created_at: datetime


class EnrollmentTokenCreated(EnrollmentTokenOut):
    token: str
