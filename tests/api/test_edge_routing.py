"""Routing modes against the sandbox cluster, through the official client: an HTTPRoute on the configured Gateway
(gateway), an Ingress (ingress), or nothing (none); a mode change or a private deployment leaves nothing stale,
and `auto` takes Gateway API only when the cluster serves HTTPRoute and a Gateway is configured."""

import dataclasses
import uuid

import pytest

from models.cluster import ClusterSettings
from services.cluster.custom_objects import HTTP_ROUTES
from services.cluster.service import ClusterService
from tests.conftest import SandboxCluster
from tests.support.cluster_helpers import app_spec, cluster_service, eventually, gateway_exists

GATEWAY = ClusterSettings(
    routing='gateway', gateway_namespace='edge-system', gateway_name='edge', gateway_listener='https'
)


@pytest.fixture
def kubeconfig(sandbox_cluster: SandboxCluster) -> str:
    return str(sandbox_cluster.kubeconfig)


async def routes(cluster: ClusterService, namespace: str) -> list[dict]:
    custom = cluster.gateway.custom
    found = await cluster.gateway.call(custom.list_namespaced_custom_object, *HTTP_ROUTES.at(namespace))
    return found['items']


async def ingresses(cluster: ClusterService, namespace: str) -> list:
    return (await cluster.gateway.call(cluster.gateway.networking.list_namespaced_ingress, namespace)).items


async def test_gateway_mode_routes_through_the_gateway_and_the_route_is_accepted(kubeconfig: str):
    cluster = cluster_service(kubeconfig, GATEWAY)
    await gateway_exists(cluster)
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]))
    await cluster.deploy(spec)
    (route,) = await routes(cluster, spec.namespace)
    assert route['spec']['hostnames'] == ['web.apps.espaze.localhost']
    assert route['spec']['parentRefs'] == [
        {
            'group': 'gateway.networking.k8s.io',
            'kind': 'Gateway',
            'namespace': 'edge-system',
            'name': 'edge',
            'sectionName': 'https',
        }
    ]
    assert route['spec']['rules'][0]['backendRefs'][0] == {'group': '', 'kind': 'Service', 'name': 'web', 'port': 80}
    assert route['metadata']['labels']['espaze.io/deployment-id'] == spec.deployment_id
    assert await ingresses(cluster, spec.namespace) == []

    async def parents():
        return (await routes(cluster, spec.namespace))[0].get('status', {}).get('parents')

    (parent,) = await eventually(parents, bool)
    assert {c['type']: c['status'] for c in parent['conditions']} == {'Accepted': 'True', 'ResolvedRefs': 'True'}
    await cluster.deploy(spec)  # applying again replaces, never duplicates
    assert len(await routes(cluster, spec.namespace)) == 1


async def test_a_mode_change_or_a_private_deployment_leaves_nothing_stale(kubeconfig: str):
    by_ingress = cluster_service(kubeconfig, ClusterSettings(routing='ingress'))
    spec = app_spec(await by_ingress.ensure_namespace(uuid.uuid4().hex[:24]))
    await by_ingress.deploy(spec)
    assert len(await ingresses(by_ingress, spec.namespace)) == 1 and await routes(by_ingress, spec.namespace) == []

    by_gateway = cluster_service(kubeconfig, GATEWAY)
    await by_gateway.deploy(spec)
    assert await ingresses(by_gateway, spec.namespace) == [] and len(await routes(by_gateway, spec.namespace)) == 1

    await by_gateway.deploy(dataclasses.replace(spec, public=False))
    assert await ingresses(by_gateway, spec.namespace) == [] and await routes(by_gateway, spec.namespace) == []

    await by_gateway.deploy(spec)
    unrouted = cluster_service(kubeconfig, ClusterSettings(routing='none'))
    await unrouted.deploy(spec)
    assert await ingresses(unrouted, spec.namespace) == [] and await routes(unrouted, spec.namespace) == []

    await by_gateway.deploy(spec)
    assert await by_gateway.delete_deployment(spec.namespace, spec.deployment_id) >= 5
    assert await routes(by_gateway, spec.namespace) == []


async def test_auto_takes_gateway_api_only_with_a_gateway_configured(kubeconfig: str):
    plain = cluster_service(kubeconfig, ClusterSettings(routing='auto'))
    assert await plain.routing.serves_routes() and await plain.routing.mode() == 'ingress'
    configured = cluster_service(kubeconfig, dataclasses.replace(GATEWAY, routing='auto'))
    assert await configured.routing.mode() == 'gateway'


async def test_routes_are_found_and_removed_like_every_other_labelled_object(kubeconfig: str):
    cluster = cluster_service(kubeconfig, GATEWAY)
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]))
    await cluster.deploy(spec)
    (route,) = [o for o in await cluster.labelled_objects() if o.kind == 'HTTPRoute' and o.namespace == spec.namespace]
    assert route.deployment_id == spec.deployment_id and route.name == 'web'
    assert await cluster.remove(route) and not await cluster.remove(route)
    assert await routes(cluster, spec.namespace) == []
