"""Setting up a running app over HTTP: the first admin, and an enrollment token."""

import httpx

from tests.browser.conftest import RunningApp

PASSWORD = 'correct horse battery'


def admin_session(espaze: RunningApp, email: str = 'root@example.com') -> dict[str, str]:
    """Create the first admin through the setup link and return an Authorization header."""
    token = espaze.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': email, 'password': PASSWORD, 'name': 'Root'}
    assert httpx.post(f'{espaze.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    login = httpx.post(f'{espaze.base_url}/api/auth/login', json={'email': email, 'password': PASSWORD}, timeout=10)
    return {'Authorization': f'Bearer {login.json()["accessToken"]}'}


def enrollment_token(espaze: RunningApp, auth: dict[str, str]) -> str:
    response = httpx.post(f'{espaze.base_url}/api/nodes/enrollment-tokens', json={}, headers=auth, timeout=10)
    assert response.status_code == 201
    return response.json()['token']
