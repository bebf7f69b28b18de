"""A custom domain in a real browser, on desktop and phone: the owner opens the Configuration tab, reads the TXT
record Espaze asks for, creates it (in the tests' DNS server), checks it, and watches the domain become ready with
its certificate, without reloading; the records fit the phone's width."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.support.browser_pages import SIZES, no_sideways_scroll, open_page
from tests.support.deployment_helpers import NGINX, body
from tests.support.dns_server import LoopbackDnsServer
from tests.support.fleet_setup import admin_session, log_in
from tests.support.running_app import RunningApp, start_app, stop_app

DOMAIN = 'shop.example.net'


@pytest.fixture
def running_shop(tmp_path: Path) -> Iterator[tuple[RunningApp, str]]:
    env = {
        'ESPAZE_ROUTING': 'ingress',
        'ESPAZE_CERT_ISSUER': 'ClusterIssuer/letsencrypt',
        'ESPAZE_EDGE_ADDRESS': 'edge.example.net',
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
        'ESPAZE_DOMAIN_CHECK_SECONDS': '3600',  # the owner checks by hand here
    }
    espaze = start_app(tmp_path / 'data', env)
    auth = admin_session(espaze)
    payload = body(name='shop', image=NGINX, replicas=1, domains=[DOMAIN])
    created = httpx.post(f'{espaze.base_url}/api/deployments', json=payload, headers=auth, timeout=10)
    assert created.status_code == 202, created.text
    deployment_id = created.json()['id']
    deadline = time.monotonic() + 60
    while (
        httpx.get(f'{espaze.base_url}/api/deployments/{deployment_id}', headers=auth, timeout=10).json()['status']
        != 'running'
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    yield espaze, deployment_id
    stop_app(espaze)


@pytest.mark.parametrize('size', SIZES)
def test_a_domain_goes_from_its_dns_record_to_ready(
    browser: Browser,
    playwright: Playwright,
    running_shop: tuple[RunningApp, str],
    dns_server: LoopbackDnsServer,
    screenshot_dir: Path,
    size: str,
):
    espaze, deployment_id = running_shop
    page, errors = open_page(browser, playwright, size)
    log_in(page, espaze)
    page.goto(f'{espaze.base_url}/deployments/{deployment_id}')
    page.get_by_role('tab', name='Configuration').click()
    card = page.locator('.q-card', has_text='Hosts and certificates')
    expect(card.get_by_text('unverified', exact=True)).to_be_visible(timeout=20_000)
    expect(card.get_by_text(f'_espaze-challenge.{DOMAIN}')).to_be_visible()
    expect(card.get_by_text('edge.example.net', exact=True)).to_be_visible()  # the CNAME's target
    token = card.get_by_text('espaze-verification=').inner_text().strip()
    card.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f'{size}-custom-domain-unverified.png', full_page=True)
    no_sideways_scroll(page, 'the Configuration tab with a domain')

    dns_server.txt[f'_espaze-challenge.{DOMAIN}'] = [token]
    card.get_by_role('button', name='Check DNS').click()
    expect(card.get_by_text('verified by DNS')).to_be_visible(timeout=20_000)
    expect(card.get_by_text('ready', exact=True)).to_be_visible(timeout=30_000)  # the live card follows cert-manager
    expect(card.get_by_text('certificate ready')).to_have_count(2)  # the generated host's and the domain's
    page.screenshot(path=screenshot_dir / f'{size}-custom-domain-ready.png', full_page=True)
    no_sideways_scroll(page, 'the Configuration tab with a ready domain')
    assert errors == []
