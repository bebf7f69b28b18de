"""The objects that route a public deployment (Ingress, HTTPRoute) and ask cert-manager for its certificates
(Certificate, the Gateway's HTTPS listener per host, ReferenceGrant), checked against the official schemas: the
Kubernetes ones for the Ingress, the CRDs of Gateway API v1.6.1 and cert-manager for the others."""

import copy

import kubernetes_validate
from kubernetes import client as k8s

from models.cluster import AppSpec, ClusterSettings
from sandbox.custom_resources import schema_causes
from sandbox.store import BY_KIND
from services.cluster import edge_manifests as edge

SERIALIZE = k8s.ApiClient().sanitize_for_serialization
SPEC = AppSpec(
    deployment_id='65f0c0ffee0000000000abcd',
    namespace='espaze-65f0c0ffee0000000000beef',
    name='web-shop',
    image='registry.espaze.localhost:5000/web-shop:' + 'a' * 40,
    domains=('shop.example.com', 'www.shop.example.com'),
)
GENERATED = 'web-shop.apps.espaze.localhost'
GATEWAY = dict(routing='gateway', gateway_namespace='edge-system', gateway_name='edge')
ISSUER = dict(cert_issuer_kind='ClusterIssuer', cert_issuer_name='letsencrypt')


def test_the_http_route_passes_the_gateway_api_schema_with_and_without_a_listener():
    for listener in ('https', None):
        route = edge.http_route(SPEC, ClusterSettings(**GATEWAY, gateway_listener=listener))
        assert schema_causes(BY_KIND['HTTPRoute'], route) == []
        assert route['spec']['hostnames'] == [GENERATED, 'shop.example.com', 'www.shop.example.com']
        assert ('sectionName' in route['spec']['parentRefs'][0]) == (listener is not None)
    broken = edge.http_route(SPEC, ClusterSettings(gateway_name='edge'))
    broken['spec']['hostnames'] = ['*.*']
    assert [field for field, _ in schema_causes(BY_KIND['HTTPRoute'], broken)] == ['spec.hostnames[0]']


def test_with_a_cert_issuer_the_ingress_asks_cert_manager_for_each_host():
    for kind, annotation in (('ClusterIssuer', 'cert-manager.io/cluster-issuer'), ('Issuer', 'cert-manager.io/issuer')):
        settings = ClusterSettings(cert_issuer_kind=kind, cert_issuer_name='letsencrypt', ingress_tls_secret='x')
        ingress = SERIALIZE(edge.ingress(SPEC, settings))
        assert ingress['metadata']['annotations'] == {annotation: 'letsencrypt'}
        secrets = [block['secretName'] for block in ingress['spec']['tls']]
        assert [block['hosts'] for block in ingress['spec']['tls']] == [[h] for h in edge.hosts(SPEC, settings)]
        assert secrets[0] == 'web-shop-tls' and len(set(secrets)) == 3
        assert [rule['host'] for rule in ingress['spec']['rules']] == edge.hosts(SPEC, settings)
        assert kubernetes_validate.validate(ingress, '1.34', strict=True) == '1.34'


def test_an_operator_certificate_covers_only_the_generated_host():
    ingress = SERIALIZE(edge.ingress(SPEC, ClusterSettings(ingress_tls_secret='wildcard-tls')))
    assert ingress['spec']['tls'] == [{'hosts': [GENERATED], 'secretName': 'wildcard-tls'}]


def test_gateway_certificates_listeners_and_grant_pass_their_schemas():
    settings = ClusterSettings(**GATEWAY, **ISSUER)
    certificates = [edge.certificate(SPEC, host, settings) for host in edge.hosts(SPEC, settings)]
    for certificate in certificates:
        assert schema_causes(BY_KIND['Certificate'], certificate) == []
    assert [c['spec']['dnsNames'] for c in certificates] == [[h] for h in edge.hosts(SPEC, settings)]
    assert certificates[0]['spec']['issuerRef'] == {
        'group': 'cert-manager.io',
        'kind': 'ClusterIssuer',
        'name': 'letsencrypt',
    }
    listeners = [edge.gateway_listener(SPEC, host, settings) for host in edge.hosts(SPEC, settings)]
    gateway = {
        'apiVersion': 'gateway.networking.k8s.io/v1',
        'kind': 'Gateway',
        'metadata': {'name': 'edge', 'namespace': 'edge-system'},
        'spec': {'gatewayClassName': 'any', 'listeners': listeners},
    }
    assert schema_causes(BY_KIND['Gateway'], gateway) == []
    assert {ref['name'] for x in listeners for ref in x['tls']['certificateRefs']} == {
        c['spec']['secretName'] for c in certificates
    }
    assert all(
        x['allowedRoutes']['namespaces']['selector']['matchLabels'] == {'kubernetes.io/metadata.name': SPEC.namespace}
        for x in listeners
    )
    route = edge.http_route(SPEC, settings)
    assert [p['sectionName'] for p in route['spec']['parentRefs']] == [x['name'] for x in listeners]
    grant = edge.reference_grant(SPEC.namespace, settings)
    assert schema_causes(BY_KIND['ReferenceGrant'], grant) == []
    assert grant['spec']['from'] == [
        {'group': 'gateway.networking.k8s.io', 'kind': 'Gateway', 'namespace': 'edge-system'}
    ]
    wrong = copy.deepcopy(certificates[0])
    wrong['spec']['issuerRef'] = {'kind': 'ClusterIssuer'}
    assert [field for field, _ in schema_causes(BY_KIND['Certificate'], wrong)] == ['spec.issuerRef']


def test_each_deployment_names_its_own_listeners():
    other = AppSpec(**{**vars(SPEC), 'deployment_id': '65f0c0ffee0000000000ffff'})
    mine = edge.listener_name(SPEC, 'shop.example.com')
    assert mine.startswith(edge.listener_prefix(SPEC.deployment_id))
    assert not edge.listener_name(other, 'shop.example.com').startswith(edge.listener_prefix(SPEC.deployment_id))
