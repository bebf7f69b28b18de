"""Fixtures shared by every test: one embedded database server per run, a fresh database per test."""

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runtime.embedded_db import EmbeddedMongo
from sandbox.process import SandboxProcess
from tests.support.dns_server import LoopbackDnsServer
from tests.support.github_emulator import GitHubEmulator

pytest_plugins = ['nicegui.testing.user_plugin']

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='session')
def mongo_server() -> Iterator[EmbeddedMongo]:
    """The same SecantusDB daemon the app embeds, over the wire, with a throwaway store."""
    server = EmbeddedMongo(':memory:')
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mongo_url(mongo_server: EmbeddedMongo) -> str:
    """A URL naming a database no other test uses."""
    return f'mongodb://127.0.0.1:{mongo_server.port}/t{uuid.uuid4().hex[:16]}?directConnection=true'


@pytest.fixture(autouse=True)
def app_environment(
    monkeypatch: pytest.MonkeyPatch,
    mongo_url: str,
    tmp_path: Path,
    sandbox_cluster: 'SandboxCluster',
    dns_server: LoopbackDnsServer,
) -> Path:
    """Point app.py at this test's database, data dir, the session's sandbox cluster and DNS server, nothing from
    the shell."""
    for name in list(os.environ):
        if name.startswith('ESPAZE_') or name in ('MONGO_URL', 'GITHUB_API_URL', 'KUBECONFIG'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('KUBECONFIG', str(sandbox_cluster.kubeconfig))
    data_dir = tmp_path / 'data'
    monkeypatch.setenv('MONGO_URL', mongo_url)
    monkeypatch.setenv('ESPAZE_DATA_DIR', str(data_dir))
    monkeypatch.setenv('ESPAZE_DNS_SERVERS', dns_server.address)
    return data_dir


@pytest.fixture(scope='session')
def dns_server() -> Iterator[LoopbackDnsServer]:
    server = LoopbackDnsServer().start()
    yield server
    server.stop()


@dataclass(frozen=True)
class SandboxCluster:
    url: str
    kubeconfig: Path


def write_kubeconfig(path: Path, server: str) -> Path:
    config = {
        'apiVersion': 'v1',
        'kind': 'Config',
        'clusters': [{'name': 'sandbox', 'cluster': {'server': server}}],
        'users': [{'name': 'espaze', 'user': {'token': 'sandbox-accepts-any-token'}}],
        'contexts': [{'name': 'sandbox', 'context': {'cluster': 'sandbox', 'user': 'espaze'}}],
        'current-context': 'sandbox',
    }
    path.write_text(json.dumps(config))
    return path


@pytest.fixture(scope='session')
def sandbox_cluster(
    github_server: GitHubEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SandboxCluster]:
    """One sandbox cluster for the run, reached through a kubeconfig as a real cluster would be."""
    process = SandboxProcess(github_server.base_url, 'registry.espaze.localhost:5000')
    process.start()
    yield SandboxCluster(process.url, write_kubeconfig(tmp_path_factory.mktemp('kube') / 'config', process.url))
    process.stop()


@pytest.fixture(scope='session')
def github_server() -> Iterator[GitHubEmulator]:
    server = GitHubEmulator().start()
    yield server
    server.stop()


@pytest.fixture
def github(github_server: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> GitHubEmulator:
    """The GitHub emulator, emptied, with the app pointed at it; request it before `user` so the app sees it."""
    github_server.reset()
    monkeypatch.setenv('GITHUB_API_URL', github_server.base_url)
    return github_server
