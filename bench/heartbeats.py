"""Heartbeats at fleet scale, measured against baselines in the same run.

    .venv/bin/python -m bench.heartbeats [--nodes 10000] [--interval 30] [--duration 120] [--burst-seconds 10]

Starts the embedded database and Espaze (as `make run` does, on free ports), enrolls the nodes through the API
(or, with --mint, writes them as the repositories do and signs their node tokens with the app's secret, so that
60,000 nodes do not take an hour to enroll), then prints:
  1. sustained load: every node beats once per interval for `duration` s: beats/s, p50, p99, failures;
  2. offline detection: one node stops beating; seconds from its last beat until the API shows it offline;
  3. throughput: closed-loop load on the heartbeat, on Espaze's /healthz, and on a bare FastAPI JSON endpoint
     (bench/bare_app.py, same uvicorn settings); ratios of the heartbeat to both;
  4. coalescing: the same beats written as one bulk write against one update per beat.
During the sustained load it also prints the database's operations a second (its own opcounters: commands, a bulk
write counting once), its CPU, and how many beating nodes were ever marked offline (goal: none).
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import psutil

from bench.heartbeat_fleet import (
    PASSWORD,
    beating_marked_offline,
    database_ops,
    enroll_fleet,
    minted_fleet,
    pauses,
    pauses_between,
)
from bench.heartbeat_load import METRICS, send_beat, sustained, sustained_by_wrk
from bench.load_generators import BARE_SCRIPT, WRK_SCRIPT, closed_loop, wrk_rate
from models.fleet import Heartbeat, NodeMetrics
from repositories.database import open_database
from repositories.node_liveness import NodeLivenessRepository
from runtime.embedded_db import EmbeddedMongo, free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f'{url} exited with {process.returncode}')
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f'{url} did not become ready')


async def coalescing_ratio(mongo_url: str, nodes: list[tuple[str, str]], count: int = 2000) -> None:
    client, db = open_database(mongo_url, 30)
    repository = NodeLivenessRepository(db)
    now = datetime.now(UTC)
    beats = [Heartbeat(node_id, now, '127.0.0.1', NodeMetrics(cpu_percent=1.0)) for node_id, _ in nodes[:count]]
    started = time.perf_counter()
    for beat in beats:
        await repository.record([beat])
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    for batch in range(0, len(beats), 500):
        await repository.record(beats[batch : batch + 500])
    bulk = time.perf_counter() - started
    await client.close()
    print(
        f'coalescing: {len(beats)} beats: one write per beat {len(beats) / one_by_one:.0f}/s, bulk writes of 500 '
        f'{len(beats) / bulk:.0f}/s: {one_by_one / bulk:.1f}x; the app flushes once a second, so at 333 beats/s '
        f'one round trip carries about 333 beats'
    )


async def run(args: argparse.Namespace, mongo_url: str, base: str, bare: str, database_pid: int) -> None:
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        started = time.monotonic()
        if args.mint:  # written while Espaze runs (its indexes exist): its read model takes them in at its next poll
            nodes = await minted_fleet(mongo_url, args.nodes, args.secret)
        else:
            nodes = await enroll_fleet(session, base, args.nodes)
        admin_login = {'email': 'bench@example.com', 'password': PASSWORD}
        auth: dict[str, str] = {}

        async def log_in() -> None:  # again when the access token expires: a run outlasts its 15 minutes
            async with session.post(f'{base}/api/auth/login', json=admin_login) as response:
                auth['Authorization'] = f'Bearer {(await response.json())["accessToken"]}'

        await log_in()
        while True:
            async with session.get(f'{base}/api/nodes/summary', headers=auth) as response:
                if (await response.json())['total'] >= len(nodes):
                    break
            await asyncio.sleep(0.5)
        how = 'wrote and signed' if args.mint else 'enrolled through the API'
        print(f'{how} {len(nodes)} nodes in {time.monotonic() - started:.0f} s', flush=True)

        async def is_offline(node_id: str) -> bool:
            try:
                async with session.get(f'{base}/api/nodes/{node_id}', headers=auth) as response:
                    if response.status != 200:  # an expired access token, or a busy app: look again
                        print(f'watching the silent node: HTTP {response.status} {await response.text()}'[:300])
                        if response.status == 401:
                            await log_in()
                        return False
                    return (await response.json())['status'] == 'offline'
            except (aiohttp.ClientError, TimeoutError):  # an overloaded app: look again
                return False

        ops_before, ops_started, run_started = await database_ops(mongo_url), time.monotonic(), datetime.now(UTC)
        pauses_before = await pauses(session, base)
        database_process = psutil.Process(database_pid)
        database_process.cpu_percent(None)
        if args.paced_by_wrk:
            await sustained_by_wrk(session, base, nodes, args, is_offline)
        else:
            await sustained(
                session, base, nodes, args.interval, args.duration, None if args.skip_offline_check else is_offline
            )
        found = pauses_between(pauses_before, await pauses(session, base))
        print(f'event loop during the cold start and the sustained load: {found}', flush=True)
        ops = (await database_ops(mongo_url) - ops_before) / (time.monotonic() - ops_started)
        database_cpu = database_process.cpu_percent(None)
        marked = await beating_marked_offline(mongo_url, run_started)
        silent = 0 if args.skip_offline_check else 1
        print(
            f'database: {ops:.0f} operations/s and {database_cpu:.0f} % CPU (of one core) during the sustained load; '
            f'beating nodes marked offline: '
            f'{max(0, marked - silent)} (goal: 0; the one node that stopped is not counted)',
            flush=True,
        )

        async def heartbeat(session, n):
            await send_beat(session, base, nodes[n % len(nodes)], [], [])

        async def healthz(session, n):
            async with session.get(f'{base}/healthz') as response:
                await response.read()

        async def bare_json(session, n):
            async with session.post(f'{bare}/beat', json=METRICS) as response:
                await response.read()

        rates = {}
        if shutil.which('wrk'):
            workdir = Path(os.environ['BENCH_WORKDIR'])
            (workdir / 'nodes.txt').write_text(''.join(f'{node_id} {token}\n' for node_id, token in nodes))
            os.environ['BENCH_NODES'] = str(workdir / 'nodes.txt')
            targets = (
                ('bare FastAPI', f'{bare}/beat', BARE_SCRIPT),
                ('/healthz', f'{base}/healthz', None),
                ('heartbeat', base, WRK_SCRIPT),
            )
            for name, url, script in targets:
                rates[name] = await asyncio.to_thread(
                    wrk_rate, url, script, args.burst_seconds, args.concurrency, workdir
                )
            generator = 'wrk'
        else:
            for name, request in (('bare FastAPI', bare_json), ('/healthz', healthz), ('heartbeat', heartbeat)):
                rates[name] = await closed_loop(session, args.burst_seconds, args.concurrency, request)
            generator = 'aiohttp (install wrk for a lighter load generator)'
        print(
            f'throughput by {generator} ({args.concurrency} concurrent, {args.burst_seconds:g} s each): '
            + ', '.join(f'{name} {rate:.0f}/s' for name, rate in rates.items())
        )
        print(
            f'ratio heartbeat / bare FastAPI JSON endpoint: {rates["heartbeat"] / rates["bare FastAPI"]:.2f} '
            f'(goal >= 0.80); heartbeat / Espaze /healthz: {rates["heartbeat"] / rates["/healthz"]:.2f}'
        )
    await coalescing_ratio(mongo_url, nodes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--nodes', type=int, default=10_000)
    parser.add_argument('--interval', type=float, default=30.0, help='seconds between beats of one node')
    parser.add_argument('--duration', type=float, default=120.0, help='seconds of sustained load')
    parser.add_argument('--burst-seconds', type=float, default=10.0)
    parser.add_argument('--concurrency', type=int, default=32)
    parser.add_argument('--connections', type=int, default=128)
    parser.add_argument('--skip-offline-check', action='store_true', help='do not wait for the silent node')
    parser.add_argument('--app-env', action='append', default=[], help='KEY=VALUE for the app, may be repeated')
    parser.add_argument('--mint', action='store_true', help='write the nodes and sign their tokens, not enroll')
    parser.add_argument('--paced-by-wrk', action='store_true', help='offer the sustained load with wrk (installed)')
    parser.add_argument('--wrk-connections', type=int, default=500)
    parser.add_argument(
        '--warm-up', type=float, default=0, help='seconds of paced beats before the measured ones (with wrk)'
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='espaze-bench-') as workdir:
        database = EmbeddedMongo(Path(workdir) / 'db')
        database.start()
        app_port, bare_port = free_port(), free_port()
        log = Path(workdir) / 'app.log'
        os.environ['BENCH_APP_LOG'] = str(log)
        os.environ['BENCH_WORKDIR'] = workdir
        env = {k: v for k, v in os.environ.items() if not k.startswith(('ESPAZE_', 'NICEGUI_', 'PYTEST_'))}
        env.update(
            {
                'MONGO_URL': database.url,
                'ESPAZE_PORT': str(app_port),
                'ESPAZE_DATA_DIR': workdir,
                'ESPAZE_LOG_LEVEL': 'WARNING',
                # every simulated node enrolls from the load generator's one address
                'ESPAZE_ENROLLMENTS_PER_ADDRESS_PER_MINUTE': '1000000',
                # the closed-loop burst beats each node several times a minute; the allowance is still counted
                'ESPAZE_HEARTBEAT_LIMIT_PER_MINUTE': '100000',
            }
        )
        env.update(item.split('=', 1) for item in args.app_env)
        if args.mint:
            env['ESPAZE_JWT_SECRET'] = args.secret = os.urandom(32).hex()
            env['ESPAZE_ADMIN_EMAIL'], env['ESPAZE_ADMIN_PASSWORD'] = 'bench@example.com', PASSWORD
        with log.open('w') as output:
            app = subprocess.Popen([sys.executable, 'app.py'], cwd=ROOT, env=env, stdout=output, stderr=output)
            bare = subprocess.Popen([sys.executable, '-m', 'bench.bare_app', str(bare_port)], cwd=ROOT)
            try:
                wait_ready(f'http://127.0.0.1:{app_port}/readyz', app)
                wait_ready(f'http://127.0.0.1:{bare_port}/docs', bare)
                urls = f'http://127.0.0.1:{app_port}', f'http://127.0.0.1:{bare_port}'
                asyncio.run(run(args, database.url, *urls, database.pid))
            finally:
                for process in (app, bare):
                    process.terminate()
                    try:
                        process.wait(60)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(10)
                database.stop()
                shutil.copy(log, Path(tempfile.gettempdir()) / 'espaze-bench-app.log')


if __name__ == '__main__':
    main()
