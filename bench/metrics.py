"""The Observatory at scale: history queries and the bytes one refresh sends, measured in one run.

    .venv/bin/python -m bench.metrics [--deployments 100] [--nodes 1000] [--days 7] [--runs 5] [--watch 30]

Starts the embedded database (a data dir, as `make run`), writes 7 days of samples for 100 deployments, their
namespaces, 3 cluster nodes, the cluster and a fleet of 1,000 enrolled nodes (raw samples every 10 s for the last
24 h, 1-minute rollups for 7 days, 1-hour rollups), in the bucket documents Espaze writes; then prints
  1. the time of the history query behind each chart for every range (15 m ... 7 d), read through the
     repository (median of `runs`), and through the API (auth, JSON) for the cluster's charts; goal < 100 ms;
  2. one metrics collection of the live sandbox and the 1,000-node fleet;
  3. the bytes one Observatory refresh sends to a viewer: Espaze started on that database, the page opened in
     Chromium, websocket frames counted over `watch` seconds (10-s refreshes), for the 1 h and 7 d ranges;
     goal < 50 KB per refresh.
"""

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from bson import ObjectId

from models.fleet import GeoLocation, Heartbeat, NodeMetrics, NodeRegistration, NodeStatus
from models.metrics import RESOLUTIONS, Resolution
from repositories.database import open_database
from repositories.metrics import MetricsRepository, bucket_id
from repositories.node_liveness import NodeLivenessRepository
from repositories.nodes import NodeRepository
from repositories.scope_history import COLLECTIONS, ScopeHistoryRepository
from runtime.embedded_db import EmbeddedMongo, free_port
from services.metrics.series import EVERY_TICK, choose, choose_for_scope, downsample

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = 'bench password 123'
RETENTION = {'raw': timedelta(hours=24), 'minute': timedelta(days=7), 'hour': timedelta(days=90)}
RANGES = {'15 m': timedelta(minutes=15), '1 h': timedelta(hours=1), '6 h': timedelta(hours=6)}
RANGES |= {'24 h': timedelta(hours=24), '7 d': timedelta(days=7)}
CHARTS = {
    'cluster CPU': ('cluster', ('cpu_used', 'cpu_allocatable', 'cpu_capacity')),
    'cluster memory': ('cluster', ('memory_used', 'memory_allocatable', 'memory_capacity')),
    'pods by phase': ('cluster', ('pods_running', 'pods_pending', 'pods_failed')),
    'fleet online': ('fleet', ('online', 'offline')),
    'deployment CPU': ('deployment:{first}', ('cpu_used', 'cpu_request', 'cpu_limit')),
}


def scopes(deployment_ids: list[str]) -> dict[str, tuple[str, ...]]:
    found = {
        'cluster': (
            'cpu_used cpu_allocatable cpu_capacity memory_used memory_allocatable memory_capacity pods_running '
            'pods_pending pods_failed nodes_ready nodes_total restarts'
        ).split(),
        'fleet': 'online offline pending heartbeats_per_second cpu_percent memory_percent'.split(),
    }
    for n in range(1, 4):
        found[f'node:sandbox-node-{n}'] = ['cpu_used', 'memory_used', 'pods']
    for n in range(len(deployment_ids) // 5 + 1):
        found[f'namespace:espaze-owner{n}'] = ['cpu_used', 'memory_used', 'pods']
    for deployment_id in deployment_ids:
        found[f'deployment:{deployment_id}'] = (
            'cpu_used memory_used cpu_request memory_request cpu_limit memory_limit pods_ready restarts'.split()
        )
    return found


def value(scope: str, metric: str, at: float) -> float:
    """A plausible, deterministic daily wave for each series."""
    phase = (hash(scope + metric) % 1000) / 1000 * math.tau
    return round(10 + 5 * math.sin(at / 86_400 * math.tau + phase), 4)


def bucket_docs(resolution: Resolution, all_scopes: dict, start: datetime, end: datetime, step: timedelta) -> list:
    docs: dict[str, dict] = {}
    at = start
    weight = max(1, int(resolution.step / timedelta(seconds=10)))  # raw samples a rollup point stands for
    while at < end:
        bucket = resolution.bucket_start(at)
        slot = resolution.slot(at)
        stamp = at.timestamp()
        for scope, metrics in all_scopes.items():
            key = bucket_id(scope, bucket)
            doc = docs.get(key)
            if doc is None:
                expires = bucket + resolution.bucket + RETENTION[resolution.name]
                doc = docs[key] = {'_id': key, 'scope': scope, 'start': bucket, 'expires': expires, 'p': {}}
            for m in metrics:
                point = value(scope, m, stamp)
                doc['p'].setdefault(m, {})[slot] = (
                    point if resolution.name == 'raw' else {'s': point * weight, 'n': weight}
                )
        at += step
    return list(docs.values())


def scope_docs(resolution: str, all_scopes: dict, start: datetime, end: datetime, step: timedelta) -> list:
    """The documents Espaze inserts for namespaces, nodes and deployments: one a scope a minute (or an hour)."""
    docs, at = [], start
    expires = end + RETENTION['raw' if resolution == 'minute' else 'hour']
    while at < end:
        for scope, metrics in all_scopes.items():
            values = {m: value(scope, m, at.timestamp()) for m in metrics}
            docs.append({'s': scope, 't': at, 'v': values, 'n': 1 if resolution == 'minute' else 60, 'x': expires})
        at += step
    return docs


async def generate(mongo_url: str, deployments: int, nodes: int, days: int, first: str) -> tuple[list[str], float]:
    client, db = open_database(mongo_url, 120)
    ids = [first] + [str(ObjectId()) for _ in range(deployments - 1)]
    every_scope = scopes(ids)
    all_scopes = {scope: metrics for scope, metrics in every_scope.items() if scope in EVERY_TICK}
    now = datetime.now(UTC)
    started = time.monotonic()
    plan = {
        'raw': (now - RETENTION['raw'], timedelta(seconds=10)),
        'minute': (now - timedelta(days=days), timedelta(minutes=1)),
        'hour': (now - timedelta(days=days), timedelta(hours=1)),
    }
    points = 0
    for resolution in RESOLUTIONS:
        since, step = plan[resolution.name]
        docs = bucket_docs(resolution, all_scopes, since, now, step)
        points += sum(len(column) for d in docs for column in d['p'].values())
        await db[resolution.collection].delete_many({})  # what Espaze sampled while it was setting up
        for index in range(0, len(docs), 200):
            await db[resolution.collection].insert_many(docs[index : index + 200], ordered=False)
    others = {scope: metrics for scope, metrics in every_scope.items() if scope not in EVERY_TICK}
    minute = now.replace(second=0, microsecond=0)
    for name, since, step in (
        ('minute', minute - RETENTION['raw'], timedelta(minutes=1)),
        ('hour', minute.replace(minute=0) - timedelta(days=days), timedelta(hours=1)),
    ):
        docs = scope_docs(name, others, since, minute, step)
        points += sum(len(d['v']) for d in docs)
        await db[COLLECTIONS[name]].delete_many({})
        for index in range(0, len(docs), 1000):
            await db[COLLECTIONS[name]].insert_many(docs[index : index + 1000], ordered=False)
    await ScopeHistoryRepository(db, RETENTION).ensure_indexes()
    liveness = NodeLivenessRepository(db)
    fleet = NodeRepository(db, liveness)
    await fleet.ensure_indexes()
    await liveness.ensure_indexes()
    node_ids = [str(ObjectId()) for _ in range(nodes)]
    for n, node_id in enumerate(node_ids):
        mac = '02:' + ':'.join(f'{b:02x}' for b in n.to_bytes(5, 'big'))
        registration = NodeRegistration(mac, f'8.8.{n >> 8 & 255}.{n & 255}', GeoLocation(48.8, 2.3), f'edge-{n}')
        await fleet.create(node_id, 'bench-owner', registration, None, ('hash', str(ObjectId())))
    beats = [
        Heartbeat(i, now, None, NodeMetrics(cpu_percent=20 + i.__hash__() % 60, memory_percent=50)) for i in node_ids
    ]
    await liveness.record(beats)
    await fleet.set_statuses([(i, NodeStatus.PENDING, NodeStatus.ONLINE) for i in node_ids], now)
    await MetricsRepository(db, RETENTION).ensure_indexes()
    await client.close()
    print(
        f'generated {points:,} points for {len(every_scope)} scopes and {nodes:,} fleet nodes in '
        f'{time.monotonic() - started:.0f} s'
    )
    return ids, time.monotonic() - started


async def query_times(mongo_url: str, first: str, runs: int) -> None:
    client, db = open_database(mongo_url, 30)
    repository = MetricsRepository(db, RETENTION)
    history = ScopeHistoryRepository(db, RETENTION)
    now = datetime.now(UTC)
    print(f'\nhistory query per chart, median of {runs} (goal < 100 ms; ratio = time / goal)')
    print(f'{"chart":16}' + ''.join(f'{name:>18}' for name in RANGES))
    worst = 0.0
    for chart, (scope, metrics) in CHARTS.items():
        scope = scope.format(first=first)
        cells = []
        for span in RANGES.values():
            resolution = choose(now - span, now, now, RETENTION)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                if scope in EVERY_TICK:
                    found, values = await repository.read(resolution, scope, now - span, now, metrics)
                else:
                    kept = choose_for_scope(now - span, now, now, RETENTION)
                    found, values = await history.read(kept, scope, now - span, now, metrics)
                found, values = downsample(found, values)
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            worst = max(worst, median)
            cells.append(f'{median:6.1f} ms {len(found):4d}p')
        print(f'{chart:16}' + ''.join(f'{c:>18}' for c in cells))
    print(f'slowest chart query: {worst:.1f} ms, ratio to the 100-ms goal {worst / 100:.2f}')
    await client.close()


def api_times(base: str, auth: dict, runs: int) -> None:
    print(f'\nthe same through GET /api/metrics/history (auth, JSON), median of {runs}')
    with httpx.Client(base_url=base, headers=auth, timeout=30) as http:
        for chart in ('cluster CPU', 'fleet online'):
            scope, metrics = CHARTS[chart]
            cells = []
            for span in RANGES.values():
                now = datetime.now(UTC)
                params = {'metric': ','.join(metrics), 'scope': scope, 'from': (now - span).isoformat()}
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    answer = http.get('/api/metrics/history', params=params)
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, answer.text
                cells.append(f'{statistics.median(times):6.1f} ms {len(answer.content) / 1024:5.1f}KB')
            print(f'{chart:16}' + ''.join(f'{c:>20}' for c in cells))


def refresh_bytes(base: str, watch: float) -> None:
    from playwright.sync_api import sync_playwright

    from tests.support.running_app import CHROMIUM, CHROMIUM_ARGS

    print(f'\nwebsocket bytes sent to one Observatory viewer (goal < 50 KB per refresh), {watch:.0f} s per range')
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={'width': 1366, 'height': 900}).new_page()
        frames: list[tuple[float, int]] = []
        page.on(
            'websocket',
            lambda ws: ws.on('framereceived', lambda payload: frames.append((time.monotonic(), len(payload)))),
        )
        page.goto(base + '/login')
        page.get_by_label('Email').fill('bench@example.com')
        page.get_by_label('Password').fill(PASSWORD)
        page.get_by_role('button', name='Log in').click()
        page.wait_for_url(base + '/')
        for label in ('1 h', '7 d'):
            page.goto(base + '/observatory')
            page.locator('.js-plotly-plot .main-svg').first.wait_for()
            if label != '1 h':
                page.get_by_text(label, exact=True).click()
            page.wait_for_timeout(2000)
            start = time.monotonic()
            page.wait_for_timeout(watch * 1000)
            sent = sum(size for at, size in frames if at >= start)
            refreshes = watch / 10
            per = sent / refreshes
            print(
                f'range {label:>4}: {sent / 1024:.1f} KB in {watch:.0f} s = {per / 1024:.1f} KB per refresh, '
                f'ratio to the 50-KB goal {per / 51200:.2f}'
            )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--deployments', type=int, default=100)
    parser.add_argument('--nodes', type=int, default=1000)
    parser.add_argument('--days', type=int, default=7)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--watch', type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='espaze-bench-') as workdir:
        database = EmbeddedMongo(Path(workdir) / 'db')
        database.start()
        try:
            # Espaze sets up the admin and one deployment, and stops; the samples are written with nobody else
            # writing; then Espaze runs again, sampling every 10 s, for the viewer's refreshes.
            app, base = start_espaze(database.url, workdir, {'ESPAZE_METRICS_INTERVAL_SECONDS': '300'})
            try:
                auth = log_in(base)
                payload = {
                    'name': 'bench',
                    'githubRepo': 'bench/app',
                    'branch': 'main',
                    'configuration': {'port': 8080, 'replicas': 1, 'image': 'nginxinc/nginx-unprivileged:1.27'},
                }
                first = httpx.post(f'{base}/api/deployments', json=payload, headers=auth, timeout=30).json()['id']
            finally:
                stop_espaze(app)
            asyncio.run(generate(database.url, args.deployments, args.nodes, args.days, first))
            asyncio.run(query_times(database.url, first, args.runs))
            app, base = start_espaze(database.url, workdir, {})
            try:
                auth = log_in(base)
                api_times(base, auth, args.runs)
                started = time.perf_counter()
                collected = httpx.get(f'{base}/api/metrics/cluster', headers=auth, timeout=30).json()
                print(
                    f'\n/api/metrics/cluster (a fresh look at the sandbox and the {args.nodes:,}-node fleet): '
                    f'{(time.perf_counter() - started) * 1000:.0f} ms, fleet online {collected["fleet"]["online"]}'
                )
                refresh_bytes(base, args.watch)
            finally:
                stop_espaze(app)
        finally:
            database.stop()


def start_espaze(mongo_url: str, workdir: str, extra: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ESPAZE_', 'NICEGUI_', 'PYTEST_'))}
    env.pop('KUBECONFIG', None)
    env.update({'MONGO_URL': mongo_url, 'ESPAZE_PORT': str(port), 'ESPAZE_DATA_DIR': workdir})
    env.update({'ESPAZE_LOG_LEVEL': 'WARNING', 'ESPAZE_ADMIN_EMAIL': 'bench@example.com', **extra})
    env['ESPAZE_ADMIN_PASSWORD'] = PASSWORD
    log = (Path(workdir) / 'app.log').open('a')
    app = subprocess.Popen([sys.executable, 'app.py'], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f'{base}/readyz', timeout=2).status_code == 200:
                return app, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and app.poll() is None, 'Espaze did not start'
        time.sleep(0.3)


def stop_espaze(app: subprocess.Popen) -> None:
    app.terminate()
    app.wait(60)


def log_in(base: str) -> dict[str, str]:
    login = httpx.post(f'{base}/api/auth/login', json={'email': 'bench@example.com', 'password': PASSWORD})
    return {'Authorization': f'Bearer {login.json()["accessToken"]}'}


if __name__ == '__main__':
    main()
