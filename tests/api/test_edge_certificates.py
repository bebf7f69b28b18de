"""Certificates from cert-manager against the sandbox cluster, through the official client. Gateway mode: a
Certificate per host, an HTTPS listener per host on the Gateway that resolves its Secret through the
ReferenceGrant, and the route accepted on each; a host gone takes its certificate and listener, a private or
deleted deployment takes them all. Ingress mode: the ingress-shim's Certificate per tls block. Either way each
host's readiness is read back, with the reason when a certificate is not ready."""

import dataclasses
import uuid

import pytest

from models.cluster import ClusterSettings
from services.cluster.custom_objects import CERTIFICATES, GATEWAYS, HTTP_ROUTES, REFERENCE_GRANTS
from services.cluster.gateway import ClusterConflict
from services.cluster.service import ClusterService
from tests.conftest import SandboxCluster
from tests.support.cluster_helpers import app_spec, cluster_service, eventually, gateway_exists

ISSUED = ClusterSettings(
    routing='gateway',
    gateway_namespace='edge-system',
    gateway_name='edge',
    cert_issuer_kind='ClusterIssuer',
    cert_issuer_name='letsencrypt',
)


@pytest.fixture
def kubeconfig(sandbox_cluster: SandboxCluster) -> str:
    return str(sandbox_cluster.kubeconfig)


async def listed(cluster: ClusterService, kind, namespace: str) -> list[dict]:
    custom = cluster.gateway.custom
    return (await cluster.gateway.call(custom.list_namespaced_custom_object, *kind.at(namespace)))['items']


async def gateway(cluster: ClusterService) -> dict:
    return await cluster.routing.custom.read(GATEWAYS, 'edge-system', 'edge')


def listeners_of(found: dict, deployment_id: str) -> list[dict]:
    return [x for x in found['spec']['listeners'] if x['name'].startswith(f'espaze-{deployment_id[-12:]}-')]


async def test_gateway_mode_certifies_each_host_through_its_own_listener(kubeconfig: str):
    cluster = cluster_service(kubeconfig, ISSUED)
    await gateway_exists(cluster)
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]), domains=('shop.example.com',))
    await cluster.deploy(spec)
    certificates = await listed(cluster, CERTIFICATES, spec.namespace)
    assert sorted(c['spec']['dnsNames'][0] for c in certificates) == ['shop.example.com', 'web.apps.espaze.localhost']
    mine = listeners_of(await gateway(cluster), spec.deployment_id)
    assert sorted(x['hostname'] for x in mine) == ['shop.example.com', 'web.apps.espaze.localhost']

    states = await eventually(lambda: cluster.routing.certificates(spec), lambda s: all(c.ready for c in s))
    assert [c.host for c in states] == ['web.apps.espaze.localhost', 'shop.example.com']

    async def listener_conditions():
        status = (await gateway(cluster)).get('status') or {}
        return {
            x['name']: {c['type']: c['status'] for c in x['conditions']}
            for x in status.get('listeners') or []
            if x['name'] in {m['name'] for m in mine}
        }

    resolved = await eventually(
        listener_conditions, lambda s: len(s) == 2 and all(c['ResolvedRefs'] == 'True' for c in s.values())
    )
    assert all(c['Programmed'] == 'True' for c in resolved.values())

    async def parents():
        (route,) = await listed(cluster, HTTP_ROUTES, spec.namespace)
        return (route.get('status') or {}).get('parents') or []

    accepted = await eventually(
        parents, lambda p: len(p) == 2 and all(c['status'] == 'True' for x in p for c in x['conditions'])
    )
    assert {x['parentRef']['sectionName'] for x in accepted} == {m['name'] for m in mine}

    await cluster.deploy(dataclasses.replace(spec, domains=()))  # the domain goes: its certificate and listener too
    assert [c['spec']['dnsNames'] for c in await listed(cluster, CERTIFICATES, spec.namespace)] == [
        ['web.apps.espaze.localhost']
    ]
    assert [x['hostname'] for x in listeners_of(await gateway(cluster), spec.deployment_id)] == [
        'web.apps.espaze.localhost'
    ]

    await cluster.deploy(dataclasses.replace(spec, public=False))
    assert await listed(cluster, CERTIFICATES, spec.namespace) == []
    assert listeners_of(await gateway(cluster), spec.deployment_id) == []
    assert await listed(cluster, HTTP_ROUTES, spec.namespace) == []

    await cluster.deploy(spec)
    await cluster.delete_deployment(spec.namespace, spec.deployment_id)
    assert await listed(cluster, CERTIFICATES, spec.namespace) == []
    assert listeners_of(await gateway(cluster), spec.deployment_id) == []


async def test_without_the_reference_grant_the_listener_cannot_read_the_secret(kubeconfig: str):
    cluster = cluster_service(kubeconfig, ISSUED)
    await gateway_exists(cluster)
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]))
    await cluster.deploy(spec)
    assert await cluster.routing.custom.delete(REFERENCE_GRANTS, spec.namespace, 'espaze-gateway-certificates')
    (name,) = [x['name'] for x in listeners_of(await gateway(cluster), spec.deployment_id)]

    async def reason():
        for x in (await gateway(cluster)).get('status', {}).get('listeners') or []:
            if x['name'] == name:
                return next(c['reason'] for c in x['conditions'] if c['type'] == 'ResolvedRefs')

    assert await eventually(reason, lambda r: r == 'RefNotPermitted') == 'RefNotPermitted'
    await cluster.delete_deployment(spec.namespace, spec.deployment_id)


async def test_a_certificate_that_fails_says_why(kubeconfig: str):
    cluster = cluster_service(kubeconfig, ISSUED)
    await gateway_exists(cluster)
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]), domains=('shop.example.invalid',))
    await cluster.deploy(spec)
    states = await eventually(
        lambda: cluster.routing.certificates(spec), lambda s: [c.reason for c in s] == ['Ready', 'Failed']
    )
    assert not states[1].ready and 'shop.example.invalid' in states[1].message
    await cluster.delete_deployment(spec.namespace, spec.deployment_id)


async def test_ingress_mode_gets_the_shims_certificate_per_host_and_leaves_it_to_the_shim(kubeconfig: str):
    settings = dataclasses.replace(ISSUED, routing='ingress')
    cluster = cluster_service(kubeconfig, settings)
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]), domains=('shop.example.com',))
    await cluster.deploy(spec)
    states = await eventually(lambda: cluster.routing.certificates(spec), lambda s: all(c.ready for c in s))
    assert [c.host for c in states] == ['web.apps.espaze.localhost', 'shop.example.com']
    made = {c['metadata']['name']: c for c in await listed(cluster, CERTIFICATES, spec.namespace)}
    assert all(c['metadata']['labels']['espaze.io/deployment-id'] == spec.deployment_id for c in made.values())
    await cluster.deploy(spec)  # deploying again leaves the shim's Certificates alone (no re-issuing)
    again = {c['metadata']['name']: c['metadata']['uid'] for c in await listed(cluster, CERTIFICATES, spec.namespace)}
    assert again == {name: c['metadata']['uid'] for name, c in made.items()}
    assert not [
        o for o in await cluster.labelled_objects() if o.kind == 'Certificate' and o.namespace == spec.namespace
    ]

    await cluster.deploy(dataclasses.replace(spec, domains=()))  # the shim prunes the one no tls block names
    remaining = await eventually(lambda: listed(cluster, CERTIFICATES, spec.namespace), lambda items: len(items) == 1)
    assert remaining[0]['spec']['dnsNames'] == ['web.apps.espaze.localhost']
    await cluster.delete_deployment(spec.namespace, spec.deployment_id)
    assert await eventually(lambda: listed(cluster, CERTIFICATES, spec.namespace), lambda items: items == []) == []


async def test_without_an_issuer_no_certificate_is_asked_for(kubeconfig: str):
    cluster = cluster_service(kubeconfig, dataclasses.replace(ISSUED, cert_issuer_name=None))
    await gateway_exists(cluster)
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]))
    await cluster.deploy(spec)
    assert await listed(cluster, CERTIFICATES, spec.namespace) == []
    assert listeners_of(await gateway(cluster), spec.deployment_id) == []
    assert await cluster.routing.certificates(spec) == []


async def test_a_gateway_without_room_for_the_listeners_says_what_to_do(kubeconfig: str):
    cluster = cluster_service(kubeconfig, dataclasses.replace(ISSUED, gateway_name='full'))
    await gateway_exists(cluster)  # its namespace
    listeners = [{'name': f'l{n}', 'protocol': 'HTTP', 'port': 80, 'hostname': f'h{n}.example.com'} for n in range(63)]
    body = {
        'apiVersion': 'gateway.networking.k8s.io/v1',
        'kind': 'Gateway',
        'metadata': {'name': 'full'},
        'spec': {'gatewayClassName': 'sandbox', 'listeners': listeners},
    }
    await cluster.gateway.call(
        cluster.gateway.custom.create_namespaced_custom_object, *GATEWAYS.at('edge-system'), body
    )
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]), domains=('shop.example.com',))
    with pytest.raises(ClusterConflict, match='more than the 64 Gateway API allows') as refused:
        await cluster.deploy(spec)
    assert 'ESPAZE_GATEWAY_LISTENER' in str(refused.value)
    assert len((await cluster.routing.custom.read(GATEWAYS, 'edge-system', 'full'))['spec']['listeners']) == 63
    await cluster.deploy(dataclasses.replace(spec, domains=()))  # one host still fits
    found = await cluster.routing.custom.read(GATEWAYS, 'edge-system', 'full')
    assert len(found['spec']['listeners']) == 64
