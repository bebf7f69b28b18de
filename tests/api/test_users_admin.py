"""Admins manage accounts; nobody else can, and Espaze always keeps one active admin."""

from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, signup


async def test_admin_lists_accounts_newest_first_with_paging(user: User):
    admin = await admin_tokens(user.http_client)
    for n in range(3):
        await signup(user.http_client, f'op{n}@example.com')
    page = await user.http_client.get('/api/users?page=1&pageSize=2', headers=bearer(admin))
    assert page.status_code == 200
    body = page.json()
    assert body['total'] == 4 and body['pageSize'] == 2
    assert [u['email'] for u in body['items']] == ['op2@example.com', 'op1@example.com']
    assert all('passwordHash' not in u and 'password_hash' not in u for u in body['items'])


async def test_operators_and_viewers_cannot_manage_accounts(user: User):
    admin = await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    assert (await user.http_client.get('/api/users', headers=bearer(operator))).status_code == 403
    admin_id = admin['user']['id']
    demote = await user.http_client.patch(f'/api/users/{admin_id}', json={'role': 'viewer'}, headers=bearer(operator))
    assert demote.status_code == 403
    me = await user.http_client.get('/api/auth/me', headers=bearer(admin))
    assert me.json()['role'] == 'admin'


async def test_admin_changes_a_role_and_the_change_is_stored(user: User):
    admin = await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    patched = await user.http_client.patch(
        f'/api/users/{operator["user"]["id"]}', json={'role': 'viewer'}, headers=bearer(admin)
    )
    assert patched.status_code == 200 and patched.json()['role'] == 'viewer'
    assert (await user.http_client.get('/api/auth/me', headers=bearer(operator))).json()['role'] == 'viewer'


async def test_last_active_admin_cannot_be_demoted_or_disabled(user: User):
    admin = await admin_tokens(user.http_client)
    admin_id = admin['user']['id']
    for change in ({'role': 'operator'}, {'disabled': True}):
        response = await user.http_client.patch(f'/api/users/{admin_id}', json=change, headers=bearer(admin))
        assert response.status_code == 409
    me = await user.http_client.get('/api/auth/me', headers=bearer(admin))
    assert me.json()['role'] == 'admin' and me.json()['disabled'] is False


async def test_unknown_and_malformed_user_ids_are_404(user: User):
    admin = await admin_tokens(user.http_client)
    for user_id in ('ffffffffffffffffffffffff', 'not-an-object-id', '%24ne'):
        response = await user.http_client.patch(f'/api/users/{user_id}', json={'role': 'viewer'}, headers=bearer(admin))
        assert response.status_code == 404, user_id


async def test_patch_refuses_fields_other_than_role_and_disabled(user: User):
    admin = await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    path = f'/api/users/{operator["user"]["id"]}'
    for body in ({'email': 'x@example.com'}, {'role': 'superuser'}, {'passwordHash': 'x'}):
        response = await user.http_client.patch(path, json=body, headers=bearer(admin))
        assert response.status_code == 422, body
    me = await user.http_client.get('/api/auth/me', headers=bearer(operator))
    assert me.json()['email'] == 'op@example.com' and me.json()['role'] == 'operator'
