"""The Observatory's collection at 100 and at 2,000 deployments running on the sandbox cluster, in one run.

    .venv/bin/python -m bench.metrics_collection [--small 100] [--large 2000] [--runs 12]

Starts a sandbox cluster with room for every pod (110 pods a node) and the embedded database, builds Espaze on
them in this process, and runs Deployments straight on the sandbox, labelled as Espaze labels its own, over 20
namespaces. With `small` running, then `large`, then `small` again (so drift shows), it times `runs` runs of:
  - the metrics tick (every 10 s): cluster and fleet, pods from the pod informer;
  - the scopes tick (every 60 s): every namespace, cluster node and deployment into the minute and hour rollups;
and counts the pod lists the informer needed. Prints each median and the ratio large / small (goal: the tick
within 2x). Also prints the bytes a deployment's history takes a day, measured on the bucket documents written.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bson import encode

import bootstrap
from config import Settings, resolve_secrets
from repositories.database import open_database
from repositories.scope_history import COLLECTIONS, ScopeHistoryRepository
from runtime.embedded_db import EmbeddedMongo
from sandbox.process import SandboxProcess
from services.cluster.connect import api_client
from services.cluster.manifests import DEPLOYMENT_ID, NAME
from tests.conftest import write_kubeconfig

NAMESPACES = 20
PODS_PER_NODE = 100


def _deployment(name: str, deployment_id: str) -> dict:
    labels = {NAME: name, DEPLOYMENT_ID: deployment_id}
    container = {
        'name': 'app',
        'image': 'nginxinc/nginx-unprivileged:1.27',
        'resources': {'requests': {'cpu': '1m', 'memory': '1Mi'}, 'limits': {'cpu': '10m', 'memory': '16Mi'}},
    }
    return {
        'metadata': {'name': name, 'labels': labels},
        'spec': {
            'replicas': 1,
            'selector': {'matchLabels': labels},
            'template': {'metadata': {'labels': labels}, 'spec': {'containers': [container]}},
        },
    }


class Fleet:
    """Deployments run straight on the sandbox, `count` of them at a time."""

    def __init__(self, espaze: bootstrap.Espaze) -> None:
        self.gateway = espaze.services.cluster.gateway
        self.running: list[tuple[str, str]] = []
        self.namespaces = [f'bench-{index}' for index in range(NAMESPACES)]

    async def prepare(self) -> None:
        for namespace in self.namespaces:
            await self.gateway.call(self.gateway.core.create_namespace, {'metadata': {'name': namespace}})

    async def resize(self, count: int) -> None:
        apps = self.gateway.apps
        while len(self.running) < count:
            namespace, name = self.namespaces[len(self.running) % NAMESPACES], f'app-{len(self.running)}'
            body = _deployment(name, uuid.uuid4().hex[:24])
            await self.gateway.call(apps.create_namespaced_deployment, namespace, body)
            self.running.append((namespace, name))
        while len(self.running) > count:
            namespace, name = self.running.pop()
            await self.gateway.call(apps.delete_namespaced_deployment, name, namespace)
        await self._settled(count)

    async def _settled(self, count: int) -> None:
        deadline = time.monotonic() + 600
        while True:
            pods = await self.gateway.call(self.gateway.core.list_pod_for_all_namespaces, label_selector=DEPLOYMENT_ID)
            running = [p for p in pods.items if p.status and p.status.phase == 'Running']
            if len(running) == count == len(pods.items):
                return
            assert time.monotonic() < deadline, f'{len(running)} of {count} pods running after 10 minutes'
            await asyncio.sleep(1)


async def _times(job, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await job()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _bytes_a_day(url: str, retention: dict[str, timedelta]) -> int:
    """One deployment's documents for a day as the scopes tick writes them (a point a minute, averages an hour),
    in BSON bytes (indexes not counted)."""
    client, db = open_database(url, 30)
    scope = f'deployment:{uuid.uuid4().hex[:24]}'
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    values = {m: 0.123456 for m in ('cpu_used', 'memory_used', 'cpu_request', 'memory_request')}
    values |= {m: 1.0 for m in ('cpu_limit', 'memory_limit', 'pods_ready', 'restarts')}
    history = ScopeHistoryRepository(db, retention)
    for minute in range(24 * 60):
        await history.record('minute', day + timedelta(minutes=minute), {scope: values})
    for hour in range(24):
        await history.record('hour', day + timedelta(hours=hour), {scope: values}, {scope: 60})
    total = 0
    for collection in COLLECTIONS.values():
        async for doc in db[collection].find({'s': scope}):
            total += len(encode(doc))
    await client.close()
    return total


async def measure(small: int, large: int, runs: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix='espaze-collection-'))
    nodes = -(-max(small, large) // PODS_PER_NODE) + 1
    sandbox = SandboxProcess(None, None, nodes=nodes)
    sandbox.start()
    database = EmbeddedMongo(workdir / 'db')
    database.start()
    kubeconfig = write_kubeconfig(workdir / 'kubeconfig', sandbox.url)
    settings = Settings(data_dir=workdir / 'data', cluster='kubeconfig')
    cluster = api_client('kubeconfig', environ={'KUBECONFIG': str(kubeconfig)})
    espaze = bootstrap.build(settings, resolve_secrets(settings), mongo_url=database.url, cluster_client=cluster)
    try:
        await espaze.prepare()
        metrics, fleet = espaze.services.metrics, Fleet(espaze)
        await fleet.prepare()
        rows = []
        for count in (small, large, small):
            started = time.monotonic()
            await fleet.resize(count)
            print(f'{count} deployments running ({time.monotonic() - started:.0f} s)', flush=True)
            await metrics.collect()  # the informer's first list
            ticks, scopes = await _times(metrics.collect, runs), await _times(metrics.collect_scopes, max(3, runs // 4))
            rows.append((count, statistics.median(ticks), statistics.median(scopes)))
        informer = espaze.services.cluster.reads.informer
        print(f'\npod lists by the informer: {informer.lists}; watch events applied: {informer.events}')
        print(f'{"deployments":>12} {"metrics tick":>14} {"scopes tick":>14}')
        for count, tick, scope in rows:
            print(f'{count:>12} {tick:>11.1f} ms {scope:>11.1f} ms')
        base_tick = statistics.mean([rows[0][1], rows[2][1]])
        base_scopes = statistics.mean([rows[0][2], rows[2][2]])
        ratio = rows[1][1] / base_tick
        print(f'metrics tick: {large} / {small} = {ratio:.2f}x (goal 2x) {"ok" if ratio <= 2 else "OVER"}')
        print(f'scopes tick (once a minute, linear by design): {rows[1][2] / base_scopes:.2f}x')
        day = await _bytes_a_day(database.url, settings.metrics_retention())
        print(f"one deployment's history: {day / 1024:.0f} KB a day (a point a minute, averages an hour)")
    finally:
        await espaze.stop()
        database.stop()
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--small', type=int, default=100)
    parser.add_argument('--large', type=int, default=2000)
    parser.add_argument('--runs', type=int, default=12)
    args = parser.parse_args()
    asyncio.run(measure(args.small, args.large, args.runs))


if __name__ == '__main__':
    main()
