"""An open page acts with the authority its session has now: after the account is disabled, demoted, or its password
changed elsewhere, what the page still shows does nothing (checked through the API and the database).

The app here looks at its open pages' sessions only every 10 minutes, so each refusal below is the per-event check's
(the closing of pages by that watch is tested in test_session_identity.py)."""

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pymongo import MongoClient

from runtime.embedded_db import EmbeddedMongo
from tests.conftest import SandboxCluster
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.rollout_helpers import PASSWORD, wait_for
from tests.support.running_app import RunningApp, start_app, stop_app

NGINX = 'nginxinc/nginx-unprivileged:1.27'


@pytest.fixture(scope='module')
def lab(
    tmp_path_factory: pytest.TempPathFactory,
    mongo_server: EmbeddedMongo,
    github_server: GitHubEmulator,
    sandbox_cluster: SandboxCluster,
) -> Iterator[tuple[RunningApp, MongoClient, dict]]:
    """One app for the module, its database readable by the tests, and the admin's auth header."""
    github_server.reset()
    mongo_url = f'mongodb://127.0.0.1:{mongo_server.port}/t{uuid.uuid4().hex[:16]}?directConnection=true'
    env = {
        'MONGO_URL': mongo_url,
        'GITHUB_API_URL': github_server.base_url,
        'KUBECONFIG': str(sandbox_cluster.kubeconfig),
        'ESPAZE_SESSION_WATCH_SECONDS': '600',
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
    }
    running = start_app(tmp_path_factory.mktemp('authority') / 'data', env)
    token = running.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': 'root@example.com', 'password': PASSWORD, 'name': 'Root'}
    assert httpx.post(f'{running.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    database = MongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    try:
        yield running, database.get_default_database(), api_login(running, 'root@example.com')
    finally:
        database.close()
        stop_app(running)


def api_login(app: RunningApp, email: str, password: str = PASSWORD) -> dict:
    response = httpx.post(f'{app.base_url}/api/auth/login', json={'email': email, 'password': password}, timeout=10)
    assert response.status_code == 200, response.text
    return {'Authorization': f'Bearer {response.json()["accessToken"]}'}


def new_account(app: RunningApp, email: str, name: str) -> tuple[str, dict]:
    signed_up = httpx.post(
        f'{app.base_url}/api/auth/register', json={'email': email, 'password': PASSWORD, 'name': name}, timeout=10
    )
    assert signed_up.status_code == 201, signed_up.text
    return signed_up.json()['id'], api_login(app, email)


def browser_login(page: Page, app: RunningApp, email: str, name: str) -> None:
    page.goto(app.base_url + '/login')
    page.get_by_label('Email', exact=True).fill(email)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_role('button', name='Log in', exact=True).click()
    expect(page.get_by_text(f'Welcome, {name}.')).to_be_visible()


def signed_in_tab(browser: Browser, app: RunningApp, email: str, name: str, path: str | None = None) -> Page:
    """A new desktop browser, logged in through the login page, on `path` if given."""
    page = browser.new_context(viewport={'width': 1366, 'height': 850}).new_page()
    browser_login(page, app, email, name)
    if path is not None:
        page.goto(app.base_url + path)
    return page


def patch_user(app: RunningApp, admin: dict, user_id: str, **changes) -> None:
    response = httpx.patch(f'{app.base_url}/api/users/{user_id}', json=changes, headers=admin, timeout=10)
    assert response.status_code == 200, response.text


def test_a_disabled_operators_open_deployment_page_cannot_scale(browser: Browser, lab, github_server: GitHubEmulator):
    app, db, admin = lab
    operator_id, operator = new_account(app, 'olga@example.com', 'Olga')
    token = classic_token()
    github_server.add_user(token, 'olga')
    github_server.add_repo('olga/shop')
    assert httpx.put(f'{app.base_url}/api/github/token', json={'token': token}, headers=operator, timeout=10).is_success
    payload = {
        'name': 'shop',
        'githubRepo': 'olga/shop',
        'branch': 'main',
        'configuration': {'port': 8080, 'replicas': 1, 'image': NGINX},
    }
    created = httpx.post(f'{app.base_url}/api/deployments', json=payload, headers=operator, timeout=10)
    assert created.status_code == 202, created.text
    deployment_id = created.json()['id']
    wait_for(app, operator, deployment_id, {'running'}, 60)

    page = signed_in_tab(browser, app, 'olga@example.com', 'Olga')
    context = page.context
    page.goto(f'{app.base_url}/deployments/{deployment_id}')
    scale = page.get_by_role('button', name='Scale', exact=True)
    expect(scale).to_be_visible()
    patch_user(app, admin, operator_id, disabled=True)

    page.get_by_label('Replicas').fill('3')
    with contextlib.suppress(PlaywrightTimeout):  # typing is an event too: the page may have left already
        scale.click(timeout=3000)
    expect(page).to_have_url(f'{app.base_url}/login?redirect_to=%2Fdeployments%2F{deployment_id}', timeout=10_000)
    found = httpx.get(f'{app.base_url}/api/deployments/{deployment_id}', headers=admin, timeout=10).json()
    assert found['configuration']['replicas'] == 1
    assert db.deployments.find_one({'name': 'shop'})['configuration']['replicas'] == 1
    assert db.audit.count_documents({'action': 'deployment.scale'}) == 0
    context.close()


def test_a_demoted_admins_open_users_page_cannot_make_him_admin_again(browser: Browser, lab):
    app, db, admin = lab
    second_id, _ = new_account(app, 'ada@example.com', 'Ada')
    patch_user(app, admin, second_id, role='admin')

    page = signed_in_tab(browser, app, 'ada@example.com', 'Ada', '/users')
    context = page.context
    role = page.get_by_label('Role of ada@example.com')
    expect(role).to_be_visible()
    patch_user(app, admin, second_id, role='viewer')

    with contextlib.suppress(PlaywrightTimeout):  # opening the select is an event too: the page may reload at once
        role.click(timeout=3000)
        page.get_by_role('option', name='admin', exact=True).click(timeout=3000)
    expect(page.get_by_text('Only admins can see this page.')).to_be_visible(timeout=10_000)  # reloaded as a viewer
    me = httpx.get(f'{app.base_url}/api/users?pageSize=200', headers=admin, timeout=10).json()['items']
    assert next(u for u in me if u['email'] == 'ada@example.com')['role'] == 'viewer'
    assert db.users.find_one({'email': 'ada@example.com'})['role'] == 'viewer'
    context.close()


def test_an_account_page_left_open_after_a_password_change_elsewhere_sets_nothing(browser: Browser, lab):
    app, db, _ = lab
    _, operator = new_account(app, 'pia@example.com', 'Pia')

    page = signed_in_tab(browser, app, 'pia@example.com', 'Pia', '/account')
    context = page.context
    expect(page.get_by_label('Current password')).to_be_visible()
    changed = httpx.post(
        f'{app.base_url}/api/auth/password',
        json={'currentPassword': PASSWORD, 'newPassword': 'changed elsewhere 1'},
        headers=operator,
        timeout=10,
    )
    assert changed.status_code == 204, changed.text
    stored_hash = db.users.find_one({'email': 'pia@example.com'})['password_hash']

    with contextlib.suppress(PlaywrightTimeout):  # typing is an event too: the page may have left already
        page.get_by_label('Current password').fill(PASSWORD, timeout=3000)
        page.get_by_label('New password').fill('set by the open page', timeout=3000)
        page.get_by_role('button', name='Change password', exact=True).click(timeout=3000)
    expect(page).to_have_url(f'{app.base_url}/login?redirect_to=%2Faccount', timeout=10_000)
    assert db.users.find_one({'email': 'pia@example.com'})['password_hash'] == stored_hash
    api_login(app, 'pia@example.com', 'changed elsewhere 1')
    refused = httpx.post(
        f'{app.base_url}/api/auth/login',
        json={'email': 'pia@example.com', 'password': 'set by the open page'},
        timeout=10,
    )
    assert refused.status_code == 401
    context.close()


def test_the_users_page_of_a_live_admin_still_works(browser: Browser, lab, tmp_path: Path):
    """The check refuses only what it should: a current admin's change goes through."""
    app, db, admin = lab
    target_id, _ = new_account(app, 'max@example.com', 'Max')
    page = signed_in_tab(browser, app, 'root@example.com', 'Root', '/users')
    context = page.context
    page.get_by_label('Role of max@example.com').click()
    page.get_by_role('option', name='viewer', exact=True).click()
    expect(page.get_by_text('max@example.com updated')).to_be_visible()
    assert db.users.find_one({'email': 'max@example.com'})['role'] == 'viewer'
    patch_user(app, admin, target_id, role='operator')
    context.close()
