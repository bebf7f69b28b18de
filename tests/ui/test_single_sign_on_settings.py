"""Single sign-on as configured: the login page's button and the reasons it shows, password sign-in turned off
(the API and the page refuse it), and settings Espaze refuses to start with."""

import pytest
from nicegui.testing import User

from config import Settings
from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, started

SSO = {
    'ESPAZE_OIDC_ISSUER': 'http://127.0.0.1:9',
    'ESPAZE_OIDC_CLIENT_ID': 'espaze',
    'ESPAZE_OIDC_CLIENT_SECRET': 'a-secret',
    'ESPAZE_OIDC_NAME': 'Keycloak',
}


@pytest.fixture
def password_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SSO, 'ESPAZE_PASSWORD_LOGIN': 'false'}.items():
        monkeypatch.setenv(name, value)


async def test_with_password_sign_in_off_only_the_provider_signs_in(password_off: None, user: User):
    await (await started()).auth.bootstrap_admin(ADMIN_EMAIL, PASSWORD)
    refused = await user.http_client.post('/api/auth/login', json={'email': ADMIN_EMAIL, 'password': PASSWORD})
    assert refused.status_code == 403 and 'single sign-on' in refused.json()['error']
    signup = await user.http_client.post(
        '/api/auth/register', json={'email': 'x@example.com', 'password': PASSWORD, 'name': 'X'}
    )
    assert signup.status_code == 403
    await user.open('/login?sso_error=role')
    await user.should_see('Sign in with Keycloak')
    await user.should_see('This account may not use Espaze (it is in none of the groups that may).')
    await user.should_not_see('Email')
    await user.should_not_see('Sign up')


async def test_an_unknown_reason_is_not_shown(password_off: None, user: User):
    await (await started()).auth.bootstrap_admin(ADMIN_EMAIL, PASSWORD)
    await user.open('/login?sso_error=<script>alert(1)</script>')
    await user.should_not_see(marker='sso error')


@pytest.mark.parametrize(
    ('settings', 'named'),
    [
        ({'ESPAZE_OIDC_ISSUER': 'http://127.0.0.1:9'}, 'go together'),
        ({**SSO, 'ESPAZE_OIDC_ROLE_MAP': 'espaze-admins=root'}, 'admin, operator or viewer'),
        ({**SSO, 'ESPAZE_OIDC_ROLE_MAP': 'no-role-here'}, 'value=role pairs'),
        ({**SSO, 'ESPAZE_OIDC_SCOPES': 'email profile'}, 'oidc_scopes'),
        ({'ESPAZE_PASSWORD_LOGIN': 'false'}, 'needs single sign-on'),
    ],
)
def test_settings_that_cannot_work_are_refused(monkeypatch: pytest.MonkeyPatch, settings: dict, named: str):
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=named):
        Settings()


async def test_a_provider_out_of_reach_is_said_on_the_login_page(password_off: None, user: User):
    await (await started()).auth.bootstrap_admin(ADMIN_EMAIL, PASSWORD)
    answer = await user.http_client.get('/auth/oidc/start', follow_redirects=False)
    assert answer.status_code == 303 and answer.headers['location'] == '/login?sso_error=unavailable'
    forged = await user.http_client.get('/auth/oidc/callback?code=x&state=y', follow_redirects=False)
    assert forged.status_code == 303 and forged.headers['location'].startswith('/login?sso_error=')


@pytest.fixture
def two_failures_per_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_LOGIN_FAILURES_PER_ADDRESS', '2')


async def test_failed_sign_ins_from_one_address_are_limited(password_off: None, two_failures_per_address, user: User):
    await (await started()).auth.bootstrap_admin(ADMIN_EMAIL, PASSWORD)
    answers = [
        (await user.http_client.get('/auth/oidc/callback?code=x&state=y', follow_redirects=False)).headers['location']
        for _ in range(3)
    ]
    assert answers == ['/login?sso_error=unavailable'] * 2 + ['/login?sso_error=busy']
