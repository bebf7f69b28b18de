"""Hostile input: MongoDB operators in bodies and query strings, `$` and `.` keys, malformed ids, oversized and
deeply nested bodies, and mass assignment. Each gets a 4xx that names the problem, never a 500, and changes
nothing."""

import re

import pytest
from nicegui.testing import User

from tests.support.api_helpers import ADMIN_EMAIL, admin_tokens, bearer
from tests.support.fleet_helpers import database, enroll, node_body

MALFORMED_IDS = ['zzz', '..%2F..%2Fetc', '%00', 'a' * 300, '{"$ne":null}', '0' * 23, '6b09' + 'g' * 20]


async def test_operators_in_a_login_body_are_refused(user: User):
    await admin_tokens(user.http_client)
    for body in (
        {'email': {'$ne': None}, 'password': {'$ne': None}},
        {'email': ADMIN_EMAIL, 'password': {'$gt': ''}},
        {'email': {'$where': 'sleep(1000)'}, 'password': 'x' * 10},
    ):
        response = await user.http_client.post('/api/auth/login', json=body)
        assert response.status_code == 422, response.text
        assert {f['field'] for f in response.json()['fields']} & {'email', 'password'}


async def test_operators_in_query_strings_change_no_filter(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    for query in ('status[$ne]=running', 'owner[$ne]=', 'q[$where]=1', 'status=%7B%22%24ne%22%3Anull%7D'):
        for path in ('/api/deployments', '/api/nodes'):
            response = await user.http_client.get(f'{path}?{query}', headers=admin)
            assert response.status_code in (200, 422), (path, query, response.status_code)
            if response.status_code == 200:
                assert response.json()['total'] == 0


async def test_label_keys_starting_with_dollar_are_refused_and_dots_stay_plain_text(user: User, mongo_url: str):
    tokens = await admin_tokens(user.http_client)
    for labels in ({'$where': '1'}, {'ok': {'$ne': None}}, {'$set': 'x'}):
        response = await user.http_client.post(
            '/api/nodes/register', json=node_body(labels=labels), headers=bearer(tokens)
        )
        assert response.status_code == 422, (labels, response.text)
    client, db = database(mongo_url)
    assert db['nodes'].count_documents({}) == 0
    # a dot is allowed in a Kubernetes label key (`topology.kubernetes.io/region`): it is stored as text, not a path
    response = await user.http_client.post(
        '/api/nodes/register', json=node_body(labels={'topology.kubernetes.io/region': 'eu'}), headers=bearer(tokens)
    )
    assert response.status_code == 201
    assert db['nodes'].find_one()['labels'] == [{'k': 'topology.kubernetes.io/region', 'v': 'eu'}]
    client.close()


async def test_malformed_ids_are_404_or_422_on_every_route_never_500(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    spec = (await user.http_client.get('/openapi.json')).json()
    checked = 0
    for path, item in spec['paths'].items():
        if '{' not in path or path.startswith('/api/github/') or path == '/assets/{path}':
            continue
        for method in item:
            for bad in MALFORMED_IDS:
                url = re.sub(r'\{\w+\}', bad, path)
                response = await user.http_client.request(method.upper(), url, headers=admin)
                assert response.status_code in (401, 404, 405, 422), (method, url, response.status_code)
                checked += 1
    assert checked > 100


async def test_oversized_and_deeply_nested_bodies_are_refused(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    huge = await user.http_client.post(
        '/api/auth/login',
        content=b'{"email": "' + b'a' * 2_000_000 + b'"}',
        headers={'content-type': 'application/json'},
    )
    assert huge.status_code == 413
    nested = '[' * 5000 + ']' * 5000
    deep = await user.http_client.post(
        '/api/deployments', content=nested.encode(), headers={**admin, 'content-type': 'application/json'}
    )
    assert deep.status_code in (400, 413, 422), deep.status_code
    assert (await user.http_client.get('/api/deployments', headers=admin)).json()['total'] == 0


@pytest.mark.parametrize(
    ('path', 'payload', 'field'),
    [
        ('/api/auth/register', {'email': 'eve@example.com', 'password': 'correct horse', 'role': 'admin'}, 'role'),
        ('/api/auth/register', {'email': 'eve@example.com', 'password': 'correct horse', 'ownerId': 'x'}, 'ownerId'),
    ],
)
async def test_mass_assignment_is_refused(path: str, payload: dict, field: str, user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    response = await user.http_client.post(path, json=payload)
    assert response.status_code == 422 and field in str(response.json()['fields'])
    client, db = database(mongo_url)
    assert db['users'].count_documents({'email': 'eve@example.com'}) == 0
    client.close()


async def test_a_node_or_deployment_cannot_be_given_an_owner_or_namespace(user: User):
    tokens = await admin_tokens(user.http_client)
    node = await enroll(user.http_client, tokens)
    patched = await user.http_client.patch(
        f'/api/nodes/{node["node"]["id"]}', json={'ownerId': 'someone', 'status': 'online'}, headers=bearer(tokens)
    )
    assert patched.status_code == 422
    created = await user.http_client.post(
        '/api/deployments',
        json={
            'name': 'web',
            'githubRepo': 'octocat/shop',
            'branch': 'main',
            'namespace': 'kube-system',
            'configuration': {'port': 8080, 'replicas': 1, 'image': 'nginx:1.27'},
        },
        headers=bearer(tokens),
    )
    assert created.status_code == 422 and 'namespace' in str(created.json()['fields'])
