"""Journeys a person takes in a real browser: set up the admin, log out, sign up, log in; desktop and phone."""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.support.browser_pages import no_sideways_scroll, open_page
from tests.support.running_app import RunningApp

PASSWORD = 'correct horse battery'


def fill_and_press(page: Page, fields: dict[str, str], button: str) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role('button', name=button, exact=True).click()


def open_navigation_if_collapsed(page: Page, device: str) -> None:
    """On a phone the drawer starts closed and opens from the Menu button; on a desktop it is open beside the page."""
    drawer_link = page.get_by_role('link', name='Deployments')
    if device == 'phone':
        expect(drawer_link).not_to_be_visible()
        page.get_by_role('button', name='Menu', exact=True).click()
    expect(drawer_link).to_be_visible()


def close_navigation_overlay(page: Page, device: str) -> None:
    """On a phone the open drawer covers the page; a person taps beside it to close it."""
    if device != 'phone':
        return
    backdrop = page.locator('.q-drawer__backdrop')
    expect(backdrop).to_be_visible()
    size = page.viewport_size or {'width': 390, 'height': 664}
    page.mouse.click(size['width'] - 10, size['height'] // 2)
    expect(backdrop).not_to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role('button', name='User menu').click()
    page.get_by_text('Log out', exact=True).click()
    expect(page.get_by_role('button', name='Log in', exact=True)).to_be_visible()


def first_journey(page: Page, espaze: RunningApp, shots: Path, device: str) -> None:
    page.goto(espaze.setup_url())
    expect(page.get_by_text('Create the first admin')).to_be_visible()
    page.screenshot(path=shots / f'{device}-1-setup.png')
    fill_and_press(page, {'Name': 'Root', 'Email': 'root@example.com', 'Password': PASSWORD}, 'Create admin')
    expect(page.get_by_text('Welcome, Root.')).to_be_visible()
    open_navigation_if_collapsed(page, device)
    expect(page.get_by_role('link', name='Users')).to_be_visible()
    page.screenshot(path=shots / f'{device}-2-admin-dashboard.png')
    close_navigation_overlay(page, device)
    log_out(page)

    page.get_by_role('link', name='Sign up').click()
    fill_and_press(page, {'Name': 'Olga', 'Email': 'olga@example.com', 'Password': PASSWORD}, 'Sign up')
    expect(page.get_by_text('Welcome, Olga.')).to_be_visible()
    open_navigation_if_collapsed(page, device)
    expect(page.get_by_role('link', name='Users')).to_have_count(0)
    close_navigation_overlay(page, device)
    log_out(page)

    fill_and_press(page, {'Email': 'olga@example.com', 'Password': 'wrong password'}, 'Log in')
    expect(page.get_by_text('Invalid email or password')).to_be_visible()
    page.screenshot(path=shots / f'{device}-3-login-error.png')
    fill_and_press(page, {'Email': 'olga@example.com', 'Password': PASSWORD}, 'Log in')
    expect(page.get_by_text('Welcome, Olga.')).to_be_visible()
    expect(page.get_by_text('No deployments yet')).to_be_visible()
    page.screenshot(path=shots / f'{device}-4-operator-dashboard.png', full_page=True)


def test_first_journey_on_desktop(browser: Browser, playwright: Playwright, espaze: RunningApp, screenshot_dir: Path):
    page, errors = open_page(browser, playwright, 'desktop')
    first_journey(page, espaze, screenshot_dir, 'desktop')
    expect(page.get_by_role('link', name='Deployments')).to_be_visible()  # drawer open beside the content
    no_sideways_scroll(page, 'the Dashboard')
    assert errors == []
    page.context.close()


def test_first_journey_on_a_phone(browser: Browser, playwright: Playwright, espaze: RunningApp, screenshot_dir: Path):
    page, errors = open_page(browser, playwright, 'phone')
    context = page.context
    page.goto(espaze.base_url + '/login')
    first_journey(page, espaze, screenshot_dir, 'phone')
    no_sideways_scroll(page, 'the Dashboard')
    page.reload()
    expect(page.get_by_role('link', name='Deployments')).not_to_be_visible()  # drawer closed by default
    page.get_by_role('button', name='Menu', exact=True).click()
    expect(page.get_by_role('link', name='Deployments')).to_be_visible()
    page.screenshot(path=screenshot_dir / 'phone-5-menu-open.png')
    assert errors == []
    context.close()


@pytest.mark.parametrize('path', ['/', '/users', '/nodes'])
def test_pages_without_a_session_lead_to_login(browser: Browser, espaze: RunningApp, path: str):
    token = espaze.setup_url().split('token=', 1)[1]
    admin = {'token': token, 'email': 'root@example.com', 'password': PASSWORD}
    assert httpx.post(f'{espaze.base_url}/api/auth/setup', json=admin, timeout=10).status_code == 201
    page = browser.new_page()
    page.goto(espaze.base_url + path)
    expect(page.get_by_role('button', name='Log in', exact=True)).to_be_visible()
    expected = '/login' if path == '/' else f'/login?redirect_to=%2F{path[1:]}'
    expect(page).to_have_url(espaze.base_url + expected)
    page.close()
