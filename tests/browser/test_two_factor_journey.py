"""Two-factor sign-in in Chromium, on a desktop and on a phone: set up from the Account page (a QR code and the
secret, a first code, recovery codes), then the login page's second step refusing a replayed code, a recovery code
used twice, and locking out after too many wrong codes."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.browser.test_live_authority import new_account
from tests.support.browser_pages import SIZES, no_sideways_scroll, open_page
from tests.support.rollout_helpers import PASSWORD
from tests.support.running_app import RunningApp, start_app_with_admin, stop_app
from tests.support.two_factor_helpers import clear_of_a_step_edge

WRONG = 'The code is not correct, or was already used'


@pytest.fixture(scope='module')
def espaze(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app_with_admin(
        tmp_path_factory.mktemp('two-factor') / 'data', PASSWORD, {'ESPAZE_SECOND_FACTOR_FAILURES_PER_ACCOUNT': '3'}
    )
    try:
        yield running
    finally:
        stop_app(running)


def password_step(page: Page, app: RunningApp, email: str) -> None:
    page.goto(app.base_url + '/login')
    page.get_by_label('Email', exact=True).fill(email)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_role('button', name='Log in', exact=True).click()
    expect(page.get_by_text('Enter the 6-digit code from your authenticator app.')).to_be_visible()


def give_code(page: Page, code: str, label: str = 'Authentication code') -> None:
    page.get_by_label(label, exact=True).fill(code)
    page.get_by_role('button', name='Verify', exact=True).click()


def refused(page: Page, code: str, label: str = 'Authentication code', saying: str | re.Pattern = WRONG) -> None:
    """Give a code and wait for this attempt's answer: the page empties the field when it refuses one."""
    give_code(page, code, label)
    expect(page.get_by_label(label, exact=True)).to_have_value('')
    expect(page.get_by_text(saying)).to_be_visible()
    assert page.url.split('?')[0].endswith('/login')


def recovery_step(browser: Browser, playwright: Playwright, size: str, app: RunningApp, email: str) -> Page:
    page = fresh_browser(browser, playwright, size)
    password_step(page, app, email)
    page.get_by_role('button', name='Use a recovery code instead').click()
    expect(page.get_by_label('Recovery code', exact=True)).to_be_visible()
    return page


def fresh_browser(browser: Browser, playwright: Playwright, size: str) -> Page:
    return open_page(browser, playwright, size)[0]


@pytest.mark.parametrize('size', SIZES)
def test_two_factor_from_setup_to_lockout(
    espaze: RunningApp, browser: Browser, playwright: Playwright, size: str, screenshot_dir: Path
):
    email = f'{size}@example.com'
    new_account(espaze, email, size)

    page, errors = open_page(browser, playwright, size)
    page.goto(espaze.base_url + '/login')
    page.get_by_label('Email', exact=True).fill(email)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_role('button', name='Log in', exact=True).click()
    expect(page).not_to_have_url(re.compile('/login'))
    page.goto(espaze.base_url + '/account')
    page.get_by_role('button', name='Set up two-factor').click()
    qr = page.locator('img[src^="data:image/svg+xml"]')
    expect(qr).to_be_visible()
    assert qr.bounding_box()['width'] >= 150
    secret = page.locator('.font-mono').filter(has_text=re.compile('^[A-Z2-7]{32}$')).inner_text()
    no_sideways_scroll(page, f'{size} two-factor setup')
    page.screenshot(path=screenshot_dir / f'{size}-two-factor-setup.png', full_page=True)
    clear_of_a_step_edge()
    first = pyotp.TOTP(secret).now()
    page.get_by_label('Code from your app', exact=True).fill(first)
    page.get_by_role('button', name='Turn on', exact=True).click()
    codes = page.locator('.whitespace-pre').inner_text().split('\n')
    assert len(codes) == 10
    page.screenshot(path=screenshot_dir / f'{size}-two-factor-recovery-codes.png', full_page=True)
    page.context.close()

    page = fresh_browser(browser, playwright, size)
    password_step(page, espaze, email)
    page.screenshot(path=screenshot_dir / f'{size}-login-second-step.png', full_page=True)
    refused(page, first)  # the code that turned two-factor on
    give_code(page, pyotp.TOTP(secret).at(time.time() + 30))
    expect(page).not_to_have_url(re.compile('/login'))
    page.context.close()

    page = recovery_step(browser, playwright, size, espaze, email)
    give_code(page, codes[0], 'Recovery code')
    expect(page).not_to_have_url(re.compile('/login'))
    page.context.close()

    page = recovery_step(browser, playwright, size, espaze, email)
    refused(page, codes[0], 'Recovery code')  # used once already
    refused(page, codes[1].replace('-', '') + 'x', 'Recovery code')
    refused(page, codes[1], 'Recovery code', re.compile('Too many wrong codes for this account'))
    page.screenshot(path=screenshot_dir / f'{size}-login-second-step-locked.png', full_page=True)
    assert errors == []
