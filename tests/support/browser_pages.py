"""Pages in Chromium at the two sizes every journey runs at, with what a journey checks of each."""

import time

from playwright.sync_api import Browser, Locator, Page, Playwright, Request

SIZES = ['desktop', 'phone']
DESKTOP = {'width': 1440, 'height': 900}
# Deploy checks with GitHub, records, then the browser loads the new deployment's page: under the suite's
# load (two workers, builds running) that took over the default 5 s once.
CREATED_WITHIN_MS = 20_000


def open_page(browser: Browser, playwright: Playwright, size: str) -> tuple[Page, list[str]]:
    """A new page at `size` (a 1440 px desktop, or Playwright's iPhone 13), and the console errors it collects."""
    if size == 'phone':
        device = dict(playwright.devices['iPhone 13'])
        device.pop('default_browser_type', None)
        context = browser.new_context(**device)
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on('console', lambda message: errors.append(message.text) if message.type == 'error' else None)
    page.on('pageerror', lambda error: errors.append(str(error)))
    return page, errors


def no_sideways_scroll(page: Page, where: str) -> None:
    overflow = page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')
    assert overflow <= 1, f'{where} scrolls sideways by {overflow} px'


def listed(page: Page, text: str) -> Locator:
    """The row of a table holding `text`, or its card on a phone."""
    return page.locator('tbody tr, .q-table__grid-item, .q-table__grid-content > div').filter(has_text=text)


def nothing_cut_off(page: Page, selector: str, where: str) -> None:
    """No element matching `selector` hides part of its text or content (clipped with an ellipsis, or scrolling)."""
    cut = page.eval_on_selector_all(
        selector,
        'elements => elements.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)'
        '.map(e => e.textContent.trim().slice(0, 40))',
    )
    assert cut == [], f'{where}: cut off: {cut}'


class NetworkWatch:
    """The requests a page has in flight, other than NiceGUI's socket (which may fall back to long polling when
    a loaded machine is slow to open the websocket, so that Playwright's `networkidle` never comes)."""

    QUIET_S = 0.5

    def __init__(self, page: Page) -> None:
        self.page = page
        self.in_flight: dict[Request, str] = {}
        self.changed_at = time.monotonic()
        page.on('request', self._started)
        page.on('requestfinished', self._ended)
        page.on('requestfailed', self._ended)

    def _started(self, request: Request) -> None:
        if '/_nicegui_ws/' not in request.url:
            self.in_flight[request] = request.url
            self.changed_at = time.monotonic()

    def _ended(self, request: Request) -> None:
        if self.in_flight.pop(request, None) is not None:
            self.changed_at = time.monotonic()

    def settled(self, within_s: float = 60) -> None:
        """Waits until no request has been in flight for half a second; names those still loading otherwise."""
        deadline = time.monotonic() + within_s
        while self.in_flight or time.monotonic() - self.changed_at < self.QUIET_S:
            assert time.monotonic() < deadline, f'still loading after {within_s} s: {list(self.in_flight.values())}'
            self.page.wait_for_timeout(100)
