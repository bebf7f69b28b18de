"""The objects that bring traffic to a public deployment: an Ingress, or Gateway API's HTTPRoute. With
`ESPAZE_CERT_ISSUER`, each host gets its certificate from cert-manager: through the Ingress's annotation (its
ingress-shim makes the Certificate), or, in gateway mode, a Certificate per host, an HTTPS listener per host on the
Gateway that terminates TLS with it, and the ReferenceGrant that lets the Gateway read Secrets in the deployment's
namespace. Built as plain objects (custom resources) or client models; every value was checked before."""

import hashlib

from kubernetes import client as k8s

from models.cluster import AppSpec, ClusterSettings
from models.deployments import public_host
from services.cluster.manifests import MANAGED_BY, app_labels

GATEWAY_GROUP = 'gateway.networking.k8s.io'
CERT_GROUP = 'cert-manager.io'
ISSUER_ANNOTATIONS = {'ClusterIssuer': 'cert-manager.io/cluster-issuer', 'Issuer': 'cert-manager.io/issuer'}
REFERENCE_GRANT = 'espaze-gateway-certificates'
HTTPS_PORT = 443


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def generated_host(spec: AppSpec, settings: ClusterSettings) -> str:
    return public_host(spec.name, settings.ingress_domain)


def hosts(spec: AppSpec, settings: ClusterSettings) -> list[str]:
    """The generated host first, then the custom domains verified for the deployment."""
    return [generated_host(spec, settings), *spec.domains]


def tls_secret(spec: AppSpec, host: str, settings: ClusterSettings) -> str:
    """The Secret (and Certificate) name of one host's certificate: `<name>-tls` for the generated host."""
    if host == generated_host(spec, settings):
        return f'{spec.name}-tls'
    return f'{spec.name}-{_digest(host, 10)}-tls'


def listener_prefix(deployment_id: str) -> str:
    return f'espaze-{deployment_id[-12:]}-'


def listener_name(spec: AppSpec, host: str) -> str:
    return listener_prefix(spec.deployment_id) + _digest(host, 8)


def ingress(spec: AppSpec, settings: ClusterSettings) -> k8s.V1Ingress:
    backend = k8s.V1IngressBackend(
        service=k8s.V1IngressServiceBackend(name=spec.name, port=k8s.V1ServiceBackendPort(number=80))
    )
    path = k8s.V1HTTPIngressPath(path='/', path_type='Prefix', backend=backend)
    rules = [k8s.V1IngressRule(host=h, http=k8s.V1HTTPIngressRuleValue(paths=[path])) for h in hosts(spec, settings)]
    annotations, tls = None, None
    if settings.cert_issuer_name:  # cert-manager's ingress-shim issues each block's certificate into its Secret
        annotations = {ISSUER_ANNOTATIONS[settings.cert_issuer_kind]: settings.cert_issuer_name}
        tls = [k8s.V1IngressTLS(hosts=[h], secret_name=tls_secret(spec, h, settings)) for h in hosts(spec, settings)]
    elif settings.ingress_tls_secret:  # one certificate the operator made, for the generated hosts
        tls = [k8s.V1IngressTLS(hosts=[generated_host(spec, settings)], secret_name=settings.ingress_tls_secret)]
    return k8s.V1Ingress(
        api_version='networking.k8s.io/v1',
        kind='Ingress',
        metadata=k8s.V1ObjectMeta(
            name=spec.name, namespace=spec.namespace, labels=app_labels(spec), annotations=annotations
        ),
        spec=k8s.V1IngressSpec(ingress_class_name=settings.ingress_class, rules=rules, tls=tls),
    )


def _gateway_ref(settings: ClusterSettings, section: str | None) -> dict:
    parent = {'group': GATEWAY_GROUP, 'kind': 'Gateway', 'name': settings.gateway_name}
    if settings.gateway_namespace:
        parent['namespace'] = settings.gateway_namespace
    if section:
        parent['sectionName'] = section
    return parent


def http_route(spec: AppSpec, settings: ClusterSettings) -> dict:
    """The HTTPRoute that sends the deployment's hosts to its Service, through the configured Gateway: its HTTPS
    listener when one is named, or, with a cert issuer, the listener of each host."""
    if settings.cert_issuer_name:
        parents = [_gateway_ref(settings, listener_name(spec, h)) for h in hosts(spec, settings)]
    else:
        parents = [_gateway_ref(settings, settings.gateway_listener)]
    return {
        'apiVersion': f'{GATEWAY_GROUP}/v1',
        'kind': 'HTTPRoute',
        'metadata': {'name': spec.name, 'namespace': spec.namespace, 'labels': app_labels(spec)},
        'spec': {
            'parentRefs': parents,
            'hostnames': hosts(spec, settings),
            'rules': [
                {
                    'matches': [{'path': {'type': 'PathPrefix', 'value': '/'}}],
                    'backendRefs': [{'group': '', 'kind': 'Service', 'name': spec.name, 'port': 80}],
                }
            ],
        },
    }


def certificate(spec: AppSpec, host: str, settings: ClusterSettings) -> dict:
    name = tls_secret(spec, host, settings)
    return {
        'apiVersion': f'{CERT_GROUP}/v1',
        'kind': 'Certificate',
        'metadata': {'name': name, 'namespace': spec.namespace, 'labels': app_labels(spec)},
        'spec': {
            'secretName': name,
            'dnsNames': [host],
            'issuerRef': {'group': CERT_GROUP, 'kind': settings.cert_issuer_kind, 'name': settings.cert_issuer_name},
        },
    }


def gateway_listener(spec: AppSpec, host: str, settings: ClusterSettings) -> dict:
    """An HTTPS listener for one host, terminating TLS with its certificate, that admits routes from the
    deployment's namespace only."""
    secret = {'group': '', 'kind': 'Secret', 'name': tls_secret(spec, host, settings), 'namespace': spec.namespace}
    own_namespace = {'matchLabels': {'kubernetes.io/metadata.name': spec.namespace}}
    return {
        'name': listener_name(spec, host),
        'hostname': host,
        'port': HTTPS_PORT,
        'protocol': 'HTTPS',
        'tls': {'mode': 'Terminate', 'certificateRefs': [secret]},
        'allowedRoutes': {
            'namespaces': {'from': 'Selector', 'selector': own_namespace},
            'kinds': [{'group': GATEWAY_GROUP, 'kind': 'HTTPRoute'}],
        },
    }


def reference_grant(namespace: str, settings: ClusterSettings) -> dict:
    """Lets the configured Gateway read the certificates' Secrets in an owner's namespace."""
    return {
        'apiVersion': f'{GATEWAY_GROUP}/v1',
        'kind': 'ReferenceGrant',
        'metadata': {'name': REFERENCE_GRANT, 'namespace': namespace, 'labels': {MANAGED_BY: 'espaze'}},
        'spec': {
            'from': [{'group': GATEWAY_GROUP, 'kind': 'Gateway', 'namespace': settings.gateway_namespace}],
            'to': [{'group': '', 'kind': 'Secret'}],
        },
    }
