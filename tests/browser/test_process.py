"""The app as `make run` starts it: the embedded database lives and dies with it."""

import signal
import time

import httpx
import psutil

from tests.browser.conftest import start_app, stop_app


def _database_children(pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(pid).children(recursive=True) if 'secantusd' in ' '.join(p.cmdline())]


def _gone(process: psutil.Process, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_stopping_the_app_stops_its_embedded_database(tmp_path):
    running = start_app(tmp_path / 'data')
    databases = _database_children(running.process.pid)
    assert len(databases) == 1
    stop_app(running)
    assert running.process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean shutdown
    assert _gone(databases[0], 10)
    assert any('Espaze stopped' in line for line in running.output)


def test_killing_the_app_does_not_orphan_its_embedded_database(tmp_path):
    running = start_app(tmp_path / 'data')
    database = _database_children(running.process.pid)[0]
    running.process.send_signal(signal.SIGKILL)
    running.process.wait(10)
    assert _gone(database, 15), 'the embedded database outlived the killed app'


def test_data_survives_a_restart_and_the_setup_link_is_not_offered_again(tmp_path):
    first = start_app(tmp_path / 'data')
    token = first.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': 'root@example.com', 'password': 'correct horse battery'}
    assert httpx.post(f'{first.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    stop_app(first)
    second = start_app(tmp_path / 'data')
    try:
        login = httpx.post(
            f'{second.base_url}/api/auth/login', json={'email': body['email'], 'password': body['password']}, timeout=10
        )
        assert login.status_code == 200
        assert not any('/setup?token=' in line for line in second.output)
    finally:
        stop_app(second)
