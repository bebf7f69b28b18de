"""The audit log: every sensitive action leaves an entry with who, what and when, secrets redacted; admins only."""

from datetime import timedelta

from nicegui.testing import User

from tests.support.api_helpers import PASSWORD, admin_tokens, bearer, login, signup, started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import database, enroll
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token, link
from tests.support.ui_helpers import log_in


async def test_sensitive_actions_are_audited_with_secrets_redacted(github: GitHubEmulator, mongo_url: str, user: User):
    admin_pair = await admin_tokens(user.http_client)
    admin = bearer(admin_pair)
    client = user.http_client
    assert (
        await client.post('/api/auth/login', json={'email': 'nobody@example.com', 'password': 'wrong pass 1'})
    ).status_code == 401
    auth = await linked_operator(client, github)  # signs up, logs in and links a GitHub token
    deployment_id = await create(client, auth, body(name='web', image=NGINX, replicas=1))
    await until(client, auth, deployment_id, {'running'})
    assert (
        await client.post(f'/api/deployments/{deployment_id}/scale', json={'replicas': 2}, headers=auth)
    ).status_code == 200
    await until(client, auth, deployment_id, {'running'})
    assert (await client.post(f'/api/deployments/{deployment_id}/restart', headers=auth)).status_code == 200
    await until(client, auth, deployment_id, {'running'})
    assert (
        await client.post(f'/api/deployments/{deployment_id}/rollback', json={'release': 1}, headers=auth)
    ).status_code == 200
    await until(client, auth, deployment_id, {'running'})
    assert (await client.delete(f'/api/deployments/{deployment_id}', headers=auth)).status_code == 204
    operator_tokens = await login(client, 'dev@example.com')
    node = await enroll(client, operator_tokens)
    assert (await client.post(f'/api/nodes/{node["node"]["id"]}/revoke-token', headers=auth)).status_code == 204
    created = await client.post(
        '/api/nodes/enrollment-tokens', json={'name': 'lab', 'ttlHours': 1, 'maxUses': 2}, headers=auth
    )
    enrollment_secret = created.json()['token']
    assert (
        await client.delete(f'/api/nodes/enrollment-tokens/{created.json()["id"]}', headers=auth)
    ).status_code == 204
    users = (await client.get('/api/users', headers=admin)).json()['items']
    operator_id = next(u['id'] for u in users if u['email'] == 'dev@example.com')
    assert (await client.patch(f'/api/users/{operator_id}', json={'role': 'viewer'}, headers=admin)).status_code == 200
    second_token = classic_token()
    github.add_user(second_token, 'admin-gh')
    await link(client, admin, second_token)
    assert (await client.delete('/api/github/token', headers=admin)).status_code in (200, 204)
    assert (await client.post('/api/auth/logout', headers=bearer(operator_tokens))).status_code == 204

    answer = await client.get('/api/audit', params={'pageSize': 200}, headers=admin)
    assert answer.status_code == 200
    entries = answer.json()['items']
    actions = [e['action'] for e in entries]
    for expected in (
        'login.failed',
        'login',
        'github.connect',
        'github.disconnect',
        'deployment.deploy',
        'deployment.scale',
        'deployment.restart',
        'deployment.rollback',
        'deployment.delete',
        'node.enroll',
        'node.revoke',
        'enrollment_token.create',
        'enrollment_token.revoke',
        'user.update',
        'setup',
        'signup',
        'logout',
    ):
        assert expected in actions, expected
    failed = next(e for e in entries if e['action'] == 'login.failed')
    assert failed['actorEmail'] == 'nobody@example.com' and failed['actorId'] is None
    scale = next(e for e in entries if e['action'] == 'deployment.scale')
    assert scale['actorEmail'] == 'dev@example.com' and scale['target'] == deployment_id
    assert scale['details'] == {'name': 'web', 'note': 'Scaled to 2 replicas'}
    role = next(e for e in entries if e['action'] == 'user.update')
    assert role['actorEmail'] == 'admin@example.com'
    assert role['details'] == {'name': 'dev@example.com', 'role': 'viewer'}  # no "disabled: None"
    signed_up = next(e for e in entries if e['action'] == 'signup')
    assert signed_up['actorEmail'] == 'dev@example.com' and signed_up['target'] == operator_id
    left = next(e for e in entries if e['action'] == 'logout')
    assert left['actorEmail'] == 'dev@example.com' and left['target'] == operator_id
    client_db, db = database(mongo_url)
    everything = answer.text + str(list(db['audit'].find()))
    client_db.close()
    for secret in (
        PASSWORD,
        'wrong pass 1',
        second_token,
        node['nodeToken'],
        enrollment_secret,
        admin_pair['accessToken'],
    ):
        assert secret not in everything

    filtered = (await client.get('/api/audit', params={'action': 'login.failed'}, headers=admin)).json()
    assert filtered['total'] == 1

    await log_in(user)
    await user.open('/audit')
    await user.should_see(marker='audit entries', retries=30)
    [table] = user.find(marker='audit entries').elements
    shown = {row['action']: row for row in table.rows}
    assert shown['user.update']['target'] == 'dev@example.com' and shown['user.update']['details'] == 'role: viewer'
    assert shown['deployment.delete']['target'] == 'web'  # a name, not an id
    assert not any(deployment_id in row['target'] or 'None' in row['details'] for row in table.rows)


async def test_only_admins_read_the_audit_log_and_it_expires(mongo_url: str, user: User):
    await admin_tokens(user.http_client)
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    assert (await user.http_client.get('/api/audit', headers=operator)).status_code == 404
    assert (await user.http_client.get('/api/audit')).status_code == 401
    await started()
    client, db = database(mongo_url)
    ttl = {i['name']: i for i in db['audit'].list_indexes()}['at_ttl']
    client.close()
    assert ttl['expireAfterSeconds'] == int(timedelta(days=365).total_seconds())
    await log_in(user)
    await user.open('/audit')
    await user.should_see('login', retries=30)
    await user.should_see('admin@example.com')
