"""Leases for periodic jobs, so that with several Espaze processes on one database each job runs once per
interval: the holder renews its lease every run; when it dies, another process takes over once the lease
expires; a former holder that was paused past its lease cannot act any more (`fence`)."""

import asyncio
import contextvars
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from repositories.leases import LeaseRepository
from services.infrastructure.telemetry import Telemetry

log = logging.getLogger(__name__)
_current: contextvars.ContextVar[tuple['JobLeases', str, int] | None] = contextvars.ContextVar('lease', default=None)


class LeaseLost(Exception):
    """This process no longer holds the job's lease: another one runs it now."""


async def fence() -> None:
    """Inside a leased job: raise LeaseLost unless this process still holds the lease (call before a side effect
    that must not happen twice, such as a webhook call)."""
    current = _current.get()
    if current is not None:
        leases, name, generation = current
        if not await leases.repository.holds(name, leases.holder, generation, datetime.now(UTC)):
            raise LeaseLost(name)


def guarded(name: str, job: Callable[[], Awaitable[object]], telemetry: Telemetry) -> Callable[[], Awaitable[None]]:
    """`job` made to log a failure in one line (no traceback, no secret) instead of raising: the next run happens."""

    async def run() -> None:
        started, failed = time.perf_counter(), False
        try:
            await job()
        except Exception as error:
            failed = True
            log.error('job %s failed: %s: %s', name, type(error).__name__, error)
        finally:
            telemetry.observe_job(name, time.perf_counter() - started, failed)

    return run


def process_holder() -> str:
    """This process's name in leases and metrics: `host:pid:random`."""
    return f'{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}'


class JobLeases:
    def __init__(
        self, repository: LeaseRepository, ttl: timedelta, holder: str, telemetry: Telemetry | None = None
    ) -> None:
        self.repository = repository
        self.ttl = ttl
        self.holder = holder
        self.telemetry = telemetry or Telemetry(holder)
        self.held: dict[str, bool] = {}
        self.runs: dict[str, int] = {}
        self.failures: dict[str, int] = {}

    def leased(self, name: str, job: Callable[[], Awaitable[object]], interval: float) -> Callable[[], Awaitable[None]]:
        """`job` wrapped to run only while this process holds its lease, and to stop before the lease ends."""
        ttl = max(self.ttl, timedelta(seconds=interval * 3))

        async def run() -> None:
            try:
                generation = await self.repository.acquire(name, self.holder, datetime.now(UTC), ttl)
            except Exception as error:  # the database is unavailable: try again next time
                self.failures[name] = self.failures.get(name, 0) + 1
                log.error('job %s: could not take its lease: %s: %s', name, type(error).__name__, error)
                return
            self.held[name] = generation is not None
            self.telemetry.set_leases({name: generation is not None})
            if generation is None:
                return
            token = _current.set((self, name, generation))
            started, failed = time.perf_counter(), False
            try:
                await asyncio.wait_for(job(), timeout=ttl.total_seconds() / 2)
                self.runs[name] = self.runs.get(name, 0) + 1
            except LeaseLost:
                log.warning('job %s: the lease went to another process; stopped', name)
            except TimeoutError:
                failed = True
                log.warning('job %s: stopped after %.0f s to stay within its lease', name, ttl.total_seconds() / 2)
            except Exception as error:  # the next run happens all the same
                failed = True
                self.failures[name] = self.failures.get(name, 0) + 1
                log.error('job %s failed: %s: %s', name, type(error).__name__, error)
            finally:
                _current.reset(token)
                self.telemetry.observe_job(name, time.perf_counter() - started, failed)

        return run
