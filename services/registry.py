"""The services bootstrap builds, handed to the API and the pages as one object."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.accounts import AccountService
from services.activity import ActivityService
from services.api_tokens import ApiTokenService
from services.audit import AuditLog
from services.auth import AuthService
from services.cluster.service import ClusterService
from services.deployments.domains import CustomDomains
from services.deployments.operations import DeploymentOperations
from services.deployments.orphans import OrphanReconciler
from services.deployments.previews import Previews
from services.deployments.pushes import PushDeploys
from services.deployments.service import DeploymentService
from services.fleet.cluster_pairing import FleetClusterPairing
from services.fleet.heartbeats import HeartbeatService
from services.fleet.monitor import FleetMonitor
from services.fleet.nodes import NodeService
from services.github.hooks import RepositoryHooks
from services.github.service import GitHubService
from services.github.statuses import CommitStatuses
from services.infrastructure.telemetry import Telemetry
from services.metrics.service import MetricsService
from services.notifications import NotificationService
from services.session_list import SessionDirectory
from services.single_sign_on import SingleSignOn
from services.two_factor import TwoFactorService


class HealthService:
    def __init__(self, database_ping: Callable[[], Awaitable[bool]], startup_timeout: float = 30.0) -> None:
        self._database_ping = database_ping
        self._started = asyncio.Event()
        self._startup_timeout = startup_timeout

    def mark_started(self) -> None:
        """Startup work (indexes, first admin) is done."""
        self._started.set()

    @property
    def started(self) -> bool:
        return self._started.is_set()

    async def wait_started(self, timeout: float | None = None) -> None:
        """Wait for startup work; raises TimeoutError if it takes too long."""
        if self._started.is_set():
            return
        await asyncio.wait_for(self._started.wait(), timeout or self._startup_timeout)

    async def ready(self) -> bool:
        """Whether startup is done and the database answers."""
        return self._started.is_set() and await self._database_ping()


@dataclass(frozen=True)
class Services:
    auth: AuthService
    api_tokens: ApiTokenService
    two_factor: TwoFactorService
    sessions: SessionDirectory
    single_sign_on: SingleSignOn | None
    accounts: AccountService
    health: HealthService
    nodes: NodeService
    heartbeats: HeartbeatService
    fleet: FleetMonitor
    github: GitHubService
    cluster: ClusterService
    deployments: DeploymentService
    operations: DeploymentOperations
    hooks: RepositoryHooks
    pushes: PushDeploys
    previews: Previews
    domains: CustomDomains
    statuses: CommitStatuses
    metrics: MetricsService
    pairing: FleetClusterPairing
    activity: ActivityService
    notifications: NotificationService
    audit: AuditLog
    orphans: OrphanReconciler
    telemetry: Telemetry
