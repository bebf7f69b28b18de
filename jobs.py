"""APScheduler wiring: each job calls one service method."""

import logging
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config import Settings
from services.fleet.node_tokens import NodeTokenGuard
from services.infrastructure.leases import JobLeases, guarded
from services.registry import Services

REVOCATION_POLL_SECONDS = 2
LOST_DELIVERIES_SWEEP_SECONDS = 60


def build_scheduler(
    services: Services, node_tokens: NodeTokenGuard, settings: Settings, leases: JobLeases
) -> AsyncIOScheduler:
    """The scheduler of this process's periodic jobs (started by app.py on startup). Every process flushes its
    own heartbeats and polls revocations; the other jobs run where the lease is (one process at a time)."""
    logging.getLogger('apscheduler').setLevel(logging.WARNING)
    scheduler = AsyncIOScheduler(timezone=UTC)
    every = {'trigger': 'interval', 'max_instances': 1, 'coalesce': True}
    for name, job, seconds in (
        ('flush-heartbeats', services.heartbeats.flush_job, settings.heartbeat_flush_seconds),
        ('node-token-revocations', node_tokens.poll, REVOCATION_POLL_SECONDS),
    ):
        scheduler.add_job(guarded(name, job, leases.telemetry), id=name, seconds=seconds, **every)
    for name, job, seconds in (
        ('offline-sweep', services.fleet.mark_silent_nodes_offline, settings.offline_sweep_seconds),
        ('rollouts', services.deployments.engine.look, settings.rollout_interval_seconds),
        ('commit-statuses', services.statuses.send_due, settings.commit_status_interval_seconds),
        ('lost-deliveries', services.pushes.sweep_lost, LOST_DELIVERIES_SWEEP_SECONDS),
        ('orphans', services.orphans.sweep, settings.orphan_sweep_seconds),
        ('metrics', services.metrics.collect, settings.metrics_interval_seconds),
        ('metrics-scopes', services.metrics.collect_scopes, settings.metrics_scopes_seconds),
        ('notifications', services.notifications.tick, settings.notification_interval_seconds),
        ('domain-checks', services.domains.check_due, settings.domain_check_seconds),
    ):
        scheduler.add_job(leases.leased(name, job, seconds), id=name, seconds=seconds, **every)
    return scheduler
