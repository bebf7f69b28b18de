"""The frame around every page: navigation by role, honest empty sections, users admin, account, logout."""

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, login, signup
from tests.support.deployment_helpers import NGINX, body, create, linked_operator
from tests.support.fleet_helpers import database, enroll
from tests.support.github_emulator import GitHubEmulator
from tests.support.ui_helpers import confirm, log_in, press


async def test_admin_sees_every_section_and_users(user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    for section in ('Dashboard', 'Deployments', 'Nodes', 'Observatory', 'Users'):
        await user.should_see(section)


async def test_operator_has_no_users_section_and_is_refused_the_page(user: User):
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'op@example.com', 'Op')
    await log_in(user, 'op@example.com')
    await user.should_not_see('Users')
    await user.open('/users')
    await user.should_see('Only admins can see this page.')
    await user.should_not_see('Allow sign-up')


@pytest.mark.parametrize(
    ('path', 'message'),
    [
        ('/deployments', 'No deployments match. Create one from a GitHub repository or a prebuilt image.'),
        ('/observatory', 'No samples collected yet'),
    ],
)
async def test_empty_sections_say_so_honestly(user: User, path: str, message: str):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.open(path)
    await user.should_see(message)
    if path == '/deployments':  # said once: no empty table with its own "No data available" beside it
        await user.should_not_see(marker='deployments')


async def test_admin_changes_a_role_on_the_users_page(user: User):
    admin = await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com', 'Op')
    await log_in(user)
    await user.open('/users')
    await user.should_see('op@example.com')
    user.find(marker='role op@example.com').click()
    user.find('viewer').click()
    await user.should_see('op@example.com updated')
    me = await user.http_client.get('/api/auth/me', headers=bearer(operator))
    assert me.json()['role'] == 'viewer'
    listed = await user.http_client.get('/api/users', headers=bearer(admin))
    assert {u['email']: u['role'] for u in listed.json()['items']}['op@example.com'] == 'viewer'


async def test_admin_disables_an_account_on_the_users_page(user: User):
    await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com', 'Op')
    await log_in(user)
    await user.open('/users')
    user.find(marker='active op@example.com').click()
    await user.should_see('Disable op@example.com? Their sessions end at once', retries=20)
    await confirm(user)
    await user.should_see('op@example.com updated', retries=20)
    assert (await user.http_client.get('/api/auth/me', headers=bearer(operator))).status_code == 401


async def test_users_page_refuses_to_disable_the_last_admin(user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.open('/users')
    user.find(marker='active admin@example.com').click()
    await confirm(user)
    await user.should_see('Espaze needs at least one active admin')
    await login(user.http_client, 'admin@example.com')


async def test_log_out_ends_the_session(user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    user.find(marker='log-out').click()
    await user.should_see('Log in', retries=20)
    await user.open('/')
    await user.should_see('Log in')
    await user.should_not_see('Dashboard')


async def test_account_page_changes_the_password(user: User):
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'op@example.com', 'Op')
    await log_in(user, 'op@example.com')
    await user.open('/account')
    user.find('Current password').type('wrong password')
    user.find('New password').type('another good password')
    press(user, 'Change password')
    await user.should_see('The current password is not correct')
    user.find('Current password').clear().type(PASSWORD)
    press(user, 'Change password')
    await user.should_see('Password changed. Other sessions were logged out.', retries=20)
    await login(user.http_client, 'op@example.com', 'another good password')
    await user.open('/')
    await user.should_see('Welcome, Op.', retries=30)


async def test_the_theme_follows_the_system_until_chosen_and_is_remembered(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    await log_in(user)
    [dark] = user.find(ui.dark_mode).elements
    assert dark.value is None  # auto: the system decides
    user.find(marker='theme').click()
    await user.should_see('Theme: dark (remembered)', retries=20)
    assert dark.value is True
    await user.open('/deployments')  # another page, a new build: the choice holds
    await user.should_see('Deployments', retries=20)
    [dark] = user.find(ui.dark_mode).elements
    assert dark.value is True
    user.find(marker='theme').click()
    await user.should_see('Theme: light (remembered)', retries=20)
    client, db = database(mongo_url)
    assert db['users'].find_one({'email': ADMIN_EMAIL})['theme'] == 'light'
    client.close()


async def test_quick_search_finds_deployments_nodes_and_users_by_name(github: GitHubEmulator, user: User):
    admin = await admin_tokens(user.http_client)
    auth = await linked_operator(user.http_client, github, 'ana@example.com')
    await create(user.http_client, auth, body(name='shop-api', image=NGINX, replicas=0))
    await enroll(user.http_client, admin, mac='02:00:00:00:00:07', name='shop-floor-gw')
    await log_in(user)
    user.find(marker='search-button').click()
    user.find(marker='search-input').type('shop')
    await user.should_see(marker='search-hit', retries=30)
    [results] = user.find(marker='search-results').elements
    hits = {link.props['href'] for link in results.descendants() if isinstance(link, ui.link)}
    assert any(h.startswith('/deployments/') for h in hits) and any(h.startswith('/nodes/') for h in hits)
    user.find(marker='search-input').clear().type('ana@')
    await user.should_see('ana@example.com · operator', retries=30)
