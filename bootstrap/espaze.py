"""One running Espaze: the objects `bootstrap.build` wired, and their lifecycle (start, prepare, stop)."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

import pymongo
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from config import Settings
from models.errors import ValidationFailed
from repositories.instance import InstanceRepository
from repositories.read_model import ReadModel
from runtime import log_format
from runtime.embedded_db import EmbeddedMongo
from sandbox.process import SandboxProcess
from services.fleet.node_tokens import NodeTokenGuard
from services.infrastructure.leases import JobLeases
from services.infrastructure.pauses import Pauses
from services.infrastructure.rate_limits import RateLimiter
from services.registry import Services

log = logging.getLogger('espaze')
INDEX_BUILD_SECONDS = 1800


class IndexOwner(Protocol):
    async def ensure_indexes(self) -> None: ...


@dataclass
class Espaze:
    """Everything one process runs: the services the API and pages use, and what the jobs need."""

    settings: Settings
    services: Services
    node_tokens: NodeTokenGuard
    limiter: RateLimiter
    job_leases: JobLeases
    scheduler: AsyncIOScheduler
    client: AsyncMongoClient
    instance: InstanceRepository
    embedded: EmbeddedMongo | None = None
    sandbox: SandboxProcess | None = None
    read_models: list[ReadModel] = field(default_factory=list)
    read_model_seconds: float = 1.0
    followers: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)  # tasks run for ever
    _followers: list[asyncio.Task] = field(default_factory=list)

    def start(self) -> None:
        """Start the child processes this configuration needs. Call from the main thread (they die with it)."""
        for child in (self.embedded, self.sandbox):
            if child is not None:
                child.start()

    def index_owners(self) -> list[IndexOwner]:
        """Every object that owns collections, each asked once to ensure its indexes."""
        owners = (*vars(self.services).values(), self.node_tokens, self.limiter)
        return list({id(o): o for o in owners if callable(getattr(o, 'ensure_indexes', None))}.values())

    async def prepare(self) -> None:
        """The startup work that needs the database: indexes, revocations, the first admin, then the jobs."""
        await self.client.admin.command('ping')  # an absent database is said at once, not after the builds' timeout
        with pymongo.timeout(INDEX_BUILD_SECONDS):  # a first build on a large collection outlasts a request's
            for owner in self.index_owners():  # timeout; an index that exists is not built again
                await owner.ensure_indexes()
        snapshots, epoch = self.settings.data_dir / 'read-models', await self.instance.read_model_epoch()
        await asyncio.gather(*(model.start(snapshots / f'{model.name}.pickle', epoch) for model in self.read_models))
        if not self._followers:
            self._followers = [asyncio.create_task(model.follow(self.read_model_seconds)) for model in self.read_models]
            self._followers += [asyncio.create_task(follow()) for follow in self.followers]
        await self.node_tokens.poll()
        await self._admin_from_environment()
        url = self.settings.reachable_url
        log_format.announce(f'Espaze is running at {url}')
        setup_token = await self.services.auth.prepare_setup()
        if setup_token:
            log_format.announce(f'No account exists yet. Create the first admin at {url}/setup?token={setup_token}')
        self.scheduler.start()
        Pauses.refreeze()  # what startup made (the read models' rows) is not walked by every full collection
        self.services.health.mark_started()

    async def _admin_from_environment(self) -> None:
        settings = self.settings
        if not (settings.admin_email and settings.admin_password):
            return
        try:
            await self.services.auth.bootstrap_admin(settings.admin_email, settings.admin_password.get_secret_value())
        except ValidationFailed as error:
            variable = 'ESPAZE_ADMIN_EMAIL' if error.field == 'email' else 'ESPAZE_ADMIN_PASSWORD'
            log.error('%s %s: no admin was created from the environment', variable, error.message)

    async def prepare_when_the_database_answers(self) -> None:
        """`prepare()`, retried until the database answers: meanwhile the process is up, /healthz answers 200,
        /readyz 503 and pages say that the database is unavailable."""
        delay = 1.0
        while True:
            try:
                await self.prepare()
                return
            except PyMongoError as error:
                log.warning('the database is unavailable (%s); retrying in %.0f s', type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        """Stop the jobs, write the heartbeats still gathered, close the database, end the child processes."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for follower in self._followers:
            follower.cancel()
        self.services.deployments.engine.stop()
        self.services.cluster.reads.informer.stop()
        for model in self.read_models:
            try:
                await model.save_snapshot()
            except Exception:  # the next start reads everything instead
                log.exception('could not save the read model of %s', model.name)
        self.services.cluster.reads.rollouts.stop()
        heartbeats = self.services.heartbeats
        while heartbeats.pending:
            try:
                await heartbeats.flush()
            except Exception:
                log.exception('could not write %d gathered heartbeats at shutdown', heartbeats.pending)
                break
        await self.client.close()
        for child in (self.sandbox, self.embedded):
            if child is not None:
                child.stop()
        log.info('Espaze stopped')
