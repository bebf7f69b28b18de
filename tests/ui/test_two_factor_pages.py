"""Two-factor sign-in on the pages (NiceGUI's simulated user): set up on the Account page, the login page's second
step, the policy that sends an account to set it up, and the admin's reset on the Users page."""

import pyotp
from nicegui.testing import User

from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, signup
from tests.support.two_factor_helpers import clear_of_a_step_edge, code_at, turn_on
from tests.support.ui_helpers import confirm, log_in, press, submit_password


def text_of(user: User, marker: str) -> str:
    return next(iter(user.find(marker=marker).elements)).text


async def password_step(user: User, email: str = ADMIN_EMAIL) -> None:
    await submit_password(user, email)
    await user.should_see('Enter the 6-digit code from your authenticator app.', retries=30)


async def test_setup_on_the_account_page_shows_a_qr_code_then_recovery_codes_once(user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.open('/account')
    await user.should_see('Off: a password alone opens this account.')
    press(user, 'Set up two-factor')
    await user.should_see(marker='totp qr code', retries=30)
    image = next(iter(user.find(marker='totp qr code').elements))
    assert image.source.startswith('data:image/svg+xml')
    secret = text_of(user, 'totp secret')
    user.find('Code from your app').type('000000')
    press(user, 'Turn on')
    await user.should_see('Is not the code your authenticator shows now', retries=30)
    clear_of_a_step_edge()
    user.find('Code from your app').clear().type(pyotp.TOTP(secret).now())
    press(user, 'Turn on')
    await user.should_see(marker='recovery codes', retries=30)
    assert len(text_of(user, 'recovery codes').split('\n')) == 10
    await user.open('/account')
    await user.should_see('On. 10 recovery codes left.')
    await user.should_not_see(marker='recovery codes')


async def test_the_login_page_asks_for_the_code_after_the_password(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    secret, _ = await turn_on(user.http_client, admin)
    await password_step(user)
    user.find('Authentication code').type(code_at(secret, -1))
    press(user, 'Verify')
    await user.should_see('The code is not correct, or was already used', retries=30)
    user.find('Authentication code').type(code_at(secret, 0))
    press(user, 'Verify')
    await user.should_see('Dashboard', retries=30)


async def test_a_recovery_code_opens_the_login_page_once(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    _, codes = await turn_on(user.http_client, admin)
    await password_step(user)
    press(user, 'Use a recovery code instead')
    user.find('Recovery code').type(codes[0])
    press(user, 'Verify')
    await user.should_see('Dashboard', retries=30)
    await user.open('/account')
    await user.should_see('On. 9 recovery codes left.')


async def test_a_required_second_factor_sends_the_account_to_set_it_up_first(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    await user.http_client.patch('/api/settings', json={'twoFactorRequired': 'everyone'}, headers=admin)
    await signup(user.http_client, 'op@example.com')
    await submit_password(user, 'op@example.com')
    await user.should_see('This instance requires two-factor sign-in: set it up to go on.', retries=30)
    await user.open('/deployments')
    await user.should_see('This instance requires two-factor sign-in: set it up to go on.', retries=30)


async def test_an_admin_resets_a_second_factor_on_the_users_page(user: User):
    admin = bearer(await admin_tokens(user.http_client))
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    await turn_on(user.http_client, operator)
    await log_in(user)
    await user.open('/users')
    user.find(marker='reset two-factor op@example.com').click()
    await confirm(user)
    await user.should_see('Second factor of op@example.com reset', retries=30)
    await user.should_not_see(marker='reset two-factor op@example.com')
    actions = [e['action'] for e in (await user.http_client.get('/api/audit', headers=admin)).json()['items']]
    assert 'user.totp_reset' in actions
    signed_in = await user.http_client.post('/api/auth/login', json={'email': 'op@example.com', 'password': PASSWORD})
    assert signed_in.status_code == 200
