"""Sessions an account can see and end: browser or API, the device from the user agent, the address, started and
last seen; one ended, or all but this one; an admin sees and ends anyone's, and the audit log says so."""

import pytest
from nicegui.testing import User

from services import session_list
from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, signup
from tests.support.ui_helpers import log_in

IPHONE = (
    'Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
    'Version/15.0 Mobile/15E148 Safari/604.1'
)


async def log_in_as(user: User, email: str, agent: str) -> dict:
    answer = await user.http_client.post(
        '/api/auth/login', json={'email': email, 'password': PASSWORD}, headers={'User-Agent': agent}
    )
    assert answer.status_code == 200, answer.text
    return bearer(answer.json())


async def sessions(user: User, auth: dict, path: str = '/api/sessions') -> list[dict]:
    answer = await user.http_client.get(path, headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()['items']


async def test_the_list_says_what_each_session_is_and_marks_this_one(user: User, monkeypatch: pytest.MonkeyPatch):
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'op@example.com')
    laptop = await log_in_as(user, 'op@example.com', 'curl/8.5.0')
    phone = await log_in_as(user, 'op@example.com', IPHONE)
    listed = await sessions(user, laptop)
    by_device = {s['device']: s for s in listed}
    assert {'curl 8', 'Mobile Safari 15 on iOS 15 (iPhone)'} <= set(by_device)
    assert by_device['curl 8']['current'] and not by_device['Mobile Safari 15 on iOS 15 (iPhone)']['current']
    assert all(s['kind'] == 'api' and s['startedAt'] and s['lastSeenAt'] for s in listed)
    assert sum(s['current'] for s in await sessions(user, phone)) == 1

    monkeypatch.setattr(session_list, 'SEEN_EVERY_SECONDS', 0.0)
    before = by_device['Mobile Safari 15 on iOS 15 (iPhone)']['lastSeenAt']
    await user.http_client.get('/api/auth/me', headers=phone)
    after = {s['device']: s for s in await sessions(user, laptop)}['Mobile Safari 15 on iOS 15 (iPhone)']
    assert after['lastSeenAt'] > before


async def test_a_browser_session_is_listed_as_a_browser(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    await log_in(user)
    kinds = sorted(s['kind'] for s in await sessions(user, admin))
    assert kinds == ['api', 'browser']


async def test_ending_one_session_or_all_others(user: User):
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'op@example.com')
    one = await log_in_as(user, 'op@example.com', 'one')
    two = await log_in_as(user, 'op@example.com', 'two')
    three = await log_in_as(user, 'op@example.com', 'three')
    target = next(s['id'] for s in await sessions(user, one) if s['device'] == 'two')
    assert (await user.http_client.delete(f'/api/sessions/{target}', headers=one)).status_code == 204
    assert (await user.http_client.get('/api/auth/me', headers=two)).status_code == 401
    assert (await user.http_client.delete(f'/api/sessions/{target}', headers=one)).status_code == 404
    others = await user.http_client.delete('/api/sessions', headers=one)
    assert others.json()['ended'] >= 2  # `three` and the sign-up's own login
    assert (await user.http_client.get('/api/auth/me', headers=three)).status_code == 401
    assert [s['device'] for s in await sessions(user, one)] == ['one']


async def test_an_admin_sees_and_ends_anyones_sessions_and_others_cannot(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    other = await log_in_as(user, 'op@example.com', 'curl/8.5.0')
    operator_id = (await user.http_client.get('/api/auth/me', headers=operator)).json()['id']
    admin_id = (await user.http_client.get('/api/auth/me', headers=admin)).json()['id']
    assert (await user.http_client.get(f'/api/users/{admin_id}/sessions', headers=operator)).status_code == 403
    mine = (await sessions(user, admin))[0]['id']
    assert (await user.http_client.delete(f'/api/sessions/{mine}', headers=operator)).status_code == 404

    listed = await sessions(user, admin, f'/api/users/{operator_id}/sessions')
    target = next(s['id'] for s in listed if s['device'] == 'curl 8')
    ended = await user.http_client.delete(f'/api/users/{operator_id}/sessions/{target}', headers=admin)
    assert ended.status_code == 204
    assert (await user.http_client.get('/api/auth/me', headers=other)).status_code == 401
    assert (await user.http_client.get('/api/auth/me', headers=operator)).status_code == 200
    everything = await user.http_client.delete(f'/api/users/{operator_id}/sessions', headers=admin)
    assert everything.json() == {'ended': 1}
    assert (await user.http_client.get('/api/auth/me', headers=operator)).status_code == 401
    unknown = await user.http_client.get('/api/users/000000000000000000000000/sessions', headers=admin)
    assert unknown.status_code == 404

    entries = (await user.http_client.get('/api/audit', headers=admin)).json()['items']
    actions = [(e['action'], e['target']) for e in entries]
    assert ('session.end', operator_id) in actions and ('session.end_all', operator_id) in actions
    logins = [e for e in entries if e['action'] == 'login' and e['actorEmail'] == ADMIN_EMAIL]
    assert logins and all(e['details']['method'] == 'password' for e in logins)
