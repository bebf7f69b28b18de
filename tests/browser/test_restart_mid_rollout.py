"""Espaze killed (SIGKILL) in the middle of a rollout: after a restart the deployment converges to Running,
with one build Job, one set of pods and one release, as if nothing had happened."""

from pathlib import Path

import httpx

from tests.conftest import SandboxCluster
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.rollout_helpers import cluster_objects, log_in_admin, signed_in_admin, wait_for
from tests.support.running_app import start_app, stop_app


def test_killed_mid_rollout_espaze_converges_after_a_restart_without_duplicates(
    tmp_path: Path, github: GitHubEmulator, sandbox_cluster: SandboxCluster
):
    environment = {
        'KUBECONFIG': str(sandbox_cluster.kubeconfig),
        'GITHUB_API_URL': github.base_url,
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
        'ESPAZE_JOB_LEASE_SECONDS': '4',  # the killed process's rollouts lease ends 4 s after its last renewal
    }
    github_token = classic_token()
    github.add_user(github_token, 'root')
    github.add_repo('root/resilient')
    first = start_app(tmp_path / 'data', environment)
    try:
        auth = signed_in_admin(first)
        linked = httpx.put(f'{first.base_url}/api/github/token', json={'token': github_token}, headers=auth, timeout=10)
        assert linked.status_code == 200, linked.text
        payload = {
            'name': 'resilient',
            'githubRepo': 'root/resilient',
            'branch': 'main',
            'configuration': {'port': 8080, 'replicas': 2, 'healthCheckPath': '/'},
        }
        created = httpx.post(f'{first.base_url}/api/deployments', json=payload, headers=auth, timeout=10)
        assert created.status_code == 202, created.text
        deployment_id = created.json()['id']
        wait_for(first, auth, deployment_id, {'building'}, 20)
        first.process.kill()
        first.process.wait(10)
    finally:
        stop_app(first)
    assert cluster_objects(sandbox_cluster, deployment_id) == (1, 0)  # the build was under way when it died

    second = start_app(tmp_path / 'data', environment)
    try:
        auth = log_in_admin(second)
        found = wait_for(second, auth, deployment_id, {'running', 'failed'}, 60)
        assert found['status'] == 'running', found['statusReason']
        assert [h['status'] for h in found['history']] == ['pending', 'building', 'deploying', 'running']
        assert cluster_objects(sandbox_cluster, deployment_id) == (1, 2)
        releases = httpx.get(f'{second.base_url}/api/deployments/{deployment_id}/releases', headers=auth, timeout=10)
        assert [r['number'] for r in releases.json()] == [1]
    finally:
        stop_app(second)
