"""A burst of 10 deploys against a burst of 250, from the first POST to every one Running, in one run.

    .venv/bin/python -m bench.rollouts [--small 10] [--large 250]

Starts a sandbox cluster with room for every pod and Espaze on it (embedded database, the default 3 s rollout
interval), with one operator for each 25 deployments (an owner's quota is 50 pods). Then, `small`, `large` and
`small` again: that many prebuilt-image deployments of one replica are created at once (8 requests in flight), and
it records the time until every POST was answered and until all are Running (seen in the Deployments list's
counts of running and failed ones: two requests a look, so that the bench's own load does not grow with the
burst), and the rollout engine's mean tick during the burst (from the app's own Prometheus metrics: since the engine
became a work queue, the tick is its look, which queues the steps); after each burst, each deployment's time from
its creation to Running, from its status history. Prints them, and the ratios large / small (goals: the tick
within 3x; the burst about as fast).
"""

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from sandbox.process import SandboxProcess
from tests.conftest import write_kubeconfig
from tests.support.fleet_setup import PASSWORD, admin_session
from tests.support.running_app import RunningApp, start_app, stop_app

IMAGE = 'nginxinc/nginx-unprivileged:1.27'
PER_OWNER = 25


def _rollout_job(app: RunningApp) -> tuple[float, float]:
    text = httpx.get(f'{app.base_url}/metrics', timeout=30).text
    found = {'sum': 0.0, 'count': 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get('job') == 'rollouts' and sample.name.startswith('espaze_job_duration_seconds_'):
                found[sample.name.rsplit('_', 1)[1]] = sample.value
    return found['sum'], found['count']


class Burst:
    def __init__(self, app: RunningApp) -> None:
        self.app = app
        self.admin = admin_session(app)
        self.owners: list[dict[str, str]] = []
        self.made = 0
        # one client for every request (a client each cost the bench ~20 ms of its own CPU, and the burst's
        # 8 threads share one interpreter: that, not Espaze, held the POSTs to ~26 a second)
        self.http = httpx.Client(base_url=app.base_url, timeout=60, limits=httpx.Limits(max_connections=16))

    def _owner(self, index: int) -> dict[str, str]:
        while len(self.owners) <= index:
            email = f'owner{len(self.owners)}@example.com'
            account = {'email': email, 'password': PASSWORD, 'name': 'Owner'}
            assert self.http.post('/api/auth/register', json=account).status_code == 201
            credentials = {'email': email, 'password': PASSWORD}
            login = self.http.post('/api/auth/login', json=credentials).json()
            self.owners.append({'Authorization': f'Bearer {login["accessToken"]}'})
        return self.owners[index]

    def _create(self, number: int) -> str:
        body = {'name': f'app-{number}', 'configuration': {'image': IMAGE, 'port': 8080, 'replicas': 1}}
        answer = self.http.post('/api/deployments', json=body, headers=self._owner(number // PER_OWNER))
        assert answer.status_code in (201, 202), answer.text
        return answer.json()['id']

    def _count(self, status: str) -> int:
        """How many deployments have `status` (the list's total, as every replica's read model has it)."""
        params = {'status': status, 'pageSize': 1}
        found = self.http.get('/api/deployments', params=params, headers=self.admin)
        return found.json()['total']

    def each_to_running(self, ids: list[str]) -> list[float]:
        """Seconds from each deployment's creation to its Running, from its own status history (read once each, after
        the burst)."""
        seconds = []
        for deployment_id in ids:
            history = self.http.get(f'/api/deployments/{deployment_id}', headers=self.admin).json()['history']
            created = datetime.fromisoformat(history[0]['at'])
            running = next(datetime.fromisoformat(c['at']) for c in history if c['status'] == 'running')
            seconds.append((running - created).total_seconds())
        return seconds

    def run(self, count: int) -> tuple[float, float, float, list[float]]:
        """Seconds until `count` new deployments are all accepted and all run, the engine's mean tick meanwhile (ms),
        and each one's seconds from creation to Running."""
        numbers = range(self.made, self.made + count)
        self.made += count
        for number in numbers:  # accounts first: signing up is not what is measured
            self._owner(number // PER_OWNER)
        before = _rollout_job(self.app)
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(self._create, numbers))
        accepted = time.perf_counter() - started
        assert len(ids) == count
        while (running := self._count('running')) < self.made:  # two requests a look, whatever the burst's size
            failed = self._count('failed')
            assert failed == 0, f'{failed} deployments failed'
            assert time.perf_counter() - started < 900, f'{self.made - running} not running after 15 minutes'
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        after = _rollout_job(self.app)
        ticks = after[1] - before[1]
        tick = (after[0] - before[0]) / ticks * 1000 if ticks else 0.0
        return accepted, elapsed, tick, self.each_to_running(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--small', type=int, default=10)
    parser.add_argument('--large', type=int, default=250)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix='espaze-rollouts-'))
    sandbox = SandboxProcess(None, None, nodes=max(3, (args.large + 2 * args.small) // 30 + 2))
    sandbox.start()
    kubeconfig = write_kubeconfig(workdir / 'kubeconfig', sandbox.url)
    environment = {'ESPAZE_CLUSTER': 'kubeconfig', 'KUBECONFIG': str(kubeconfig)}
    environment['ESPAZE_SIGNUPS_PER_ADDRESS_PER_HOUR'] = '1000'  # the owners all sign up from here
    app = start_app(workdir / 'data', environment)
    try:
        burst = Burst(app)
        rows = [(count, *burst.run(count)) for count in (args.small, args.large, args.small)]
    finally:
        stop_app(app)
        sandbox.stop()
    print(f'{"deploys":>8} {"all accepted":>13} {"to all Running":>15} {"engine tick":>12} {"each, median / max":>19}')
    for count, accepted, seconds, tick, each in rows:
        print(
            f'{count:>8} {accepted:>11.1f} s {seconds:>13.1f} s {tick:>9.1f} ms '
            f'{statistics.median(each):>8.1f} / {max(each):.1f} s'
        )
    small_seconds = statistics.mean([rows[0][2], rows[2][2]])
    small_tick = statistics.mean([rows[0][3], rows[2][3]])
    print(f'burst {args.large} / {args.small}: {rows[1][2] / small_seconds:.2f}x to all Running')
    small_each = statistics.median(rows[0][4] + rows[2][4])
    print(
        f'each deploy, creation to Running, median {args.large} / {args.small}: '
        f'{statistics.median(rows[1][4]) / small_each:.2f}x'
    )
    tick_ratio = rows[1][3] / small_tick if small_tick else float('inf')
    print(f'engine tick {args.large} / {args.small}: {tick_ratio:.2f}x (goal 3x) {"ok" if tick_ratio <= 3 else "OVER"}')


if __name__ == '__main__':
    main()
