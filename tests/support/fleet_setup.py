"""Setting up a running app: the first admin over HTTP, logging it in with a browser, and an enrollment token."""

import httpx
from playwright.sync_api import Page, expect

from tests.support.running_app import RunningApp

PASSWORD = 'correct horse battery'


def admin_session(espaze: RunningApp, email: str = 'root@example.com') -> dict[str, str]:
    """Create the first admin through the setup link and return an Authorization header."""
    token = espaze.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': email, 'password': PASSWORD, 'name': 'Root'}
    assert httpx.post(f'{espaze.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    login = httpx.post(f'{espaze.base_url}/api/auth/login', json={'email': email, 'password': PASSWORD}, timeout=10)
    return {'Authorization': f'Bearer {login.json()["accessToken"]}'}


def enrollment_token(espaze: RunningApp, auth: dict[str, str], uses: int = 1) -> str:
    response = httpx.post(
        f'{espaze.base_url}/api/nodes/enrollment-tokens', json={'maxUses': uses}, headers=auth, timeout=10
    )
    assert response.status_code == 201
    return response.json()['token']


def log_in(page: Page, espaze: RunningApp) -> None:
    """Log the admin `admin_session` created in through the login page."""
    page.goto(espaze.base_url + '/login')
    page.get_by_label('Email', exact=True).fill('root@example.com')
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_role('button', name='Log in', exact=True).click()
    expect(page.get_by_text('Welcome, Root.')).to_be_visible()
