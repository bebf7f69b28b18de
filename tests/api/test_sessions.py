"""Access tokens, refresh rotation and everything that ends a session."""

import asyncio

import pytest
from nicegui.testing import User

from models.errors import Forbidden
from tests.support.api_helpers import PASSWORD, admin_tokens, bearer, login, signup, started


async def me_status(user: User, tokens: dict) -> int:
    return (await user.http_client.get('/api/auth/me', headers=bearer(tokens))).status_code


async def refresh(user: User, refresh_token: str):
    return await user.http_client.post('/api/auth/refresh', json={'refreshToken': refresh_token})


async def test_requests_without_a_bearer_token_are_401(user: User):
    tokens = await admin_tokens(user.http_client)
    assert (await user.http_client.get('/api/auth/me')).status_code == 401
    query = await user.http_client.get(f'/api/auth/me?access_token={tokens["accessToken"]}')
    assert query.status_code == 401
    basic = await user.http_client.get('/api/auth/me', headers={'Authorization': 'Basic YWRtaW46cGFzcw=='})
    assert basic.status_code == 401


async def test_refresh_token_is_not_an_access_token(user: User):
    tokens = await admin_tokens(user.http_client)
    assert await me_status(user, {'accessToken': tokens['refreshToken']}) == 401
    assert (await refresh(user, tokens['accessToken'])).status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_whole_session(user: User):
    first = await admin_tokens(user.http_client)
    rotated = await refresh(user, first['refreshToken'])
    assert rotated.status_code == 200
    second = rotated.json()
    assert second['refreshToken'] != first['refreshToken']
    assert await me_status(user, second) == 200

    replay = await refresh(user, first['refreshToken'])
    assert replay.status_code == 401
    assert (await refresh(user, second['refreshToken'])).status_code == 401
    assert await me_status(user, second) == 401


async def test_concurrent_refreshes_never_give_two_valid_children(user: User):
    tokens = await admin_tokens(user.http_client)
    answers = await asyncio.gather(*(refresh(user, tokens['refreshToken']) for _ in range(4)))
    children = [a.json() for a in answers if a.status_code == 200]
    assert len(children) <= 1
    still_valid = [c for c in children if (await refresh(user, c['refreshToken'])).status_code == 200]
    assert len(still_valid) <= 1


async def test_logout_ends_access_and_refresh_tokens_of_that_session_only(user: User):
    await admin_tokens(user.http_client)
    phone = await signup(user.http_client, 'op@example.com')
    laptop = await login(user.http_client, 'op@example.com')
    response = await user.http_client.post('/api/auth/logout', headers=bearer(phone))
    assert response.status_code == 204
    assert await me_status(user, phone) == 401
    assert (await refresh(user, phone['refreshToken'])).status_code == 401
    assert await me_status(user, laptop) == 200


async def test_password_change_ends_every_session(user: User):
    await admin_tokens(user.http_client)
    phone = await signup(user.http_client, 'op@example.com')
    laptop = await login(user.http_client, 'op@example.com')
    wrong = await user.http_client.post(
        '/api/auth/password',
        json={'currentPassword': 'not my password', 'newPassword': 'a brand new password'},
        headers=bearer(phone),
    )
    assert wrong.status_code == 403
    assert await me_status(user, phone) == 200
    changed = await user.http_client.post(
        '/api/auth/password',
        json={'currentPassword': PASSWORD, 'newPassword': 'a brand new password'},
        headers=bearer(phone),
    )
    assert changed.status_code == 204
    for tokens in (phone, laptop):
        assert await me_status(user, tokens) == 401
        assert (await refresh(user, tokens['refreshToken'])).status_code == 401
    assert (
        await user.http_client.post('/api/auth/login', json={'email': 'op@example.com', 'password': PASSWORD})
    ).status_code == 401
    await login(user.http_client, 'op@example.com', 'a brand new password')


async def test_disabling_an_account_stops_its_tokens_on_the_next_request(user: User):
    admin = await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    user_id = operator['user']['id']
    response = await user.http_client.patch(f'/api/users/{user_id}', json={'disabled': True}, headers=bearer(admin))
    assert response.status_code == 200 and response.json()['disabled'] is True
    assert await me_status(user, operator) == 401
    assert (await refresh(user, operator['refreshToken'])).status_code == 401
    again = await user.http_client.post('/api/auth/login', json={'email': 'op@example.com', 'password': PASSWORD})
    assert again.status_code == 403


@pytest.fixture
def headless_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ADMIN_EMAIL', 'ops@example.com')
    monkeypatch.setenv('ESPAZE_ADMIN_PASSWORD', PASSWORD)


async def test_admin_from_environment_is_created_at_startup(headless_admin: None, user: User):
    tokens = await login(user.http_client, 'ops@example.com')
    assert tokens['user']['role'] == 'admin'


async def test_a_password_change_checks_the_hash_stored_now_and_keeps_only_the_session_asked_for(user: User):
    """An account object read before another password change (an open page's) cannot pass the old password."""
    await admin_tokens(user.http_client)
    signed_up = await signup(user.http_client, 'kim@example.com')
    services = await started()
    stale = await services.auth.authenticate('kim@example.com', PASSWORD)
    await services.auth.change_password(stale, PASSWORD, 'first new password')
    with pytest.raises(Forbidden):
        await services.auth.change_password(stale, PASSWORD, 'second new password')
    kept = await login(user.http_client, 'kim@example.com', 'first new password')
    other = await login(user.http_client, 'kim@example.com', 'first new password')
    current = await services.auth.authenticate('kim@example.com', 'first new password')
    kept_session = (await services.auth.user_for_access_token(kept['accessToken']))[1]
    await services.auth.change_password(current, 'first new password', 'third new password', keep_session=kept_session)
    assert await me_status(user, kept) == 200
    assert await me_status(user, other) == 401
    assert await me_status(user, signed_up) == 401
