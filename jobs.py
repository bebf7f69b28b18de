"""APScheduler wiring: each job calls one service method."""

import logging
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config import Settings
from services.node_tokens import NodeTokenGuard
from services.registry import Services

REVOCATION_POLL_SECONDS = 2


def build_scheduler(services: Services, node_tokens: NodeTokenGuard, settings: Settings) -> AsyncIOScheduler:
    """The scheduler of this process's periodic jobs (started by app.py on startup)."""
    logging.getLogger('apscheduler').setLevel(logging.WARNING)
    scheduler = AsyncIOScheduler(timezone=UTC)
    every = {'trigger': 'interval', 'max_instances': 1, 'coalesce': True}
    scheduler.add_job(
        services.heartbeats.flush, id='flush-heartbeats', seconds=settings.heartbeat_flush_seconds, **every
    )
    scheduler.add_job(
        services.fleet.mark_silent_nodes_offline, id='offline-sweep', seconds=settings.offline_sweep_seconds, **every
    )
    scheduler.add_job(node_tokens.poll, id='node-token-revocations', seconds=REVOCATION_POLL_SECONDS, **every)
    scheduler.add_job(
        services.deployments.engine.tick, id='rollouts', seconds=settings.rollout_interval_seconds, **every
    )
    scheduler.add_job(services.metrics.collect, id='metrics', seconds=settings.metrics_interval_seconds, **every)
    scheduler.add_job(
        services.notifications.tick, id='notifications', seconds=settings.notification_interval_seconds, **every
    )
    return scheduler
