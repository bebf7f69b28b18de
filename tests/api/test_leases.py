"""Job leases on the real database: one holder at a time, renewal, takeover after expiry with a new generation,
and a former holder fenced off."""

import io
import logging
from datetime import UTC, datetime, timedelta

import pytest

from repositories.database import open_database
from repositories.leases import LeaseRepository
from runtime.log_redaction import RedactingFilter, redact
from services.infrastructure.leases import JobLeases, fence


@pytest.fixture
async def leases(mongo_url: str):
    client, db = open_database(mongo_url, 5)
    yield LeaseRepository(db)
    await client.close()


async def test_one_holder_at_a_time_then_a_takeover_with_a_new_generation(leases: LeaseRepository):
    now = datetime.now(UTC)
    ttl = timedelta(seconds=10)
    assert await leases.acquire('metrics', 'A', now, ttl) == 1
    assert await leases.acquire('metrics', 'B', now + timedelta(seconds=5), ttl) is None
    assert await leases.acquire('metrics', 'A', now + timedelta(seconds=5), ttl) == 1  # renewed until now + 15 s
    assert await leases.acquire('metrics', 'B', now + timedelta(seconds=12), ttl) is None
    later = now + timedelta(seconds=16)
    assert await leases.acquire('metrics', 'B', later, ttl) == 2
    assert not await leases.holds('metrics', 'A', 1, later)
    assert await leases.holds('metrics', 'B', 2, later)
    assert await leases.acquire('rollouts', 'B', later, ttl) == 1  # leases are per job


async def test_a_leased_job_runs_in_one_process_only(leases: LeaseRepository):
    runs = []
    first, second = JobLeases(leases, timedelta(seconds=30), 'A'), JobLeases(leases, timedelta(seconds=30), 'B')

    async def job() -> None:
        runs.append('ran')

    for _ in range(3):
        await first.leased('metrics', job, 1)()
        await second.leased('metrics', job, 1)()
    assert runs == ['ran'] * 3 and first.runs == {'metrics': 3} and second.runs == {}


async def test_a_holder_that_lost_its_lease_is_fenced_off(leases: LeaseRepository, caplog: pytest.LogCaptureFixture):
    paused = JobLeases(leases, timedelta(seconds=3), 'paused')
    sent = []

    async def job() -> None:
        await fence()
        # meanwhile the holder was paused past its lease, and another process took the job over
        await leases.acquire('notifications', 'other', datetime.now(UTC) + timedelta(seconds=10), timedelta(seconds=30))
        await fence()
        sent.append('webhook')

    with caplog.at_level(logging.WARNING):
        await paused.leased('notifications', job, 1)()
    assert sent == []
    assert 'the lease went to another process' in caplog.text


async def test_a_job_that_raises_is_logged_without_secrets_and_runs_again(leases: LeaseRepository):
    token = 'ghp_' + 'A1b2C3d4' * 4 + 'Zz9y'
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logging.getLogger('services.infrastructure.leases').addHandler(handler)
    calls = []

    async def job() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(f'GitHub refused token {token} (Authorization: Bearer {token})')

    jobs = JobLeases(leases, timedelta(seconds=30), 'A')
    try:
        await jobs.leased('metrics', job, 1)()
        await jobs.leased('metrics', job, 1)()
    finally:
        logging.getLogger('services.infrastructure.leases').removeHandler(handler)
    assert calls == [1, 1] and jobs.failures == {'metrics': 1} and jobs.runs == {'metrics': 1}
    written = stream.getvalue()
    assert 'job metrics failed: RuntimeError' in written and '[redacted]' in written
    assert token not in written and token[4:20] not in written


def test_redaction_covers_the_shapes_of_secrets():
    samples = {
        'ghp_' + 'x' * 36: '[redacted]',
        'github_pat_' + 'y' * 60: '[redacted]',
        'espe_' + 'z' * 30: '[redacted]',
        'espat_' + 'Q-_9' * 11: '[redacted]',
        'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlLXBhcnQ': '[redacted]',
        'password=hunter2-is-long': 'password=[redacted]',
        '"token": "abc123456789"': '"token": [redacted]',
    }
    for secret, expected in samples.items():
        assert redact(f'before {secret} after') == f'before {expected} after'
    assert redact('nothing secret here: node-3c4d5e online') == 'nothing secret here: node-3c4d5e online'
