"""The app as `make run` starts it: the embedded database and the sandbox cluster live and die with it."""

import signal
import ssl
import subprocess
import time

import httpx
import psutil

from runtime.embedded_db import EmbeddedMongo, free_port
from tests.support.running_app import start_app, stop_app


def _children(pid: int, marker: str) -> list[psutil.Process]:
    return [p for p in psutil.Process(pid).children(recursive=True) if marker in ' '.join(p.cmdline())]


def _database_children(pid: int) -> list[psutil.Process]:
    return _children(pid, 'secantusd')


def _sandbox_children(pid: int) -> list[psutil.Process]:
    return _children(pid, '-m sandbox')


def _gone(process: psutil.Process, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_stopping_the_app_stops_its_embedded_database_and_sandbox(tmp_path):
    running = start_app(tmp_path / 'data')
    databases, sandboxes = _database_children(running.process.pid), _sandbox_children(running.process.pid)
    assert len(databases) == 1 and len(sandboxes) == 1
    stop_app(running)
    assert running.process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean shutdown
    assert _gone(databases[0], 10) and _gone(sandboxes[0], 10)
    assert any('Espaze stopped' in line for line in running.output)


def test_killing_the_app_does_not_orphan_its_embedded_database_or_sandbox(tmp_path):
    running = start_app(tmp_path / 'data')
    database, sandbox = _database_children(running.process.pid)[0], _sandbox_children(running.process.pid)[0]
    running.process.send_signal(signal.SIGKILL)
    running.process.wait(10)
    assert _gone(database, 15), 'the embedded database outlived the killed app'
    assert _gone(sandbox, 15), 'the sandbox cluster outlived the killed app'


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


def test_serves_https_with_the_configured_certificate(tmp_path):
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(
        [
            'openssl',
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            str(key),
            '-out',
            str(cert),
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1',
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    trust = ssl.create_default_context(cafile=str(cert))
    running = start_app(
        tmp_path / 'data', {'ESPAZE_TLS_CERTFILE': str(cert), 'ESPAZE_TLS_KEYFILE': str(key)}, verify=trust
    )
    try:
        assert running.base_url.startswith('https://')
        health = httpx.get(f'{running.base_url}/healthz', verify=trust, timeout=10)
        assert health.json() == {'status': 'ok'}
        assert health.headers['strict-transport-security'] == 'max-age=31536000; includeSubDomains'
        assert running.setup_url().startswith('https://')
        page = httpx.get(f'{running.base_url}/login', verify=trust, timeout=10)
        assert page.headers['strict-transport-security'].startswith('max-age=')
        cookie = page.headers['set-cookie'].lower()
        assert 'secure' in cookie and 'httponly' in cookie and 'samesite=lax' in cookie
    finally:
        stop_app(running)


def test_the_page_socket_refuses_other_sites(tmp_path):
    running = start_app(tmp_path / 'data')
    try:
        handshake = f'{running.base_url}/_nicegui_ws/socket.io/?EIO=4&transport=polling'
        foreign = httpx.get(handshake, headers={'Origin': 'https://evil.example'}, timeout=10)
        assert foreign.status_code == 400 and 'not an accepted origin' in foreign.text
        own = httpx.get(handshake, headers={'Origin': running.base_url}, timeout=10)
        assert own.status_code == 200
    finally:
        stop_app(running)


def test_without_its_database_espaze_stays_up_says_so_and_recovers_by_itself(tmp_path):
    port = free_port()
    database = EmbeddedMongo(tmp_path / 'db', port=port)
    environment = {'MONGO_URL': database.url, 'ESPAZE_DB_TIMEOUT_SECONDS': '2'}
    running = start_app(tmp_path / 'data', environment, ready=False)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f'{running.base_url}/healthz', timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and running.process.poll() is None, running.output
            time.sleep(0.2)
        assert httpx.get(f'{running.base_url}/readyz', timeout=5).status_code == 503
        api = httpx.post(
            f'{running.base_url}/api/auth/login', json={'email': 'a@b.co', 'password': 'x' * 10}, timeout=15
        )
        assert api.status_code == 503 and api.headers['retry-after'] == '5'
        page = httpx.get(f'{running.base_url}/login', timeout=10)
        assert 'Espaze cannot reach its database yet.' in page.text
        database.start()  # the database comes back: Espaze notices by itself
        deadline = time.monotonic() + 60
        while httpx.get(f'{running.base_url}/readyz', timeout=5).status_code != 200:
            assert time.monotonic() < deadline, running.output
            time.sleep(0.5)
        assert running.setup_url().startswith('http')
        assert any('the database is unavailable' in line for line in running.output)
    finally:
        stop_app(running)
        database.stop()


def test_when_the_database_goes_away_the_api_says_503_and_comes_back_with_it(tmp_path):
    database = EmbeddedMongo(tmp_path / 'db')
    database.start()
    environment = {'MONGO_URL': database.url, 'ESPAZE_DB_TIMEOUT_SECONDS': '2'}
    running = start_app(tmp_path / 'data', environment)
    try:
        token = running.setup_url().split('token=', 1)[1]
        admin = {'token': token, 'email': 'root@example.com', 'password': 'correct horse battery'}
        assert httpx.post(f'{running.base_url}/api/auth/setup', json=admin, timeout=10).status_code == 201
        credentials = {'email': 'root@example.com', 'password': 'correct horse battery'}
        database.stop()
        answer = httpx.post(f'{running.base_url}/api/auth/login', json=credentials, timeout=20)
        assert answer.status_code == 503 and answer.headers['retry-after'] == '5'
        assert answer.json()['error'].startswith('The database is unavailable right now')
        assert httpx.get(f'{running.base_url}/healthz', timeout=5).status_code == 200
        database.start()
        deadline = time.monotonic() + 30
        while httpx.post(f'{running.base_url}/api/auth/login', json=credentials, timeout=20).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        stop_app(running)
        database.stop()
