"""The sandbox cluster serves Gateway API (HTTPRoute, Gateway, ReferenceGrant) and cert-manager's Certificate from
their official CRDs, through the official client: discovered like any API group, refused with a 422 naming every
field that fails the CRD's schema, and given the status their controllers write (Accepted, ResolvedRefs,
Programmed, Ready)."""

import json
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.conftest import SandboxCluster

GATEWAY_API = ('gateway.networking.k8s.io', 'v1')
CERT_MANAGER = ('cert-manager.io', 'v1')


@pytest.fixture
def api(sandbox_cluster: SandboxCluster) -> Iterator[client.ApiClient]:
    with config.new_client_from_config(config_file=str(sandbox_cluster.kubeconfig)) as api_client:
        yield api_client


@pytest.fixture
def namespace(api: client.ApiClient) -> str:
    name = f'edge-{uuid.uuid4().hex[:8]}'
    client.CoreV1Api(api).create_namespace({'metadata': {'name': name}})
    return name


def route(name: str, backend: str = 'web', gateway: str = 'edge', gateway_namespace: str | None = None) -> dict:
    parent = {'name': gateway, 'sectionName': 'https'}
    if gateway_namespace:
        parent['namespace'] = gateway_namespace
    return {
        'apiVersion': 'gateway.networking.k8s.io/v1',
        'kind': 'HTTPRoute',
        'metadata': {'name': name},
        'spec': {
            'parentRefs': [parent],
            'hostnames': ['shop.apps.example.com'],
            'rules': [{'backendRefs': [{'name': backend, 'port': 80}]}],
        },
    }


def gateway(name: str = 'edge') -> dict:
    listener = {'name': 'https', 'protocol': 'HTTPS', 'port': 443, 'tls': {'certificateRefs': [{'name': 'edge-tls'}]}}
    return {
        'apiVersion': 'gateway.networking.k8s.io/v1',
        'kind': 'Gateway',
        'metadata': {'name': name},
        'spec': {'gatewayClassName': 'sandbox', 'listeners': [listener]},
    }


def certificate(name: str, **spec) -> dict:
    return {'apiVersion': 'cert-manager.io/v1', 'kind': 'Certificate', 'metadata': {'name': name}, 'spec': spec}


def service(api: client.ApiClient, namespace: str, name: str) -> None:
    body = {
        'metadata': {'name': name},
        'spec': {'selector': {'app': name}, 'ports': [{'port': 80, 'targetPort': 8080}]},
    }
    client.CoreV1Api(api).create_namespaced_service(namespace, body)


def until(read: Callable[[], dict], done: Callable[[dict], bool], seconds: float = 10) -> dict:
    deadline = time.monotonic() + seconds
    while not done(found := read()):
        assert time.monotonic() < deadline, f'not reached: {found.get("status")}'
        time.sleep(0.1)
    return found


def conditions(status: dict) -> dict[str, tuple[str, str]]:
    return {c['type']: (c['status'], c['reason']) for c in status.get('conditions') or []}


def test_the_groups_are_discovered_like_any_other(api: client.ApiClient):
    groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
    assert {'gateway.networking.k8s.io', 'cert-manager.io', 'apps'} <= groups
    served = client.CustomObjectsApi(api).get_api_resources(*GATEWAY_API).resources
    assert {r.name for r in served} == {'httproutes', 'gateways', 'referencegrants'}


def test_routes_and_gateways_get_the_status_their_controller_writes(api: client.ApiClient, namespace: str):
    objects = client.CustomObjectsApi(api)
    objects.create_namespaced_custom_object(*GATEWAY_API, namespace, 'gateways', gateway())
    service(api, namespace, 'web')
    objects.create_namespaced_custom_object(*GATEWAY_API, namespace, 'httproutes', route('shop'))
    objects.create_namespaced_custom_object(*GATEWAY_API, namespace, 'httproutes', route('lost', backend='nothing'))
    objects.create_namespaced_custom_object(*GATEWAY_API, namespace, 'httproutes', route('orphan', gateway='none'))

    def read(plural: str, name: str) -> Callable[[], dict]:
        return lambda: objects.get_namespaced_custom_object(*GATEWAY_API, namespace, plural, name)

    edge = until(read('gateways', 'edge'), lambda g: 'Programmed' in conditions(g.get('status') or {}))
    assert conditions(edge['status']) == {'Accepted': ('True', 'Accepted'), 'Programmed': ('True', 'Programmed')}
    for name, expected in (
        ('shop', {'Accepted': ('True', 'Accepted'), 'ResolvedRefs': ('True', 'ResolvedRefs')}),
        ('lost', {'Accepted': ('True', 'Accepted'), 'ResolvedRefs': ('False', 'BackendNotFound')}),
        ('orphan', {'Accepted': ('False', 'NoMatchingParent'), 'ResolvedRefs': ('True', 'ResolvedRefs')}),
    ):
        found = until(read('httproutes', name), lambda r: bool((r.get('status') or {}).get('parents')))
        (parent,) = found['status']['parents']
        assert conditions(parent) == expected, name
        assert all(c['observedGeneration'] == 1 for c in parent['conditions'])


def test_an_object_failing_its_crd_schema_gets_a_422_naming_every_field(api: client.ApiClient, namespace: str):
    objects = client.CustomObjectsApi(api)
    bad = route('bad')
    bad['spec']['hostnames'] = ['*.shop.*']
    bad['spec']['parentRefs'][0]['port'] = 70000
    bad['spec']['rules'][0]['backendRefs'][0]['port'] = 'eighty'
    with pytest.raises(ApiException) as refused:
        objects.create_namespaced_custom_object(*GATEWAY_API, namespace, 'httproutes', bad)
    assert refused.value.status == 422
    fields = {cause['field'] for cause in json.loads(refused.value.body)['details']['causes']}
    assert fields == {'spec.hostnames[0]', 'spec.parentRefs[0].port', 'spec.rules[0].backendRefs[0].port'}
    with pytest.raises(ApiException) as missing:
        objects.get_namespaced_custom_object(*GATEWAY_API, namespace, 'httproutes', 'bad')
    assert missing.value.status == 404

    with pytest.raises(ApiException) as no_secret:
        objects.create_namespaced_custom_object(
            *CERT_MANAGER, namespace, 'certificates', certificate('c', dnsNames=['a.b'])
        )
    causes = json.loads(no_secret.value.body)['details']['causes']
    assert no_secret.value.status == 422 and {c['field'] for c in causes} == {'spec'}
    assert all('secretName' in c['message'] or 'issuerRef' in c['message'] for c in causes)


def test_a_certificate_becomes_ready_with_its_secret(api: client.ApiClient, namespace: str):
    objects = client.CustomObjectsApi(api)
    body = certificate(
        'shop-tls',
        secretName='shop-tls',
        dnsNames=['shop.apps.example.com'],
        issuerRef={'kind': 'ClusterIssuer', 'name': 'letsencrypt', 'group': 'cert-manager.io'},
    )
    objects.create_namespaced_custom_object(*CERT_MANAGER, namespace, 'certificates', body)
    found = until(
        lambda: objects.get_namespaced_custom_object(*CERT_MANAGER, namespace, 'certificates', 'shop-tls'),
        lambda c: conditions(c.get('status') or {}).get('Ready', ('', ''))[0] == 'True',  # after `Issuing`
    )
    assert conditions(found['status']) == {'Ready': ('True', 'Ready')} and found['status']['notAfter']
    secret = client.CoreV1Api(api).read_namespaced_secret('shop-tls', namespace)
    assert secret.type == 'kubernetes.io/tls'
