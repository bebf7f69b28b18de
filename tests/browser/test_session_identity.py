"""Sessions as a browser holds them: a new cookie at every login and logout (a planted cookie opens nothing), and
the open pages of an ended session leave for /login by themselves within seconds, their sockets closed."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from pages.page_guard import MOST_PAGES_PER_SESSION
from tests.browser.test_live_authority import api_login, browser_login, new_account, patch_user, signed_in_tab
from tests.support.rollout_helpers import PASSWORD
from tests.support.running_app import RunningApp, start_app, stop_app

COOKIE = 'session'  # the name of NiceGUI's (Starlette's) session cookie
LEAVES_WITHIN_MS = 8_000  # the watch runs every 2 s; the rest is the browser loading /login


@pytest.fixture(scope='module')
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, dict]]:
    running = start_app(tmp_path_factory.mktemp('identity') / 'data')
    token = running.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': 'root@example.com', 'password': PASSWORD, 'name': 'Root'}
    assert httpx.post(f'{running.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    try:
        yield running, api_login(running, 'root@example.com')
    finally:
        stop_app(running)


def session_cookie(context: BrowserContext) -> dict:
    return next(c for c in context.cookies() if c['name'] == COOKIE)


def lands_on_login(browser: Browser, app: RunningApp, cookie: dict) -> bool:
    """Whether a browser presenting only this cookie is sent to log in."""
    context = browser.new_context()
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(app.base_url + '/deployments')
    landed = page.url.startswith(app.base_url + '/login')
    context.close()
    return landed


def closed_soon(page: Page, socket: WebSocket, seconds: float = 3) -> bool:
    for _ in range(int(seconds * 10)):
        if socket.is_closed():
            return True
        page.wait_for_timeout(100)
    return socket.is_closed()


def watch_sockets(page: Page) -> list[WebSocket]:
    sockets: list[WebSocket] = []
    page.on('websocket', lambda socket: sockets.append(socket))
    return sockets


def test_a_cookie_planted_before_login_opens_nothing_and_logout_renews_it(browser: Browser, watched):
    app, _ = watched
    new_account(app, 'vic@example.com', 'Vic')
    attacker = browser.new_context()
    attacker.new_page().goto(app.base_url + '/login')
    planted = session_cookie(attacker)

    victim = browser.new_context()
    victim.add_cookies([planted])
    page = victim.new_page()
    browser_login(page, app, 'vic@example.com', 'Vic')
    signed_in = session_cookie(victim)
    assert signed_in['value'] != planted['value']
    assert signed_in['httpOnly']
    assert lands_on_login(browser, app, planted)
    assert not lands_on_login(browser, app, signed_in)

    page.get_by_role('button', name='User menu').click()
    page.get_by_text('Log out', exact=True).click()
    expect(page.get_by_role('button', name='Log in', exact=True)).to_be_visible()
    print(''.join(app.output[-80:]))
    assert session_cookie(victim)['value'] not in (signed_in['value'], planted['value'])
    assert lands_on_login(browser, app, signed_in)
    victim.close()
    attacker.close()


def test_logging_out_in_one_tab_sends_the_other_tabs_to_login(browser: Browser, watched):
    app, _ = watched
    new_account(app, 'tab@example.com', 'Tab')
    first = signed_in_tab(browser, app, 'tab@example.com', 'Tab', '/deployments')
    context = first.context
    expect(first.get_by_role('button', name='User menu')).to_be_visible()
    second = context.new_page()
    second.goto(app.base_url + '/account')
    second.get_by_role('button', name='User menu').click()
    second.get_by_text('Log out', exact=True).click()

    expect(first).to_have_url(f'{app.base_url}/login?redirect_to=%2Fdeployments', timeout=LEAVES_WITHIN_MS)
    context.close()


def test_the_server_ends_the_socket_of_a_page_whose_session_ended(browser: Browser, watched):
    """Even a page that does not follow the way out (here its navigation is blocked) loses its connection."""
    app, admin = watched
    user_id, _ = new_account(app, 'sock@example.com', 'Sock')
    page = signed_in_tab(browser, app, 'sock@example.com', 'Sock')
    context = page.context
    sockets = watch_sockets(page)
    page.goto(app.base_url + '/deployments')
    expect(page.get_by_role('button', name='User menu')).to_be_visible()
    context.route('**/login*', lambda route: route.fulfill(status=204))  # a 204 leaves the page where it is
    patch_user(app, admin, user_id, disabled=True)

    assert sockets and closed_soon(page, sockets[-1], LEAVES_WITHIN_MS / 1000), (
        page.url,
        len(sockets),
        [s.url[-60:] for s in sockets],
    )
    context.close()


@pytest.mark.parametrize('ending', ['password changed', 'disabled'])
def test_an_ended_session_closes_its_open_pages_by_itself(browser: Browser, watched, ending: str):
    app, admin = watched
    email = f'{ending.split()[0]}@example.com'
    user_id, auth = new_account(app, email, 'Ivy')
    context = browser.new_context(viewport={'width': 1366, 'height': 850})
    page = context.new_page()
    browser_login(page, app, email, 'Ivy')
    page.goto(app.base_url + '/nodes')
    expect(page.get_by_role('button', name='User menu')).to_be_visible()
    if ending == 'disabled':
        patch_user(app, admin, user_id, disabled=True)
    else:
        body = {'currentPassword': PASSWORD, 'newPassword': 'a brand new one'}
        assert httpx.post(f'{app.base_url}/api/auth/password', json=body, headers=auth, timeout=10).status_code == 204

    expect(page).to_have_url(f'{app.base_url}/login?redirect_to=%2Fnodes', timeout=LEAVES_WITHIN_MS)
    context.close()


def test_a_role_change_reloads_open_pages_into_the_new_role(browser: Browser, watched, tmp_path: Path):
    app, admin = watched
    user_id, _ = new_account(app, 'ray@example.com', 'Ray')
    patch_user(app, admin, user_id, role='admin')
    page = signed_in_tab(browser, app, 'ray@example.com', 'Ray', '/audit')
    context = page.context
    expect(page.get_by_text('Only admins can see this page.')).to_have_count(0)
    expect(page.get_by_role('link', name='Users')).to_be_visible()
    patch_user(app, admin, user_id, role='operator')

    expect(page.get_by_text('Only admins can see this page.')).to_be_visible(timeout=LEAVES_WITHIN_MS)
    expect(page.get_by_role('link', name='Users')).to_have_count(0)
    context.close()


def test_one_session_may_hold_a_bounded_number_of_open_pages(browser: Browser, watched):
    app, _ = watched
    # a light page: twenty tabs of a page with a map and live tables overload a 2-core machine, and the browser
    # then drops and reloads some of them (each reload is a new page), which is not what this test is about
    new_account(app, 'tabs@example.com', 'Tabs')
    first = signed_in_tab(browser, app, 'tabs@example.com', 'Tabs')
    context = first.context
    pages = [first]
    for _ in range(MOST_PAGES_PER_SESSION - 1):
        page = context.new_page()
        page.goto(app.base_url + '/account')
        expect(page.get_by_role('button', name='User menu')).to_be_visible()
        pages.append(page)
    one_too_many = context.new_page()
    one_too_many.goto(app.base_url + '/account')
    expect(one_too_many.get_by_text('Too many Espaze pages are open in this browser.')).to_be_visible()
    expect(one_too_many.get_by_role('button', name='User menu')).to_have_count(0)
    pages.pop().close()
    expect(first.get_by_role('button', name='User menu')).to_be_visible()  # the others still work
    for _ in range(30):  # a closed tab is let go within seconds
        one_too_many.reload()
        if one_too_many.get_by_role('button', name='User menu').count():
            break
        one_too_many.wait_for_timeout(500)
    expect(one_too_many.get_by_role('button', name='User menu')).to_be_visible()
    context.close()
