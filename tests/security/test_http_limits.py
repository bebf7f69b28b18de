"""What an anonymous client can make the HTTP server hold, measured on the real process: a request head larger than
the bound gets 431 and a closed connection, one sent too slowly is cut off, and X-Forwarded-For from a peer that
is not a configured proxy (loopback included) is not believed."""

import socket
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest

from tests.support.rollout_helpers import PASSWORD
from tests.support.running_app import RunningApp, start_app, stop_app

HEAD_TIMEOUT = 2
ANONYMOUS_PAGES = 8


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(
        tmp_path_factory.mktemp('limits') / 'data',
        {
            'ESPAZE_HTTP_HEAD_TIMEOUT_SECONDS': str(HEAD_TIMEOUT),
            'ESPAZE_ANONYMOUS_PAGES_PER_ADDRESS': str(ANONYMOUS_PAGES),
        },
    )
    yield running
    stop_app(running)


def _connect(app: RunningApp) -> socket.socket:
    return socket.create_connection(('127.0.0.1', int(app.base_url.rsplit(':', 1)[1])), timeout=5)


def _read_all(sock: socket.socket) -> bytes:
    data = b''
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_an_endless_header_gets_431_and_a_closed_connection_and_memory_stays_flat(server: RunningApp):
    process = psutil.Process(server.process.pid)
    before = process.memory_info().rss
    sockets = [_connect(server) for _ in range(10)]
    answers = []
    for sock in sockets:
        sock.sendall(b'GET /healthz HTTP/1.1\r\nHost: espaze\r\nX-Endless: ')
        try:
            for _ in range(200):  # up to 12.8 MB each, if the server kept reading
                sock.sendall(b'a' * 65536)
        except OSError:  # the server closed the connection: what it answered is still readable
            pass
        answers.append(_read_all(sock))
        sock.close()
    grown = process.memory_info().rss - before
    assert all(answer.startswith(b'HTTP/1.1 431 ') for answer in answers), answers[0][:80]
    assert grown < 50 * 2**20, f'{grown >> 20} MB more after ten endless headers'


def test_a_head_sent_too_slowly_is_cut_off(server: RunningApp):
    sock = _connect(server)
    sock.sendall(b'GET /healthz HTTP/1.1\r\nHost: espaze\r\n')
    started = time.monotonic()
    sock.settimeout(HEAD_TIMEOUT + 5)
    for _ in range(HEAD_TIMEOUT * 4):
        try:
            sock.sendall(b'X-Slow: 1\r\n')
        except OSError:
            break
        time.sleep(0.5)
    assert sock.recv(100) == b''  # closed without an answer
    assert time.monotonic() - started < HEAD_TIMEOUT + 3
    sock.close()


def test_ordinary_requests_and_large_bodies_still_pass(server: RunningApp):
    with httpx.Client(base_url=server.base_url, timeout=10) as client:  # keep-alive: several requests, one socket
        for _ in range(3):
            assert client.get('/healthz').status_code == 200
        big = client.post('/api/auth/login', content=b'{"email": "' + b'a' * 500_000 + b'"}')
        assert big.status_code == 422


def test_x_forwarded_for_from_loopback_is_not_believed_without_configured_proxies(server: RunningApp):
    token = server.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': 'root@example.com', 'password': PASSWORD, 'name': 'Root'}
    assert httpx.post(f'{server.base_url}/api/auth/setup', json=body, timeout=10).status_code == 201
    forged = {'X-Forwarded-For': '203.0.113.77'}
    wrong = {'email': 'root@example.com', 'password': 'not the password'}
    assert httpx.post(f'{server.base_url}/api/auth/login', json=wrong, headers=forged, timeout=10).status_code == 401
    login = httpx.post(
        f'{server.base_url}/api/auth/login', json={'email': 'root@example.com', 'password': PASSWORD}, timeout=10
    )
    auth = {'Authorization': f'Bearer {login.json()["accessToken"]}'}
    entries = httpx.get(f'{server.base_url}/api/audit?action=login.failed', headers=auth, timeout=10).json()['items']
    assert [entry['details']['address'] for entry in entries] == ['127.0.0.1']


def test_control_characters_in_a_path_cannot_forge_log_lines(server: RunningApp):
    forged = 'FORGED-LINE 2026-12-04 ERROR espaze: the admin password is hunter2'
    for path in ('/api/nowhere%0a', '/nowhere%0d%0a', '/api/auth/me%0a%0d%e2%80%a8'):
        httpx.get(f'{server.base_url}{path}{forged.replace(" ", "%20")}', timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sum(forged in line for line in server.output) < 3:
        time.sleep(0.1)
    lines = [line for line in server.output if forged in line]
    assert len(lines) >= 3, server.output[-10:]
    assert not any(line.startswith(forged) for line in ''.join(server.output).splitlines())
    assert all('\\n' in line or '\\r' in line or '\\u2028' in line for line in lines)


@pytest.mark.parametrize('path', ['/api/nowhere', '/api/', '/api/deployments/x/y/z', '/api/v2/anything?q=1'])
def test_unknown_api_paths_answer_a_json_404_without_a_page_session(server: RunningApp, path: str):
    answer = httpx.get(f'{server.base_url}{path}', timeout=10)
    assert answer.status_code == 404 and answer.headers['content-type'] == 'application/json'
    assert answer.json()['error'].startswith('No such API path')
    assert 'set-cookie' not in answer.headers  # no NiceGUI page (and its session storage) was made for it


def test_a_heartbeat_with_a_bad_token_is_refused_before_its_body_is_read(server: RunningApp):
    sock = _connect(server)
    sock.sendall(
        b'POST /api/nodes/0123456789abcdef01234567/heartbeat HTTP/1.1\r\nHost: espaze\r\n'
        b'Authorization: Bearer not-a-node-token\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{'
    )  # the body never comes: only a lane that reads it first would wait for it
    sock.settimeout(3)
    assert sock.recv(200).startswith(b'HTTP/1.1 401 ')
    sock.close()


def test_one_address_may_hold_a_bounded_number_of_pages_without_a_session(server: RunningApp):
    answers = [httpx.get(f'{server.base_url}/login', timeout=10).status_code for _ in range(ANONYMOUS_PAGES + 2)]
    assert answers[:ANONYMOUS_PAGES] == [200] * ANONYMOUS_PAGES
    assert answers[ANONYMOUS_PAGES:] == [429, 429]
    assert httpx.get(f'{server.base_url}/healthz', timeout=10).status_code == 200  # the API is not a page


def test_an_idle_keep_alive_connection_is_closed(server: RunningApp):
    sock = _connect(server)
    sock.sendall(b'GET /healthz HTTP/1.1\r\nHost: espaze\r\n\r\n')
    answer = sock.recv(4096)
    assert answer.startswith(b'HTTP/1.1 200 ')
    while not answer.endswith(b'}'):  # the head and the body may arrive apart: read the whole answer first
        more = sock.recv(4096)
        assert more, answer
        answer += more
    started = time.monotonic()
    sock.settimeout(15)
    assert sock.recv(100) == b''  # uvicorn's keep-alive timeout (5 s) ends it
    assert time.monotonic() - started < 10
    sock.close()
