"""Espaze's composition root: settings -> database -> repositories -> services -> API and pages -> ui.run."""

import asyncio
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import ConfigurationError, Settings, load_settings, resolve_secrets
from runtime import log_format

try:
    settings = load_settings()
    secrets = resolve_secrets(settings)
except ConfigurationError as error:
    sys.exit(f'Espaze cannot start. {error}')

os.environ.setdefault('NICEGUI_STORAGE_PATH', str((settings.data_dir / 'sessions').resolve()))

from nicegui import app, core, ui
from pymongo.errors import PyMongoError
from starlette.middleware import Middleware

import api
import pages
from api.heartbeat_endpoint import HeartbeatEndpoint
from jobs import build_scheduler
from models.errors import ValidationFailed
from pages.errors import register_error_page
from repositories.audit import AuditRepository
from repositories.database import open_database, ping
from repositories.deployments import DeploymentRepository
from repositories.enrollment import EnrollmentTokenRepository
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
from repositories.sessions import SessionRepository
from repositories.users import UserRepository
from repositories.webhooks import WebhookRepository
from runtime.embedded_db import EmbeddedMongo
from sandbox.process import SandboxProcess
from services.accounts import AccountService
from services.activity import ActivityService
from services.audit import AuditLog
from services.auth import AuthService
from services.cluster.connect import api_client
from services.cluster.connect import cluster_mode as cluster_mode_for
from services.cluster.gateway import KubeGateway
from services.cluster.service import ClusterService
from services.deployments.engine import RolloutEngine
from services.deployments.hosts import HostClaims
from services.deployments.orphans import OrphanReconciler
from services.deployments.service import DeploymentService
from services.fleet.cluster_pairing import FleetClusterPairing
from services.fleet.heartbeat_allowance import HeartbeatAllowance
from services.fleet.heartbeats import HeartbeatService
from services.fleet.monitor import FleetMonitor
from services.fleet.node_tokens import NodeTokenGuard
from services.fleet.nodes import NodeService
from services.github.client import GitHubGateway
from services.github.connection import GitHubConnections
from services.github.service import GitHubService
from services.infrastructure.leases import JobLeases, process_holder
from services.infrastructure.rate_limits import RateLimiter
from services.infrastructure.secret_box import SecretBox
from services.infrastructure.telemetry import Telemetry
from services.metrics.collector import MetricsCollector
from services.metrics.service import MetricsService
from services.notifications import NotificationService
from services.passwords import PasswordHasher
from services.registry import HealthService, Services
from services.tokens import TokenCodec
from web.api_fast_lane import install_api_fast_lane
from web.body_limit import BodyLimitMiddleware
from web.client_address import trusted_networks
from web.http_limits import bounded_http_protocol
from web.login_guard import LoginRequiredMiddleware
from web.request_context import RequestContextMiddleware
from web.security_headers import SecurityHeadersMiddleware, security_headers

log_format.configure(settings.log_level, settings.log_format)
log = logging.getLogger('espaze')


def public_url(settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url
    scheme = 'https' if settings.tls_enabled else 'http'
    host = 'localhost' if settings.host in ('0.0.0.0', '::') else settings.host
    return f'{scheme}://{host}:{settings.port}'


embedded = None
mongo_url = settings.mongo_url.get_secret_value() if settings.mongo_url else None
if mongo_url is None:
    embedded = EmbeddedMongo(settings.data_dir / 'db')
    embedded.start()
    mongo_url = embedded.url
client, db = open_database(mongo_url, settings.db_timeout_seconds)


def utc_now() -> datetime:
    return datetime.now(UTC)


telemetry = Telemetry(process_holder(), settings.metrics_token.get_secret_value() if settings.metrics_token else None)
users = UserRepository(db)
audit = AuditLog(AuditRepository(db, timedelta(days=settings.audit_retention_days)))
limiter = RateLimiter(RateCounterRepository(db))
limits = settings.rate_limits()
app.state.trusted_networks = trusted_networks(settings.trusted_proxies)
sessions = SessionRepository(db)
instance = InstanceRepository(db)
liveness = NodeLivenessRepository(db)
nodes = NodeRepository(db, liveness)
activity = NodeActivityRepository(
    db, metrics_retention=timedelta(days=settings.node_metrics_retention_days), events_retention=timedelta(days=90)
)
tokens = TokenCodec(
    secrets.jwt_secret, timedelta(minutes=settings.access_token_minutes), timedelta(days=settings.refresh_token_days)
)
node_tokens = NodeTokenGuard(NodeTokenRevocationRepository(db), utc_now)
heartbeats = HeartbeatService(
    nodes,
    liveness,
    activity,
    tokens,
    node_tokens,
    HeartbeatAllowance(RateCounterRepository(db), settings.heartbeat_limit_per_minute, utc_now),
    settings.heartbeat_interval_seconds,
    utc_now,
    telemetry,
)
secret_box = SecretBox(secrets.encryption_keys)
github_gateway = GitHubGateway(settings.github_api_url, settings.github_timeout_seconds)
github_connections = GitHubConnections(
    GitHubTokenRepository(db),
    secret_box,
    github_gateway,
    (settings.github_client_id, settings.github_client_secret.get_secret_value())
    if settings.github_client_id and settings.github_client_secret
    else None,
    f'{public_url(settings)}/api/github/oauth/callback',
    audit,
)
cluster_mode = cluster_mode_for(settings.cluster)
sandbox = SandboxProcess(settings.github_api_url, settings.registry) if cluster_mode == 'sandbox' else None
if sandbox is not None:
    sandbox.start()
cluster = ClusterService(
    KubeGateway(api_client(cluster_mode, sandbox.url if sandbox else None), settings.cluster_timeout_seconds),
    settings.cluster_settings(),
    sandbox=sandbox is not None,
    live_seconds=settings.live_read_seconds,
)
deployments = DeploymentRepository(db)
github_service = GitHubService(
    github_connections, github_gateway, settings.github_cache_seconds, limiter, limits['github_lookups']
)
accounts = AccountService(users, sessions, instance, audit)
rollouts = RolloutEngine(
    deployments, cluster, github_service, accounts, secret_box, settings.registry, settings.deploy_deadline_seconds
)
deployment_service = DeploymentService(
    deployments,
    rollouts,
    cluster,
    github_service,
    secret_box,
    settings.max_replicas,
    audit,
    limiter,
    limits['deployment_ops'],
    HostClaims(HostRepository(db), settings.ingress_domain),
)
node_service = NodeService(
    nodes,
    activity,
    EnrollmentTokenRepository(db),
    users,
    tokens,
    node_tokens,
    settings.allow_private_node_ips,
    utc_now,
    audit,
    limiter,
    limits['enroll'],
)
metrics = MetricsService(
    MetricsCollector(cluster.reads, nodes, liveness, settings.metrics_interval_seconds),
    MetricsRepository(db, settings.metrics_retention()),
    deployment_service,
    node_service,
    fresh_seconds=min(5.0, settings.metrics_interval_seconds / 2),
    interval_seconds=settings.metrics_interval_seconds,
)
pairing = FleetClusterPairing(nodes, cluster.reads)
services = Services(
    auth=AuthService(
        users, sessions, instance, PasswordHasher(), tokens, settings.allow_signup, audit, limiter, limits
    ),
    audit=audit,
    telemetry=telemetry,
    orphans=OrphanReconciler(deployments, cluster, timedelta(seconds=settings.orphan_grace_seconds)),
    accounts=accounts,
    health=HealthService(lambda: ping(db)),
    nodes=node_service,
    heartbeats=heartbeats,
    cluster=cluster,
    github=github_service,
    deployments=deployment_service,
    metrics=metrics,
    pairing=pairing,
    activity=ActivityService(deployments, activity, nodes, node_service, pairing),
    notifications=NotificationService(
        WebhookRepository(db),
        secret_box,
        deployments,
        nodes,
        liveness,
        public_url(settings),
        settings.allow_private_webhooks,
    ),
    fleet=FleetMonitor(
        nodes,
        liveness,
        activity,
        instance,
        timedelta(seconds=settings.node_offline_after),
        timedelta(seconds=settings.offline_sweep_seconds),
        utc_now,
    ),
)
job_leases = JobLeases(LeaseRepository(db), timedelta(seconds=settings.job_lease_seconds), telemetry.holder, telemetry)
scheduler = build_scheduler(services, node_tokens, settings, job_leases)

app.state.services = services
app.state.https_cookies = settings.browsers_use_https


async def stored_state_for_metrics() -> None:
    telemetry.set_counts(telemetry.deployments, await deployments.counts(None))
    fleet = await nodes.counts(None)
    telemetry.set_counts(telemetry.nodes, {'online': fleet.online, 'offline': fleet.offline, 'pending': fleet.pending})
    telemetry.set_leases(job_leases.held)


telemetry.reads_state_with(stored_state_for_metrics)
app.add_middleware(LoginRequiredMiddleware)
error_headers = security_headers(settings.browsers_use_https)
app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, error_headers=error_headers)
app.add_middleware(RequestContextMiddleware, observe=telemetry.observe_request, error_headers=error_headers)
app.add_middleware(SecurityHeadersMiddleware, tls=settings.browsers_use_https)
core.sio.eio.cors_allowed_origins = None  # NiceGUI allows every origin; pages of other sites may not open a socket
app.add_static_files('/assets', Path(__file__).parent / 'assets')
api.register(app)
pages.register_all(services, settings.session_watch_seconds, settings.anonymous_pages_per_address)
register_error_page()


background: set[asyncio.Task] = set()


async def startup() -> None:
    api_paths = frozenset({'/healthz', '/readyz', '/metrics', '/openapi.json'})
    install_api_fast_lane(
        app,
        api_paths,
        ('/api/',),
        Middleware(HeartbeatEndpoint, services=services, headers=security_headers(settings.browsers_use_https)),
        keep=(SecurityHeadersMiddleware,),
    )
    background.add(asyncio.create_task(prepare_when_the_database_answers()))


async def prepare_when_the_database_answers() -> None:
    """The startup work that needs the database, retried until it answers: meanwhile the process is up,
    /healthz answers 200, /readyz 503 and pages say that the database is unavailable."""
    delay = 1.0
    while True:
        try:
            await prepare()
            return
        except PyMongoError as error:
            log.warning('the database is unavailable (%s); retrying in %.0f s', type(error).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)


async def prepare() -> None:
    await services.auth.ensure_indexes()
    await services.nodes.ensure_indexes()
    await node_tokens.ensure_indexes()
    await github_connections.ensure_indexes()
    await metrics.ensure_indexes()
    await audit.ensure_indexes()
    await limiter.ensure_indexes()
    await services.notifications.ensure_indexes()
    await services.deployments.ensure_indexes()
    await node_tokens.poll()
    if settings.admin_email and settings.admin_password:
        try:
            await services.auth.bootstrap_admin(settings.admin_email, settings.admin_password.get_secret_value())
        except ValidationFailed as error:
            variable = 'ESPAZE_ADMIN_EMAIL' if error.field == 'email' else 'ESPAZE_ADMIN_PASSWORD'
            log.error('%s %s: no admin was created from the environment', variable, error.message)
    url = public_url(settings)
    log_format.announce(f'Espaze is running at {url}')
    setup_token = await services.auth.prepare_setup()
    if setup_token:
        log_format.announce(f'No account exists yet. Create the first admin at {url}/setup?token={setup_token}')
    scheduler.start()
    services.health.mark_started()


async def shutdown() -> None:
    for task in background:
        task.cancel()
    if scheduler.running:
        scheduler.shutdown(wait=False)
    while services.heartbeats.pending:
        try:
            await services.heartbeats.flush()
        except Exception:
            log.exception('could not write %d gathered heartbeats at shutdown', services.heartbeats.pending)
            break
    await client.close()
    if sandbox is not None:
        sandbox.stop()
    if embedded is not None:
        embedded.stop()
    log.info('Espaze stopped')


app.on_startup(startup)
app.on_shutdown(shutdown)

if __name__ in {'__main__', '__mp_main__'}:
    ui.run(
        host=settings.host,
        port=settings.port,
        title='Espaze',
        favicon=Path(__file__).parent / 'assets' / 'favicon.svg',
        storage_secret=secrets.storage_secret,
        fastapi_docs=True,
        reload=False,
        show=False,
        show_welcome_message=False,
        log_config=log_format.uvicorn_log_config(),
        ssl_certfile=str(settings.tls_certfile) if settings.tls_enabled else None,
        ssl_keyfile=str(settings.tls_keyfile) if settings.tls_enabled else None,
        session_middleware_kwargs={'https_only': True, 'same_site': 'lax'} if settings.browsers_use_https else None,
        http=bounded_http_protocol(settings.http_max_head_bytes, settings.http_head_timeout_seconds),
        proxy_headers=False,  # only ESPAZE_TRUSTED_PROXIES are believed (client_address.py), never uvicorn's default
    )
