"""Helpers for the deployment tests: a linked operator, request bodies, and driving the rollout engine."""

import asyncio
import time

import httpx

from tests.support.api_helpers import started
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token, link, operator

NGINX = 'nginxinc/nginx-unprivileged:1.27'


def body(name: str = 'shop', repo: str = 'octocat/shop', **configuration) -> dict:
    return {
        'name': name,
        'githubRepo': repo,
        'branch': 'main',
        'configuration': {'port': 8080, 'replicas': 2, 'healthCheckPath': '/', **configuration},
    }


async def linked_operator(client: httpx.AsyncClient, github: GitHubEmulator, email: str = 'dev@example.com') -> dict:
    auth = await operator(client, email)
    token = classic_token()
    github.add_user(token, email.split('@')[0].replace('.', '-'))
    await link(client, auth, token)
    return auth


async def create(client: httpx.AsyncClient, auth: dict, payload: dict) -> str:
    response = await client.post('/api/deployments', json=payload, headers=auth)
    assert response.status_code == 202, response.text
    assert response.json()['status'] == 'pending'
    return response.json()['id']


async def unpushed_image(client: httpx.AsyncClient, auth: dict, name: str) -> str:
    """An image in the caller's own space of Espaze's registry that nobody ever pushed."""
    owner_id = (await client.get('/api/auth/me', headers=auth)).json()['id']
    return f'registry.espaze.localhost:5000/{owner_id}/{name}:1'


async def one_running_one_failed(client: httpx.AsyncClient, auth: dict) -> tuple[str, str]:
    """`web` running from a public image, `ghost` failed on an image nobody pushed; their ids."""
    good = await create(client, auth, body(name='web', image=NGINX, replicas=1))
    await until(client, auth, good, {'running'})
    bad = await create(client, auth, body(name='ghost', image=await unpushed_image(client, auth, 'y'), replicas=1))
    await until(client, auth, bad, {'failed'})
    return good, bad


async def until(client: httpx.AsyncClient, auth: dict, deployment_id: str, statuses: set[str], seconds: float = 40):
    """Tick the rollout engine until the deployment reaches one of `statuses`; returns it."""
    engine = (await started()).deployments.engine
    deadline = time.monotonic() + seconds
    while True:
        await engine.tick()
        found = (await client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
        if found['status'] in statuses:
            return found
        assert time.monotonic() < deadline, f'still {found["status"]}: {found["statusReason"]}'
        await asyncio.sleep(0.3)
