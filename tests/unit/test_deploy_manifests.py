"""deploy/: Espaze's own manifests validate against Kubernetes' schemas, render with kustomize, and say what an
operator relies on (replicas, probes, non-root, read-only root, spread, TLS, affinity, least-privilege RBAC,
an authenticated 3-member MongoDB replica set)."""

import re
import shutil
import subprocess

import kubernetes_validate
import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / 'deploy'
VERSION = '1.30'
CLUSTER_CODE = ROOT / 'services' / 'cluster'
GROUPS = {'core': '', 'apps': 'apps', 'batch': 'batch', 'net': 'networking.k8s.io', 'networking': 'networking.k8s.io'}
VERBS = {'create': 'create', 'read': 'get', 'replace': 'update', 'delete': 'delete', 'list': 'list', 'patch': 'patch'}
PLURALS = {'ingress': 'ingresses', 'network_policy': 'networkpolicies', 'pod_log': 'pods/log'}


def _kustomization() -> dict:
    return yaml.safe_load((DEPLOY / 'kustomization.yaml').read_text())


def rendered() -> list[dict]:
    """`kubectl kustomize deploy/` where kubectl exists; else the same resources read here with its namespace
    and image applied (what this kustomization asks of kustomize)."""
    if shutil.which('kubectl'):
        output = subprocess.run(
            ['kubectl', 'kustomize', str(DEPLOY)], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        return [doc for doc in yaml.safe_load_all(output) if doc]
    kustomization = _kustomization()
    image = kustomization['images'][0]
    docs = []
    for resource in kustomization['resources']:
        for doc in yaml.safe_load_all((DEPLOY / resource).read_text()):
            if doc['kind'] not in ('Namespace', 'ClusterRole', 'ClusterRoleBinding'):
                doc['metadata']['namespace'] = kustomization['namespace']
            for container in doc.get('spec', {}).get('template', {}).get('spec', {}).get('containers', []):
                if container['image'] == image['name']:
                    container['image'] = f'{image["newName"]}:{image["newTag"]}'
            docs.append(doc)
    return docs


def _one(docs: list[dict], kind: str, name: str) -> dict:
    return next(d for d in docs if d['kind'] == kind and d['metadata']['name'] == name)


def test_every_rendered_object_is_valid_for_kubernetes():
    docs = rendered()
    assert len(docs) >= 14
    for doc in docs:
        assert kubernetes_validate.validate(doc, VERSION, strict=True) == VERSION, doc['metadata']['name']
        if doc['kind'] not in ('Namespace', 'ClusterRole', 'ClusterRoleBinding'):
            assert doc['metadata']['namespace'] == 'espaze'


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
    assert container['envFrom'] == [{'secretRef': {'name': 'espaze-keys'}}]
    assert pod['serviceAccountName'] == 'espaze'


def test_the_ingress_serves_tls_and_keeps_a_browser_on_one_replica():
    docs = rendered()
    ingress = _one(docs, 'Ingress', 'espaze')
    assert ingress['spec']['tls'][0]['secretName'] == 'espaze-tls'
    assert ingress['metadata']['annotations']['nginx.ingress.kubernetes.io/affinity'] == 'cookie'
    assert _one(docs, 'Service', 'espaze')['spec']['sessionAffinity'] == 'ClientIP'


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
    for verb in re.findall(r'custom\.(\w+?)_namespaced_custom_object, \*_at\(', source):  # HTTPRoutes
        calls.add(('gateway.networking.k8s.io', 'httproutes', VERBS.get(verb, verb)))
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
    assert calls <= granted, sorted(calls - granted)
    assert not any('*' in part for grant in granted for part in grant)
    assert not any(
        resource in ('clusterroles', 'roles', 'rolebindings', 'serviceaccounts') for _, resource, _ in granted
    )
    binding = _one(rendered(), 'ClusterRoleBinding', 'espaze')
    assert binding['roleRef']['name'] == 'espaze' != 'cluster-admin'
    assert binding['subjects'] == [{'kind': 'ServiceAccount', 'name': 'espaze', 'namespace': 'espaze'}]
