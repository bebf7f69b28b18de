"""Two-factor sign-in with TOTP through the API: setup confirmed by a first code, the 401 that asks for a code,
codes good once within ±1 step, recovery codes good once, its own lockout, turning off, the admin's reset and the
instance's policy."""

from urllib.parse import parse_qs, urlparse

import pytest
from nicegui.testing import User
from pymongo import MongoClient

from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, login, signup
from tests.support.two_factor_helpers import clear_of_a_step_edge, code_at, turn_on


@pytest.fixture(autouse=True)
def four_wrong_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_SECOND_FACTOR_FAILURES_PER_ACCOUNT', '4')


async def log_in(user: User, email: str = ADMIN_EMAIL, **second_factor):
    body = {'email': email, 'password': PASSWORD, **second_factor}
    return await user.http_client.post('/api/auth/login', json=body)


async def audit(user: User, admin: dict, action: str) -> list[dict]:
    answer = await user.http_client.get('/api/audit', params={'action': action}, headers=admin)
    return answer.json()['items']


async def test_setup_is_confirmed_by_a_first_code_and_keeps_the_secret_sealed(user: User, mongo_url: str):
    admin = bearer(await admin_tokens(user.http_client))
    started = (await user.http_client.post('/api/auth/totp', headers=admin)).json()
    uri = urlparse(started['otpauthUri'])
    assert uri.scheme == 'otpauth' and uri.netloc == 'totp' and uri.path == '/Espaze:admin%40example.com'
    assert parse_qs(uri.query) == {'secret': [started['secret']], 'issuer': ['Espaze']}
    wrong = await user.http_client.post('/api/auth/totp/confirm', json={'code': '000000'}, headers=admin)
    assert wrong.status_code == 422 and wrong.json()['fields'][0]['field'] == 'code'
    assert (await log_in(user)).status_code == 200

    clear_of_a_step_edge()
    confirmed = await user.http_client.post(
        '/api/auth/totp/confirm', json={'code': code_at(started['secret'], 0)}, headers=admin
    )
    codes = confirmed.json()['recoveryCodes']
    assert confirmed.status_code == 200 and len(set(codes)) == 10
    assert (await user.http_client.get('/api/auth/me', headers=admin)).json()['twoFactor'] is True
    again = await user.http_client.post('/api/auth/totp', headers=admin)
    assert again.status_code == 409
    with MongoClient(mongo_url, serverSelectionTimeoutMS=5000) as client:
        stored = str(list(client.get_default_database()['users'].find()))
    assert started['secret'] not in stored and not any(code in stored for code in codes)
    assert await audit(user, admin, 'user.totp_enable')


async def test_login_asks_for_the_code_then_takes_each_code_once_within_one_step(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    secret, _ = await turn_on(user.http_client, admin)

    asked = await log_in(user)
    assert asked.status_code == 401 and asked.json()['secondFactor'] == 'totp'
    assert 'accessToken' not in asked.json()
    assert (await log_in(user, totpCode=code_at(secret, -1))).status_code == 401  # spent by the setup
    assert (await log_in(user, totpCode=code_at(secret, 2))).status_code == 401  # outside the window
    current = code_at(secret, 0)
    signed_in = await log_in(user, totpCode=current)
    assert signed_in.status_code == 200 and signed_in.json()['accessToken']
    assert (await log_in(user, totpCode=current)).status_code == 401  # replayed
    assert (await log_in(user, totpCode=code_at(secret, 1))).status_code == 200
    body = {'email': ADMIN_EMAIL, 'password': 'not the password at all', 'totpCode': code_at(secret, 1)}
    wrong_password = await user.http_client.post('/api/auth/login', json=body)
    assert wrong_password.status_code == 401 and 'secondFactor' not in wrong_password.json()
    methods = [e['details'].get('method') for e in await audit(user, bearer(signed_in.json()), 'login')]
    assert methods.count('password+totp') == 2 and 'password' in methods


async def test_a_recovery_code_works_once_in_any_spelling(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    _, codes = await turn_on(user.http_client, admin)
    used = await log_in(user, recoveryCode=f'  {codes[3].upper()} ')
    assert used.status_code == 200
    assert (await log_in(user, recoveryCode=codes[3])).status_code == 401
    assert (await log_in(user, recoveryCode=codes[4].replace('-', ''))).status_code == 200
    methods = [e['details'].get('method') for e in await audit(user, bearer(used.json()), 'login')]
    assert methods.count('password+recovery') == 2


async def test_wrong_codes_lock_the_second_step_out_even_for_the_right_code(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    secret, _ = await turn_on(user.http_client, admin)
    for wrong in ('123456', '654321', 'abcdef', ''.join(str((int(d) + 1) % 10) for d in code_at(secret, 0))):
        assert (await log_in(user, totpCode=wrong)).status_code == 401
    locked = await log_in(user, totpCode=code_at(secret, 0))
    assert locked.status_code == 429 and int(locked.headers['Retry-After']) > 0
    assert len(await audit(user, admin, 'login.second_factor_failed')) == 4


async def test_turning_off_needs_a_code(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    _, codes = await turn_on(user.http_client, admin)
    wrong = await user.http_client.request('DELETE', '/api/auth/totp', json={'code': '000000'}, headers=admin)
    assert wrong.status_code == 401
    assert (await log_in(user)).status_code == 401
    off = await user.http_client.request('DELETE', '/api/auth/totp', json={'code': codes[0]}, headers=admin)
    assert off.status_code == 204
    assert (await log_in(user)).status_code == 200
    assert (await user.http_client.get('/api/auth/me', headers=admin)).json()['twoFactor'] is False


async def test_an_admin_resets_a_second_factor_and_the_audit_log_says_so(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    await turn_on(user.http_client, operator)
    operator_id = (await user.http_client.get('/api/auth/me', headers=operator)).json()['id']
    admin_id = (await user.http_client.get('/api/auth/me', headers=admin)).json()['id']
    refused = await user.http_client.delete(f'/api/users/{admin_id}/totp', headers=operator)
    assert refused.status_code == 403
    assert (await log_in(user, 'op@example.com')).status_code == 401
    reset = await user.http_client.delete(f'/api/users/{operator_id}/totp', headers=admin)
    assert reset.status_code == 204
    assert (await log_in(user, 'op@example.com')).status_code == 200
    assert (await user.http_client.delete(f'/api/users/{operator_id}/totp', headers=admin)).status_code == 409
    (entry,) = await audit(user, admin, 'user.totp_reset')
    assert entry['target'] == operator_id and entry['actorEmail'] == ADMIN_EMAIL


async def test_a_required_second_factor_must_be_set_up_before_anything_else(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    refused = await user.http_client.patch('/api/settings', json={'twoFactorRequired': 'everyone'}, headers=operator)
    assert refused.status_code == 403
    admins = await user.http_client.patch('/api/settings', json={'twoFactorRequired': 'admins'}, headers=admin)
    assert admins.json() == {'allowSignup': True, 'twoFactorRequired': 'admins'}
    assert (await user.http_client.get('/api/deployments', headers=operator)).status_code == 200
    blocked = await user.http_client.get('/api/deployments', headers=admin)
    assert blocked.status_code == 403 and 'POST /api/auth/totp' in blocked.json()['error']
    bad = await user.http_client.patch('/api/settings', json={'twoFactorRequired': 'sometimes'}, headers=admin)
    assert bad.status_code == 403  # even a bad body waits for the second factor

    await turn_on(user.http_client, admin)
    assert (await user.http_client.get('/api/deployments', headers=admin)).status_code == 200
    bad = await user.http_client.patch('/api/settings', json={'twoFactorRequired': 'sometimes'}, headers=admin)
    assert bad.status_code == 422 and bad.json()['fields'][0]['field'] == 'twoFactorRequired'
    await user.http_client.patch('/api/settings', json={'twoFactorRequired': 'everyone'}, headers=admin)
    fresh = bearer(await login(user.http_client, 'op@example.com'))
    assert (await user.http_client.get('/api/deployments', headers=fresh)).status_code == 403
    assert (await user.http_client.get('/api/auth/me', headers=fresh)).status_code == 200
