"""The embedded MongoDB-wire server (SecantusDB's daemon), run as a child process of Espaze."""

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

from runtime.child_process import free_port, start_child, stop_child

log = logging.getLogger(__name__)
__all__ = ['EmbeddedMongo', 'free_port']
RETRY_PAUSE = 0.5


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
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._process = start_child(command, self.port, 'embedded database', deadline - time.monotonic())
                break
            except RuntimeError:  # the daemon of a process that just died may still hold the storage's lock
                if time.monotonic() + RETRY_PAUSE >= deadline:
                    raise
                log.warning('the embedded database did not start; trying again (is another one still stopping?)')
                time.sleep(RETRY_PAUSE)
        log.info('embedded database listening on 127.0.0.1:%d', self.port)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the daemon cleanly (SIGTERM), killing it if it does not exit in time."""
        process, self._process = self._process, None
        stop_child(process, timeout)
