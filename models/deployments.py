"""A deployment, its configuration and its releases, as plain values."""

from dataclasses import dataclass, field, fields, replace
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


def preview_name(name: str, pull_request: int) -> str:
    """A pull request's preview is named (and served) after its deployment: `<name>-pr-<number>`."""
    return f'{name}-pr-{pull_request}'


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
    auto_deploy: bool = False  # a push to the branch deploys it
    watch_paths: tuple[str, ...] = ()  # glob patterns: only pushes that touch a matching file deploy
    previews: bool = False  # a pull request against the branch gets a deployment of its own
    preview_secrets: bool = False  # previews get the secret variables (never those from forks)
    preview_forks: bool = False  # pull requests from forks are built too (without secrets)
    domains: tuple[str, ...] = ()  # custom domains, claimed across owners, routed once verified

    def keeping_github_settings_of(self, current: 'Configuration') -> 'Configuration':
        """This configuration (an older release's) with the deploy-from-GitHub settings and custom domains in force
        now: going back to an older build does not turn push to deploy or previews off, nor move domains."""
        return replace(current, **{name: getattr(self, name) for name in _BUILD_SETTINGS})

    @property
    def hears_github(self) -> bool:
        """Whether it needs the repository's webhook."""
        return self.auto_deploy or self.previews


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
    running_release: int | None = None  # the newest release that became ready
    preview_of: str | None = None  # the deployment whose pull request this preview builds
    pull_request: int | None = None

    @classmethod
    def new(
        cls,
        owner_id: str,
        request: 'DeploymentRequest',
        commit_sha: str | None,
        now: datetime,
    ) -> 'Deployment':
        """A deployment just asked for: pending, at its release #1; its store gives it an id."""
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
            release=1,
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

    def may_roll_back_to(self, release: 'Release') -> bool:
        """A release whose image exists can be applied again, unless it is what this deployment targets now."""
        return release.image is not None and release.number != self.release

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

    @property
    def source(self) -> str:
        """Where it comes from, as a person reads it: `owner/repo@branch`, or the prebuilt image alone."""
        if self.github_repo:
            return f'{self.github_repo}@{self.branch}'
        return self.configuration.image or 'prebuilt image'

    def address(self, domain: str) -> str | None:
        """The URL of a live public deployment; None for a private or deleted one."""
        host = self.host(domain)
        return f'http://{host}' if host else None


@dataclass(frozen=True)
class Release:
    number: int
    kind: str  # deploy, redeploy, push, configuration, scale, rollback, cancel
    note: str
    commit_sha: str | None
    image: str | None  # None until its build finishes
    configuration: Configuration
    created_by: str
    created_at: datetime
    digest: str | None = None  # as the builder reported it
    ran_at: datetime | None = None  # when it first became ready

    def changes_from(self, previous: 'Release | None') -> list[str]:
        """What this release changed from the one before: commit, image, replicas, resources, variable names."""
        if previous is None:
            return ['First release']
        now, before = self.configuration, previous.configuration
        changes = []
        if self.commit_sha != previous.commit_sha and self.commit_sha:
            changes.append(f'commit {(previous.commit_sha or "none")[:7]} → {self.commit_sha[:7]}')
        if self.image != previous.image and self.image and previous.image and self.commit_sha == previous.commit_sha:
            changes.append(f'image {previous.image} → {self.image}')
        if now.replicas != before.replicas:
            changes.append(f'replicas {before.replicas} → {now.replicas}')
        if now.resources != before.resources:
            changes.append('resources ' + ', '.join(_resource_changes(before.resources, now.resources)))
        for label, old, new in (
            ('variables', set(before.env), set(now.env)),
            ('secret variables', set(before.secret_env_names), set(now.secret_env_names)),
        ):
            if old != new:
                moved = [f'+{n}' for n in sorted(new - old)] + [f'-{n}' for n in sorted(old - new)]
                changes.append(f'{label} ' + ' '.join(moved))
        changed_values = sorted(n for n in set(now.env) & set(before.env) if now.env[n] != before.env[n])
        if changed_values:
            changes.append('values of ' + ', '.join(changed_values))
        for name in _SETTINGS_SHOWN:
            old, new = getattr(before, name), getattr(now, name)
            if old != new:
                changes.append(f'{name.replace("_", " ")} {_shown(old)} → {_shown(new)}')
        return changes or ['No change (same build and configuration)']


_SETTINGS_SHOWN = (
    'port',
    'public',
    'health_check_path',
    'node_selector',
    'auto_deploy',
    'watch_paths',
    'previews',
    'preview_secrets',
    'preview_forks',
    'domains',
)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return 'on' if value else 'off'
    if isinstance(value, tuple | list):
        return ', '.join(map(str, value)) or 'none'
    if isinstance(value, dict):
        return ', '.join(f'{k}={v}' for k, v in value.items()) or 'none'
    return 'none' if value is None else str(value)


def _resource_changes(before: Resources, now: Resources) -> list[str]:
    return [
        f'{f.name.replace("_", " ")} {getattr(before, f.name)} → {getattr(now, f.name)}'
        for f in fields(Resources)
        if getattr(before, f.name) != getattr(now, f.name)
    ]


@dataclass(frozen=True)
class Intent:
    """A release asked for: what should run next, and who asked. The newest intent wins."""

    kind: str
    note: str
    commit_sha: str | None
    image: str | None  # None: `commit_sha` must be built first
    configuration: Configuration
    secret_env: dict[str, bytes]  # sealed
    created_by: str


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
    auto_deploy: bool = False
    watch_paths: tuple[str, ...] = ()
    previews: bool = False
    preview_secrets: bool = False
    preview_forks: bool = False
    domains: tuple[str, ...] = ()

    def configuration(self) -> Configuration:
        """The configuration it asks for; secret values are sealed apart, only their names kept here."""
        shared = {name: getattr(self, name) for name in _REQUESTED_CONFIGURATION}
        return Configuration(**shared, secret_env_names=tuple(sorted(self.secret_env)))


_GITHUB_SETTINGS = ('auto_deploy', 'watch_paths', 'previews', 'preview_secrets', 'preview_forks', 'domains')
_BUILD_SETTINGS = tuple(f.name for f in fields(Configuration) if f.name not in _GITHUB_SETTINGS)

# what a request and a configuration both hold, under the same names (secret values only in the request)
_REQUESTED_CONFIGURATION = tuple(
    f.name for f in fields(Configuration) if f.name in {g.name for g in fields(DeploymentRequest)}
)
