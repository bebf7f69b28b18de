"""The real app as a process on a free port, and Debian's Chromium driven by Playwright.

Playwright's sync API runs an event loop of its own: its fixtures are module-scoped so that the loop is gone
before the asyncio tests of other modules run.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.support.running_app import CHROMIUM, CHROMIUM_ARGS, ROOT, RunningApp, start_app, stop_app

SCREENSHOTS = ROOT / 'artifacts' / 'screenshots'


@pytest.fixture
def espaze(tmp_path: Path) -> Iterator[RunningApp]:
    running = start_app(tmp_path / 'data')
    yield running
    stop_app(running)


@pytest.fixture(scope='module')
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope='module')
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), 'Debian Chromium is missing: `make test` installs it (apt-get install chromium)'
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
