"""Personal API tokens: shown once and stored hashed, limited to their scopes, refused beyond /api, revocable at
once, revoked with the account, counted and rate limited per token."""

from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing import User
from pymongo import MongoClient

from tests.support.api_helpers import admin_tokens, bearer, login, signup
from tests.support.deployment_helpers import NGINX, body, linked_operator
from tests.support.fleet_helpers import beat, enroll
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def few_requests_per_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_API_TOKEN_REQUESTS_PER_MINUTE', '12')
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


def token_header(secret: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {secret}'}


async def new_token(user: User, auth: dict, scopes: list[str], name: str = 'ci', **more) -> dict:
    answer = await user.http_client.post('/api/tokens', json={'name': name, 'scopes': scopes, **more}, headers=auth)
    assert answer.status_code == 201, answer.text
    return answer.json()


def stored(mongo_url: str, collection: str) -> list[dict]:
    with MongoClient(mongo_url, serverSelectionTimeoutMS=5000) as client:
        return list(client.get_default_database()[collection].find())


async def test_a_token_is_shown_once_as_espat_stored_hashed_and_listed_with_its_use(user: User, mongo_url: str):
    admin = bearer(await admin_tokens(user.http_client))
    created = await new_token(user, admin, ['read'])
    secret = created['token']
    assert secret.startswith('espat_') and len(secret) > 40
    expires = datetime.fromisoformat(created['expiresAt'])
    assert timedelta(days=89, hours=23) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert all(secret not in str(doc) for doc in stored(mongo_url, 'api_tokens'))

    me = await user.http_client.get('/api/auth/me', headers=token_header(secret))
    assert me.status_code == 200 and me.json()['email'] == 'admin@example.com'
    assert (await user.http_client.get('/api/nodes', headers=token_header(secret))).status_code == 200
    listed = (await user.http_client.get('/api/tokens', headers=admin)).json()['items']
    assert [t['id'] for t in listed] == [created['id']]
    assert 'token' not in listed[0] and listed[0]['scopes'] == ['read'] and listed[0]['uses'] == 2
    assert listed[0]['lastUsedAt'] is not None


async def test_each_scope_admits_only_its_own_requests_and_names_the_one_missing(github: GitHubEmulator, user: User):
    operator = await linked_operator(user.http_client, github)
    reader = token_header((await new_token(user, operator, ['read']))['token'])
    deployer = token_header((await new_token(user, operator, ['deploy']))['token'])
    payload = body(image=NGINX, replicas=1)

    refused = await user.http_client.post('/api/deployments', json=payload, headers=reader)
    assert refused.status_code == 403 and "'deploy' scope" in refused.json()['error']
    created = await user.http_client.post('/api/deployments', json=payload, headers=deployer)
    assert created.status_code == 202, created.text
    deployment = f'/api/deployments/{created.json()["id"]}'
    assert (await user.http_client.post(f'{deployment}/restart', headers=deployer)).status_code != 403
    unread = await user.http_client.get(deployment, headers=deployer)
    assert unread.status_code == 403 and "'read' scope" in unread.json()['error']
    assert (await user.http_client.get(deployment, headers=reader)).status_code == 200
    for change in (
        user.http_client.patch(deployment, json={'configuration': {'replicas': 2}}, headers=deployer),
        user.http_client.delete(deployment, headers=deployer),
    ):
        answer = await change
        assert answer.status_code == 403 and "'admin' scope" in answer.json()['error']
    assert (await user.http_client.get(deployment, headers=reader)).json()['status'] != 'deleting'


async def test_only_admins_get_the_admin_scope_and_it_stays_within_the_role(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    refused = await user.http_client.post('/api/tokens', json={'name': 'x', 'scopes': ['admin']}, headers=operator)
    assert refused.status_code == 403
    boss = token_header((await new_token(user, admin, ['admin']))['token'])
    users = await user.http_client.get('/api/users', headers=boss)
    assert users.status_code == 200
    operator_id = next(u['id'] for u in users.json()['items'] if u['email'] == 'op@example.com')
    demoted = await user.http_client.patch(f'/api/users/{operator_id}', json={'role': 'viewer'}, headers=boss)
    assert demoted.status_code == 200
    viewer = bearer(await login(user.http_client, 'op@example.com'))
    deploy = await user.http_client.post('/api/tokens', json={'name': 'x', 'scopes': ['deploy']}, headers=viewer)
    assert deploy.status_code == 403


async def test_tokens_are_refused_for_the_account_itself_and_beyond_the_api(user: User):
    admin_pair = await admin_tokens(user.http_client)
    admin = bearer(admin_pair)
    node = await enroll(user.http_client, admin_pair)
    secret = (await new_token(user, admin, ['read', 'deploy', 'admin']))['token']
    http = user.http_client
    for answer in (
        await http.post('/api/tokens', json={'name': 'more', 'scopes': ['read']}, headers=token_header(secret)),
        await http.get('/api/tokens', headers=token_header(secret)),
        await http.post('/api/auth/logout', headers=token_header(secret)),
        await http.post(
            '/api/auth/password',
            json={'currentPassword': 'x', 'newPassword': 'another long password'},
            headers=token_header(secret),
        ),
    ):
        assert answer.status_code == 403 and 'sign in as a person' in answer.json()['error']
    assert (await http.post('/api/auth/refresh', json={'refreshToken': secret})).status_code == 401
    assert (await beat(http, node['node']['id'], secret)).status_code == 401
    assert (await beat(http, node['node']['id'], node['nodeToken'])).status_code == 200
    page = await http.get('/', headers=token_header(secret), follow_redirects=False)
    assert page.status_code == 303 and page.headers['location'].startswith('/login')


async def test_a_revoked_or_expired_token_stops_at_once_and_only_its_owner_revokes_it(user: User, mongo_url: str):
    admin = bearer(await admin_tokens(user.http_client))
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    kept = await new_token(user, operator, ['read'], name='kept')
    gone = await new_token(user, operator, ['read'], name='gone')
    assert (await user.http_client.delete(f'/api/tokens/{gone["id"]}', headers=admin)).status_code == 404
    assert (await user.http_client.get('/api/nodes', headers=token_header(gone['token']))).status_code == 200
    assert (await user.http_client.delete(f'/api/tokens/{gone["id"]}', headers=operator)).status_code == 204
    assert (await user.http_client.get('/api/nodes', headers=token_header(gone['token']))).status_code == 401
    assert (await user.http_client.delete(f'/api/tokens/{gone["id"]}', headers=operator)).status_code == 404
    listed = (await user.http_client.get('/api/tokens', headers=operator)).json()['items']
    assert [t['name'] for t in listed] == ['kept']

    with MongoClient(mongo_url, serverSelectionTimeoutMS=5000) as client:
        client.get_default_database()['api_tokens'].update_one(
            {'_id': kept['id']}, {'$set': {'expires_at': datetime.now(UTC) - timedelta(seconds=1)}}
        )
    assert (await user.http_client.get('/api/nodes', headers=token_header(kept['token']))).status_code == 401
    actions = [e['action'] for e in (await user.http_client.get('/api/audit', headers=admin)).json()['items']]
    assert actions.count('api_token.create') == 2 and actions.count('api_token.revoke') == 1


async def test_disabling_the_account_revokes_its_tokens_and_a_password_change_does_when_asked(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    first = token_header((await new_token(user, operator, ['read']))['token'])
    changed = await user.http_client.post(
        '/api/auth/password',
        json={'currentPassword': 'correct horse battery', 'newPassword': 'second horse battery'},
        headers=operator,
    )
    assert changed.status_code == 204
    assert (await user.http_client.get('/api/nodes', headers=first)).status_code == 200
    operator = bearer(await login(user.http_client, 'op@example.com', 'second horse battery'))
    asked = await user.http_client.post(
        '/api/auth/password',
        json={'currentPassword': 'second horse battery', 'newPassword': 'third horse battery', 'revokeApiTokens': True},
        headers=operator,
    )
    assert asked.status_code == 204
    assert (await user.http_client.get('/api/nodes', headers=first)).status_code == 401

    operator = bearer(await login(user.http_client, 'op@example.com', 'third horse battery'))
    second = token_header((await new_token(user, operator, ['read']))['token'])
    users = (await user.http_client.get('/api/users', headers=admin)).json()['items']
    operator_id = next(u['id'] for u in users if u['email'] == 'op@example.com')
    await user.http_client.patch(f'/api/users/{operator_id}', json={'disabled': True}, headers=admin)
    await user.http_client.patch(f'/api/users/{operator_id}', json={'disabled': False}, headers=admin)
    assert (await user.http_client.get('/api/nodes', headers=second)).status_code == 401


async def test_each_token_has_its_own_rate_limit(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    busy = token_header((await new_token(user, admin, ['read'], name='busy'))['token'])
    calm = token_header((await new_token(user, admin, ['read'], name='calm'))['token'])
    answers = [(await user.http_client.get('/api/auth/me', headers=busy)).status_code for _ in range(13)]
    assert answers[:12] == [200] * 12 and answers[12] == 429
    assert (await user.http_client.get('/api/auth/me', headers=calm)).status_code == 200


async def test_a_bad_request_names_every_bad_field_and_creates_nothing(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    answer = await user.http_client.post(
        '/api/tokens', json={'name': ' ', 'scopes': ['root'], 'expiresInDays': 366}, headers=admin
    )
    assert answer.status_code == 422
    assert {f['field'] for f in answer.json()['fields']} == {'name', 'scopes', 'expiresInDays'}
    empty = await user.http_client.post('/api/tokens', json={'name': 'x', 'scopes': []}, headers=admin)
    assert empty.status_code == 422 and empty.json()['fields'][0]['field'] == 'scopes'
    assert (await user.http_client.get('/api/tokens', headers=admin)).json()['items'] == []
    forged = await user.http_client.get('/api/nodes', headers=token_header('espat_' + 'x' * 43))
    assert forged.status_code == 401
