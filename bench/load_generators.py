"""Closed-loop load for the heartbeat bench: by wrk when it is installed (a C generator that leaves the server most
of the CPU), else by aiohttp workers."""

import asyncio
import os
import subprocess
import time
from pathlib import Path


async def closed_loop(session, seconds: float, concurrency: int, request) -> float:
    """Requests per second with `concurrency` workers each sending the next request when the last one answered."""
    done = 0
    stop = time.monotonic() + seconds

    async def worker(w: int) -> None:
        nonlocal done
        n = w
        while time.monotonic() < stop:
            await request(session, n)
            n += concurrency
            done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return done / (time.monotonic() - started)


WRK_SCRIPT = """
local nodes = {}
for line in io.lines(os.getenv("BENCH_NODES")) do
  local id, token = line:match("(%S+) (%S+)")
  nodes[#nodes + 1] = {id, token}
end
local i = 0
local body = '{"metrics": {"cpuPercent": 12.5, "memoryPercent": 41.0, "diskPercent": 63.0, "load1": 0.3}}'
request = function()
  i = i % #nodes + 1
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. nodes[i][2]}
  return wrk.format("POST", "/api/nodes/" .. nodes[i][1] .. "/heartbeat", headers, body)
end
"""
BARE_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"metrics": {"cpuPercent": 12.5, "memoryPercent": 41.0, "diskPercent": 63.0, "load1": 0.3}}'
"""


def wrk_rate(url: str, script: str | None, seconds: float, concurrency: int, workdir: Path) -> float:
    """Requests per second measured by wrk (a C load generator that leaves the server most of the CPU)."""
    command = ['wrk', '-t1', f'-c{concurrency}', f'-d{int(seconds)}s', url]
    if script:
        path = workdir / f'script{abs(hash(script))}.lua'
        path.write_text(script)
        command[4:4] = ['-s', str(path)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    errors = [line for line in output.splitlines() if 'Non-2xx' in line or 'Socket errors' in line]
    if errors:
        print(f'wrk {url}: {errors}')
    return float(output.split('Requests/sec:')[1].split()[0])


PACED_SCRIPT = (
    WRK_SCRIPT
    + """
local pause = tonumber(os.getenv("BENCH_PAUSE_MS"))
delay = function()
  return pause
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50=%f p99=%f p999=%f\\n", latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9)))
end
"""
)


def wrk_paced(
    url: str, rate: float, seconds: float, connections: int, workdir: Path, latency_ms: float = 0
) -> dict[str, float]:
    """Heartbeats at about `rate` a second by wrk: `connections` each pause so long between two beats that together
    they offer `rate`, less the mean latency expected of an answer (a slower answer lowers what is offered: the
    figure returned is what was sent, and served)."""
    path = workdir / 'paced.lua'
    path.write_text(PACED_SCRIPT)
    pause = max(1, int(connections / rate * 1000 - latency_ms))
    command = ['wrk', '-t1', f'-c{connections}', f'-d{int(seconds)}s', '--timeout', '10s', '-s', str(path), url]
    environment = {**os.environ, 'BENCH_PAUSE_MS': str(pause)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, env=environment)
    output = done.stdout
    sent = int(output.split(' requests in ')[0].split()[-1])
    errors = 0
    for line in output.splitlines():
        if 'Non-2xx' in line:
            errors += int(line.split()[-1])
        if 'Socket errors' in line:
            errors += sum(int(part.split()[-1]) for part in line.split(':', 1)[1].split(','))
    figures = dict(part.split('=') for part in output.split('BENCH ')[1].split()) if 'BENCH ' in output else {}
    return {
        'pause_ms': pause,
        'offered': sent / seconds,
        'served': (sent - errors) / seconds,
        'failed': errors,
        **{name: float(value) / 1000 for name, value in figures.items()},  # wrk's latencies are in microseconds
    }
