"""How operators watch Espaze itself: GET /metrics in Prometheus' text format, and with ESPAZE_LOG_FORMAT=json
every line the process writes (Espaze's, uvicorn's, NiceGUI's, its children's) one JSON object."""

import json
import socket
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.fleet_helpers import node_body
from tests.support.fleet_setup import admin_session, enrollment_token
from tests.support.running_app import start_app, stop_app

METRICS_TOKEN = 'metrics-scraper-token-' + 'm' * 16


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and labels.items() <= dict(ls).items())


def test_metrics_count_requests_heartbeats_jobs_and_state_and_every_log_line_is_json(tmp_path: Path):
    environment = {
        'ESPAZE_LOG_FORMAT': 'json',
        'ESPAZE_LOG_LEVEL': 'DEBUG',
        'ESPAZE_METRICS_TOKEN': METRICS_TOKEN,
        'ESPAZE_HEARTBEAT_FLUSH_SECONDS': '0.2',
        'ESPAZE_OFFLINE_SWEEP_SECONDS': '0.5',
    }
    app = start_app(tmp_path / 'data', environment)
    base = app.base_url
    canary = 'canary-password-' + 'p' * 20
    try:
        auth = admin_session(app)
        token = enrollment_token(app, auth)
        registered = httpx.post(
            f'{base}/api/nodes/register', json=node_body(), headers={'Authorization': f'Bearer {token}'}, timeout=10
        ).json()
        node = {'Authorization': f'Bearer {registered["nodeToken"]}'}
        for _ in range(3):
            beat = httpx.post(f'{base}/api/nodes/{registered["node"]["id"]}/heartbeat', headers=node, timeout=10)
            assert beat.status_code == 200
        bad_login = {'email': 'root@example.com', 'password': canary}
        assert httpx.post(f'{base}/api/auth/login', json=bad_login, timeout=10).status_code == 401
        assert httpx.get(f'{base}/api/nodes/{"0" * 24}', headers=auth, timeout=10).status_code == 404
        with socket.create_connection(('127.0.0.1', int(base.rsplit(':', 1)[1]))) as raw:
            raw.sendall(b'NOT HTTP AT ALL\r\n\r\n')  # uvicorn logs a warning of its own
            raw.recv(1024)
        time.sleep(1.5)  # flushes and job runs

        assert httpx.get(f'{base}/metrics', timeout=10).status_code == 401
        scraped = httpx.get(f'{base}/metrics', headers={'Authorization': f'Bearer {METRICS_TOKEN}'}, timeout=10)
        assert scraped.status_code == 200 and scraped.headers['content-type'].startswith('text/plain')
        samples = _samples(scraped.text)
        heartbeat_route = '/api/nodes/{node_id}/heartbeat'
        assert _value(samples, 'espaze_http_requests_total', route=heartbeat_route, status='200', method='POST') == 3
        assert _value(samples, 'espaze_http_requests_total', route='/api/auth/login', status='401') == 1
        assert _value(samples, 'espaze_http_requests_total', route='/api/nodes/{node_id}', status='404') == 1
        assert _value(samples, 'espaze_http_request_duration_seconds_count', route='/api/auth/login') >= 2
        assert _value(samples, 'espaze_heartbeats_total') == 3
        assert 1 <= _value(samples, 'espaze_heartbeat_flush_batch_size_sum') <= 3  # a node's beats coalesce
        assert _value(samples, 'espaze_job_runs_total', job='flush-heartbeats') >= 3
        assert _value(samples, 'espaze_job_failures_total', job='flush-heartbeats') == 0
        assert _value(samples, 'espaze_job_duration_seconds_count', job='offline-sweep') >= 1
        assert _value(samples, 'espaze_job_lease_held', job='offline-sweep') == 1  # alone, it holds every lease
        assert _value(samples, 'espaze_nodes', status='online') == 1
        assert _value(samples, 'espaze_nodes', status='offline') == 0
        assert not any(registered['node']['id'] in dict(labels).get('route', '') for _, labels in samples)
    finally:
        stop_app(app)

    lines = [line for line in app.output if line.strip()]
    records = []
    for line in lines:
        record = json.loads(line)  # every line, whoever wrote it
        assert {'time', 'level', 'logger', 'message'} <= set(record), line
        records.append(record)
    loggers = {record['logger'] for record in records}
    assert {'espaze', 'espaze.requests', 'uvicorn.error'} <= loggers, loggers
    requests = [r for r in records if r['logger'] == 'espaze.requests']
    assert requests and all(r['requestId'] and r['requestId'] in r['message'] for r in requests)
    assert any('/setup?token=' in r['message'] for r in records)
    assert any(r['level'] == 'DEBUG' for r in records)
    assert canary not in '\n'.join(lines)
