"""Single sign-on against a real OpenID provider (panva's oidc-provider, started by the tests): the happy path in
Chromium on a desktop and a phone, and through plain HTTP every refusal: a wrong state, a replayed code, a wrong
nonce, audience or authorized party, an expired token, an unknown key id, an unverified email, a request the
provider denied, and an account no longer in a mapped group. Key rotation is honoured; accounts are linked by
verified email."""

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect

from runtime.child_process import free_port
from tests.support.browser_pages import SIZES, no_sideways_scroll, open_page
from tests.support.openid_provider import OpenIdProvider, account
from tests.support.rollout_helpers import PASSWORD
from tests.support.running_app import RunningApp, start_app_with_admin, stop_app

ACCOUNTS = {
    'alice': account('alice@example.com', 'espaze-admins', name='Alice'),
    'bob': account('bob@example.com', 'espaze-operators', name='Bob'),
    'carol': account('carol@example.com', 'espaze-operators', name='Carol'),
    'mallory': account('mallory@example.com', 'espaze-admins', verified=False),
    'desktop': account('desktop@example.com', 'espaze-operators', name='Desk'),
    'phone': account('phone@example.com', 'espaze-operators', name='Phone'),
    'erin': {'email': 'erin@example.com', 'xms_edov': True, 'groups': ['espaze-operators'], 'name': 'Erin'},
    'frank': {'email': 'frank@example.com', 'xms_edov': False, 'groups': ['espaze-operators'], 'name': 'Frank'},
}


@pytest.fixture(scope='module')
def provider() -> Iterator[OpenIdProvider]:
    port = free_port()
    running = OpenIdProvider(dict(ACCOUNTS), f'http://127.0.0.1:{port}/auth/oidc/callback').start()
    running.app_port = port  # type: ignore[attr-defined]
    yield running
    running.stop()


@pytest.fixture(scope='module')
def espaze(provider: OpenIdProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    settings = provider.settings(ESPAZE_PORT=str(provider.app_port), ESPAZE_OIDC_DEFAULT_ROLE='none')
    running = start_app_with_admin(tmp_path_factory.mktemp('sso') / 'data', PASSWORD, settings)
    try:
        yield running
    finally:
        stop_app(running)


@pytest.fixture(autouse=True)
def honest_tokens(provider: OpenIdProvider) -> Iterator[None]:
    yield
    provider.tamper()


def callback_url(app: RunningApp, provider: OpenIdProvider, browser: httpx.Client, login: str) -> str:
    """Start a sign-in at Espaze and sign in at the provider's form; the URL the provider sends the browser back
    to (not yet followed)."""
    answer = browser.get(f'{app.base_url}/auth/oidc/start')
    assert answer.status_code in (302, 303, 307), answer.text
    location = answer.headers['location']
    assert location.startswith(provider.issuer + '/auth?')
    query = parse_qs(urlparse(location).query)
    assert query['code_challenge_method'] == ['S256'] and query['nonce'] and query['state']
    while not location.startswith(app.base_url):
        answer = browser.get(location)
        if answer.status_code == 200:  # the provider's sign-in form
            answer = browser.post(location, data={'login': login})
        location = urljoin(provider.issuer, answer.headers['location'])
    return location


def finish(app: RunningApp, browser: httpx.Client, url: str) -> str:
    """Follow the provider's answer through Espaze; where the browser ends up."""
    answer = browser.get(url, follow_redirects=True)
    return str(answer.url).removeprefix(app.base_url)


def sign_in(app: RunningApp, provider: OpenIdProvider, login: str) -> tuple[httpx.Client, str]:
    browser = httpx.Client(timeout=15)
    return browser, finish(app, browser, callback_url(app, provider, browser, login))


def refused_with(landed: str, reason: str) -> bool:
    return landed == f'/login?sso_error={reason}'


def signed_in(app: RunningApp, browser: httpx.Client) -> bool:
    return not str(browser.get(f'{app.base_url}/account', follow_redirects=True).url).startswith(
        app.base_url + '/login'
    )


def root_headers(app: RunningApp) -> dict:
    answer = httpx.post(
        f'{app.base_url}/api/auth/login', json={'email': 'root@example.com', 'password': PASSWORD}, timeout=10
    )
    return {'Authorization': f'Bearer {answer.json()["accessToken"]}'}


def user_named(app: RunningApp, email: str) -> dict | None:
    users = httpx.get(f'{app.base_url}/api/users', headers=root_headers(app), timeout=10).json()['items']
    return next((u for u in users if u['email'] == email), None)


def test_a_sign_in_creates_the_account_with_its_mapped_role(espaze: RunningApp, provider: OpenIdProvider):
    browser, landed = sign_in(espaze, provider, 'alice')
    assert landed == '/' and signed_in(espaze, browser)
    alice = user_named(espaze, 'alice@example.com')
    assert alice['role'] == 'admin' and alice['name'] == 'Alice'
    audit = httpx.get(
        f'{espaze.base_url}/api/audit', params={'action': 'login'}, headers=root_headers(espaze), timeout=10
    ).json()['items']
    assert any(e['actorEmail'] == 'alice@example.com' and e['details']['method'] == 'oidc' for e in audit)
    password = httpx.post(
        f'{espaze.base_url}/api/auth/login', json={'email': 'alice@example.com', 'password': PASSWORD}, timeout=10
    )
    assert password.status_code == 401  # an account made by single sign-on has no password anyone knows


def test_a_wrong_state_opens_nothing(espaze: RunningApp, provider: OpenIdProvider):
    browser = httpx.Client(timeout=15)
    url = callback_url(espaze, provider, browser, 'bob')
    forged = re.sub(r'state=[^&]+', 'state=forged-state', url)
    assert refused_with(finish(espaze, browser, forged), 'state')
    assert not signed_in(espaze, browser)
    other_browser = httpx.Client(timeout=15)
    assert refused_with(finish(espaze, other_browser, url), 'state')  # the state is bound to the first browser


def test_a_replayed_code_opens_nothing(espaze: RunningApp, provider: OpenIdProvider):
    first = httpx.Client(timeout=15)
    used = callback_url(espaze, provider, first, 'bob')
    assert finish(espaze, first, used) == '/'
    second = httpx.Client(timeout=15)
    fresh = callback_url(espaze, provider, second, 'bob')
    code = parse_qs(urlparse(used).query)['code'][0]
    replay = re.sub(r'code=[^&]+', f'code={code}', fresh)
    assert refused_with(finish(espaze, second, replay), 'token')
    assert not signed_in(espaze, second)


@pytest.mark.parametrize(
    'tampering',
    [
        {'claims': {'nonce': 'not-the-nonce-sent'}},
        {'claims': {'aud': 'another-client'}},
        {'claims': {'aud': ['espaze', 'another-client'], 'azp': 'another-client'}},
        {'claims': {'iss': 'http://127.0.0.1:1/not-the-issuer'}},
        {'claims': {'exp': int(time.time()) - 3600, 'iat': int(time.time()) - 3900}},
        {'claims': {'iat': int(time.time()) - 7200}},
        {'unknown_key': True},
    ],
    ids=['nonce', 'audience', 'authorized-party', 'issuer', 'expired', 'stale', 'unknown-key'],
)
def test_an_id_token_that_fails_a_check_opens_nothing(espaze: RunningApp, provider: OpenIdProvider, tampering):
    provider.tamper(**tampering)
    browser, landed = sign_in(espaze, provider, 'bob')
    assert refused_with(landed, 'token')
    assert not signed_in(espaze, browser)


def test_an_unverified_email_or_a_denied_request_opens_nothing(espaze: RunningApp, provider: OpenIdProvider):
    browser, landed = sign_in(espaze, provider, 'mallory')
    assert refused_with(landed, 'email') and not signed_in(espaze, browser)
    assert user_named(espaze, 'mallory@example.com') is None
    browser, landed = sign_in(espaze, provider, 'refuse')
    assert refused_with(landed, 'refused') and not signed_in(espaze, browser)
    browser, landed = sign_in(espaze, provider, 'frank')  # no email_verified, and Entra's domain check says no
    assert refused_with(landed, 'email') and not signed_in(espaze, browser)


def test_an_entra_style_verified_domain_stands_in_for_a_missing_email_verified(
    espaze: RunningApp, provider: OpenIdProvider
):
    browser, landed = sign_in(espaze, provider, 'erin')
    assert landed == '/' and signed_in(espaze, browser)


def test_an_account_is_linked_by_verified_email_and_keeps_its_id(espaze: RunningApp, provider: OpenIdProvider):
    body = {'email': 'carol@example.com', 'password': PASSWORD, 'name': 'Carol'}
    created = httpx.post(f'{espaze.base_url}/api/auth/register', json=body, timeout=10).json()
    browser, landed = sign_in(espaze, provider, 'carol')
    assert landed == '/' and signed_in(espaze, browser)
    assert user_named(espaze, 'carol@example.com')['id'] == created['id']


def test_an_account_no_longer_in_a_mapped_group_loses_its_role(espaze: RunningApp, provider: OpenIdProvider):
    browser, landed = sign_in(espaze, provider, 'bob')
    assert landed == '/' and user_named(espaze, 'bob@example.com')['role'] == 'operator'
    provider.change_account('bob', account('bob@example.com', 'espaze-admins', name='Bob'))
    sign_in(espaze, provider, 'bob')
    assert user_named(espaze, 'bob@example.com')['role'] == 'admin'
    provider.change_account('bob', account('bob@example.com', 'somewhere-else', name='Bob'))
    _, landed = sign_in(espaze, provider, 'bob')
    assert refused_with(landed, 'role')
    assert user_named(espaze, 'bob@example.com')['disabled'] is True
    assert not signed_in(espaze, browser)  # the session opened before ended with the account


def test_a_rotated_signing_key_is_fetched_again(espaze: RunningApp, provider: OpenIdProvider):
    _, landed = sign_in(espaze, provider, 'carol')
    assert landed == '/'
    provider.restart_with_new_key('key-2')
    browser, landed = sign_in(espaze, provider, 'carol')
    assert landed == '/' and signed_in(espaze, browser)


@pytest.mark.parametrize('size', SIZES)
def test_sign_in_with_the_provider_in_chromium(
    espaze: RunningApp,
    provider: OpenIdProvider,
    browser: Browser,
    playwright: Playwright,
    size: str,
    screenshot_dir: Path,
):
    page, errors = open_page(browser, playwright, size)
    page.goto(f'{espaze.base_url}/login?{urlencode({"redirect_to": "/account"})}')
    page.screenshot(path=screenshot_dir / f'{size}-login-with-sso.png', full_page=True)
    page.get_by_role('button', name='Sign in with Test provider').click()
    expect(page.get_by_role('heading', name='Test provider')).to_be_visible()
    page.get_by_label('Account').fill(size)
    page.get_by_role('button', name='Sign in').click()
    expect(page).to_have_url(f'{espaze.base_url}/account')
    expect(page.get_by_text(f'{size}@example.com · operator')).to_be_visible()
    no_sideways_scroll(page, f'{size} account after single sign-on')
    page.screenshot(path=screenshot_dir / f'{size}-signed-in-with-sso.png', full_page=True)
    assert errors == []
