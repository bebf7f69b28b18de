"""`python agent.py` against the running app: enroll, beat, keep the token private, stop when refused."""

import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.support.fleet_setup import admin_session, enrollment_token
from tests.support.running_app import RunningApp, start_app, stop_app


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[RunningApp]:
    running = start_app(tmp_path / 'data', {'ESPAZE_ALLOW_PRIVATE_NODE_IPS': 'true'})
    yield running
    stop_app(running)


def run_agent(espaze: RunningApp, state: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, 'agent.py', '--server', espaze.base_url, '--state-file', str(state), '--once', *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def wait_for_status(
    espaze: RunningApp, auth: dict, node_id: str, status: str, seconds: float = 10, metrics: bool = False
) -> dict:
    """The node once shown in `status` (at its beat) and, with `metrics`, once the beat's metrics are stored too
    (at the next flush, a second or so later)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        node = httpx.get(f'{espaze.base_url}/api/nodes/{node_id}', headers=auth, timeout=10).json()
        if node['status'] == status and (not metrics or node['lastMetrics']):
            return node
        time.sleep(0.2)
    raise AssertionError(f'node never became {status}: {node}')


def test_agent_once_enrolls_beats_and_keeps_its_token_private(lab: RunningApp, tmp_path: Path):
    auth = admin_session(lab)
    state = tmp_path / 'agent' / 'state.json'
    token = enrollment_token(lab, auth)
    first = run_agent(
        lab,
        state,
        '--enrollment-token',
        token,
        '--latitude',
        '48.85',
        '--longitude',
        '2.35',
        '--name',
        'lab-node',
        '--label',
        'site=lab',
    )
    assert first.returncode == 0, first.stderr
    assert 'enrolled as node' in first.stdout and 'heartbeat sent' in first.stdout
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    node_id = httpx.get(f'{lab.base_url}/api/nodes', headers=auth, timeout=10).json()['items'][0]['id']
    node = wait_for_status(lab, auth, node_id, 'online', metrics=True)
    assert node['name'] == 'lab-node' and node['labels'] == {'site': 'lab'}
    assert node['lastMetrics']['memoryPercent'] > 0 and node['agentVersion'] == '1.0.0'
    assert token not in state.read_text()
    again = run_agent(lab, state)  # enrolled: the state file is enough
    assert again.returncode == 0, again.stderr


def test_agent_stops_with_a_clear_message_when_its_token_is_revoked(lab: RunningApp, tmp_path: Path):
    auth = admin_session(lab)
    state = tmp_path / 'state.json'
    enrolled = run_agent(
        lab, state, '--enrollment-token', enrollment_token(lab, auth), '--latitude', '1', '--longitude', '2'
    )
    assert enrolled.returncode == 0, enrolled.stderr
    node_id = httpx.get(f'{lab.base_url}/api/nodes', headers=auth, timeout=10).json()['items'][0]['id']
    assert httpx.post(f'{lab.base_url}/api/nodes/{node_id}/revoke-token', headers=auth, timeout=10).status_code == 204
    refused = run_agent(lab, state)
    assert refused.returncode == 3
    assert 'revoked or deleted' in refused.stderr and 'enroll again' in refused.stderr


def test_agent_refuses_to_start_without_a_position_or_an_enrollment_token(lab: RunningApp, tmp_path: Path):
    no_token = run_agent(lab, tmp_path / 'state.json', '--latitude', '1', '--longitude', '2')
    assert no_token.returncode != 0 and '--enrollment-token' in no_token.stderr
    no_place = run_agent(lab, tmp_path / 'state.json', '--enrollment-token', 'espe_x')
    assert no_place.returncode != 0 and 'position' in no_place.stderr
