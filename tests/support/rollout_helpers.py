"""Driving a running app's deployments over HTTP, and counting what the sandbox holds for them."""

import time

import httpx

from tests.conftest import SandboxCluster
from tests.support.running_app import RunningApp

PASSWORD = 'correct horse battery'


def wait_for(app: RunningApp, auth: dict, deployment_id: str, statuses: set[str], seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        found = httpx.get(f'{app.base_url}/api/deployments/{deployment_id}', headers=auth, timeout=10).json()
        if found['status'] in statuses:
            return found
        assert time.monotonic() < deadline, f'still {found["status"]}: {found["statusReason"]}'
        time.sleep(0.05)


def signed_in_admin(app: RunningApp) -> dict:
    token = app.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': 'root@example.com', 'password': PASSWORD}
    assert httpx.post(f'{app.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    return log_in_admin(app)


def log_in_admin(app: RunningApp) -> dict:
    login = httpx.post(
        f'{app.base_url}/api/auth/login', json={'email': 'root@example.com', 'password': PASSWORD}, timeout=10
    )
    return {'Authorization': f'Bearer {login.json()["accessToken"]}'}


def cluster_objects(sandbox: SandboxCluster, deployment_id: str) -> tuple[int, int]:
    """How many build Jobs and app pods the cluster holds for the deployment."""
    selector = {'labelSelector': f'espaze.io/deployment-id={deployment_id}'}
    jobs = httpx.get(f'{sandbox.url}/apis/batch/v1/jobs', params=selector, timeout=10).json()['items']
    pods = httpx.get(f'{sandbox.url}/api/v1/pods', params=selector, timeout=10).json()['items']
    app_pods = [p for p in pods if 'job-name' not in p['metadata']['labels']]
    return len(jobs), len(app_pods)
