"""Sessions on the pages: the Account page lists this account's sessions and ends one or all others; the Users
page shows an admin anyone's."""

import asyncio
import time
from collections.abc import Callable

from nicegui import ui
from nicegui.testing import User

from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, signup
from tests.support.ui_helpers import confirm, log_in, press


async def until(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, 'the table did not change'
        await asyncio.sleep(0.05)


def rows(user: User, email: str) -> list[dict]:
    return next(iter(user.find(kind=ui.table, marker=f'sessions {email}').elements)).rows


async def api_login(user: User, email: str, agent: str) -> dict:
    answer = await user.http_client.post(
        '/api/auth/login', json={'email': email, 'password': PASSWORD}, headers={'User-Agent': agent}
    )
    return bearer(answer.json())


async def test_the_account_page_lists_sessions_and_ends_one_then_all_others(user: User):
    await admin_tokens(user.http_client)
    ci = await api_login(user, ADMIN_EMAIL, 'curl/8.5.0')
    other = await api_login(user, ADMIN_EMAIL, 'Wget/1.21')
    await log_in(user)
    await user.open('/account')
    listed = rows(user, ADMIN_EMAIL)
    assert {r['device'] for r in listed} >= {'curl 8', 'Wget 1'}
    (current,) = [r for r in listed if r['current']]
    assert current['kind'] == 'Browser'
    target = next(r for r in listed if r['device'] == 'curl 8')
    user.find(kind=ui.table, marker=f'sessions {ADMIN_EMAIL}').trigger('end', target)
    await confirm(user)
    await until(lambda: all(r['device'] != 'curl 8' for r in rows(user, ADMIN_EMAIL)))
    assert (await user.http_client.get('/api/auth/me', headers=ci)).status_code == 401

    press(user, 'End all other sessions')
    await confirm(user)
    await user.should_see('sessions ended', retries=30)
    assert [r['kind'] for r in rows(user, ADMIN_EMAIL)] == ['Browser']
    assert (await user.http_client.get('/api/auth/me', headers=other)).status_code == 401


async def test_an_admin_sees_and_ends_an_accounts_sessions_on_the_users_page(user: User):
    await admin_tokens(user.http_client)
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    await log_in(user)
    await user.open('/users')
    user.find(marker='sessions of op@example.com').click()
    await user.should_see('Sessions of op@example.com', retries=30)
    assert [r['kind'] for r in rows(user, 'op@example.com')] == ['API']
    press(user, 'End all sessions')
    await confirm(user)
    await user.should_see('1 sessions ended', retries=30)
    assert (await user.http_client.get('/api/auth/me', headers=operator)).status_code == 401
