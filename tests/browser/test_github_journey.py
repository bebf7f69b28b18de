"""Linking GitHub in a real browser, picking a repository, and the canary: the token appears nowhere.

With a token of GitHub's shape linked, every GitHub path is exercised (browsing, OAuth, 404, 5xx retries, rate
limit, revocation, disconnect); then the token's text is looked for in the app's log (at DEBUG), every API
answer, every rendered page, every MongoDB document and every file of the data directory.
"""

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import bson
import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from pymongo import MongoClient

from tests.support.browser_pages import SIZES, no_sideways_scroll, open_page
from tests.support.fleet_setup import admin_session, log_in
from tests.support.github_emulator import GitHubEmulator, recorded
from tests.support.github_helpers import classic_token
from tests.support.running_app import RunningApp, start_app, stop_app

DESKTOP = {'width': 1366, 'height': 900}
PHONE = {'width': 390, 'height': 844}


@pytest.fixture
def emulator(github_server: GitHubEmulator) -> GitHubEmulator:
    github_server.reset()
    return github_server


@pytest.fixture
def espaze_with_github(tmp_path: Path, emulator: GitHubEmulator, mongo_url: str) -> Iterator[RunningApp]:
    env = {
        'GITHUB_API_URL': emulator.base_url,
        'MONGO_URL': mongo_url,
        'ESPAZE_LOG_LEVEL': 'DEBUG',
        'ESPAZE_GITHUB_CLIENT_ID': 'Iv1.emulated',
        'ESPAZE_GITHUB_CLIENT_SECRET': 'emulated-client-secret',
        'ESPAZE_GITHUB_TIMEOUT_SECONDS': '2',
    }
    running = start_app(tmp_path / 'data', env)
    yield running
    stop_app(running)


def link_and_pick(page: Page, espaze: RunningApp, token: str, screenshot: Path) -> list[str]:
    """Paste the token on Settings, pick a private repository, see the Dockerfile check; returns the pages' HTML."""
    log_in(page, espaze)
    page.goto(espaze.base_url + '/settings')
    page.get_by_label('GitHub token').fill(token)
    page.get_by_role('button', name='Link token').click()
    expect(page.get_by_text('Linked as jacquev6 with a token')).to_be_visible()
    expect(page.get_by_text('jacquev6/Hacking')).to_be_visible()
    html = [page.content()]
    page.get_by_label('Repository search').fill('hacking')
    expect(page.get_by_text('jacquev6/TestPyGithub')).to_be_hidden()
    page.get_by_text('jacquev6/Hacking').click()
    expect(page.get_by_text('Dockerfile found in jacquev6/Hacking@master')).to_be_visible()
    page.screenshot(path=screenshot, full_page=True)
    return [*html, page.content()]


def exercise_every_path(espaze: RunningApp, emulator: GitHubEmulator, auth: dict, token: str) -> list[str]:
    """Every GitHub route of the API, its success and failure paths; returns every answer as text."""
    answers: list[str] = []
    base = f'{espaze.base_url}/api/github'

    def call(method: str, path: str, expected: int, **kwargs) -> httpx.Response:
        response = httpx.request(method, base + path, headers=auth, timeout=30, **kwargs)
        answers.append(f'{response.status_code} {dict(response.headers)} {response.text}')
        assert response.status_code == expected, (path, response.text)
        return response

    assert call('GET', '/status', 200).json()['hint'] == f'ghp_...{token[-4:]}'
    call('PUT', '/token', 200, json={'token': token})
    other = token[:-1] + ('y' if token.endswith('x') else 'x')  # one character off (a token ends in x 1 time in 62)
    call('PUT', '/token', 422, json={'token': other})
    call('GET', '/repos', 200)
    call('GET', '/repos?q=draw&page=1', 200)
    call('GET', '/search?q=turks', 200)
    call('GET', '/repos/jacquev6/Hacking', 200)
    call('GET', '/repos/jacquev6/Hacking/branches', 200)
    call('GET', '/repos/jacquev6/Hacking/commits?branch=master', 200)
    call('GET', '/repos/jacquev6/Hacking/dockerfile?ref=master', 200)
    call('GET', '/repos/jacquev6/Hacking/dockerfile?ref=master&path=docker/Dockerfile', 200)
    call('GET', '/repos/jacquev6/missing/branches', 404)
    call('GET', '/repos/jacquev6/Hacking/commits?branch=-x', 422)
    emulator.fail('^/repos/jacquev6/Tests', 502, times=1, body={'message': 'Server Error'})
    call('GET', '/repos/jacquev6/Tests', 200)
    emulator.fail('^/repos/jacquev6/Contests', 503, times=3, body={'message': 'Unavailable'})
    call('GET', '/repos/jacquev6/Contests', 502)
    call('GET', '/oauth/start', 200)
    limited = recorded('secondary_rate_limit')
    emulator.fail('^/repos/jacquev6/Candidates', 403, headers={'retry-after': '1'}, body=limited['body'])
    call('GET', '/repos/jacquev6/Candidates/branches', 429)
    call('GET', '/repos/jacquev6/Candidates/commits?branch=master', 429)  # waiting: GitHub is not asked
    time.sleep(1.2)  # the second GitHub asked for
    del emulator.users[token]  # revoked on GitHub
    call('GET', '/repos/jacquev6/Candidates/dockerfile?ref=master', 409)
    assert call('GET', '/status', 200).json()['state'] == 're-link'
    call('DELETE', '/token', 204)
    return answers


def test_the_token_appears_nowhere(
    browser: Browser, espaze_with_github: RunningApp, emulator: GitHubEmulator, mongo_url: str, screenshot_dir: Path
):
    token = classic_token()
    emulator.add_recorded_account(token)
    auth = admin_session(espaze_with_github)
    page = browser.new_context(viewport=DESKTOP).new_page()
    rendered = link_and_pick(page, espaze_with_github, token, screenshot_dir / 'desktop-settings-github.png')
    answers = exercise_every_path(espaze_with_github, emulator, auth, token)
    page.goto(espaze_with_github.base_url + '/settings')
    expect(page.get_by_text('Not linked.')).to_be_visible()
    rendered.append(page.content())

    forms = [token, base64.b64encode(token.encode()).decode(), token[4:]]
    for text in rendered + answers + espaze_with_github.output:
        assert not any(form in text for form in forms)
    client = MongoClient(mongo_url)
    database = client.get_default_database()
    for name in database.list_collection_names():
        for document in database[name].find():
            assert token.encode() not in bson.encode(document), name
    client.close()
    for path in espaze_with_github.data_dir.rglob('*'):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    assert any('GET /api/github/repos' in line for line in espaze_with_github.output)  # the log was captured
    assert any('DEBUG' in line for line in espaze_with_github.output)


def test_on_a_phone_the_picker_fits_and_works(
    browser: Browser, espaze_with_github: RunningApp, emulator: GitHubEmulator, screenshot_dir: Path
):
    token = classic_token()
    emulator.add_recorded_account(token)
    admin_session(espaze_with_github)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    link_and_pick(page, espaze_with_github, token, screenshot_dir / 'phone-settings-github.png')
    no_sideways_scroll(page, 'Settings')


@pytest.mark.parametrize('size', SIZES)
def test_sign_in_with_github_through_the_browser(
    browser: Browser, playwright: Playwright, espaze_with_github: RunningApp, emulator: GitHubEmulator, size: str
):
    admin_session(espaze_with_github)
    page, errors = open_page(browser, playwright, size)
    log_in(page, espaze_with_github)
    page.goto(espaze_with_github.base_url + '/settings')
    page.get_by_role('button', name='Sign in with GitHub').click()
    expect(page.get_by_text('GitHub account linked.')).to_be_visible()
    expect(page.get_by_text('Linked as octo-oauth with OAuth')).to_be_visible()
    no_sideways_scroll(page, 'Settings')
    assert errors == []


def test_a_github_link_started_by_an_attacker_links_nothing_when_a_victim_opens_it(
    browser: Browser, espaze_with_github: RunningApp, emulator: GitHubEmulator
):
    auth = admin_session(espaze_with_github)
    attacker = browser.new_context(viewport=DESKTOP)
    page = attacker.new_page()
    log_in(page, espaze_with_github)
    started = page.request.get(espaze_with_github.base_url + '/settings/github/sign-in', max_redirects=0)
    assert started.status == 303  # the attacker's browser, sent on to GitHub (it stops here)
    authorize_url = started.headers['location']
    assert authorize_url.startswith(f'{emulator.base_url}/login/oauth/authorize')

    victim = browser.new_context(viewport=DESKTOP).new_page()  # the link, sent to someone else's browser
    victim.goto(authorize_url)  # GitHub approves and sends this browser back to Espaze's callback
    expect(victim).to_have_url(f'{espaze_with_github.base_url}/login?redirect_to=%2Fsettings')
    status = httpx.get(f'{espaze_with_github.base_url}/api/github/status', headers=auth, timeout=10).json()
    assert status['state'] == 'none'
    attacker.close()
