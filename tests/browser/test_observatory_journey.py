"""The Observatory in a real browser with data: an app sampling every 2 s, a running deployment, charts drawn."""

import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Playwright, expect

from tests.support.browser_pages import no_sideways_scroll, open_page
from tests.support.fleet_setup import admin_session, log_in
from tests.support.running_app import start_app, stop_app

DESKTOP = {'width': 1366, 'height': 900}


def test_the_observatory_shows_the_cluster_with_history(
    browser: Browser, playwright: Playwright, tmp_path: Path, screenshot_dir: Path
):
    espaze = start_app(
        tmp_path / 'data', {'ESPAZE_METRICS_INTERVAL_SECONDS': '2', 'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1'}
    )
    try:
        auth = admin_session(espaze)
        payload = {
            'name': 'web',
            'githubRepo': 'root/web',
            'branch': 'main',
            'configuration': {'port': 8080, 'replicas': 3, 'image': 'nginxinc/nginx-unprivileged:1.27'},
        }
        created = httpx.post(f'{espaze.base_url}/api/deployments', json=payload, headers=auth, timeout=10)
        assert created.status_code == 202, created.text
        deadline = time.monotonic() + 60
        while (
            httpx.get(f'{espaze.base_url}/api/deployments/{created.json()["id"]}', headers=auth).json()['status']
            != 'running'
        ):
            assert time.monotonic() < deadline
            time.sleep(0.5)
        time.sleep(8)  # a few samples
        page = browser.new_context(viewport=DESKTOP).new_page()
        console_errors: list[str] = []
        page.on('console', lambda message: console_errors.append(message.text) if message.type == 'error' else None)
        log_in(page, espaze)
        page.goto(espaze.base_url + '/observatory')
        expect(page.get_by_text('of 11.4 cores')).to_be_visible()
        expect(page.get_by_text('3 of 3')).to_be_visible()
        expect(page.get_by_role('cell', name='web', exact=True)).to_be_visible()
        expect(page.locator('.js-plotly-plot .main-svg').first).to_be_visible()
        page.wait_for_timeout(1000)
        page.screenshot(path=screenshot_dir / 'desktop-observatory.png', full_page=True)
        assert console_errors == []  # nothing refused by the Content Security Policy, no script error
        phone, phone_errors = open_page(browser, playwright, 'phone')
        log_in(phone, espaze)
        phone.goto(espaze.base_url + '/observatory')
        expect(phone.locator('.js-plotly-plot .main-svg').first).to_be_visible(timeout=15_000)  # a loaded machine
        phone.wait_for_timeout(1000)
        phone.screenshot(path=screenshot_dir / 'phone-observatory.png', full_page=True)
        no_sideways_scroll(phone, 'the Observatory')
        assert phone_errors == []
    finally:
        stop_app(espaze)
