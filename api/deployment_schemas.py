"""Bodies of the deployments API."""

from datetime import datetime
from typing import Annotated

from pydantic import Field

from api.schemas import CamelModel
from models.deployments import Status

DomainName = Annotated[str, Field(max_length=300)]
DOMAINS = 'custom domains (at most 10), each claimed across all owners and routed once verified through DNS'


class ResourcesIn(CamelModel):
    cpu_request: str = Field(default='100m', max_length=16)
    memory_request: str = Field(default='128Mi', max_length=16)
    cpu_limit: str = Field(default='500m', max_length=16)
    memory_limit: str = Field(default='512Mi', max_length=16)


class ConfigurationIn(CamelModel):
    port: int = 8080
    replicas: int = 1
    env: dict[str, str] = Field(default_factory=dict)
    secret_env: dict[str, str] = Field(default_factory=dict)
    image: str | None = Field(default=None, max_length=255)
    dockerfile_path: str = Field(default='Dockerfile', max_length=255)
    resources: ResourcesIn = Field(default_factory=ResourcesIn)
    health_check_path: str | None = Field(default=None, max_length=256)
    public: bool = True
    node_selector: dict[str, str] = Field(default_factory=dict)
    auto_deploy: bool = Field(default=False, description='a push to the branch deploys it (a repository webhook)')
    watch_paths: list[str] = Field(
        default_factory=list, max_length=20, description='glob patterns: only pushes that change a matching file deploy'
    )
    previews: bool = Field(default=False, description='a pull request against the branch gets its own deployment')
    preview_secrets: bool = Field(default=False, description='previews get the secret variables (never from forks)')
    preview_forks: bool = Field(default=False, description='pull requests from forks are built too, without secrets')
    domains: list[DomainName] = Field(default_factory=list, max_length=50, description=DOMAINS)


class DeploymentIn(CamelModel):
    name: str = Field(max_length=63)
    github_repo: str = Field(default='', max_length=200, description='owner/repo; optional with a prebuilt image')
    branch: str = Field(default='', max_length=255)
    configuration: ConfigurationIn = Field(default_factory=ConfigurationIn)


class ConfigurationPatch(CamelModel):
    image: str | None = Field(default=None, max_length=255, description="a prebuilt deployment's image (a new tag)")
    port: int | None = None
    env: dict[str, str] | None = None
    secret_env: dict[str, str | None] | None = Field(default=None, description='sets these; null removes one')
    resources: ResourcesIn | None = None
    health_check_path: str | None = Field(default=None, max_length=256)
    public: bool | None = None
    node_selector: dict[str, str] | None = None
    auto_deploy: bool | None = None
    watch_paths: list[str] | None = Field(default=None, max_length=20)
    previews: bool | None = None
    preview_secrets: bool | None = None
    preview_forks: bool | None = None
    domains: list[DomainName] | None = Field(default=None, max_length=50, description=DOMAINS)


class ScaleIn(CamelModel):
    replicas: int


class RollbackIn(CamelModel):
    release: int = Field(ge=1)


class CreatedOut(CamelModel):
    id: str
    status: Status


class ResourcesOut(CamelModel):
    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str


class ConfigurationOut(CamelModel):
    port: int
    replicas: int
    env: dict[str, str]
    secret_env_names: list[str]
    image: str | None
    dockerfile_path: str
    resources: ResourcesOut
    health_check_path: str | None
    public: bool
    node_selector: dict[str, str]
    auto_deploy: bool
    watch_paths: list[str]
    previews: bool
    preview_secrets: bool
    preview_forks: bool
    domains: list[str]


class StatusChangeOut(CamelModel):
    status: Status
    reason: str
    at: datetime


class DeploymentOut(CamelModel):
    id: str
    owner_id: str
    name: str
    github_repo: str
    branch: str
    namespace: str
    status: Status
    status_reason: str
    configuration: ConfigurationOut
    release: int
    running_release: int | None = Field(description='the newest release that became ready')
    preview_of: str | None = Field(description='for a preview: the deployment whose pull request it builds')
    pull_request: int | None
    commit_sha: str | None
    image: str | None
    address: str | None
    history: list[StatusChangeOut]
    created_at: datetime
    updated_at: datetime


class DeploymentListOut(CamelModel):
    items: list[DeploymentOut]
    total: int
    page: int
    page_size: int


class ReleaseOut(CamelModel):
    number: int
    kind: str
    note: str
    commit_sha: str | None
    image: str | None = Field(description='null until its build finishes')
    digest: str | None = Field(description="the image's digest, as the builder reported it")
    configuration: ConfigurationOut
    created_by: str
    created_at: datetime
    ran_at: datetime | None = Field(description='when it first became ready')
    runs_now: bool
    can_roll_back: bool
    changes: list[str] = Field(description='what changed from the release before')


class PodOut(CamelModel):
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


class EventOut(CamelModel):
    object_kind: str
    object_name: str
    type: str
    reason: str
    message: str
    count: int
    last_seen: datetime | None


class DeliveryOut(CamelModel):
    delivery_id: str
    event: str
    received_at: datetime
    signature_ok: bool
    ref: str | None
    commit_sha: str | None
    state: str = Field(description='queued while Espaze acts on it, then done')
    action: str | None = Field(description='deployed or ignored, for this deployment')
    reason: str = Field(description='what Espaze did, or why it did nothing')


class DeliveriesOut(CamelModel):
    hook_url: str = Field(description='where GitHub sends deliveries (ESPAZE_PUBLIC_URL + /api/github/webhooks)')
    warning: str | None = Field(description='why GitHub may not reach that address')
    items: list[DeliveryOut]
