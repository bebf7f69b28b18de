"""What one browser session with many open deployment pages on "Follow" costs the app, measured in one run.

    .venv/bin/python -m bench.open_pages [--pages 40] [--watch 30]

Starts Espaze twice as `make run` does (embedded database, sandbox cluster): once with the cluster reads behind
live views unshared (ESPAZE_LIVE_READ_SECONDS=0, each page reads for itself, as before) and once shared (the
default). Each time one operator deploys a prebuilt image, opens `pages` tabs of its page in one Chromium context,
switches Follow on in each, and for `watch` seconds the app process's CPU and /healthz latency are sampled.
Prints, per run: pages admitted (a session may hold 20), CPU %, /healthz median and worst, and the ratio of the
two runs.
"""

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from playwright.sync_api import sync_playwright

from tests.support.running_app import CHROMIUM, CHROMIUM_ARGS, RunningApp, start_app, stop_app

PASSWORD = 'bench password 123'
IMAGE = 'nginxinc/nginx-unprivileged:1.27'


def _deploy(app: RunningApp) -> str:
    token = app.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': 'root@example.com', 'password': PASSWORD, 'name': 'Root'}
    assert httpx.post(f'{app.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    login = httpx.post(f'{app.base_url}/api/auth/login', json={'email': 'root@example.com', 'password': PASSWORD})
    auth = {'Authorization': f'Bearer {login.json()["accessToken"]}'}
    payload = {
        'name': 'followed',
        'githubRepo': 'root/followed',
        'branch': 'main',
        'configuration': {'port': 8080, 'replicas': 2, 'image': IMAGE},
    }
    created = httpx.post(f'{app.base_url}/api/deployments', json=payload, headers=auth, timeout=10)
    assert created.status_code == 202, created.text
    deployment_id = created.json()['id']
    deadline = time.monotonic() + 60
    while httpx.get(f'{app.base_url}/api/deployments/{deployment_id}', headers=auth).json()['status'] != 'running':
        assert time.monotonic() < deadline, 'the deployment never ran'
        time.sleep(0.5)
    return deployment_id


def _healthz_times(base_url: str, stop: threading.Event, times: list[float]) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(f'{base_url}/healthz')
            times.append((time.perf_counter() - started) * 1000)
            stop.wait(0.25)


def measure(pages: int, watch: float, live_read_seconds: str) -> dict[str, float]:
    app = start_app(Path(tempfile.mkdtemp()) / 'data', {'ESPAZE_LIVE_READ_SECONDS': live_read_seconds})
    try:
        deployment_id = _deploy(app)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={'width': 1366, 'height': 900})
            first = context.new_page()
            first.goto(app.base_url + '/login')
            first.get_by_label('Email', exact=True).fill('root@example.com')
            first.get_by_label('Password', exact=True).fill(PASSWORD)
            first.get_by_role('button', name='Log in', exact=True).click()
            first.wait_for_url(app.base_url + '/')
            admitted = 0
            for _ in range(pages):
                page = context.new_page()
                page.goto(f'{app.base_url}/deployments/{deployment_id}')
                if page.get_by_text('Too many Espaze pages').count():
                    continue
                page.get_by_role('tab', name='Logs').click()
                page.get_by_role('switch', name='Follow').click()
                admitted += 1
            process = psutil.Process(app.process.pid)
            process.cpu_percent(None)
            stop, times = threading.Event(), []
            sampler = threading.Thread(target=_healthz_times, args=(app.base_url, stop, times))
            sampler.start()
            time.sleep(watch)
            cpu = process.cpu_percent(None)
            stop.set()
            sampler.join()
            browser.close()
        return {'admitted': admitted, 'cpu': cpu, 'p50': statistics.median(times), 'worst': max(times)}
    finally:
        stop_app(app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--pages', type=int, default=40)
    parser.add_argument('--watch', type=float, default=30)
    args = parser.parse_args()
    unshared = measure(args.pages, args.watch, '0')
    shared = measure(args.pages, args.watch, '1.5')
    for name, found in (('each page reads', unshared), ('reads shared', shared)):
        print(
            f'{name:>16}: {found["admitted"]} of {args.pages} pages admitted, CPU {found["cpu"]:.0f} %, '
            f'/healthz median {found["p50"]:.1f} ms, worst {found["worst"]:.1f} ms'
        )
    print(f'CPU shared / unshared: {shared["cpu"] / max(unshared["cpu"], 0.1):.2f}')


if __name__ == '__main__':
    main()
