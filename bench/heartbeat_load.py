"""The sustained part of the heartbeat bench: every node beating once per interval, offered by this process
(aiohttp, each node at its own offset) or by wrk (paced), with one node stopped and timed until shown offline."""

import argparse
import asyncio
import os
import random
import time
from pathlib import Path

import aiohttp

from bench.load_generators import wrk_paced

METRICS = {'metrics': {'cpuPercent': 12.5, 'memoryPercent': 41.0, 'diskPercent': 63.0, 'load1': 0.3}}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float('nan')


async def send_beat(session, base, node, latencies, failures) -> None:
    """One beat; its latency counts only when it was served (200), and every other outcome is a failure, a timeout
    included (aiohttp raises asyncio.TimeoutError, which is not a ClientError)."""
    started = time.perf_counter()
    try:
        async with session.post(
            f'{base}/api/nodes/{node[0]}/heartbeat', json=METRICS, headers={'Authorization': f'Bearer {node[1]}'}
        ) as response:
            await response.read()
            if response.status != 200:
                failures.append(response.status)
                return
    except (aiohttp.ClientError, TimeoutError) as error:
        failures.append(type(error).__name__)
        return
    latencies.append(time.perf_counter() - started)


async def watch_offline(is_offline, node_id: str, last_beat: float, limit: float = 150) -> float | None:
    """Seconds from a node's last beat until the API shows it offline, polled every second."""
    while time.monotonic() - last_beat < limit:
        if await is_offline(node_id):
            return time.monotonic() - last_beat
        await asyncio.sleep(1)
    return None


async def sustained(session, base, nodes, interval: float, duration: float, is_offline) -> None:
    """Each node beats once per interval at its own offset; one node stops after 5 s to time offline detection."""
    latencies: list[float] = []
    failures: list[object] = []
    schedule = sorted((random.uniform(0, interval), i) for i in range(len(nodes)))
    silent = nodes[schedule[0][1]]
    last_silent_beat = 0.0
    watcher: asyncio.Task | None = None
    tasks: set[asyncio.Task] = set()
    start = time.monotonic()
    beats = cycle = 0
    while cycle * interval < duration:
        for offset, i in schedule:
            due = start + cycle * interval + offset
            if due - start >= duration:
                break
            if (delay := due - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            if nodes[i] is silent:
                if time.monotonic() - start > 5:
                    if watcher is None and is_offline is not None:
                        watcher = asyncio.create_task(watch_offline(is_offline, silent[0], last_silent_beat))
                    continue
                last_silent_beat = time.monotonic()
            task = asyncio.create_task(send_beat(session, base, nodes[i], latencies, failures))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            beats += 1
        cycle += 1
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    served = len(latencies)
    print(
        f'sustained: {len(nodes)} nodes every {interval:g} s for {elapsed:.0f} s: offered {beats / elapsed:.0f} '
        f'beats/s, served {served / elapsed:.0f} beats/s ({served} of {beats}), '
        f'p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms '
        f'(served beats), {len(failures)} failed or timed out {sorted(set(map(str, failures)))[:5]}',
        flush=True,
    )
    if is_offline is None:
        return
    if watcher is None:
        watcher = asyncio.create_task(watch_offline(is_offline, silent[0], last_silent_beat))
    offline_after = await watcher
    shown = 'never (within 150 s)' if offline_after is None else f'{offline_after:.0f} s'
    print(
        f'offline detection: a node that stopped beating was shown offline {shown} after its last beat '
        '(goal: within 100 s)',
        flush=True,
    )


async def sustained_by_wrk(session, base: str, nodes: list, args: argparse.Namespace, is_offline) -> None:
    """The sustained load offered by wrk (paced), every node but one; that one beats once and is timed offline."""
    workdir = Path(os.environ['BENCH_WORKDIR'])
    silent, beating = nodes[0], nodes[1:]
    (workdir / 'beating.txt').write_text(''.join(f'{node_id} {token}\n' for node_id, token in beating))
    os.environ['BENCH_NODES'] = str(workdir / 'beating.txt')
    rate = len(beating) / args.interval
    latency_ms = 0.0
    if args.warm_up:  # every node's first beats turn it online: three writes each, a fleet's cold start
        cold = await asyncio.to_thread(wrk_paced, base, rate, args.warm_up, args.wrk_connections, workdir)
        # each connection waits for an answer before its pause: the cold start's mean answer is taken off the pause
        latency_ms = max(0.0, args.wrk_connections / cold['offered'] * 1000 - cold['pause_ms'])
        print(
            f'cold start by wrk ({args.warm_up:.0f} s, the first beat of every node): offered {cold["offered"]:.0f} '
            f'beats/s, served {cold["served"]:.0f}/s, {cold["failed"]:.0f} failed or timed out, '
            f'p50 {cold.get("p50", float("nan")):.1f} ms, p99 {cold.get("p99", float("nan")):.1f} ms',
            flush=True,
        )
    failures: list[object] = []
    await send_beat(session, base, silent, [], failures)
    watcher = asyncio.create_task(watch_offline(is_offline, silent[0], time.monotonic()))
    found = await asyncio.to_thread(wrk_paced, base, rate, args.duration, args.wrk_connections, workdir, latency_ms)
    print(
        f'sustained by wrk: {len(beating)} nodes every {args.interval:g} s ({rate:.0f} beats/s wanted) for '
        f'{args.duration:.0f} s: offered {found["offered"]:.0f} beats/s, served {found["served"]:.0f}/s, '
        f'{found["failed"]:.0f} failed or timed out, p50 {found.get("p50", float("nan")):.1f} ms, '
        f'p99 {found.get("p99", float("nan")):.1f} ms, p99.9 {found.get("p999", float("nan")):.1f} ms',
        flush=True,
    )
    offline_after = await watcher
    shown = 'never (within 150 s)' if offline_after is None else f'{offline_after:.0f} s'
    print(f'offline detection: the node that stopped was shown offline {shown} after its last beat', flush=True)
