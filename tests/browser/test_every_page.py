"""Every signed-in page, on a desktop and on an iPhone-sized screen, with real data: no console error, nothing that
scrolls sideways, and a screenshot of each. Then dark mode and the quick search, and each deployment operation
with its confirmation, followed live by the page."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect

from tests.support.browser_pages import (
    CREATED_WITHIN_MS,
    SIZES,
    NetworkWatch,
    no_sideways_scroll,
    nothing_cut_off,
    open_page,
)
from tests.support.fleet_setup import admin_session, log_in
from tests.support.running_app import RunningApp, start_app, stop_app

NGINX = 'nginxinc/nginx-unprivileged:1.27'
FAST = {
    'ESPAZE_METRICS_INTERVAL_SECONDS': '2',
    'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
    'ESPAZE_ALLOW_PRIVATE_NODE_IPS': 'true',
}


USAGE_CHART = '.espaze-tab-chart .main-svg'
FILLS_ITS_BOX = """() => {
    const box = document.querySelector('.espaze-tab-chart');
    const drawn = box.querySelector('.main-svg').getBoundingClientRect().width;
    return Math.abs(drawn - box.getBoundingClientRect().width) < 2;
}"""


class Seeded:
    def __init__(self, espaze: RunningApp, auth: dict, deployment_id: str, node_id: str) -> None:
        self.espaze, self.auth, self.deployment_id, self.node_id = espaze, auth, deployment_id, node_id

    def get(self, path: str) -> dict:
        return httpx.get(f'{self.espaze.base_url}{path}', headers=self.auth, timeout=10).json()

    def until(self, check, seconds: float = 60) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            found = self.get(f'/api/deployments/{self.deployment_id}')
            if check(found):
                return found
            assert time.monotonic() < deadline, found['statusReason']
            time.sleep(0.3)


@pytest.fixture(scope='module')
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    espaze = start_app(tmp_path_factory.mktemp('every-page') / 'data', FAST)
    try:
        auth = admin_session(espaze)
        base = espaze.base_url
        body = {'name': 'web', 'configuration': {'image': NGINX, 'replicas': 1, 'healthCheckPath': '/'}}
        created = httpx.post(f'{base}/api/deployments', json=body, headers=auth, timeout=10)
        assert created.status_code == 202, created.text
        node_body = {
            'macAddress': '02:00:00:00:00:42',
            'publicIp': '192.0.2.42',
            'location': {'latitude': 38.72, 'longitude': -9.14},
            'name': 'lisbon-edge',
        }
        enrolled = httpx.post(f'{base}/api/nodes/register', json=node_body, headers=auth, timeout=10).json()
        beat = {'metrics': {'cpuPercent': 12.5, 'memoryPercent': 40, 'diskPercent': 61, 'load1': 0.4}}
        headers = {'Authorization': f'Bearer {enrolled["nodeToken"]}'}
        node_id = enrolled['node']['id']
        assert httpx.post(f'{base}/api/nodes/{node_id}/heartbeat', json=beat, headers=headers).status_code == 200
        state = Seeded(espaze, auth, created.json()['id'], node_id)
        state.until(lambda d: d['status'] == 'running')
        yield state
    finally:
        stop_app(espaze)


@pytest.mark.parametrize('size', SIZES)
def test_every_page_reads_well_without_errors(
    browser: Browser, playwright: Playwright, seeded: Seeded, screenshot_dir: Path, size: str
):
    page, errors = open_page(browser, playwright, size)
    network = NetworkWatch(page)
    base = seeded.espaze.base_url
    log_in(page, seeded.espaze)
    visits = [
        ('/', 'Welcome, Root.', 'dashboard'),
        ('/deployments', 'web.apps.espaze.localhost', 'deployments'),
        ('/deployments/new', 'From a prebuilt image', 'wizard'),
        (f'/deployments/{seeded.deployment_id}', '1 of 1 replicas ready', 'deployment'),
        ('/nodes', 'lisbon-edge', 'nodes'),
        (f'/nodes/{seeded.node_id}', '12 %', 'node'),
        ('/observatory', 'Pods by phase', 'observatory'),
        ('/users', 'root@example.com', 'users'),
        ('/settings', 'GitHub', 'settings'),
        ('/audit', 'Page 1 of', 'audit'),
        ('/account', 'root@example.com', 'account'),
    ]
    for path, sign, name in visits:
        page.goto(base + path)
        expect(page.get_by_text(sign).first).to_be_visible()
        no_sideways_scroll(page, path)
        nothing_cut_off(page, '.q-table__middle', f'a table of {path}')  # no column pushed out of sight
        page.screenshot(path=screenshot_dir / f'{size}-page-{name}.png', full_page=True)

    page.goto(f'{base}/deployments')
    address = page.get_by_role('link', name='web.apps.espaze.localhost')
    expect(address).to_have_attribute('href', 'http://web.apps.espaze.localhost')  # a link, not plain text
    page.goto(f'{base}/deployments/{seeded.deployment_id}')
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible()
    for tab in ('Build log', 'Configuration', 'Pods and events', 'Usage', 'Releases', 'Deliveries', 'Previews', 'Logs'):
        page.get_by_role('tab', name=tab).click()
        expect(page.get_by_role('tab', name=tab)).to_have_attribute('aria-selected', 'true')
        network.settled()
        no_sideways_scroll(page, f'the {tab} tab')
        if tab == 'Build log':
            expect(page.get_by_text(f'No build: this deployment runs the prebuilt image {NGINX}.')).to_be_visible()
        if tab in ('Usage', 'Pods and events', 'Logs'):
            page.screenshot(path=screenshot_dir / f'{size}-deployment-{tab.split()[0].lower()}.png', full_page=True)

    _away_from_usage_before_plotly_loads(browser, playwright, seeded, size, errors)

    page.goto(base + '/observatory')
    expect(page.locator('.js-plotly-plot .main-svg').first).to_be_visible()
    for span in ('15 m', '1 h', '6 h', '24 h', '7 d'):
        page.get_by_role('button', name=span, exact=True).click()
        expect(page.get_by_text('No samples collected yet')).to_be_hidden()
        no_sideways_scroll(page, f'the Observatory at {span}')
    page.screenshot(path=screenshot_dir / f'{size}-observatory-7d.png', full_page=True)
    ticks = page.locator('.js-plotly-plot .xtick text').all_text_contents()
    assert ticks and not any(re.search(r'\d\d:\d\d:\d\d\.\d', tick) for tick in ticks)  # no millisecond ticks
    assert not any('2000' in tick for tick in ticks)
    assert errors == []  # no script error, nothing refused by the CSP, no plotly resize of a hidden chart


def _away_from_usage_before_plotly_loads(
    browser: Browser, playwright: Playwright, seeded: Seeded, size: str, errors: list[str]
) -> None:
    """On a slow connection, a person leaves the Usage tab before plotly arrived: nothing may then resize a plot
    that is no longer on the page."""
    page, slow_errors = open_page(browser, playwright, size)
    network = NetworkWatch(page)
    log_in(page, seeded.espaze)
    arrived = []

    def slowly(route: Route) -> None:
        time.sleep(1.5)
        arrived.append(route.request.url)
        route.continue_()

    page.route(re.compile('plotly'), slowly)
    page.goto(f'{seeded.espaze.base_url}/deployments/{seeded.deployment_id}')
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible()
    page.get_by_role('tab', name='Usage').click()
    page.get_by_role('tab', name='Releases').click()
    network.settled()
    expect(page.get_by_role('tab', name='Releases')).to_have_attribute('aria-selected', 'true')
    page.evaluate('new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))')
    assert arrived, 'plotly was never asked for'
    errors.extend(slow_errors)
    page.context.close()


def test_usage_charts_follow_the_window_while_shown_and_nothing_resizes_them_once_hidden(
    browser: Browser, playwright: Playwright, seeded: Seeded
):
    page, errors = open_page(browser, playwright, 'desktop')
    log_in(page, seeded.espaze)
    page.goto(f'{seeded.espaze.base_url}/deployments/{seeded.deployment_id}')
    page.get_by_role('tab', name='Usage').click()
    chart = page.locator(USAGE_CHART).first
    expect(chart).to_be_visible()
    drawn = chart.bounding_box()['width']
    page.set_viewport_size({'width': 900, 'height': 900})  # one column of charts instead of two: wider
    page.wait_for_function(FILLS_ITS_BOX)
    assert chart.bounding_box()['width'] > drawn + 100
    page.get_by_role('tab', name='Releases').click()
    page.set_viewport_size({'width': 1300, 'height': 900})
    page.wait_for_timeout(400)  # past the resize handler's pause: nothing resizes the chart that is gone
    page.get_by_role('tab', name='Usage').click()
    expect(chart).to_be_visible()
    page.wait_for_function(FILLS_ITS_BOX)
    assert errors == []


def test_dark_mode_is_remembered_and_the_quick_search_opens_with_a_key(
    browser: Browser, playwright: Playwright, seeded: Seeded, screenshot_dir: Path
):
    page, errors = open_page(browser, playwright, 'desktop')
    log_in(page, seeded.espaze)
    page.get_by_role('button', name='Theme: follows the system').click()
    expect(page.locator('body.body--dark')).to_have_count(1)
    page.reload()
    expect(page.get_by_text('Welcome, Root.')).to_be_visible()
    expect(page.locator('body.body--dark')).to_have_count(1)  # remembered
    page.screenshot(path=screenshot_dir / 'desktop-dark-dashboard.png', full_page=True)
    page.goto(f'{seeded.espaze.base_url}/deployments/{seeded.deployment_id}')
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible()
    page.screenshot(path=screenshot_dir / 'desktop-dark-deployment.png', full_page=True)
    page.get_by_role('button', name='Theme: dark').click()
    page.get_by_role('button', name='Theme: light').click()  # back to following the system
    expect(page.get_by_role('button', name='Theme: follows the system')).to_be_visible()

    page.keyboard.press('/')
    page.get_by_label('Quick search').fill('lisbon')
    page.get_by_role('link', name=re.compile('lisbon-edge')).click()
    expect(page).to_have_url(re.compile(f'/nodes/{seeded.node_id}$'))
    page.keyboard.press('Control+k')
    page.get_by_label('Quick search').fill('web')
    page.get_by_role('link', name=re.compile('^web')).click()
    expect(page).to_have_url(re.compile(f'/deployments/{seeded.deployment_id}$'))
    assert errors == []


def _act(page: Page, button: str, question: str, toast: str) -> None:
    """Press it, read the question, confirm, and hear how it went (once the cluster took it, however busy)."""
    page.get_by_role('button', name=button, exact=True).click()
    dialog = page.get_by_role('dialog')
    expect(dialog).to_contain_text(question)
    dialog.get_by_role('button', name=button).click()
    expect(page.get_by_text(toast)).to_be_visible(timeout=20_000)


@pytest.mark.parametrize('size', SIZES)
def test_each_operation_asks_first_and_the_page_follows_it(
    browser: Browser, playwright: Playwright, seeded: Seeded, screenshot_dir: Path, size: str
):
    page, errors = open_page(browser, playwright, size)
    log_in(page, seeded.espaze)
    page.goto(f'{seeded.espaze.base_url}/deployments/{seeded.deployment_id}')
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible()
    _act(page, 'Stop', 'Stop web? All its pods are removed', 'Stopping web')
    expect(page.get_by_role('button', name='Start')).to_be_visible(timeout=20_000)  # no reload
    expect(page.get_by_text('stopped: 0 replicas')).to_be_visible()
    expect(page.get_by_role('button', name='Restart')).to_have_count(0)
    page.screenshot(path=screenshot_dir / f'{size}-deployment-stopped.png', full_page=True)
    page.get_by_role('button', name='Start').click()
    expect(page.get_by_text('Starting web')).to_be_visible(timeout=20_000)
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible(timeout=30_000)
    _act(page, 'Restart', 'Restart web? Its pods are replaced one by one.', 'Restarting the pods of web')
    seeded.until(lambda d: d['status'] == 'running' and d['history'][-2]['reason'].startswith('Restarted'))
    expect(page.get_by_text(re.compile('ready after'))).to_be_visible(timeout=30_000)
    page.get_by_role('tab', name='Releases').click()
    release = seeded.get(f'/api/deployments/{seeded.deployment_id}')['release']
    expect(page.get_by_text(f'#{release}', exact=True)).to_be_visible()
    page.get_by_role('button', name='Roll back').last.click()  # release #1: one replica
    dialog = page.get_by_role('dialog')
    expect(dialog).to_contain_text('Its image and configuration are applied again as a new release.')
    dialog.get_by_role('button', name='Roll back').click()
    expect(page.get_by_text(re.compile('Rolling back to release #'))).to_be_visible(timeout=20_000)
    expect(page.get_by_text(f'#{release + 1}', exact=True)).to_be_visible(timeout=20_000)  # the new release, live
    seeded.until(lambda d: d['status'] == 'running' and d['release'] == release + 1)
    assert errors == []


@pytest.mark.parametrize('size', SIZES)
def test_the_wizard_deploys_a_prebuilt_image_with_no_repository(
    browser: Browser, playwright: Playwright, seeded: Seeded, screenshot_dir: Path, size: str
):
    page, errors = open_page(browser, playwright, size)
    log_in(page, seeded.espaze)
    page.goto(seeded.espaze.base_url + '/deployments/new')
    page.get_by_role('button', name='From a prebuilt image').click()
    expect(page.get_by_text('Give the image to run')).to_be_visible()
    expect(page.get_by_role('button', name='Deploy')).to_be_disabled()
    page.get_by_label('Name').fill(f'hello-{size}')
    page.get_by_label('Image', exact=True).fill(NGINX)
    page.get_by_role('button', name='Deploy').click()
    expect(page).to_have_url(re.compile(r'/deployments/[0-9a-f]{24}$'), timeout=CREATED_WITHIN_MS)
    expect(page.get_by_text('1 of 1 replicas ready')).to_be_visible(timeout=30_000)
    expect(page.get_by_text('skipped: prebuilt image')).to_be_visible()
    no_sideways_scroll(page, 'a prebuilt deployment')
    page.screenshot(path=screenshot_dir / f'{size}-prebuilt-running.png', full_page=True)
    assert errors == []
