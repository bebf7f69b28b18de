"""Espaze wired once: `build(settings, secrets)` constructs every object and returns them as one `Espaze`.

Nothing starts when this module is imported, nor when `build` runs: `start()` starts the child processes (the
embedded database, the sandbox cluster), `prepare()` the work that needs the database, `stop()` ends it all.
Tests and benches pass overrides (a database URL, a cluster client, a clock) as cosmicpython's bootstrap does.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kubernetes import client as k8s
from pymongo.asynchronous.database import AsyncDatabase

from bootstrap.accounts import account_services
from bootstrap.espaze import Espaze
from config import Secrets, Settings
from jobs import build_scheduler
from models.limits import Limit
from repositories.audit import AuditRepository
from repositories.commit_statuses import CommitStatusRepository
from repositories.database import open_database, ping
from repositories.deployments import DeploymentRepository
from repositories.enrollment import EnrollmentTokenRepository
from repositories.github_hooks import GitHubHookRepository
from repositories.github_tokens import GitHubTokenRepository
from repositories.hosts import HostRepository
from repositories.instance import InstanceRepository
from repositories.leases import LeaseRepository
from repositories.metrics import MetricsRepository
from repositories.node_activity import NodeActivityRepository
from repositories.node_liveness import NodeLivenessRepository
from repositories.node_token_revocations import NodeTokenRevocationRepository
from repositories.nodes import NodeRepository
from repositories.rate_counters import RateCounterRepository
from repositories.scope_history import ScopeHistoryRepository
from repositories.users import UserRepository
from repositories.webhooks import WebhookRepository
from runtime.embedded_db import EmbeddedMongo
from sandbox.process import SandboxProcess
from services.activity import ActivityService
from services.audit import AuditLog
from services.cluster.connect import api_client, cluster_mode
from services.cluster.gateway import KubeGateway
from services.cluster.service import ClusterService
from services.deployments.domain_dns import TxtLookup
from services.deployments.domains import CustomDomains
from services.deployments.engine import RolloutEngine
from services.deployments.hosts import HostClaims
from services.deployments.operations import DeploymentOperations
from services.deployments.orphans import OrphanReconciler
from services.deployments.previews import Previews
from services.deployments.pushes import PushDeploys
from services.deployments.service import DeploymentService
from services.fleet.cluster_pairing import FleetClusterPairing
from services.fleet.heartbeat_allowance import HeartbeatAllowance
from services.fleet.heartbeats import HeartbeatService
from services.fleet.monitor import FleetMonitor
from services.fleet.node_tokens import NodeTokenGuard
from services.fleet.nodes import NodeService
from services.github.client import GitHubGateway
from services.github.connection import GitHubConnections
from services.github.hooks import RepositoryHooks
from services.github.service import GitHubService
from services.github.statuses import CommitStatuses
from services.infrastructure.leases import JobLeases, process_holder
from services.infrastructure.rate_limits import RateLimiter
from services.infrastructure.secret_box import SecretBox
from services.infrastructure.telemetry import Telemetry
from services.metrics.collector import MetricsCollector
from services.metrics.service import MetricsService
from services.notifications import NotificationService
from services.registry import HealthService, Services
from services.tokens import TokenCodec

__all__ = ['Espaze', 'build']


def utc_now() -> datetime:
    return datetime.now(UTC)


def build(
    settings: Settings,
    secrets: Secrets,
    *,
    mongo_url: str | None = None,
    cluster_client: k8s.ApiClient | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Espaze:
    """Construct Espaze for these settings; `mongo_url` and `cluster_client` replace the configured ones."""
    embedded = sandbox = None
    url = mongo_url or (settings.mongo_url.get_secret_value() if settings.mongo_url else None)
    if url is None:
        embedded = EmbeddedMongo(settings.data_dir / 'db')
        url = embedded.url
    client, db = open_database(url, settings.db_timeout_seconds)
    if cluster_client is None:
        mode = cluster_mode(settings.cluster)
        sandbox = SandboxProcess(settings.github_api_url, settings.registry) if mode == 'sandbox' else None
        cluster_client = api_client(mode, sandbox.url if sandbox else None)
    limits = settings.rate_limits()
    telemetry = Telemetry(
        process_holder(), settings.metrics_token.get_secret_value() if settings.metrics_token else None
    )
    users, instance = UserRepository(db), InstanceRepository(db)
    audit = AuditLog(AuditRepository(db, timedelta(days=settings.audit_retention_days)))
    limiter = RateLimiter(RateCounterRepository(db))
    secret_box = SecretBox(secrets.encryption_keys)
    tokens = TokenCodec(
        secrets.jwt_secret,
        timedelta(minutes=settings.access_token_minutes),
        timedelta(days=settings.refresh_token_days),
    )
    liveness = NodeLivenessRepository(db, timedelta(seconds=settings.node_offline_after), clock)
    nodes = NodeRepository(db, liveness)
    node_activity = NodeActivityRepository(
        db,
        metrics_retention=timedelta(days=settings.node_metrics_retention_days),
        events_retention=timedelta(days=90),
    )
    node_tokens = NodeTokenGuard(NodeTokenRevocationRepository(db), clock)
    cluster = ClusterService(
        KubeGateway(cluster_client, settings.cluster_timeout_seconds),
        settings.cluster_settings(),
        sandbox=sandbox is not None,
        live_seconds=settings.live_read_seconds,
    )
    github = _github(settings, db, secret_box, audit, limiter, limits)
    people = account_services(settings, db, tokens=tokens, audit=audit, limiter=limiter, limits=limits, box=secret_box)
    accounts = people.accounts
    deployment_records = DeploymentRepository(db)
    hook_records = GitHubHookRepository(db)
    statuses = CommitStatuses(
        statuses=CommitStatusRepository(db), github=github, accounts=accounts, public_url=settings.reachable_url
    )
    hooks = RepositoryHooks(
        hooks=hook_records, github=github, accounts=accounts, box=secret_box, public_url=settings.reachable_url
    )
    hosts = HostClaims(HostRepository(db), settings.ingress_domain)
    engine = RolloutEngine(
        deployments=deployment_records,
        hosts=hosts,
        cluster=cluster,
        github=github,
        accounts=accounts,
        box=secret_box,
        registry=settings.registry,
        deploy_deadline_seconds=settings.deploy_deadline_seconds,
        statuses=statuses,
    )
    deployments = DeploymentService(
        deployments=deployment_records,
        engine=engine,
        cluster=cluster,
        github=github,
        box=secret_box,
        max_replicas=settings.max_replicas,
        audit=audit,
        limiter=limiter,
        operations_limit=limits['deployment_ops'],
        hosts=hosts,
        hooks=hooks,
    )
    operations = DeploymentOperations(
        service=deployments,
        deployments=deployment_records,
        engine=engine,
        cluster=cluster,
        github=github,
        box=secret_box,
        audit=audit,
        hosts=hosts,
        hooks=hooks,
    )
    previews = Previews(
        deployments=deployment_records,
        service=deployments,
        operations=operations,
        max_previews=settings.max_previews,
    )
    pushes = PushDeploys(
        hooks=hooks,
        records=hook_records,
        deployments=deployment_records,
        operations=operations,
        accounts=accounts,
        github=github,
        limiter=limiter,
        deliveries_limit=limits['github_deliveries'],
        previews=previews,
    )
    fleet = NodeService(
        nodes=nodes,
        activity=node_activity,
        enrollment=EnrollmentTokenRepository(db),
        users=users,
        tokens=tokens,
        token_guard=node_tokens,
        allow_private_ips=settings.allow_private_node_ips,
        clock=clock,
        audit=audit,
        limiter=limiter,
        enroll_limit=limits['enroll'],
    )
    pairing = FleetClusterPairing(nodes, cluster.reads)
    services = Services(
        auth=people.auth,
        api_tokens=people.api_tokens,
        two_factor=people.two_factor,
        sessions=people.sessions,
        single_sign_on=people.single_sign_on,
        accounts=accounts,
        health=HealthService(lambda: ping(db)),
        nodes=fleet,
        heartbeats=HeartbeatService(
            nodes=nodes,
            liveness=liveness,
            activity=node_activity,
            tokens=tokens,
            token_guard=node_tokens,
            allowance=HeartbeatAllowance(RateCounterRepository(db), settings.heartbeat_limit_per_minute, clock),
            interval_seconds=settings.heartbeat_interval_seconds,
            clock=clock,
            telemetry=telemetry,
        ),
        fleet=FleetMonitor(
            nodes=nodes,
            liveness=liveness,
            activity=node_activity,
            instance=instance,
            offline_after=timedelta(seconds=settings.node_offline_after),
            sweep_interval=timedelta(seconds=settings.offline_sweep_seconds),
            clock=clock,
        ),
        github=github,
        cluster=cluster,
        deployments=deployments,
        operations=operations,
        hooks=hooks,
        pushes=pushes,
        previews=previews,
        domains=CustomDomains(
            service=deployments,
            deployments=deployment_records,
            hosts=hosts,
            cluster=cluster,
            lookup=TxtLookup(settings.dns_server_addresses(), settings.dns_timeout_seconds),
            audit=audit,
            edge_address=settings.edge_address,
        ),
        statuses=statuses,
        metrics=MetricsService(
            collector=MetricsCollector(cluster.reads, nodes, liveness, settings.metrics_interval_seconds),
            repository=MetricsRepository(db, settings.metrics_retention()),
            scopes=ScopeHistoryRepository(db, settings.metrics_retention()),
            deployments=deployments,
            nodes=fleet,
            fresh_seconds=min(5.0, settings.metrics_interval_seconds / 2),
            interval_seconds=settings.metrics_interval_seconds,
        ),
        pairing=pairing,
        activity=ActivityService(
            deployments=deployment_records,
            node_activity=node_activity,
            nodes=nodes,
            node_service=fleet,
            pairing=pairing,
        ),
        notifications=NotificationService(
            webhooks=WebhookRepository(db),
            box=secret_box,
            deployments=deployment_records,
            nodes=nodes,
            liveness=liveness,
            public_url=settings.reachable_url,
            allow_private=settings.allow_private_webhooks,
        ),
        audit=audit,
        orphans=OrphanReconciler(deployment_records, cluster, timedelta(seconds=settings.orphan_grace_seconds)),
        telemetry=telemetry,
    )
    job_leases = JobLeases(
        LeaseRepository(db), timedelta(seconds=settings.job_lease_seconds), telemetry.holder, telemetry
    )
    espaze = Espaze(
        settings=settings,
        services=services,
        node_tokens=node_tokens,
        limiter=limiter,
        job_leases=job_leases,
        scheduler=build_scheduler(services, node_tokens, settings, job_leases),
        client=client,
        instance=instance,
        embedded=embedded,
        sandbox=sandbox,
        read_models=[nodes.index.model, deployment_records.index],
        followers=[
            lambda: liveness.presence.follow(nodes.index.model, 1.0),
            telemetry.pauses.probe,
            telemetry.pauses.refreeze_periodically,
        ],
    )

    async def stored_state_for_metrics() -> None:
        telemetry.set_counts(telemetry.deployments, await deployment_records.counts(None))
        counted = await nodes.counts(None)
        telemetry.set_counts(
            telemetry.nodes, {'online': counted.online, 'offline': counted.offline, 'pending': counted.pending}
        )
        telemetry.set_leases(job_leases.held)

    telemetry.reads_state_with(stored_state_for_metrics)
    return espaze


def _github(
    settings: Settings,
    db: AsyncDatabase,
    box: SecretBox,
    audit: AuditLog,
    limiter: RateLimiter,
    limits: dict[str, Limit],
) -> GitHubService:
    gateway = GitHubGateway(settings.github_api_url, settings.github_timeout_seconds)
    oauth_app = None
    if settings.github_client_id and settings.github_client_secret:
        oauth_app = (settings.github_client_id, settings.github_client_secret.get_secret_value())
    connections = GitHubConnections(
        repository=GitHubTokenRepository(db),
        box=box,
        gateway=gateway,
        oauth_client=oauth_app,
        callback_url=f'{settings.reachable_url}/api/github/oauth/callback',
        audit=audit,
    )
    return GitHubService(
        connections=connections,
        gateway=gateway,
        cache_seconds=settings.github_cache_seconds,
        limiter=limiter,
        lookups_limit=limits['github_lookups'],
    )
