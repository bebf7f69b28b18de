"""Servers Espaze runs as child processes (the embedded database, the sandbox cluster) on loopback ports."""

import ctypes
import signal
import socket
import subprocess
import sys
import time

from runtime.log_format import relay

PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # Linux: the kernel kills the child when the thread that started it dies, even by kill -9. SIGKILL, not
    # SIGTERM: a daemon still starting up may not act on SIGTERM yet (seen: an orphan that outlived its parent),
    # and the database loses nothing it acknowledged (--sync-on-commit).
    libc = ctypes.CDLL('libc.so.6', use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_child(command: list[str], port: int, name: str, timeout: float = 20.0) -> subprocess.Popen[bytes]:
    """Start `command` and wait until it accepts connections on 127.0.0.1:`port`; what it writes is logged.
    Call from the main thread."""
    preexec = _die_with_parent if sys.platform.startswith('linux') else None
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=preexec
    )
    relay(process.stdout, name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{name} exited with code {process.returncode}')
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    stop_child(process)
    raise RuntimeError(f'{name} did not start within {timeout:.0f} s')


def stop_child(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """Stop a child cleanly (SIGTERM), killing it if it does not exit in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
