"""Login, sign-up and setup pages, and the guard in front of every other page (NiceGUI's simulated user)."""

from nicegui.testing import User

from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, started
from tests.support.ui_helpers import press, submit_password


async def test_pages_send_a_browser_without_session_to_login_and_back(user: User):
    await admin_tokens(user.http_client)
    await submit_password(user, path='/users')
    await user.should_see('Allow sign-up', retries=50)


async def test_redirect_after_login_stays_on_this_site(user: User):
    await admin_tokens(user.http_client)
    await submit_password(user, path='/login?redirect_to=//evil.example.com/steal')
    await user.should_see('Welcome, admin.', retries=30)


async def test_wrong_password_shows_an_error_and_no_session(user: User):
    await admin_tokens(user.http_client)
    await user.open('/login')
    user.find('Email').type(ADMIN_EMAIL)
    user.find('Password').type('not the password')
    press(user, 'Log in')
    await user.should_see('Invalid email or password', retries=30)
    await user.open('/')
    await user.should_see('Log in')


async def test_setup_link_creates_the_first_admin_and_signs_in(user: User):
    token = await (await started()).auth.prepare_setup()
    await user.open(f'/setup?token={token}')
    user.find('Name').type('Root')
    user.find('Email').type('root@example.com')
    user.find('Password').type(PASSWORD)
    press(user, 'Create admin')
    await user.should_see('Welcome, Root.', retries=30)
    await user.should_see('Users')
    await user.open(f'/setup?token={token}')
    await user.should_see('This setup link is not valid or was already used.')


async def test_login_page_before_setup_points_to_the_setup_link(user: User):
    await started()
    await user.open('/login')
    await user.should_see('Open the one-time setup link that Espaze printed when it started.')


async def test_sign_up_shows_inline_errors_then_signs_in_as_operator(user: User):
    await admin_tokens(user.http_client)
    await user.open('/register')
    user.find('Name').type('Olga')
    user.find('Email').type('olga@example.com')
    user.find('Password').type('short')
    press(user, 'Sign up')
    await user.should_see('Must be at least 8 bytes')
    user.find('Password').clear().type(PASSWORD)
    press(user, 'Sign up')
    await user.should_see('Welcome, Olga.', retries=30)
    await user.should_not_see('Users')


async def test_sign_up_page_says_when_sign_up_is_closed(user: User):
    tokens = await admin_tokens(user.http_client)
    await user.http_client.patch(
        '/api/settings', json={'allowSignup': False}, headers={'Authorization': f'Bearer {tokens["accessToken"]}'}
    )
    await user.open('/register')
    await user.should_see('This instance does not take sign-ups. Ask an admin for an account.')
