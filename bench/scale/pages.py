"""The pages a person opens first, in Chromium, on both instances: how long until each is usable, and how many
bytes its websocket brings in its first `watch` seconds."""

import time
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.scale.seed import ADMIN_EMAIL, PASSWORD
from tests.support.running_app import CHROMIUM, CHROMIUM_ARGS

PAGES = [  # what, path, what shows once it is usable
    ('Dashboard page', '/', 'text=Needs attention'),
    ('Nodes page', '/nodes', 'text=/Page 1 of/'),
    ('Deployments page', '/deployments', 'tbody tr >> nth=0'),
    ('Observatory page', '/observatory', '.js-plotly-plot >> nth=0'),
]


@dataclass
class PageFigures:
    usable_seconds: list[float] = field(default_factory=list)
    websocket_bytes: int = 0


def _logged_in(browser: Browser, base_url: str) -> Page:
    context = browser.new_context(viewport={'width': 1440, 'height': 900})
    page = context.new_page()
    page.goto(f'{base_url}/login')
    page.get_by_label('Email', exact=True).fill(ADMIN_EMAIL)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_role('button', name='Log in', exact=True).click()
    page.wait_for_url(f'{base_url}/')
    return page


def _open(page: Page, url: str, usable: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    expect(page.locator(usable)).to_be_visible(timeout=120_000)
    return time.perf_counter() - started


def _websocket_bytes(page: Page, url: str, usable: str, watch: float) -> int:
    received = [0]

    def count(socket) -> None:
        socket.on('framereceived', lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on('websocket', count)
    _open(page, url, usable)
    page.wait_for_timeout(watch * 1000)
    page.remove_listener('websocket', count)
    return received[0]


def measure_pages(base_urls: dict[str, str], rounds: int, watch: float) -> dict[str, dict[str, PageFigures]]:
    """{page: {instance: figures}}, the instances taking turns for every page."""
    figures = {name: {instance: PageFigures() for instance in base_urls} for name, _, _ in PAGES}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = {instance: _logged_in(browser, base) for instance, base in base_urls.items()}
        for name, path, usable in PAGES:
            for instance, base in base_urls.items():
                figures[name][instance].websocket_bytes = _websocket_bytes(pages[instance], base + path, usable, watch)
            for _ in range(rounds):
                for instance, base in base_urls.items():
                    figures[name][instance].usable_seconds.append(_open(pages[instance], base + path, usable))
        browser.close()
    return figures
