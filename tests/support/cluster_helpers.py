"""The cluster service on the session's sandbox cluster, reached through its kubeconfig, and waiting for it."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from models.cluster import AppSpec, ClusterSettings
from models.errors import UpstreamFailed
from services.cluster.connect import api_client
from services.cluster.custom_objects import GATEWAYS
from services.cluster.gateway import ClusterConflict, KubeGateway
from services.cluster.service import ClusterService

T = TypeVar('T')


def cluster_service(kubeconfig: str, settings: ClusterSettings | None = None, timeout: float = 5) -> ClusterService:
    gateway = KubeGateway(api_client('kubeconfig', environ={'KUBECONFIG': kubeconfig}), timeout, backoff=0.05)
    return ClusterService(gateway, settings or ClusterSettings())


def app_spec(namespace: str, **changes) -> AppSpec:
    values = {
        'deployment_id': uuid.uuid4().hex[:24],
        'namespace': namespace,
        'name': 'web',
        'image': 'nginxinc/nginx-unprivileged:1.27',
        'port': 8080,
        'replicas': 2,
        'env': {'MODE': 'demo'},
        'secret_env': {'API_KEY': 'not-for-configmaps'},
        'health_check_path': '/',
        **changes,
    }
    return AppSpec(**values)


async def eventually(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 20) -> T:
    """Read until `done` holds (the sandbox's controllers work in the background), or fail with the last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = await read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'still not done after {seconds} s: {value}')
        await asyncio.sleep(0.2)


async def watched(reads, namespace: str, name: str, deployment_id: str) -> tuple:
    """The rollout and its pods as the watches show them, or (None, []) while they have not listed yet."""
    try:
        return reads.informed(namespace, name, deployment_id)
    except UpstreamFailed:
        return None, []


async def gateway_exists(cluster: ClusterService) -> None:
    """The Gateway `edge-system/edge` with one wildcard HTTPS listener, as an operator would have made it."""
    core, custom = cluster.gateway.core, cluster.gateway.custom
    await _made(cluster.gateway.call(core.create_namespace, {'metadata': {'name': 'edge-system'}}))
    listener = {'name': 'https', 'protocol': 'HTTPS', 'port': 443, 'hostname': '*.apps.espaze.localhost'}
    listener['allowedRoutes'] = {'namespaces': {'from': 'All'}}
    body = {
        'apiVersion': 'gateway.networking.k8s.io/v1',
        'kind': 'Gateway',
        'metadata': {'name': 'edge'},
        'spec': {'gatewayClassName': 'sandbox', 'listeners': [listener]},
    }
    await _made(cluster.gateway.call(custom.create_namespaced_custom_object, *GATEWAYS.at('edge-system'), body))


async def _made(creating: Awaitable) -> None:
    """Create, unless an earlier test did."""
    try:
        await creating
    except ClusterConflict:
        pass


def gateway_mode_with_certificates(monkeypatch, **more: str) -> None:
    """The app routes through the Gateway `edge-system/edge` (see `gateway_exists`) with cert-manager's
    `letsencrypt` ClusterIssuer, and its engine is driven by the test."""
    settings = {
        'ESPAZE_ROUTING': 'gateway',
        'ESPAZE_GATEWAY': 'edge-system/edge',
        'ESPAZE_CERT_ISSUER': 'ClusterIssuer/letsencrypt',
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '60',
    }
    for name, value in (settings | more).items():
        monkeypatch.setenv(name, value)
