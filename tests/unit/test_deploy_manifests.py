"""deploy/: Espaze's own manifests validate against Kubernetes' schemas, render with kustomize, and say what an
operator relies on (replicas, probes, non-root, read-only root, spread, TLS, affinity, least-privilege RBAC,
an authenticated 3-member MongoDB replica set)."""

import re
import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml

from config import Settings
from sandbox.custom_resources import schema_causes
from sandbox.store import BY_KIND
from services.cluster import custom_objects
from tests.conftest import ROOT

DEPLOY = ROOT / 'deploy'
VERSION = '1.30'
CLUSTER_CODE = ROOT / 'services' / 'cluster'
GROUPS = {'core': '', 'apps': 'apps', 'batch': 'batch', 'net': 'networking.k8s.io', 'networking': 'networking.k8s.io'}
VERBS = {'create': 'create', 'read': 'get', 'replace': 'update', 'delete': 'delete', 'list': 'list', 'patch': 'patch'}
CUSTOM_VERBS = {
    'apply': ('create', 'get', 'update'),
    'read': ('get',),
    'read_optional': ('get',),
    'replace': ('update',),
    'labelled': ('list',),
    'labelled_everywhere': ('list',),
    'delete': ('delete',),
}
PLURALS = {'ingress': 'ingresses', 'network_policy': 'networkpolicies', 'pod_log': 'pods/log'}


VARIANTS = {
    'ingress': DEPLOY,
    'gateway': DEPLOY / 'overlays' / 'gateway',
    'ingress-nginx': DEPLOY / 'overlays' / 'ingress-nginx',
}
CLUSTER_SCOPED = ('Namespace', 'ClusterRole', 'ClusterRoleBinding')


def rendered(variant: str = 'ingress') -> list[dict]:
    """`kubectl kustomize` of the variant where kubectl exists; else the same resources read here (directories
    followed) with each kustomization's namespace and image applied, which is all these kustomizations ask."""
    if shutil.which('kubectl'):
        output = subprocess.run(
            ['kubectl', 'kustomize', str(VARIANTS[variant])], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        return [doc for doc in yaml.safe_load_all(output) if doc]
    return _read(VARIANTS[variant])


def _read(directory) -> list[dict]:
    kustomization = yaml.safe_load((directory / 'kustomization.yaml').read_text())
    docs = []
    for resource in kustomization['resources']:
        path = directory / resource
        docs += _read(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    for doc in docs:
        if doc['kind'] not in CLUSTER_SCOPED:
            doc['metadata']['namespace'] = kustomization['namespace']
        for image in kustomization.get('images') or []:
            for container in doc.get('spec', {}).get('template', {}).get('spec', {}).get('containers', []):
                if container['image'] == image['name']:
                    container['image'] = f'{image["newName"]}:{image["newTag"]}'
    return docs


def _one(docs: list[dict], kind: str, name: str) -> dict:
    return next(d for d in docs if d['kind'] == kind and d['metadata']['name'] == name)


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_every_rendered_object_is_valid_for_kubernetes_or_its_crd(variant: str):
    docs = rendered(variant)
    assert len(docs) >= 15
    for doc in docs:
        if doc['kind'] == 'HTTPRoute':
            assert schema_causes(BY_KIND['HTTPRoute'], doc) == []
        else:
            assert kubernetes_validate.validate(doc, VERSION, strict=True) == VERSION, doc['metadata']['name']
        if doc['kind'] not in CLUSTER_SCOPED:
            assert doc['metadata']['namespace'] == 'espaze'
    routing = _one(docs, 'ConfigMap', 'espaze-routing')['data']
    assert (
        Settings(**{k.removeprefix('ESPAZE_').lower(): v for k, v in routing.items()}).routing
        == routing['ESPAZE_ROUTING']
    )


def test_espaze_runs_three_hardened_replicas_with_probes_limits_and_spread():
    espaze = _one(rendered(), 'Deployment', 'espaze')
    spec, pod = espaze['spec'], espaze['spec']['template']['spec']
    container = pod['containers'][0]
    assert spec['replicas'] == 3 and spec['strategy']['rollingUpdate']['maxUnavailable'] == 0
    assert container['readinessProbe']['httpGet']['path'] == '/readyz'
    assert container['livenessProbe']['httpGet']['path'] == '/healthz'
    assert {'cpu', 'memory'} <= set(container['resources']['requests']) & set(container['resources']['limits'])
    assert pod['securityContext']['runAsNonRoot'] is True and pod['securityContext']['runAsUser'] == 10001
    assert container['securityContext']['readOnlyRootFilesystem'] is True
    assert container['securityContext']['capabilities']['drop'] == ['ALL']
    tmp = next(m for m in container['volumeMounts'] if m['mountPath'] == '/tmp')
    assert any(v['name'] == tmp['name'] and 'emptyDir' in v for v in pod['volumes'])
    assert pod['topologySpreadConstraints'][0]['topologyKey'] == 'kubernetes.io/hostname'
    assert container['image'] == 'registry.example.com/espaze:1.0.0'
    assert {e['name']: e['value'] for e in container['env']}['ESPAZE_CLUSTER'] == 'in-cluster'
    assert container['envFrom'] == [
        {'secretRef': {'name': 'espaze-keys'}},
        {'configMapRef': {'name': 'espaze-routing'}},
    ]
    assert pod['serviceAccountName'] == 'espaze'


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_the_fallback_reading_renders_what_kustomize_does(variant: str):
    # (where kubectl is missing, `rendered` is this reading itself)
    key = lambda doc: (doc['kind'], doc['metadata']['name'])  # noqa: E731
    assert sorted(_read(VARIANTS[variant]), key=key) == sorted(rendered(variant), key=key)


def test_the_default_ingress_names_no_controller_and_asks_cert_manager_for_tls():
    docs = rendered()
    ingress = _one(docs, 'Ingress', 'espaze')
    assert ingress['spec']['tls'][0]['secretName'] == 'espaze-tls' and 'ingressClassName' not in ingress['spec']
    assert ingress['metadata']['annotations'] == {'cert-manager.io/cluster-issuer': 'letsencrypt'}
    assert _one(docs, 'Service', 'espaze')['spec']['sessionAffinity'] == 'ClientIP'
    assert not any(d['kind'] == 'HTTPRoute' for d in docs)


def test_the_ingress_nginx_variant_keeps_a_browser_on_one_replica():
    docs = rendered('ingress-nginx')
    ingress = _one(docs, 'Ingress', 'espaze')
    assert ingress['spec']['ingressClassName'] == 'nginx'
    assert ingress['metadata']['annotations']['nginx.ingress.kubernetes.io/affinity'] == 'cookie'
    assert 'retired' in (VARIANTS['ingress-nginx'] / 'kustomization.yaml').read_text()
    assert _one(docs, 'ConfigMap', 'espaze-routing')['data']['ESPAZE_INGRESS_CLASS'] == 'nginx'


def test_the_gateway_variant_routes_espaze_through_an_httproute_and_its_deployments_too():
    docs = rendered('gateway')
    route = _one(docs, 'HTTPRoute', 'espaze')
    assert route['spec']['hostnames'] == ['espaze.example.com']
    assert route['spec']['parentRefs'][0] | {} == {
        'group': 'gateway.networking.k8s.io',
        'kind': 'Gateway',
        'namespace': 'edge-system',
        'name': 'edge',
        'sectionName': 'https',
    }
    assert route['spec']['rules'][0]['backendRefs'][0]['name'] == 'espaze'
    assert not any(d['kind'] == 'Ingress' for d in docs)
    routing = _one(docs, 'ConfigMap', 'espaze-routing')['data']
    assert (routing['ESPAZE_ROUTING'], routing['ESPAZE_GATEWAY']) == ('gateway', 'edge-system/edge')
    broken = {**route, 'spec': {**route['spec'], 'hostnames': ['*.*']}}
    assert [f for f, _ in schema_causes(BY_KIND['HTTPRoute'], broken)] == ['spec.hostnames[0]']


def test_the_secret_holds_every_key_and_placeholders_espaze_refuses():
    keys = _one(rendered(), 'Secret', 'espaze-keys')['stringData']
    secrets = ('ESPAZE_JWT_SECRET', 'ESPAZE_STORAGE_SECRET', 'ESPAZE_METRICS_TOKEN')
    assert set(keys) == {*secrets, 'ESPAZE_ENCRYPTION_KEY', 'MONGO_URL'}
    assert all(len(keys[k].encode()) < 32 for k in secrets)  # placeholders Espaze refuses to start with


def test_mongodb_is_an_authenticated_three_member_replica_set_and_the_url_names_every_member():
    docs = rendered()
    statefulset = _one(docs, 'StatefulSet', 'mongodb')
    container = statefulset['spec']['template']['spec']['containers'][0]
    assert statefulset['spec']['replicas'] == 3 and statefulset['spec']['serviceName'] == 'mongodb'
    assert _one(docs, 'Service', 'mongodb')['spec']['clusterIP'] == 'None'
    assert {'--replSet', 'rs0', '--auth', '--keyFile'} <= set(container['args'])
    assert statefulset['spec']['volumeClaimTemplates'][0]['metadata']['name'] == 'data'
    url = _one(docs, 'Secret', 'espaze-keys')['stringData']['MONGO_URL']
    assert all(f'mongodb-{n}.mongodb.espaze.svc:27017' in url for n in range(3))
    assert 'replicaSet=rs0' in url and 'w=majority' in url and 'authSource=admin' in url


def _calls_of_the_cluster_layer() -> set[tuple[str, str, str]]:
    """(API group, resource, verb) of every Kubernetes call in services/cluster."""
    source = '\n'.join(path.read_text() for path in CLUSTER_CODE.glob('*.py'))
    calls = set()
    for api, method in re.findall(r'\b(core|apps|batch|net|networking)\.(\w+)', source):
        verb, _, rest = method.partition('_')
        if verb not in VERBS:
            continue
        rest = rest.removeprefix('namespaced_').removesuffix('_for_all_namespaces')
        resource = PLURALS.get(rest) or (
            'deployments/scale' if rest == 'deployment_scale' else rest.replace('_', '') + 's'
        )
        calls.add((GROUPS[api], resource, VERBS[verb]))
    if 'list_cluster_custom_object' in source:
        calls |= {('metrics.k8s.io', 'nodes', 'list'), ('metrics.k8s.io', 'pods', 'list')}
    for method, kind_name in re.findall(r'self\.custom\.(\w+)\(\s*([A-Z_]+)\b', source):  # Gateway API, cert-manager
        if method != 'serves':  # discovery: open to every authenticated client
            kind = getattr(custom_objects, kind_name)
            calls |= {(kind.group, kind.plural, verb) for verb in CUSTOM_VERBS[method]}
    return calls


def test_rbac_grants_what_the_cluster_layer_calls_and_nothing_broader():
    role = _one(rendered(), 'ClusterRole', 'espaze')
    granted = {
        (group, resource, verb)
        for rule in role['rules']
        for group in rule['apiGroups']
        for resource in rule['resources']
        for verb in rule['verbs']
    }
    calls = _calls_of_the_cluster_layer()
    assert len(calls) > 30
    assert {('cert-manager.io', 'certificates', 'create'), ('gateway.networking.k8s.io', 'gateways', 'update')} <= calls
    assert calls <= granted, sorted(calls - granted)
    assert not any('*' in part for grant in granted for part in grant)
    assert not any(
        resource in ('clusterroles', 'roles', 'rolebindings', 'serviceaccounts') for _, resource, _ in granted
    )
    binding = _one(rendered(), 'ClusterRoleBinding', 'espaze')
    assert binding['roleRef']['name'] == 'espaze' != 'cluster-admin'
    assert binding['subjects'] == [{'kind': 'ServiceAccount', 'name': 'espaze', 'namespace': 'espaze'}]
