"""Sweeps over every route of /openapi.json and every page: without credentials (401, or the login page), and
with another owner's ids (404, and nothing changes)."""

import re

import pytest
from fastapi.routing import APIRoute
from nicegui import app
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, login, signup
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import database, enroll
from tests.support.github_emulator import GitHubEmulator

PUBLIC = {
    ('GET', '/healthz'),
    ('GET', '/readyz'),
    ('POST', '/api/auth/setup'),
    ('POST', '/api/auth/register'),
    ('POST', '/api/auth/login'),
    ('POST', '/api/auth/refresh'),
}
PUBLIC_PAGES = {'/login', '/register', '/setup'}
SOMEONE = '0123456789abcdef01234567'
VALID_BODIES = {  # a well-formed request, so that only ownership can refuse it
    ('PATCH', '/api/nodes/{node_id}'): {'name': 'pwned'},
    ('PATCH', '/api/deployments/{deployment_id}'): {'env': {'PWNED': '1'}},
    ('POST', '/api/deployments/{deployment_id}/scale'): {'replicas': 3},
    ('POST', '/api/deployments/{deployment_id}/rollback'): {'release': 1},
    ('PATCH', '/api/users/{user_id}'): {'role': 'admin'},
}


async def _routes(user: User) -> list[tuple[str, str]]:
    spec = (await user.http_client.get('/openapi.json')).json()
    return [(method.upper(), path) for path, item in spec['paths'].items() for method in item]


def _filled(path: str, ids: dict[str, str]) -> str:
    return re.sub(r'\{(\w+)\}', lambda m: ids.get(m.group(1), SOMEONE), path)


async def test_every_api_route_but_a_short_public_list_needs_credentials(user: User):
    await admin_tokens(user.http_client)
    routes = await _routes(user)
    assert len(routes) > 50
    swept, wrong = 0, []
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        url = _filled(path, {'owner': 'octocat', 'repo': 'shop'})
        for headers in ({}, {'Authorization': 'Bearer not-a-token'}, {'Authorization': 'Basic YWRtaW46YWRtaW4='}):
            response = await user.http_client.request(method, url, json={}, headers=headers)
            if response.status_code != 401:
                wrong.append((method, path, headers, response.status_code))
        swept += 1
    assert wrong == []
    assert swept == len(routes) - len(PUBLIC)


async def test_every_page_but_log_in_sign_up_and_setup_sends_strangers_to_log_in(user: User):
    await admin_tokens(user.http_client)
    pages = {
        route.path
        for route in app.routes
        if isinstance(route, APIRoute)
        and not route.include_in_schema
        and not route.path.startswith(('/_nicegui', '/api', '/docs', '/redoc', '/openapi'))
    }
    assert {'/', '/deployments', '/deployments/{object_id}', '/observatory', '/audit', '/users'} <= pages
    for path in pages - PUBLIC_PAGES:
        response = await user.http_client.get(_filled(path, {}), follow_redirects=False)
        assert response.status_code in (303, 307), (path, response.status_code)
        assert response.headers['location'].startswith('/login'), path


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def _what_a_owns(user: User, auth: dict, admin: dict, ids: dict[str, str]) -> dict:
    client = user.http_client
    deployment = (await client.get(f'/api/deployments/{ids["deployment_id"]}', headers=auth)).json()
    node = (await client.get(f'/api/nodes/{ids["node_id"]}', headers=auth)).json()
    volatile = ('lastSeenAt', 'updatedAt')
    return {
        'deployment': {k: v for k, v in deployment.items() if k not in volatile},
        'releases': (await client.get(f'/api/deployments/{ids["deployment_id"]}/releases', headers=auth)).json(),
        'node': {k: v for k, v in node.items() if k not in volatile},
        'tokens': (await client.get('/api/nodes/enrollment-tokens', headers=auth)).json(),
        'webhooks': (await client.get('/api/webhooks', headers=admin)).json(),
        'users': (await client.get('/api/users', headers=admin)).json(),
    }


@pytest.fixture
def private_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ALLOW_PRIVATE_WEBHOOKS', 'true')  # the sweep's webhook points at loopback


async def test_another_owners_ids_get_404_on_every_route_and_change_nothing(
    github: GitHubEmulator, private_webhooks: None, user: User
):
    client = user.http_client
    admin = bearer(await admin_tokens(client))
    auth = await linked_operator(client, github)
    deployment_id = await create(client, auth, body(name='web', image=NGINX, replicas=1))
    await until(client, auth, deployment_id, {'running'})
    node = await enroll(client, await login(client, 'dev@example.com'))
    token = (await client.post('/api/nodes/enrollment-tokens', json={'name': 'lab'}, headers=auth)).json()
    hook = await client.post(
        '/api/webhooks', json={'url': 'http://127.0.0.1:9/x', 'events': ['node.offline']}, headers=admin
    )
    owner_id = (await client.get('/api/auth/me', headers=auth)).json()['id']
    ids = {
        'deployment_id': deployment_id,
        'node_id': node['node']['id'],
        'token_id': token['id'],
        'webhook_id': hook.json()['id'],
        'user_id': owner_id,
        'owner': 'dev',
        'repo': 'shop',
    }
    stranger = bearer(await signup(client, 'mallory@example.com', 'Mallory'))
    before = await _what_a_owns(user, auth, admin, ids)
    swept = 0
    for method, path in await _routes(user):
        if '{' not in path or path.startswith('/api/github/'):
            continue  # GitHub answers for the stranger's own token
        payload = VALID_BODIES.get((method, path))
        response = await client.request(method, _filled(path, ids), json=payload, headers=stranger)
        expected = {401} if path.endswith('/heartbeat') else ({403, 404} if path.startswith('/api/users') else {404})
        assert response.status_code in expected, (method, path, response.status_code, response.text)
        assert 'web' not in response.text and 'dev@example.com' not in response.text
        swept += 1
    assert swept >= 20
    assert await _what_a_owns(user, auth, admin, ids) == before


async def test_no_get_changes_anything(github: GitHubEmulator, mongo_url: str, user: User):
    client = user.http_client
    admin = bearer(await admin_tokens(client))
    auth = await linked_operator(client, github)
    deployment_id = await create(client, auth, body(name='web', image=NGINX, replicas=1))
    await until(client, auth, deployment_id, {'running'})
    node = await enroll(client, await login(client, 'dev@example.com'))
    ids = {'deployment_id': deployment_id, 'node_id': node['node']['id'], 'owner': 'dev', 'repo': 'shop'}
    kept = ('users', 'sessions', 'deployments', 'releases', 'nodes', 'enrollment_tokens', 'webhooks', 'github_tokens')
    mongo, db = database(mongo_url)

    def state() -> dict:  # when a session was last seen is bookkeeping of the request, not a change it makes
        return {name: sorted(map(str, db[name].find({}, {'last_seen_at': 0}))) for name in kept}

    before = state()
    gets = [path for method, path in await _routes(user) if method == 'GET']
    for path in gets:
        for headers in (admin, auth):
            response = await client.get(_filled(path, ids), headers=headers)
            assert response.status_code < 500, (path, response.status_code)
    after = state()
    mongo.close()
    assert after == before
