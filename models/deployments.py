"""A deployment, its configuration and its releases, as plain values."""

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum

from models.accounts import User
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


def owner_namespace(owner_id: str) -> str:
    """The cluster namespace that holds every deployment of one owner."""
    return f'espaze-{owner_id}'.lower()


def public_host(name: str, domain: str) -> str:
    """The host a public deployment is served at: `<name>.<domain>`."""
    return f'{name}.{domain}'


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

    @classmethod
    def new(
        cls,
        owner_id: str,
        request: 'DeploymentRequest',
        commit_sha: str | None,
        now: datetime,
    ) -> 'Deployment':
        """A deployment just asked for: pending, with no release yet; its store gives it an id."""
        reason = 'Waiting to start'
        return cls(
            id='',
            owner_id=owner_id,
            name=request.name,
            github_repo=request.github_repo,
            branch=request.branch,
            namespace=owner_namespace(owner_id),
            status=Status.PENDING,
            status_reason=reason,
            configuration=request.configuration(),
            release=0,
            commit_sha=commit_sha,
            image=request.image,
            build_job=None,
            phase_started_at=now,
            history=[StatusChange(Status.PENDING, reason, now)],
            created_at=now,
            updated_at=now,
        )

    def asking_for(self, configuration: Configuration, secret_env: dict[str, str]) -> 'DeploymentRequest':
        """This deployment as a request for `configuration`: what a change is checked as."""
        shared = {name: getattr(configuration, name) for name in _REQUESTED_CONFIGURATION}
        return DeploymentRequest(
            name=self.name, github_repo=self.github_repo, branch=self.branch, secret_env=secret_env, **shared
        )

    def readable_by(self, user: User) -> bool:
        """Its owner and those who read everything see it; a deleted one only admins (its history)."""
        if self.status == Status.DELETED and not user.is_admin:
            return False
        return user.may_read_owned_by(self.owner_id)

    def changeable_by(self, user: User) -> bool:
        """Its owner or an admin may change it."""
        return user.owns_or_administers(self.owner_id)

    def host(self, domain: str) -> str | None:
        """The host a live public deployment answers at; None for a private or deleted one."""
        if not self.configuration.public or self.status == Status.DELETED:
            return None
        return public_host(self.name, domain)

    def address(self, domain: str) -> str | None:
        """The URL of a live public deployment; None for a private or deleted one."""
        host = self.host(domain)
        return f'http://{host}' if host else None


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

    def configuration(self) -> Configuration:
        """The configuration it asks for; secret values are sealed apart, only their names kept here."""
        shared = {name: getattr(self, name) for name in _REQUESTED_CONFIGURATION}
        return Configuration(**shared, secret_env_names=tuple(sorted(self.secret_env)))


# what a request and a configuration both hold, under the same names (secret values only in the request)
_REQUESTED_CONFIGURATION = tuple(
    f.name for f in fields(Configuration) if f.name in {g.name for g in fields(DeploymentRequest)}
)
