"""The embedded MongoDB-wire server (SecantusDB's daemon), run as a child process of Espaze."""

import ctypes
import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # Linux: the kernel sends SIGTERM to the daemon when the thread that started it dies, even by kill -9.
    libc = ctypes.CDLL('libc.so.6', use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _daemon_executable() -> str:
    beside_python = Path(sys.executable).parent / 'secantusd-py'
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which('secantusd-py')
    if found is None:
        raise RuntimeError('secantusd-py not found: install requirements.txt (SecantusDB)')
    return found


class EmbeddedMongo:
    """Starts `secantusd-py` on a free loopback port; call stop() (or let the parent die) to end it."""

    def __init__(self, storage_path: Path | str, port: int | None = None) -> None:
        self.storage_path = str(storage_path)
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f'mongodb://127.0.0.1:{self.port}/?directConnection=true'

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 20.0) -> None:
        """Start the daemon and wait until it accepts connections. Call from the main thread."""
        if self.storage_path != ':memory:':
            Path(self.storage_path).mkdir(parents=True, exist_ok=True)
        command = [
            _daemon_executable(),
            '--host',
            '127.0.0.1',
            '--port',
            str(self.port),
            '--storage-path',
            self.storage_path,
            '--sync-on-commit',
            '--log-level',
            'WARNING',
        ]
        preexec = _die_with_parent if sys.platform.startswith('linux') else None
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=preexec)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f'embedded database exited with code {self._process.returncode}')
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=0.5):
                    log.info('embedded database listening on 127.0.0.1:%d', self.port)
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f'embedded database did not start within {timeout:.0f} s')

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the daemon cleanly (SIGTERM), killing it if it does not exit in time."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
