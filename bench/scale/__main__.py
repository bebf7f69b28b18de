"""The yardstick of #19: Espaze at the promised size against an empty Espaze, measured in the same run.

    .venv/bin/python -m bench.scale [--nodes 60000] [--deployments 20000] [--owners 200] [--audit 5000] [--rounds 5]

Two embedded databases (SecantusDB, as `make run` starts it), seeded as `bench/scale/seed.py` writes
(`insert_many` in the repositories' own shape): the "empty" one holds one page of each list (so that both answer
full pages and the ratio measures what grows with the collection, not the page's payload), the other the promised
size. Espaze is started on each (building its indexes), stopped, and started again: that restart is timed. Then
every list, filter, sort, search, page and summary route is timed on both, alternating, `rounds`
times, as an admin and as an operator, and the Dashboard, Nodes, Deployments and Observatory pages are opened in
Chromium. Printed: the time each instance took to be ready again, the median and p95 of each route and page on
both and the ratio of the medians against its goal (2x), each page's websocket bytes in its first 30 s (goal
200 KB), the mean run of each scheduled job after its first (from the app's own metrics; goal 5x; the first runs
are printed apart: a replica's first offline sweep reads its online fleet once), the app's memory (goal 2x plus
300 MB), the database's CPU while nobody uses the app (goal under 10 %), and how often each app's event loop
stalled for over a second. Nodes do not beat meanwhile: the
offline threshold is raised so that the sweep does not mark the seeded fleet offline while the routes are measured
(`bench/heartbeats.py --mint` measures beating fleets).
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from bench.scale.pages import measure_pages
from bench.scale.seed import ADMIN_EMAIL, PASSWORD, operator_email, seed
from runtime.embedded_db import EmbeddedMongo
from tests.support.running_app import RunningApp, start_app, stop_app

ENVIRONMENT = {'ESPAZE_NODE_OFFLINE_AFTER': '86400'}
SMALL = {'nodes': 500, 'deployments': 25, 'audit': 300}  # a full first page of each list and filter, no more
JOB_GOAL = 5.0
FIRST_RUNS = ('offline-sweep', 'metrics', 'metrics-scopes', 'notifications', 'lost-deliveries')  # once a minute or more
ROUTE_GOAL, MEMORY_GOAL_BYTES, IDLE_CPU_GOAL, WEBSOCKET_GOAL_BYTES = 2.0, 300 * 2**20, 10.0, 200_000
ROUTES = [  # (what, path, the path on the small instance when a deep page does not exist there: its first page)
    ('nodes, newest first', '/api/nodes', None),
    ('nodes, offline', '/api/nodes?status=offline', None),
    ('nodes, label site=oslo', '/api/nodes?label=site%3Doslo', None),
    ('nodes, by name', '/api/nodes?sort=name&order=asc', None),
    ('nodes, search', '/api/nodes?q=edge-00', None),
    ('nodes, page 1,000 (small: page 1)', '/api/nodes?page=1000', '/api/nodes'),
    ('nodes summary', '/api/nodes/summary', None),
    ('deployments, newest first', '/api/deployments', None),
    ('deployments, running', '/api/deployments?status=running', None),
    ('deployments, search', '/api/deployments?q=app-000', None),
    ('deployments, page 500 (small: page 1)', '/api/deployments?page=500', '/api/deployments'),
    ('audit, newest first', '/api/audit', None),
    ('audit, one action', '/api/audit?action=login', None),
    ('audit, page 50 (small: page 1)', '/api/audit?page=50', '/api/audit'),
    ('cluster metrics', '/api/metrics/cluster', None),
    ('Prometheus scrape', '/metrics', None),
]
OPERATOR_ROUTES = {'nodes, newest first', 'nodes summary', 'deployments, newest first', 'cluster metrics'}


class Instance:
    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.database = EmbeddedMongo(workdir / f'{name}-db')
        self.database.start()
        self.workdir = workdir
        self.app: RunningApp | None = None
        self.ready_seconds = 0.0
        self.auth: dict[str, dict[str, str]] = {}

    def restart_app(self) -> None:
        """Start it (its first start builds the indexes), stop it, and time the second start."""
        self.start_app()
        stop_app(self.app)
        self.start_app()

    def start_app(self) -> None:
        started = time.monotonic()
        environment = {**ENVIRONMENT, 'MONGO_URL': self.database.url}
        self.app = start_app(self.workdir / f'{self.name}-data', environment, ready=False)
        with httpx.Client(timeout=5) as client:
            while True:
                assert self.app.process.poll() is None, self.app.output[-20:]
                try:
                    if client.get(f'{self.app.base_url}/readyz').status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() - started < 1800, 'not ready after 30 minutes'
                time.sleep(0.2)
        self.ready_seconds = time.monotonic() - started
        self.auth['admin'] = self._log_in(ADMIN_EMAIL)
        self.auth['operator'] = self._log_in(operator_email(0))

    def _log_in(self, email: str) -> dict[str, str]:
        login = httpx.post(
            f'{self.app.base_url}/api/auth/login', json={'email': email, 'password': PASSWORD}, timeout=60
        )
        assert login.status_code == 200, login.text
        return {'Authorization': f'Bearer {login.json()["accessToken"]}'}

    def time_route(self, client: httpx.Client, path: str, who: str) -> float:
        started = time.perf_counter()
        answer = client.get(f'{self.app.base_url}{path}', headers=self.auth[who])
        elapsed = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return elapsed

    def job_totals(self) -> dict[str, tuple[float, int]]:
        """Each scheduled job's run time so far and its number of runs, from the app's own Prometheus metrics."""
        totals: dict[str, list[float]] = {}
        for sample in self._samples():
            if sample.name in ('espaze_job_duration_seconds_sum', 'espaze_job_duration_seconds_count'):
                totals.setdefault(sample.labels['job'], [0.0, 0])[sample.name.endswith('_count')] = sample.value
        return {job: (seconds, int(runs)) for job, (seconds, runs) in totals.items()}

    def first_runs(self) -> dict[str, tuple[float, int]]:
        """Wait until each job of FIRST_RUNS ran at least once since the start; their totals then."""
        deadline = time.monotonic() + 150
        while True:
            totals = self.job_totals()
            if all(totals.get(job, (0, 0))[1] for job in FIRST_RUNS) or time.monotonic() > deadline:
                return totals
            time.sleep(2)

    def stalls(self) -> tuple[int, int]:
        """How often the event loop woke a sleeper more than a second late, and how often the garbage collector
        paused it more than half a second (from the app's own histograms)."""
        lag = {s.labels['le']: s.value for s in self._samples() if s.name == 'espaze_event_loop_lag_seconds_bucket'}
        pauses = [s for s in self._samples() if s.name == 'espaze_gc_pause_seconds_bucket']
        long_pauses = sum(s.value for s in pauses if s.labels['le'] == '+Inf') - sum(
            s.value for s in pauses if s.labels['le'] == '0.5'
        )
        return int(lag['+Inf'] - lag['1.0']), int(long_pauses)

    def _samples(self) -> list:
        text = httpx.get(f'{self.app.base_url}/metrics', timeout=30).text
        return [sample for family in text_string_to_metric_families(text) for sample in family.samples]

    def app_memory(self) -> int:
        return psutil.Process(self.app.process.pid).memory_info().rss

    def idle_database_cpu(self, seconds: float) -> float:
        process = psutil.Process(self.database.pid)
        process.cpu_percent(None)
        time.sleep(seconds)
        return process.cpu_percent(None)

    def stop(self) -> None:
        if self.app is not None:
            stop_app(self.app)
        self.database.stop()


def _since(before: dict[str, tuple[float, int]], now: dict[str, tuple[float, int]]) -> dict[str, tuple[float, int]]:
    """The mean run and number of runs of each job between two readings of the totals."""
    means = {}
    for job, (seconds, runs) in now.items():
        seconds_before, runs_before = before.get(job, (0.0, 0))
        if runs > runs_before:
            means[job] = ((seconds - seconds_before) / (runs - runs_before), runs - runs_before)
    return means


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _row(name: str, empty: list[float], seeded: list[float], goal: float, unit: str = 'ms') -> tuple[str, bool]:
    ratio = statistics.median(seeded) / max(statistics.median(empty), 0.001)
    ok = ratio <= goal
    digits = 1 if unit == 's' else 0
    text = (
        f'| {name} | {statistics.median(empty):.{digits}f} / {_p95(empty):.{digits}f} {unit} '
        f'| {statistics.median(seeded):.{digits}f} / {_p95(seeded):.{digits}f} {unit} '
        f'| {ratio:.1f}x | {"yes" if ok else "NO"} |'
    )
    return text, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--nodes', type=int, default=60_000)
    parser.add_argument('--deployments', type=int, default=20_000)
    parser.add_argument('--owners', type=int, default=200)
    parser.add_argument('--audit', type=int, default=5000)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--idle-seconds', type=float, default=20)
    parser.add_argument('--page-rounds', type=int, default=3, help='0 leaves the pages out')
    parser.add_argument('--watch', type=float, default=30, help="seconds of each page's websocket traffic")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix='espaze-scale-'))
    empty, seeded = Instance('empty', workdir), Instance('seeded', workdir)
    try:
        started = time.monotonic()
        seed(empty.database.url, SMALL['nodes'], SMALL['deployments'], 1, SMALL['audit'])
        seed(seeded.database.url, args.nodes, args.deployments, args.owners, args.audit)
        print(f'seeded {args.nodes} nodes, {args.deployments} deployments, {args.owners} owners, {args.audit} audit')
        print(f'entries in {time.monotonic() - started:.0f} s')
        empty.restart_app()
        seeded.restart_app()
        jobs_before = {i.name: i.first_runs() for i in (empty, seeded)}  # each job's first run is shown apart
        first = ', '.join(
            f'{job} {_since({}, jobs_before["empty"]).get(job, (0, 0))[0] * 1000:.0f} / '
            f'{_since({}, jobs_before["seeded"]).get(job, (0, 0))[0] * 1000:.0f} ms'
            for job in FIRST_RUNS
        )
        print(f'first runs after the start (mean, empty / seeded): {first}', flush=True)
        results, failures = [], 0
        ready = _row('ready after a restart', [empty.ready_seconds], [seeded.ready_seconds], ROUTE_GOAL, 's')
        results.append(ready[0])
        failures += not ready[1]
        with httpx.Client(timeout=120) as client:
            for name, path, small_path in ROUTES:
                for who in ('admin', 'operator') if name in OPERATOR_ROUTES else ('admin',):
                    times = {'empty': [], 'seeded': []}
                    for _ in range(args.rounds):
                        times['empty'].append(empty.time_route(client, small_path or path, who))
                        times['seeded'].append(seeded.time_route(client, path, who))
                    text, ok = _row(f'{name} ({who}) `{path}`', times['empty'], times['seeded'], ROUTE_GOAL)
                    results.append(text)
                    failures += not ok
                    print(text, flush=True)
        if args.page_rounds:
            urls = {instance.name: instance.app.base_url for instance in (empty, seeded)}
            for name, by_instance in measure_pages(urls, args.page_rounds, args.watch).items():
                usable = {instance: figures.usable_seconds for instance, figures in by_instance.items()}
                text, ok = _row(f'{name}: usable after', usable['empty'], usable['seeded'], ROUTE_GOAL, 's')
                sent = {instance: figures.websocket_bytes for instance, figures in by_instance.items()}
                sent_ok = sent['seeded'] <= WEBSOCKET_GOAL_BYTES
                results.append(text)
                results.append(
                    f'| {name}: websocket, first {args.watch:.0f} s | {sent["empty"] / 1000:.0f} KB '
                    f'| {sent["seeded"] / 1000:.0f} KB | goal: 200 KB | {"yes" if sent_ok else "NO"} |'
                )
                failures += (not ok) + (not sent_ok)
                print(*results[-2:], sep='\n', flush=True)
        jobs = {i.name: _since(jobs_before[i.name], i.job_totals()) for i in (empty, seeded)}
        for job in sorted(set(jobs['empty']) & set(jobs['seeded'])):
            (empty_mean, empty_runs), (seeded_mean, seeded_runs) = jobs['empty'][job], jobs['seeded'][job]
            label = f'job {job}, mean of {empty_runs} / {seeded_runs} runs'
            text, ok = _row(label, [empty_mean * 1000], [seeded_mean * 1000], JOB_GOAL)
            results.append(text)
            failures += not ok
        memory = {i.name: i.app_memory() for i in (empty, seeded)}
        memory_ok = memory['seeded'] <= 2 * memory['empty'] + MEMORY_GOAL_BYTES
        failures += not memory_ok
        idle = {i.name: i.idle_database_cpu(args.idle_seconds) for i in (empty, seeded)}
        idle_ok = idle['seeded'] < IDLE_CPU_GOAL
        failures += not idle_ok
        print()
        print('| what | empty (median / p95) | seeded (median / p95) | ratio | within goal |')
        print('| --- | --- | --- | --- | --- |')
        for text in results:
            print(text)
        print(
            f'| app memory | {memory["empty"] / 2**20:.0f} MB | {memory["seeded"] / 2**20:.0f} MB '
            f'| goal: 2x + 300 MB | {"yes" if memory_ok else "NO"} |'
        )
        print(
            f'| database CPU while idle ({args.idle_seconds:.0f} s) | {idle["empty"]:.1f} % | {idle["seeded"]:.1f} % '
            f'| goal: under {IDLE_CPU_GOAL:.0f} % | {"yes" if idle_ok else "NO"} |'
        )
        print(f'first runs after the start (mean, empty / seeded): {first}')
        for instance in (empty, seeded):
            late, paused = instance.stalls()
            print(
                f'{instance.name}: event loop woken over 1 s late {late} time(s), collector pauses over 0.5 s {paused}'
            )
        print(f'\n{failures} figure(s) outside their goal')
    finally:
        empty.stop()
        seeded.stop()


if __name__ == '__main__':
    main()
