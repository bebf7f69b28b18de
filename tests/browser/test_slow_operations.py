"""An operation that outlasts the page's own refresh (a cluster slow to answer) still tells the person how it went:
the live page redraws the row of the button meanwhile, and the toast must not go with it."""

import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Playwright, expect

from runtime.embedded_db import EmbeddedMongo
from tests.conftest import SandboxCluster, write_kubeconfig
from tests.support.browser_pages import open_page
from tests.support.fleet_setup import admin_session, log_in
from tests.support.running_app import start_app, stop_app
from tests.support.stall_proxy import StallingProxy

NGINX = 'nginxinc/nginx-unprivileged:1.27'
STALL_SECONDS = 5  # more than two of the page's refreshes (every 2 s)


def _until(base: str, auth: dict, deployment_id: str, status: str) -> None:
    deadline = time.monotonic() + 60
    while (found := httpx.get(f'{base}/api/deployments/{deployment_id}', headers=auth, timeout=10).json())[
        'status'
    ] != status:
        assert time.monotonic() < deadline, found['statusReason']
        time.sleep(0.3)


def test_a_slow_start_still_says_how_it_went_after_the_page_redrew_its_button(
    tmp_path: Path, browser: Browser, playwright: Playwright, sandbox_cluster: SandboxCluster
):
    database = EmbeddedMongo(tmp_path / 'db')
    database.start()
    cluster_proxy = StallingProxy(int(sandbox_cluster.url.rsplit(':', 1)[1])).start()
    kubeconfig = write_kubeconfig(tmp_path / 'kubeconfig', f'http://127.0.0.1:{cluster_proxy.port}')
    environment = {
        'MONGO_URL': database.url,
        'KUBECONFIG': str(kubeconfig),
        'ESPAZE_CLUSTER_TIMEOUT_SECONDS': '20',
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
    }
    espaze = start_app(tmp_path / 'data', environment)
    try:
        auth = admin_session(espaze)
        base = espaze.base_url
        body = {'name': 'slow', 'configuration': {'image': NGINX, 'replicas': 1, 'healthCheckPath': '/'}}
        deployment_id = httpx.post(f'{base}/api/deployments', json=body, headers=auth, timeout=10).json()['id']
        _until(base, auth, deployment_id, 'running')
        url = f'{base}/api/deployments/{deployment_id}'
        assert httpx.post(f'{url}/scale', json={'replicas': 0}, headers=auth, timeout=10).status_code == 200
        _until(base, auth, deployment_id, 'stopped')
        page, errors = open_page(browser, playwright, 'desktop')
        log_in(page, espaze)
        page.goto(f'{base}/deployments/{deployment_id}')
        expect(page.get_by_text('stopped: 0 replicas')).to_be_visible()
        cluster_proxy.stall()
        page.get_by_role('button', name='Start').click()
        # the start is recorded at once; applying it hangs on the cluster while the page redraws its operations
        expect(page.get_by_role('button', name='Stop')).to_be_visible(timeout=20_000)
        time.sleep(STALL_SECONDS)
        cluster_proxy.resume()
        expect(page.get_by_text('Starting slow')).to_be_visible(timeout=30_000)
        _until(base, auth, deployment_id, 'running')
        assert errors == []
    finally:
        cluster_proxy.stop()
        stop_app(espaze)
        database.stop()
