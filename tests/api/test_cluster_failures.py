"""How the cluster's refusals and failures reach Espaze: 403 explained, 5xx and timeouts retried then 502."""

import json
import socket
import threading
from pathlib import Path

import pytest
from kubernetes.client.exceptions import ApiException

from models.errors import Forbidden, UpstreamFailed
from sandbox.process import SandboxProcess
from services.cluster.connect import api_client, cluster_mode
from tests.conftest import SandboxCluster, write_kubeconfig
from tests.support.cluster_helpers import cluster_service


def forbidden() -> ApiException:
    error = ApiException(status=403, reason='Forbidden')
    error.body = json.dumps(
        {
            'kind': 'Status',
            'status': 'Failure',
            'reason': 'Forbidden',
            'code': 403,
            'message': 'deployments.apps is forbidden: User "system:serviceaccount:espaze:espaze" cannot create '
            'resource "deployments" in API group "apps" in the namespace "espaze-x"',
        }
    )
    return error


async def test_a_403_names_the_missing_permission(sandbox_cluster: SandboxCluster):
    gateway = cluster_service(str(sandbox_cluster.kubeconfig)).gateway

    def refused(**_):
        raise forbidden()

    with pytest.raises(Forbidden) as raised:
        await gateway.call(refused)
    assert 'cannot create resource "deployments" in API group "apps"' in str(raised.value)
    assert "Grant Espaze's service account" in str(raised.value)


async def test_server_errors_are_retried_a_bounded_number_of_times(sandbox_cluster: SandboxCluster):
    gateway = cluster_service(str(sandbox_cluster.kubeconfig)).gateway
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs['_request_timeout'])
        if len(calls) < 3:
            raise ApiException(status=503, reason='Service Unavailable')
        return 'ok'

    assert await gateway.call(flaky) == 'ok' and calls == [5, 5, 5]
    calls.clear()

    def down(**kwargs):
        calls.append(1)
        raise ApiException(status=500, reason='Internal Server Error')

    with pytest.raises(UpstreamFailed, match=r'HTTP 500 \(3 attempts\)'):
        await gateway.call(down)
    assert len(calls) == 3


@pytest.fixture
def silent_server() -> str:
    """An API server that accepts connections and never answers."""
    listener = socket.create_server(('127.0.0.1', 0))
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{listener.getsockname()[1]}'
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


async def test_a_cluster_that_does_not_answer_is_a_bounded_wait(silent_server: str, tmp_path: Path):
    service = cluster_service(str(write_kubeconfig(tmp_path / 'config', silent_server)), timeout=0.3)
    with pytest.raises(UpstreamFailed, match=r'did not answer in time \(3 attempts\)'):
        await service.reads.nodes()
    status = await service.reads.status()
    assert status.reachable is False and 'did not answer in time' in status.problem


async def test_without_a_metrics_server_usage_is_unavailable_not_an_error(tmp_path: Path):
    process = SandboxProcess(None, None, metrics=False)
    process.start()
    try:
        service = cluster_service(str(write_kubeconfig(tmp_path / 'config', process.url)))
        assert await service.reads.node_usage() is None and await service.reads.pod_usage('default') is None
        status = await service.reads.status()
        assert status.reachable and status.metrics_available is False and status.nodes_total == 3
    finally:
        process.stop()


def test_the_cluster_is_chosen_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    assert cluster_mode('auto', {}) == 'sandbox'
    assert cluster_mode('auto', {'KUBECONFIG': '/somewhere'}) == 'kubeconfig'
    assert cluster_mode('auto', {'KUBERNETES_SERVICE_HOST': '10.0.0.1'}) == 'sandbox'  # no service account token
    assert cluster_mode('sandbox', {'KUBECONFIG': '/somewhere'}) == 'sandbox'
    config = write_kubeconfig(tmp_path / 'config', 'https://cluster.example:6443')
    client = api_client('kubeconfig', environ={'KUBECONFIG': str(config)})
    assert client.configuration.host == 'https://cluster.example:6443'
