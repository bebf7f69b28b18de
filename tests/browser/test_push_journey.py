"""Push to deploy in a real browser: turn auto-deploy on, a signed push arrives, the open page shows the new release
building and then running without a reload, then roll back to release 1."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.support.browser_pages import SIZES, no_sideways_scroll, open_page
from tests.support.fleet_setup import admin_session, log_in
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.push_helpers import push_payload, signed
from tests.support.running_app import RunningApp, start_app, stop_app

REPO = 'root/web-shop'


@pytest.fixture
def espaze_running_a_build(tmp_path: Path, github_server: GitHubEmulator) -> Iterator[tuple[RunningApp, dict, dict]]:
    github_server.reset()
    token = classic_token()
    github_server.add_user(token, 'root')
    github_server.add_repo(REPO, language='Go')
    env = {
        'GITHUB_API_URL': github_server.base_url,
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
        'ESPAZE_COMMIT_STATUS_INTERVAL_SECONDS': '1',
    }
    running = start_app(tmp_path / 'data', env)
    auth = admin_session(running)
    api = f'{running.base_url}/api'
    assert httpx.put(f'{api}/github/token', json={'token': token}, headers=auth, timeout=10).status_code == 200
    payload = {'name': 'web-shop', 'githubRepo': REPO, 'branch': 'main', 'configuration': {'replicas': 1}}
    created = httpx.post(f'{api}/deployments', json=payload, headers=auth, timeout=10)
    assert created.status_code == 202, created.text
    found = _until(running, auth, created.json()['id'], lambda d: d['status'] == 'running')
    yield running, auth, found
    stop_app(running)


def _until(espaze: RunningApp, auth: dict, deployment_id: str, done, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        found = httpx.get(f'{espaze.base_url}/api/deployments/{deployment_id}', headers=auth, timeout=10).json()
        if done(found):
            return found
        assert time.monotonic() < deadline, found['statusReason']
        time.sleep(0.2)


def _turn_auto_deploy_on(page: Page) -> None:
    page.get_by_role('tab', name='Configuration').click()
    page.get_by_role('switch', name='Deploy every push to the branch').click()
    expect(page.get_by_text('GitHub cannot reach')).to_be_visible()  # Espaze listens on loopback here
    page.get_by_role('button', name='Save and roll out').click()
    expect(page.get_by_text('Configuration saved: rolling it out')).to_be_visible(timeout=20_000)


@pytest.mark.parametrize('size', SIZES)
def test_a_push_deploys_live_and_release_1_comes_back(
    browser: Browser,
    playwright: Playwright,
    espaze_running_a_build: tuple[RunningApp, dict, dict],
    github_server: GitHubEmulator,
    screenshot_dir: Path,
    size: str,
):
    espaze, auth, first = espaze_running_a_build
    page, errors = open_page(browser, playwright, size)
    log_in(page, espaze)
    page.goto(f'{espaze.base_url}/deployments/{first["id"]}')
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible(timeout=30_000)
    _turn_auto_deploy_on(page)
    [hook] = github_server.hooks_of(REPO)
    assert hook['config']['url'] == f'{espaze.base_url}/api/github/webhooks'
    _until(espaze, auth, first['id'], lambda d: d['status'] == 'running' and d['runningRelease'] == 2)
    page.screenshot(path=screenshot_dir / f'{size}-auto-deploy-on.png', full_page=True)

    before, after = github_server.push(REPO, 'main', {'Dockerfile': 'FROM golang:1.25\n', 'main.go': 'package main\n'})
    body, headers = signed(github_server, REPO, 'push', push_payload(REPO, 'main', before, after), None, None)
    answer = httpx.post(f'{espaze.base_url}/api/github/webhooks', content=body, headers=headers, timeout=10)
    assert answer.status_code == 202, answer.text
    source = page.get_by_text(f'commit {after[:7]}').first
    expect(page.get_by_text('Release #3 · runs release #2')).to_be_visible(timeout=20_000)  # no reload
    expect(page.locator('[data-testid="status"], .q-badge').get_by_text('building')).to_be_visible(timeout=20_000)
    page.screenshot(path=screenshot_dir / f'{size}-push-building.png', full_page=True)
    expect(page.get_by_text('Release #3 · runs release #3')).to_be_visible(timeout=60_000)
    expect(source).to_be_visible()
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible()

    page.get_by_role('tab', name='Deliveries').click()
    expect(page.get_by_text(f'Release #3 from {after[:7]}')).to_be_visible(timeout=10_000)
    page.get_by_role('tab', name='Releases').click()
    expect(page.get_by_text(f'Push of {after[:7]} to main')).to_be_visible()
    page.screenshot(path=screenshot_dir / f'{size}-push-releases.png', full_page=True)
    page.get_by_role('button', name='Roll back').last.click()  # the oldest release: #1
    expect(page.get_by_text('back to release #1? Its image and configuration are applied again')).to_be_visible()
    page.get_by_role('dialog').get_by_role('button', name='Roll back').click()  # named for the action
    expect(page.get_by_text('Rolling back to release #1')).to_be_visible(timeout=20_000)
    back = _until(espaze, auth, first['id'], lambda d: d['status'] == 'running' and d['runningRelease'] == 4)
    assert back['image'] == first['image'] and back['commitSha'] == first['commitSha']
    assert back['configuration']['autoDeploy'] and len(github_server.hooks_of(REPO)) == 1  # still deploys on push
    expect(page.get_by_text('Release #4 · runs release #4')).to_be_visible(timeout=20_000)
    expect(page.get_by_text('Rollback to #1').first).to_be_visible()

    expect(page.get_by_text('runs now')).to_be_visible()
    no_sideways_scroll(page, 'the Releases tab')
    assert errors == []
    statuses = [s['state'] for s in github_server.repos[REPO].statuses if s['sha'] == after]
    assert statuses[-1] == 'success' and set(statuses[:-1]) == {'pending'}
