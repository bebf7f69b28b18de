"""Pages in Chromium at the two sizes every journey runs at, with what a journey checks of each."""

from playwright.sync_api import Browser, Locator, Page, Playwright

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
