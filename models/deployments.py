"""A deployment, its configuration and its releases, as plain values."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from models.cluster import Resources


class Status(StrEnum):
    PENDING = 'pending'
    BUILDING = 'building'
    DEPLOYING = 'deploying'
    RUNNING = 'running'
    FAILED = 'failed'
    STOPPED = 'stopped'
    DELETED = 'deleted'


IN_FLIGHT = (Status.PENDING, Status.BUILDING, Status.DEPLOYING)


@dataclass(frozen=True)
class Configuration:
    port: int = 8080
    replicas: int = 1
    env: dict[str, str] = field(default_factory=dict)
    secret_env_names: tuple[str, ...] = ()  # values are sealed, never shown again
    image: str | None = None
    dockerfile_path: str = 'Dockerfile'
    resources: Resources = field(default_factory=Resources)
    health_check_path: str | None = None
    public: bool = True
    node_selector: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusChange:
    status: Status
    reason: str
    at: datetime


@dataclass(frozen=True)
class Deployment:
    id: str
    owner_id: str
    name: str
    github_repo: str
    branch: str
    namespace: str
    status: Status
    status_reason: str
    configuration: Configuration
    release: int
    commit_sha: str | None
    image: str | None
    build_job: str | None
    phase_started_at: datetime
    history: list[StatusChange]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Release:
    number: int
    kind: str  # deploy, redeploy, configuration, scale, rollback
    note: str
    commit_sha: str | None
    image: str | None
    configuration: Configuration
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class DeploymentPage:
    items: list[Deployment]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class DeploymentRequest:
    name: str
    github_repo: str
    branch: str
    port: int = 8080
    replicas: int = 1
    env: dict[str, str] = field(default_factory=dict)
    secret_env: dict[str, str] = field(default_factory=dict)
    image: str | None = None
    dockerfile_path: str = 'Dockerfile'
    resources: Resources = field(default_factory=Resources)
    health_check_path: str | None = None
    public: bool = True
    node_selector: dict[str, str] = field(default_factory=dict)
