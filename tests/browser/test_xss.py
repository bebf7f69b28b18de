"""Script in every string a user controls, rendered in real Chromium on every page that shows it: no dialog
fires, no console error, and the payload shows up as plain text."""

import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from tests.support.browser_pages import NetworkWatch
from tests.support.fleet_helpers import node_body
from tests.support.fleet_setup import PASSWORD, admin_session, enrollment_token, log_in
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.running_app import start_app, stop_app

NAME = '<img src=x onerror=alert(1)>'
VALUE = '"><svg onload=alert(2)>'
TEMPLATE = '{{ constructor.constructor("alert(3)")() }}'
LANGUAGE = '<script>alert(4)</script>'
BRANCH = 'x/<img src=x onerror=alert(6)>'  # git allows < and > in branch names; GitHub lists them as they are
AGENT = '<img src=y onerror=alert(7)>'


def test_user_controlled_text_never_runs_in_the_browser(
    browser: Browser, github_server: GitHubEmulator, tmp_path: Path
):
    github_server.reset()
    env = {'GITHUB_API_URL': github_server.base_url, 'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1'}
    espaze = start_app(tmp_path / 'data', env)
    try:
        admin = admin_session(espaze)
        base = espaze.base_url
        signup = {'email': 'eve@example.com', 'password': PASSWORD, 'name': NAME}
        assert httpx.post(f'{base}/api/auth/register', json=signup, timeout=10).status_code == 201
        login = httpx.post(f'{base}/api/auth/login', json={'email': 'eve@example.com', 'password': PASSWORD})
        eve = {'Authorization': f'Bearer {login.json()["accessToken"]}'}
        token = classic_token()
        github_server.add_user(token, 'eve')
        github_server.add_repo('eve/shop', language=LANGUAGE)
        github_server.add_branch('eve/shop', BRANCH, {'Dockerfile': 'FROM nginx:1.27\n'})
        assert httpx.put(f'{base}/api/github/token', json={'token': token}, headers=eve, timeout=10).status_code == 200
        payload = {
            'name': 'shop',
            'githubRepo': 'eve/shop',
            'branch': 'main',
            'configuration': {'port': 8080, 'replicas': 1, 'image': 'nginx:1.27', 'env': {'A': VALUE, 'B': TEMPLATE}},
        }
        created = httpx.post(f'{base}/api/deployments', json=payload, headers=eve, timeout=10)
        assert created.status_code == 202, created.text
        deployment_id = created.json()['id']
        deadline = time.monotonic() + 60
        while httpx.get(f'{base}/api/deployments/{deployment_id}', headers=eve).json()['status'] != 'running':
            assert time.monotonic() < deadline
            time.sleep(0.5)
        enrollment = enrollment_token(espaze, eve)
        node = {**node_body(), 'agentVersion': AGENT}
        enrolled = httpx.post(
            f'{base}/api/nodes/register', json=node, headers={'Authorization': f'Bearer {enrollment}'}, timeout=10
        )
        assert enrolled.status_code == 201, enrolled.text
        node_id = enrolled.json()['node']['id']
        hook = {'url': 'http://example.com/<script>alert(5)</script>', 'events': ['deployment.failed']}
        assert httpx.post(f'{base}/api/webhooks', json=hook, headers=admin, timeout=10).status_code == 201

        page = browser.new_context(viewport={'width': 1366, 'height': 900}).new_page()
        network = NetworkWatch(page)
        dialogs: list[str] = []
        errors: list[str] = []
        page.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on('console', lambda message: errors.append(message.text) if message.type == 'error' else None)
        page.on('pageerror', lambda error: errors.append(str(error)))
        log_in(page, espaze)
        for path in ('/', '/deployments', '/users', '/audit', '/settings', '/observatory', '/nodes'):
            page.goto(base + path)
            network.settled()
        expect(page.get_by_text(NAME)).to_be_hidden()  # /nodes does not show users
        page.goto(base + '/users')
        expect(page.get_by_text(NAME).first).to_be_visible()
        page.goto(f'{base}/deployments/{deployment_id}')
        page.get_by_role('tab', name='Configuration').click()
        expect(page.get_by_label('Value').first).to_have_value(VALUE)
        expect(page.get_by_label('Value').nth(1)).to_have_value(TEMPLATE)
        page.get_by_role('tab', name='Releases').click()
        page.wait_for_timeout(500)

        eve_page = browser.new_context(viewport={'width': 1366, 'height': 900}).new_page()
        eve_network = NetworkWatch(eve_page)
        eve_page.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        eve_page.on('pageerror', lambda error: errors.append(str(error)))
        eve_page.goto(base + '/login')
        eve_page.get_by_label('Email', exact=True).fill('eve@example.com')
        eve_page.get_by_label('Password', exact=True).fill(PASSWORD)
        eve_page.get_by_role('button', name='Log in', exact=True).click()
        expect(eve_page.get_by_text(f'Welcome, {NAME}.')).to_be_visible()
        eve_page.goto(base + '/settings')
        expect(eve_page.get_by_text('eve/shop')).to_be_visible()
        expect(eve_page.get_by_text(LANGUAGE)).to_be_visible()
        eve_page.goto(base + '/deployments/new')
        expect(eve_page.get_by_text('eve/shop')).to_be_visible()
        eve_page.get_by_text('eve/shop').first.click()
        eve_page.get_by_label('Branch').click()
        eve_page.get_by_role('option', name=BRANCH).click()  # the option shows the name as text
        expect(eve_page.get_by_text('may hold only letters, digits')).to_be_visible()  # and it is refused
        for path in ('/nodes', f'/nodes/{node_id}'):
            eve_page.goto(base + path)
            eve_network.settled()
        expect(eve_page.get_by_text(AGENT).first).to_be_visible()
        assert dialogs == [] and errors == []
    finally:
        stop_app(espaze)
