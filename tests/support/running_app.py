"""The real app as a process on a free port, started as `make run` starts it, and how Chromium is launched."""

import os
import re
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from runtime.child_process import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
]
SETUP_URL = re.compile(r'(https?://[^\s"]+/setup\?token=[^\s"]+)')


@dataclass
class RunningApp:
    process: subprocess.Popen
    base_url: str
    data_dir: Path
    output: list[str] = field(default_factory=list)

    def setup_url(self, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output:
                if match := SETUP_URL.search(line):
                    return match.group(1)
            time.sleep(0.1)
        raise AssertionError(f'no setup URL printed; output: {self.output}')


def start_app(
    data_dir: Path, extra_env: dict[str, str] | None = None, verify: ssl.SSLContext | None = None, ready: bool = True
) -> RunningApp:
    """Start `python app.py` as `make run` does (embedded database, sandbox cluster), and wait until it is ready.

    With `verify` (the context that trusts its certificate) the app is expected to serve HTTPS.
    """
    port = int((extra_env or {}).get('ESPAZE_PORT') or free_port())
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(('ESPAZE_', 'NICEGUI_', 'PYTEST_')) and k not in ('MONGO_URL', 'KUBECONFIG')
    }
    dns = os.environ.get('ESPAZE_DNS_SERVERS', '127.0.0.1:9')  # the tests' DNS server: never beyond loopback
    env.update({'ESPAZE_PORT': str(port), 'ESPAZE_DATA_DIR': str(data_dir), 'ESPAZE_DNS_SERVERS': dns})
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, 'app.py'], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    running = RunningApp(process, f'{"https" if verify else "http"}://127.0.0.1:{port}', data_dir)
    threading.Thread(target=lambda: running.output.extend(process.stdout), daemon=True).start()
    if not ready:
        return running
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f'app exited with {process.returncode}: {running.output}')
        try:
            if httpx.get(f'{running.base_url}/readyz', timeout=2, verify=verify or True).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f'app did not become ready: {running.output}')


def stop_app(running: RunningApp) -> None:
    if running.process.poll() is None:
        running.process.terminate()
        try:
            running.process.wait(20)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.process.wait(10)


ROOT_EMAIL = 'root@example.com'


def start_app_with_admin(data_dir: Path, password: str, extra_env: dict[str, str] | None = None) -> RunningApp:
    """The app as `start_app` starts it, its first admin (root@example.com, named Root) made with the setup link."""
    running = start_app(data_dir, extra_env)
    token = running.setup_url().split('token=', 1)[1]
    body = {'token': token, 'email': ROOT_EMAIL, 'password': password, 'name': 'Root'}
    answer = httpx.post(f'{running.base_url}/api/auth/setup', json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return running
