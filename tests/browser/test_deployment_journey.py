"""Create a deployment through the wizard in a real browser and watch it reach Running, live."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.support.browser_pages import CREATED_WITHIN_MS, SIZES, listed, no_sideways_scroll, open_page
from tests.support.fleet_setup import admin_session, log_in
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.running_app import RunningApp, start_app, stop_app

DESKTOP = {'width': 1366, 'height': 900}


@pytest.fixture
def espaze_with_repository(tmp_path: Path, github_server: GitHubEmulator) -> Iterator[tuple[RunningApp, dict]]:
    github_server.reset()
    token = classic_token()
    github_server.add_user(token, 'root')
    github_server.add_repo('root/web-shop', private=True, language='Go')
    github_server.add_branch('root/web-shop', 'docs', {'README.md': 'no Dockerfile here'})
    env = {'GITHUB_API_URL': github_server.base_url, 'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1'}
    running = start_app(tmp_path / 'data', env)
    auth = admin_session(running)
    linked = httpx.put(f'{running.base_url}/api/github/token', json={'token': token}, headers=auth, timeout=10)
    assert linked.status_code == 200
    yield running, auth
    stop_app(running)


def _rolled_out_again(espaze: RunningApp, auth: dict, deployment_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        found = httpx.get(f'{espaze.base_url}/api/deployments/{deployment_id}', headers=auth, timeout=10).json()
        if found['status'] == 'running' and len(found['history']) > 4:
            return found
        assert time.monotonic() < deadline, found['statusReason']
        time.sleep(0.2)


@pytest.mark.parametrize('size', SIZES)
def test_from_a_repository_to_running_pods(
    browser: Browser,
    playwright: Playwright,
    espaze_with_repository: tuple[RunningApp, dict],
    github_server: GitHubEmulator,
    screenshot_dir: Path,
    size: str,
):
    espaze, auth = espaze_with_repository
    page, errors = open_page(browser, playwright, size)
    log_in(page, espaze)
    page.goto(espaze.base_url + '/deployments')
    expect(page.get_by_text('No deployments match')).to_be_visible()
    page.get_by_role('button', name='New deployment').click()
    page.get_by_text('root/web-shop').click()
    expect(page.get_by_text('Dockerfile found in root/web-shop@main')).to_be_visible()
    expect(page.get_by_label('Name')).to_have_value('web-shop')
    page.get_by_role('switch', name='Deploy every push to the branch').click()
    expect(page.get_by_text('GitHub cannot reach')).to_be_visible()
    page.get_by_label('Only when these paths change').fill('cmd/*, Dockerfile')
    page.screenshot(path=screenshot_dir / f'{size}-deployment-wizard.png', full_page=True)
    page.get_by_role('button', name='Deploy').click()
    expect(page).to_have_url(re.compile(r'/deployments/[0-9a-f]{24}$'), timeout=CREATED_WITHIN_MS)
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible(timeout=60_000)
    page.screenshot(path=screenshot_dir / f'{size}-deployment-running.png', full_page=True)
    expect(page.locator('.nicegui-log').first).to_contain_text('Listening on 0.0.0.0:8080', timeout=20_000)
    page.get_by_role('tab', name='Build log').click()
    expect(page.get_by_text(re.compile('exporting to image'))).to_be_visible()
    page.get_by_role('tab', name='Configuration').click()
    page.get_by_role('button', name='Add variable').click()
    page.get_by_label('Name', exact=True).last.fill('GREETING')
    page.get_by_label('Value', exact=True).last.fill('hello')
    page.screenshot(path=screenshot_dir / f'{size}-deployment-configuration.png', full_page=True)
    page.get_by_role('button', name='Save and roll out').click()
    expect(page.get_by_text('Configuration saved: rolling it out')).to_be_visible(timeout=20_000)
    deployment_id = page.url.rsplit('/', 1)[1]
    [hook] = github_server.hooks_of('root/web-shop')
    assert hook['config']['url'] == f'{espaze.base_url}/api/github/webhooks' and hook['events'] == [
        'push',
        'pull_request',
    ]
    found = _rolled_out_again(espaze, auth, deployment_id)
    assert found['configuration']['autoDeploy'] and found['configuration']['watchPaths'] == ['cmd/*', 'Dockerfile']
    statuses = [h['status'] for h in found['history']]
    assert statuses == ['pending', 'building', 'deploying', 'running', 'pending', 'deploying', 'running']
    assert found['configuration']['env'] == {'GREETING': 'hello'}
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible(timeout=20_000)
    page.goto(espaze.base_url + '/deployments')
    row = listed(page, 'web-shop')
    expect(row).to_contain_text('running')
    expect(row).to_contain_text('1/1')
    no_sideways_scroll(page, 'the Deployments list')
    assert errors == []


def test_a_branch_without_a_dockerfile_blocks_the_wizard(
    browser: Browser, espaze_with_repository: tuple[RunningApp, dict]
):
    espaze, _ = espaze_with_repository
    page = browser.new_context(viewport=DESKTOP).new_page()
    log_in(page, espaze)
    page.goto(espaze.base_url + '/deployments/new')
    page.get_by_text('root/web-shop').click()
    expect(page.get_by_text('Dockerfile found in root/web-shop@main')).to_be_visible()
    page.get_by_label('Branch').click()
    page.get_by_role('option', name='docs').click()
    expect(page.get_by_text('Blocked: No Dockerfile in this commit')).to_be_visible()
    expect(page.get_by_role('button', name='Deploy')).to_be_disabled()


@pytest.fixture
def espaze_without_github(tmp_path: Path, github_server: GitHubEmulator) -> Iterator[RunningApp]:
    github_server.reset()
    github_server.add_repo('someone/public-tool', language='Rust')
    running = start_app(tmp_path / 'data', {'GITHUB_API_URL': github_server.base_url})
    admin_session(running)
    yield running
    stop_app(running)


@pytest.mark.parametrize('size', SIZES)
def test_from_a_public_repository_without_a_github_account(
    browser: Browser,
    playwright: Playwright,
    espaze_without_github: RunningApp,
    github_server: GitHubEmulator,
    screenshot_dir: Path,
    size: str,
):
    espaze = espaze_without_github
    page, errors = open_page(browser, playwright, size)
    log_in(page, espaze)
    page.goto(espaze.base_url + '/deployments/new')
    expect(page.get_by_role('switch', name='All of GitHub')).to_be_disabled()
    page.get_by_label('Repository search').fill('public-tool')
    page.get_by_text('someone/public-tool').click()
    expect(page.get_by_text('Dockerfile found in someone/public-tool@main')).to_be_visible()
    expect(page.get_by_label('Name')).to_have_value('public-tool')
    expect(page.get_by_role('switch', name='Deploy every push to the branch')).to_be_disabled()
    expect(page.get_by_text('Deploying on push and previews need a linked GitHub account')).to_be_visible()
    no_sideways_scroll(page, 'the wizard')
    page.screenshot(path=screenshot_dir / f'{size}-deployment-wizard-public.png', full_page=True)
    page.get_by_role('button', name='Deploy').click()
    expect(page).to_have_url(re.compile(r'/deployments/[0-9a-f]{24}$'), timeout=CREATED_WITHIN_MS)
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible(timeout=60_000)
    page.screenshot(path=screenshot_dir / f'{size}-deployment-public-running.png', full_page=True)
    assert all(token is None for _, _, token in github_server.requests)
    assert errors == []
