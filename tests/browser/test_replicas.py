"""Two Espaze processes on one database: each periodic job runs in one of them at a time, and when that one is
killed the other takes the job over once the lease expires; heartbeats spread over both keep every node online
and count against one allowance per node."""

import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pymongo import MongoClient

from runtime.embedded_db import EmbeddedMongo
from tests.support.fleet_helpers import node_body
from tests.support.fleet_setup import admin_session, enrollment_token
from tests.support.running_app import start_app, stop_app

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


def test_heartbeats_spread_over_replicas_keep_nodes_online_and_share_one_allowance(tmp_path: Path):
    database = EmbeddedMongo(tmp_path / 'db')
    database.start()
    url = database.url.replace('/?', '/espaze?')
    environment = {
        'MONGO_URL': url,
        'ESPAZE_HEARTBEAT_FLUSH_SECONDS': '0.2',
        'ESPAZE_HEARTBEAT_LIMIT_PER_MINUTE': '4',
        'ESPAZE_JWT_SECRET': 'replicas-share-one-signing-key-' + 'x' * 16,  # else each signs with its own
        'ESPAZE_STORAGE_SECRET': 'replicas-share-one-storage-key-' + 'y' * 16,
    }
    first = start_app(tmp_path / 'one', environment)
    second = start_app(tmp_path / 'two', environment)
    replicas = [first, second]
    try:
        auth = admin_session(first)
        token = enrollment_token(first, auth, uses=3)
        nodes = []
        for n in range(3):
            body = {**node_body(mac=f'02:00:00:00:01:0{n}', ip=f'8.8.4.{n + 1}'), 'name': f'edge-{n}'}
            registered = httpx.post(
                f'{replicas[n % 2].base_url}/api/nodes/register',
                json=body,
                headers={'Authorization': f'Bearer {token}'},
                timeout=10,
            )
            assert registered.status_code == 201, registered.text
            nodes.append((registered.json()['node']['id'], registered.json()['nodeToken']))
        while datetime.now(UTC).second > 45:  # the allowance is per calendar minute: stay within one
            time.sleep(1)
        answers = []
        for beat in range(10):
            node_id, node_token = nodes[0]
            replica = replicas[beat % 2]
            answers.append(
                httpx.post(
                    f'{replica.base_url}/api/nodes/{node_id}/heartbeat',
                    headers={'Authorization': f'Bearer {node_token}'},
                    timeout=10,
                ).status_code
            )
            for k, (other_id, other_token) in enumerate(nodes[1:] if beat < 2 else []):  # twice, once to each
                assert (
                    httpx.post(
                        f'{replicas[(beat + k) % 2].base_url}/api/nodes/{other_id}/heartbeat',
                        headers={'Authorization': f'Bearer {other_token}'},
                        timeout=10,
                    ).status_code
                    == 200
                )
            time.sleep(0.5)  # a flush or two on each replica
        accepted = answers.count(200)
        assert 4 <= accepted <= 5, answers  # the allowance, and at most one beat more per other replica
        assert answers[:accepted] == [200] * accepted and set(answers[accepted:]) == {429}
        for replica in replicas:  # every replica sees every node online, whichever received its beats
            listed = httpx.get(f'{replica.base_url}/api/nodes', headers=auth, timeout=10).json()['items']
            assert {n['name']: n['status'] for n in listed} == {f'edge-{n}': 'online' for n in range(3)}
    finally:
        stop_app(first)
        stop_app(second)
        database.stop()
