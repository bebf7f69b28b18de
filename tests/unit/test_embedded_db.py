import os
import signal
import subprocess
import sys
import threading
import time

import psutil
from pymongo import MongoClient

from runtime.embedded_db import EmbeddedMongo
from tests.conftest import ROOT

STARTER = """
import sys, time
from runtime.embedded_db import EmbeddedMongo
server = EmbeddedMongo(sys.argv[1])
server.start()
print(server.pid, flush=True)
time.sleep(600)
"""


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_embedded_server_keeps_data_across_restarts(tmp_path):
    server = EmbeddedMongo(tmp_path / 'db')
    server.start()
    with MongoClient(server.url, serverSelectionTimeoutMS=5000) as client:
        client.espaze.things.insert_one({'_id': 1, 'kept': True})
    server.stop()
    assert server.pid is None
    again = EmbeddedMongo(tmp_path / 'db')
    again.start()
    try:
        with MongoClient(again.url, serverSelectionTimeoutMS=5000) as client:
            assert client.espaze.things.find_one({'_id': 1}) == {'_id': 1, 'kept': True}
    finally:
        again.stop()


def test_embedded_server_is_not_orphaned_when_its_parent_is_killed(tmp_path):
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, '-c', STARTER, str(tmp_path / 'db')], stdout=subprocess.PIPE, text=True, env=env
    )
    daemon_pid = int(parent.stdout.readline())
    assert psutil.pid_exists(daemon_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    assert _wait_gone(daemon_pid, 15), 'the database daemon outlived the killed app'


def test_a_restart_waits_for_the_daemon_still_holding_the_storage(tmp_path):
    """Espaze restarted right after a crash: the dead process's daemon may still hold the storage's lock for a
    moment; the new one keeps trying until it is free instead of failing the start."""
    first = EmbeddedMongo(tmp_path / 'db')
    first.start()
    threading.Timer(1.5, first.stop).start()  # the old daemon lets go a moment later
    second = EmbeddedMongo(tmp_path / 'db')
    started = time.monotonic()
    second.start(timeout=20)
    try:
        assert time.monotonic() - started >= 1.0
        with MongoClient(second.url, serverSelectionTimeoutMS=5000) as client:
            assert client.espaze.command('ping')['ok'] == 1
    finally:
        second.stop()
