"""The fleet a heartbeat bench beats for (enrolled through the API, or written and signed directly), and what it
reads of the database afterwards (its operation counters, the nodes marked offline)."""

import asyncio
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bench.scale.seed import node_documents
from repositories.database import open_database
from services.tokens import TokenCodec

PASSWORD = 'bench password 123'


async def enroll_fleet(session: aiohttp.ClientSession, base: str, count: int) -> list[tuple[str, str]]:
    setup_output = Path(os.environ['BENCH_APP_LOG']).read_text()
    token = setup_output.split('/setup?token=', 1)[1].split()[0]
    admin = {'token': token, 'email': 'bench@example.com', 'password': PASSWORD}
    async with session.post(f'{base}/api/auth/setup', json=admin) as response:
        assert response.status == 201, await response.text()
    async with session.post(f'{base}/api/auth/login', json={k: admin[k] for k in ('email', 'password')}) as response:
        auth = {'Authorization': f'Bearer {(await response.json())["accessToken"]}'}
    nodes: list[tuple[str, str]] = []
    semaphore = asyncio.Semaphore(32)

    async def one(n: int) -> None:
        body = {
            'macAddress': '02:' + ':'.join(f'{b:02x}' for b in n.to_bytes(5, 'big')),
            'publicIp': f'8.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}',
            'location': {'latitude': random.uniform(-60, 70), 'longitude': random.uniform(-180, 180)},
        }
        async with semaphore, session.post(f'{base}/api/nodes/register', json=body, headers=auth) as response:
            answer = await response.json()
            assert 'node' in answer, answer
            nodes.append((answer['node']['id'], answer['nodeToken']))

    await asyncio.gather(*(one(n) for n in range(1, count + 1)))
    return nodes


async def minted_fleet(mongo_url: str, count: int, secret: str) -> list[tuple[str, str]]:
    """Nodes written as the repositories write them, enrolled but never seen yet, and node tokens signed for them."""
    nodes, liveness = node_documents(0, count, ['bench'], datetime.now(UTC), random.Random(19))
    for node, live in zip(nodes, liveness, strict=True):
        node['status'] = 'pending'
        live.update(online=False, last_seen_at=None, seen_ip=None, metrics=None)
    client, db = open_database(mongo_url, 120)
    try:
        for start in range(0, count, 5000):
            for node in nodes[start : start + 5000]:  # as each write stamps it: the read models follow it
                node['updated_at'] = datetime.now(UTC)
            await db['nodes'].insert_many(nodes[start : start + 5000])
            await db['node_liveness'].insert_many(liveness[start : start + 5000])
    finally:
        await client.close()
    codec = TokenCodec(secret, timedelta(minutes=15), timedelta(days=1))
    return [(str(n['_id']), codec.encode('node', str(n['_id']), timedelta(days=1))) for n in nodes]


async def database_ops(mongo_url: str) -> int:
    client, _ = open_database(mongo_url, 120)  # a busy database (a replica reading every node again) is slow
    try:
        counters = (await client.admin.command('serverStatus'))['opcounters']
    finally:
        await client.close()
    return sum(counters.values())


async def beating_marked_offline(mongo_url: str, since: datetime) -> int:
    """Status changes to offline recorded since `since`: every node of the run beats, but for the silent one."""
    client, db = open_database(mongo_url, 120)
    try:
        return await db['node_events'].count_documents({'to': 'offline', 'at': {'$gte': since}})
    finally:
        await client.close()


async def pauses(session: aiohttp.ClientSession, base: str) -> dict[str, tuple[float, float, float]]:
    """From the app's /metrics: for each garbage collector generation and the event loop's lag, (how many, how
    many over 100 ms, seconds in all) so far."""
    async with session.get(f'{base}/metrics') as response:
        text = await response.text()
    found: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name not in ('espaze_gc_pause_seconds', 'espaze_event_loop_lag_seconds'):
            continue
        for sample in family.samples:
            key = f'gc gen{sample.labels["generation"]}' if 'generation' in sample.labels else 'loop lag'
            figures = found.setdefault(key, [0.0, 0.0, 0.0])  # count, within 100 ms, sum
            if sample.name.endswith('_count'):
                figures[0] = sample.value
            elif sample.name.endswith('_sum'):
                figures[2] = sample.value
            elif sample.name.endswith('_bucket') and sample.labels['le'] == '0.1':
                figures[1] = sample.value
    return {key: (count, count - within, total) for key, (count, within, total) in found.items()}


def pauses_between(before: dict, after: dict) -> str:
    parts = []
    for key in sorted(after):
        count, over, total = (a - b for a, b in zip(after[key], before.get(key, (0, 0, 0)), strict=True))
        parts.append(f'{key}: {count:.0f} ({over:.0f} over 100 ms, {total:.1f} s in all)')
    return '; '.join(parts)
