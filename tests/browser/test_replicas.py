"""Two Espaze processes on one database: each periodic job runs in one of them at a time, and when that one is
killed the other takes the job over once the lease expires."""

import signal
import time
from pathlib import Path

from pymongo import MongoClient

from embedded_db import EmbeddedMongo
from tests.browser.conftest import start_app, stop_app

INTERVAL = 2
LEASE = 6


def _cluster_samples(client: MongoClient) -> int:
    """How many cluster samples were ever taken (the 1-minute rollups count every one, whoever took it)."""
    total = 0
    for doc in client.get_default_database()['metrics_minute'].find({'scope': 'cluster'}):
        total += sum(point['n'] for point in (doc['p'].get('nodes_total') or {}).values())
    return total


def _holder(client: MongoClient) -> str | None:
    found = client.get_default_database()['leases'].find_one({'_id': 'metrics'})
    return found['holder'] if found else None


def test_each_job_runs_once_per_interval_and_survives_its_holder(tmp_path: Path):
    database = EmbeddedMongo(tmp_path / 'db')
    database.start()
    url = database.url.replace('/?', '/espaze?')
    environment = {
        'MONGO_URL': url,
        'ESPAZE_METRICS_INTERVAL_SECONDS': str(INTERVAL),
        'ESPAZE_JOB_LEASE_SECONDS': str(LEASE),
    }
    first = start_app(tmp_path / 'one', environment)
    second = start_app(tmp_path / 'two', environment)
    client = MongoClient(url, serverSelectionTimeoutMS=5000)
    try:
        time.sleep(INTERVAL * 2)
        before = _cluster_samples(client)
        time.sleep(INTERVAL * 5)
        taken = _cluster_samples(client) - before
        assert 3 <= taken <= 6, taken  # one sample each 2 s: about 5, never one per process (about 10)
        holder = _holder(client)
        leader, other = (first, second) if f':{first.process.pid}:' in holder else (second, first)
        assert f':{leader.process.pid}:' in holder
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(10)
        time.sleep(LEASE + INTERVAL * 2)  # the lease runs out, the survivor takes it
        assert f':{other.process.pid}:' in _holder(client)
        before = _cluster_samples(client)
        time.sleep(INTERVAL * 4)
        assert 2 <= _cluster_samples(client) - before <= 5  # and samples again, alone
    finally:
        client.close()
        stop_app(first)
        stop_app(second)
        database.stop()
