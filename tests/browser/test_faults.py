"""Faults of what Espaze depends on, with the real app as a process: the database gone in the middle of a
deployment, and the database or the cluster hanging while the process must stay responsive."""

import threading
import time
from pathlib import Path

import httpx

from runtime.embedded_db import EmbeddedMongo, free_port
from tests.conftest import SandboxCluster, write_kubeconfig
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.rollout_helpers import cluster_objects, signed_in_admin
from tests.support.running_app import start_app, stop_app
from tests.support.stall_proxy import StallingProxy

HEALTHZ_BUDGET_SECONDS = 0.2


def test_the_database_gone_mid_deployment_gives_503_then_the_rollout_converges_without_duplicates(
    tmp_path: Path, github: GitHubEmulator, sandbox_cluster: SandboxCluster
):
    database = EmbeddedMongo(tmp_path / 'db', port=free_port())
    database.start()
    environment = {
        'MONGO_URL': database.url,
        'ESPAZE_DB_TIMEOUT_SECONDS': '2',
        'KUBECONFIG': str(sandbox_cluster.kubeconfig),
        'GITHUB_API_URL': github.base_url,
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
    }
    github_token = classic_token()
    github.add_user(github_token, 'root')
    github.add_repo('root/steadfast')
    app = start_app(tmp_path / 'data', environment)
    try:
        auth = signed_in_admin(app)
        assert httpx.put(f'{app.base_url}/api/github/token', json={'token': github_token}, headers=auth).is_success
        payload = {
            'name': 'steadfast',
            'githubRepo': 'root/steadfast',
            'branch': 'main',
            'configuration': {'port': 8080, 'replicas': 2, 'healthCheckPath': '/'},
        }
        deployment_id = httpx.post(f'{app.base_url}/api/deployments', json=payload, headers=auth).json()['id']
        url = f'{app.base_url}/api/deployments/{deployment_id}'
        deadline = time.monotonic() + 20
        while httpx.get(url, headers=auth, timeout=10).json()['status'] != 'building':
            assert time.monotonic() < deadline
            time.sleep(0.05)
        database.stop()  # the build Job exists; the record says building
        for answer in (
            httpx.get(url, headers=auth, timeout=20),
            httpx.post(f'{url}/scale', json={'replicas': 3}, headers=auth, timeout=20),
        ):
            assert answer.status_code == 503 and answer.headers['retry-after'] == '5', answer.text
        time.sleep(3)  # rollout ticks meet the missing database meanwhile
        database.start()
        deadline = time.monotonic() + 60
        while True:
            answer = httpx.get(url, headers=auth, timeout=20)
            if answer.status_code == 200 and answer.json()['status'] in ('running', 'failed'):
                break
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.3)
        found = answer.json()
        assert found['status'] == 'running', found['statusReason']
        assert [h['status'] for h in found['history']] == ['pending', 'building', 'deploying', 'running']
        assert cluster_objects(sandbox_cluster, deployment_id) == (1, 2)  # one build, one set of pods
        releases = httpx.get(f'{url}/releases', headers=auth, timeout=10).json()
        assert [r['number'] for r in releases] == [1]
        tracebacks = [i for i, line in enumerate(app.output) if 'Traceback' in line]
        assert not tracebacks, ''.join(app.output[max(0, tracebacks[0] - 3) : tracebacks[0] + 3])
    finally:
        stop_app(app)
        database.stop()


def _healthz_times(base_url: str, count: int) -> list[float]:
    times = []
    with httpx.Client(timeout=5) as client:
        for _ in range(count):
            started = time.perf_counter()
            assert client.get(f'{base_url}/healthz').status_code == 200
            times.append(time.perf_counter() - started)
            time.sleep(0.05)
    return times


def _in_background(calls: list) -> list[threading.Thread]:
    def call(method: str, url: str, **kwargs) -> None:
        try:
            httpx.request(method, url, timeout=30, **kwargs)
        except httpx.HTTPError:
            pass

    threads = [threading.Thread(target=call, args=args, kwargs=kwargs, daemon=True) for args, kwargs in calls]
    for thread in threads:
        thread.start()
    return threads


def test_healthz_answers_fast_while_database_and_cluster_calls_hang(tmp_path: Path, sandbox_cluster: SandboxCluster):
    database = EmbeddedMongo(tmp_path / 'db')
    database.start()
    database_proxy = StallingProxy(database.port).start()
    cluster_proxy = StallingProxy(int(sandbox_cluster.url.rsplit(':', 1)[1])).start()
    kubeconfig = write_kubeconfig(tmp_path / 'kubeconfig', f'http://127.0.0.1:{cluster_proxy.port}')
    environment = {
        'MONGO_URL': f'mongodb://127.0.0.1:{database_proxy.port}/?directConnection=true',
        'ESPAZE_DB_TIMEOUT_SECONDS': '6',
        'ESPAZE_CLUSTER_TIMEOUT_SECONDS': '6',
        'KUBECONFIG': str(kubeconfig),
    }
    app = start_app(tmp_path / 'data', environment)
    try:
        auth = signed_in_admin(app)
        quiet = _healthz_times(app.base_url, 10)
        database_proxy.stall()
        cluster_proxy.stall()
        login = {'email': 'root@example.com', 'password': 'wrong password'}
        hanging = _in_background(
            [(('POST', f'{app.base_url}/api/auth/login'), {'json': login})] * 4
            + [(('GET', f'{app.base_url}/api/cluster/nodes'), {'headers': auth})] * 4
            + [(('GET', f'{app.base_url}/api/deployments'), {'headers': auth})] * 4
        )
        time.sleep(0.5)  # the calls are under way and hang on their peers
        assert any(thread.is_alive() for thread in hanging)
        stalled = _healthz_times(app.base_url, 20)
        assert max(stalled) < HEALTHZ_BUDGET_SECONDS, (quiet, stalled)
        assert any(thread.is_alive() for thread in hanging)  # still hanging while /healthz answered
        database_proxy.resume()
        cluster_proxy.resume()
        for thread in hanging:
            thread.join(30)
    finally:
        stop_app(app)
        database_proxy.stop()
        cluster_proxy.stop()
        database.stop()
