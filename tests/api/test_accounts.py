"""Setup of the first admin, sign-up, login and the rules on emails and passwords."""

from nicegui.testing import User
from pymongo import MongoClient

from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, signup, started


def stored_users(mongo_url: str) -> list[dict]:
    with MongoClient(mongo_url, serverSelectionTimeoutMS=5000) as client:
        return list(client.get_default_database().users.find())


async def test_setup_token_creates_the_first_admin_exactly_once(user: User, mongo_url: str):
    token = await (await started()).auth.prepare_setup()
    body = {'token': token, 'email': 'Root@Example.com', 'password': PASSWORD, 'name': 'Root'}
    created = await user.http_client.post('/api/auth/setup', json=body)
    assert created.status_code == 201
    assert created.json()['role'] == 'admin' and created.json()['email'] == 'root@example.com'
    again = await user.http_client.post('/api/auth/setup', json={**body, 'email': 'second@example.com'})
    assert again.status_code == 403
    assert [u['email'] for u in stored_users(mongo_url)] == ['root@example.com']


async def test_wrong_setup_token_creates_nothing(user: User, mongo_url: str):
    await (await started()).auth.prepare_setup()
    body = {'token': 'not-the-token', 'email': 'root@example.com', 'password': PASSWORD}
    assert (await user.http_client.post('/api/auth/setup', json=body)).status_code == 403
    assert stored_users(mongo_url) == []


async def test_sign_up_waits_for_setup(user: User, mongo_url: str):
    response = await user.http_client.post('/api/auth/register', json={'email': 'a@example.com', 'password': PASSWORD})
    assert response.status_code == 403 and 'set up' in response.json()['error']
    assert stored_users(mongo_url) == []


async def test_login_returns_tokens_and_user_in_camel_case(user: User):
    await admin_tokens(user.http_client)
    tokens = await signup(user.http_client, 'op@example.com', 'Op')
    assert tokens['tokenType'] == 'bearer' and tokens['expiresIn'] == 900
    assert tokens['user'] == {
        'id': tokens['user']['id'],
        'email': 'op@example.com',
        'name': 'Op',
        'role': 'operator',
        'disabled': False,
        'createdAt': tokens['user']['createdAt'],
        'twoFactor': False,
    }
    me = await user.http_client.get('/api/auth/me', headers=bearer(tokens))
    assert me.status_code == 200 and me.json()['email'] == 'op@example.com'


async def test_passwords_are_stored_as_bcrypt_cost_10(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'op@example.com')
    hashes = [u['password_hash'] for u in stored_users(mongo_url)]
    assert len(hashes) == 2 and all(h.startswith('$2b$10$') for h in hashes)
    assert all(PASSWORD not in str(u) for u in stored_users(mongo_url))


async def test_duplicate_email_in_another_spelling_is_a_conflict(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'op@example.com')
    again = await user.http_client.post('/api/auth/register', json={'email': '  OP@Example.com ', 'password': PASSWORD})
    assert again.status_code == 409
    assert len(stored_users(mongo_url)) == 2


async def test_role_sent_to_sign_up_is_refused(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    body = {'email': 'sneaky@example.com', 'password': PASSWORD, 'role': 'admin'}
    response = await user.http_client.post('/api/auth/register', json=body)
    assert response.status_code == 422
    assert response.json()['fields'][0]['field'] == 'role'
    assert len(stored_users(mongo_url)) == 1


async def test_password_over_72_bytes_is_a_422_naming_the_limit_on_sign_up_and_login(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    long_password = 'é' * 37  # 74 bytes in UTF-8
    response = await user.http_client.post(
        '/api/auth/register', json={'email': 'long@example.com', 'password': long_password}
    )
    assert response.status_code == 422
    assert response.json()['fields'] == [{'field': 'password', 'message': 'must be at most 72 bytes in UTF-8'}]
    assert long_password not in response.text
    login = await user.http_client.post('/api/auth/login', json={'email': ADMIN_EMAIL, 'password': 'x' * 100})
    assert login.status_code == 422 and '72 bytes' in login.json()['error']
    assert len(stored_users(mongo_url)) == 1


async def test_short_password_and_bad_email_name_their_fields(user: User):
    await admin_tokens(user.http_client)
    short = await user.http_client.post('/api/auth/register', json={'email': 'a@example.com', 'password': 'short'})
    assert short.status_code == 422 and short.json()['fields'][0]['field'] == 'password'
    bad = await user.http_client.post('/api/auth/register', json={'email': 'not-an-email', 'password': PASSWORD})
    assert bad.status_code == 422 and bad.json()['fields'][0]['field'] == 'email'


async def test_unknown_user_and_wrong_password_get_the_same_answer(user: User):
    await admin_tokens(user.http_client)
    unknown = await user.http_client.post('/api/auth/login', json={'email': 'nobody@example.com', 'password': PASSWORD})
    wrong = await user.http_client.post('/api/auth/login', json={'email': ADMIN_EMAIL, 'password': 'wrong password'})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()['error'] == wrong.json()['error'] == 'Invalid email or password'


async def test_admin_can_close_sign_up(user: User, mongo_url: str):
    admin = await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    forbidden = await user.http_client.patch('/api/settings', json={'allowSignup': False}, headers=bearer(operator))
    assert forbidden.status_code == 403
    closed = await user.http_client.patch('/api/settings', json={'allowSignup': False}, headers=bearer(admin))
    assert closed.json() == {'allowSignup': False, 'twoFactorRequired': 'off'}
    refused = await user.http_client.post('/api/auth/register', json={'email': 'b@example.com', 'password': PASSWORD})
    assert refused.status_code == 403
    assert len(stored_users(mongo_url)) == 2
