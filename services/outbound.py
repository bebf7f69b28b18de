"""One way to call a blocking client library (the Kubernetes client, PyGithub): in a worker thread, bounded in
time, retried with backoff only when that may help, and the library's errors turned into Espaze errors."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from models.errors import UpstreamFailed

T = TypeVar('T')


class Transient(Exception):
    """A failure worth another attempt (a timeout, a 5xx); `reason` is said if every attempt fails."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OutboundPolicy:
    """How one upstream is called: who it is (for messages), how long an attempt may take, how often to try."""

    upstream: str  # 'the cluster', 'GitHub'
    attempt_seconds: float
    attempts: int = 3
    backoff_seconds: float = 0.5
    gave_up_hint: str = ''  # appended to the final message, e.g. '; try again shortly'
    workers: int = 16  # this upstream's own threads: a slow one never starves the others (or bcrypt)
    _pool: list[ThreadPoolExecutor] = field(default_factory=list, repr=False, compare=False)

    def _executor(self) -> ThreadPoolExecutor:
        if not self._pool:
            self._pool.append(ThreadPoolExecutor(self.workers, thread_name_prefix=self.upstream.replace(' ', '-')))
        return self._pool[0]

    async def call(self, work: Callable[[], T], mapped: Callable[[Exception], Exception]) -> T:
        """Run `work` off the event loop. `mapped` turns what it raised into an Espaze error, or a Transient to
        try again; after the last attempt a Transient becomes UpstreamFailed."""

        def attempt() -> T:
            try:
                return work()
            except Exception as error:
                raise mapped(error) from None

        try:
            async for retry in AsyncRetrying(
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential(multiplier=self.backoff_seconds, max=4),
                retry=retry_if_exception_type(Transient),
                reraise=True,
            ):
                with retry:
                    try:
                        running = asyncio.get_running_loop().run_in_executor(self._executor(), attempt)
                        return await asyncio.wait_for(running, self.attempt_seconds)
                    except TimeoutError:
                        raise Transient(f'{self.upstream} did not answer in time') from None
        except Transient as error:
            reason = f'{error.reason[:1].upper()}{error.reason[1:]}'
            raise UpstreamFailed(f'{reason} ({self.attempts} attempts){self.gave_up_hint}') from None
        raise AssertionError('unreachable')
