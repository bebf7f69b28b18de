"""Live views share one cluster read: callers within the time-to-live get its answer, callers during it wait for
it, a failure is not kept, and different keys read separately."""

import asyncio

import pytest

from services.cluster.shared_reads import SharedReads


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_forty_followers_of_one_log_cost_one_read_per_interval():
    clock, calls = Clock(), []

    async def read() -> str:
        calls.append(clock.now)
        await asyncio.sleep(0.01)
        return f'log at {clock.now}'

    shared = SharedReads(1.5, clock)
    answers = await asyncio.gather(*(shared.get(('logs', 'ns', 'pod', 200), read) for _ in range(40)))
    assert set(answers) == {'log at 0.0'} and len(calls) == 1
    clock.now = 1.0
    assert await shared.get(('logs', 'ns', 'pod', 200), read) == 'log at 0.0'
    clock.now = 2.0
    assert await shared.get(('logs', 'ns', 'pod', 200), read) == 'log at 2.0'
    await shared.get(('logs', 'ns', 'other-pod', 200), read)
    assert len(calls) == 3 and shared.reads == 3


async def test_a_failed_read_is_not_kept_for_the_next_caller():
    clock, attempts = Clock(), []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise TimeoutError('the cluster was slow')
        return 'fine'

    shared = SharedReads(1.5, clock)
    with pytest.raises(TimeoutError):
        await shared.get('pods', flaky)
    assert await shared.get('pods', flaky) == 'fine'
