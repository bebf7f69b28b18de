"""The sandbox cluster as a child process of Espaze, on a free loopback port."""

import subprocess
import sys

from runtime.child_process import free_port, start_child, stop_child


class SandboxProcess:
    def __init__(
        self, github_api_url: str | None, registry: str | None, metrics: bool = True, nodes: int | None = None
    ) -> None:
        self.port = free_port()
        self._arguments = ['--github-api-url', github_api_url] if github_api_url else []
        self._arguments += ['--registry', registry] if registry else []
        self._arguments += [] if metrics else ['--no-metrics']
        self._arguments += ['--nodes', str(nodes)] if nodes else []
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        command = [sys.executable, '-m', 'sandbox', '--port', str(self.port), *self._arguments]
        self._process = start_child(command, self.port, 'sandbox cluster')

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_child(process)
