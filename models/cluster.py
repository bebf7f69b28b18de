"""What Espaze asks of the cluster and reads from it, as plain values."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Resources:
    cpu_request: str = '100m'
    memory_request: str = '128Mi'
    cpu_limit: str = '500m'
    memory_limit: str = '512Mi'


@dataclass(frozen=True)
class AppSpec:
    """One deployment as the cluster runs it."""

    deployment_id: str
    namespace: str
    name: str
    image: str
    port: int = 8080
    replicas: int = 1
    env: dict[str, str] = field(default_factory=dict)
    secret_env: dict[str, str] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)
    health_check_path: str | None = None
    public: bool = True
    node_selector: dict[str, str] = field(default_factory=dict)
    domains: tuple[str, ...] = ()  # custom domains verified for it, routed beside its generated host


@dataclass(frozen=True)
class BuildRequest:
    deployment_id: str
    clone_url: str
    commit_sha: str
    dockerfile_path: str
    image: str
    git_token: str | None = None  # goes into a short-lived Secret only


@dataclass(frozen=True)
class LabelledObject:
    """An object Espaze made for a deployment, as found on the cluster."""

    kind: str
    namespace: str
    name: str
    deployment_id: str
    created_at: datetime


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str | None
    message: str | None


@dataclass(frozen=True)
class RolloutState:
    generation: int
    observed_generation: int
    replicas: int
    ready: int
    updated: int
    available: int
    conditions: list[Condition]


@dataclass(frozen=True)
class PodInfo:
    name: str
    phase: str
    ready: bool
    restarts: int
    node: str | None
    waiting_reason: str | None
    waiting_message: str | None
    last_termination_reason: str | None
    last_exit_code: int | None
    started_at: datetime | None


@dataclass(frozen=True)
class EventInfo:
    object_kind: str
    object_name: str
    type: str
    reason: str
    message: str
    count: int
    last_seen: datetime | None


@dataclass(frozen=True)
class ClusterNode:
    name: str
    ready: bool
    labels: dict[str, str]
    addresses: list[str]
    capacity_cpu: float
    capacity_memory: int
    allocatable_cpu: float
    allocatable_memory: int
    conditions: list[Condition]


@dataclass(frozen=True)
class Usage:
    """CPU in cores and memory in bytes, as metrics.k8s.io reports them."""

    name: str
    namespace: str | None
    cpu: float
    memory: int
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildStatus:
    state: str  # pending, running, succeeded, failed, missing
    message: str | None = None
    digest: str | None = None  # of the pushed image, when the builder reported it


@dataclass(frozen=True)
class ClusterStatus:
    reachable: bool
    sandbox: bool
    version: str | None = None
    nodes_ready: int = 0
    nodes_total: int = 0
    metrics_available: bool = False
    problem: str | None = None


@dataclass(frozen=True)
class PodSample:
    """One pod anywhere in the cluster, with what its containers request and may use (cores, bytes)."""

    namespace: str
    name: str
    phase: str
    ready: bool
    node: str | None
    restarts: int
    labels: dict[str, str]
    cpu_request: float
    memory_request: int
    cpu_limit: float
    memory_limit: int


@dataclass(frozen=True)
class ClusterSettings:
    ingress_domain: str = 'apps.espaze.localhost'
    ingress_class: str | None = None  # None: the cluster's default IngressClass
    ingress_tls_secret: str | None = None
    edge_namespace: str = 'ingress-nginx'  # the namespace of the ingress controller or gateway, admitted by policy
    routing: str = 'ingress'  # auto | gateway | ingress | none
    gateway_namespace: str | None = None
    gateway_name: str | None = None
    gateway_listener: str | None = None  # the sectionName of the Gateway's HTTPS listener
    cert_issuer_kind: str = 'ClusterIssuer'  # or Issuer: cert-manager's issuer of the deployments' certificates
    cert_issuer_name: str | None = None
    pod_security_level: str = 'restricted'
    network_policy: bool = True
    quota_cpu: str | None = '8'
    quota_memory: str | None = '16Gi'
    quota_pods: int | None = 50
    build_namespace: str = 'espaze-builds'
    builder_image: str = 'moby/buildkit:v0.26.2-rootless'
    build_deadline_seconds: int = 1800
    build_ttl_seconds: int = 3600
    progress_deadline_seconds: int = 600
    build_cpu_limit: str = '2'
    build_memory_limit: str = '4Gi'


@dataclass(frozen=True)
class CertificateState:
    """A host's certificate as cert-manager reports it: its `Ready` condition, and the reason when not ready."""

    host: str
    ready: bool
    reason: str
    message: str

    @classmethod
    def of(cls, host: str, certificate: dict | None) -> 'CertificateState':
        if certificate is None:
            return cls(host, False, 'NotFound', 'cert-manager has not made its Certificate yet')
        conditions = (certificate.get('status') or {}).get('conditions') or []
        ready = next((c for c in conditions if c.get('type') == 'Ready'), None)
        if ready is None:
            return cls(host, False, 'Pending', 'cert-manager has not reported on it yet')
        return cls(host, ready.get('status') == 'True', str(ready.get('reason') or ''), str(ready.get('message') or ''))
