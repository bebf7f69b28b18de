"""The restore drill: back up a running Espaze's database and keys, restore them into a fresh data dir, start
Espaze there, log in, and find the stored GitHub credential still decrypting."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backup import database
from tests.conftest import ROOT
from tests.support.fleet_setup import PASSWORD, admin_session
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.running_app import start_app, stop_app


def _backup(*args: str, succeeds: bool = True) -> subprocess.CompletedProcess:
    """`python backup.py ...` on the embedded database of the given data dir (no MONGO_URL)."""
    done = subprocess.run(
        [sys.executable, 'backup.py', *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={'PATH': '/usr/bin:/bin'},
    )
    assert (done.returncode == 0) == succeeds, done.stderr
    return done


def test_dump_restore_into_a_fresh_data_dir_log_in_and_credentials_still_decrypt(
    tmp_path: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch
):
    environment = {'GITHUB_API_URL': github.base_url}
    token = classic_token()
    github.add_recorded_account(token)
    original = start_app(tmp_path / 'original', environment)
    try:
        auth = admin_session(original)
        linked = httpx.put(f'{original.base_url}/api/github/token', json={'token': token}, headers=auth, timeout=10)
        assert linked.status_code == 200, linked.text
    finally:
        stop_app(original)

    backup = tmp_path / 'backup'
    dumped = _backup('dump', '--data-dir', str(tmp_path / 'original'), '--out', str(backup)).stdout
    assert (backup / 'collections' / 'users.bson').stat().st_size > 0
    assert (backup / 'keys' / 'encryption_key').exists() and (backup.stat().st_mode & 0o077) == 0
    restored_dir = tmp_path / 'restored'
    restored_line = _backup('restore', '--data-dir', str(restored_dir), '--from', str(backup)).stdout
    assert dumped.split(':', 1)[1] == restored_line.split(':', 1)[1]  # as many documents in as out
    assert (tmp_path / 'original' / 'read-models' / 'nodes.pickle').exists()  # saved at the clean stop
    epochs = []
    monkeypatch.delenv('MONGO_URL')  # each data dir's own embedded database, as the apps above used
    for data_dir in (tmp_path / 'original', restored_dir):
        with database(data_dir) as db:
            epochs.append(db['instance'].find_one({'_id': 'read_models'})['epoch'])
    assert epochs[0] != epochs[1]  # a replica's saved read models are not taken for the restored data
    again = _backup('restore', '--data-dir', str(restored_dir), '--from', str(backup), succeeds=False)
    assert 'not empty' in again.stderr  # never merged into a database in use

    restored = start_app(restored_dir, environment)
    try:
        assert not any('/setup?token=' in line for line in restored.output)  # the accounts came back
        login = httpx.post(
            f'{restored.base_url}/api/auth/login', json={'email': 'root@example.com', 'password': PASSWORD}, timeout=10
        )
        assert login.status_code == 200
        auth = {'Authorization': f'Bearer {login.json()["accessToken"]}'}
        status = httpx.get(f'{restored.base_url}/api/github/status', headers=auth, timeout=10).json()
        assert status['state'] == 'linked' and status['hint'] == f'ghp_...{token[-4:]}'
        repos = httpx.get(f'{restored.base_url}/api/github/repos', headers=auth, timeout=30)
        assert repos.status_code == 200 and repos.json()['items']  # the token decrypted and GitHub accepted it
    finally:
        stop_app(restored)
