"""Every manifest Espaze builds, checked against Kubernetes' official schemas, and what each must (not) hold."""

import json

import kubernetes_validate
import pytest
from kubernetes import client as k8s

from models.cluster import AppSpec, BuildRequest, Resources
from services.cluster import edge_manifests as edge
from services.cluster import manifests as m

SETTINGS = m.ClusterSettings(ingress_tls_secret='wildcard-tls')
SPEC = AppSpec(
    deployment_id='65f0c0ffee0000000000abcd',
    namespace='espaze-65f0c0ffee0000000000beef',
    name='web-shop',
    image='registry.espaze.localhost:5000/web-shop:' + 'a' * 40,
    port=3000,
    replicas=2,
    env={'LOG_LEVEL': 'info'},
    secret_env={'DATABASE_PASSWORD': 's3cr3t-value'},
    resources=Resources('250m', '256Mi', '1', '1Gi'),
    health_check_path='/healthz',
    node_selector={'topology.kubernetes.io/region': 'eu-west'},
)
TOKEN = 'ghp_' + 'T' * 36
BUILD = BuildRequest(
    SPEC.deployment_id, 'https://github.com/octo/web-shop.git', 'b' * 40, 'docker/Dockerfile', SPEC.image, TOKEN
)
SERIALIZE = k8s.ApiClient().sanitize_for_serialization
EVERY = {
    'namespace': m.namespace(SPEC.namespace, 'owner-1', SETTINGS),
    'quota': m.resource_quota(SPEC.namespace, SETTINGS),
    'network policy': m.network_policy(SPEC.namespace, SETTINGS),
    'config map': m.config_map(SPEC),
    'secret': m.secret(SPEC),
    'deployment': m.deployment(SPEC, '2026-11-27T10:00:00Z'),
    'service': m.service(SPEC),
    'ingress': edge.ingress(SPEC, SETTINGS),
    'build namespace': m.build_namespace(SETTINGS),
    'build job': m.build_job(BUILD, SETTINGS),
    'build secret': m.build_secret(BUILD, SETTINGS, 'job-uid'),
    'public build job': m.build_job(BuildRequest(**{**vars(BUILD), 'git_token': None}), SETTINGS),
}


@pytest.mark.parametrize('version', ['1.30', '1.34'])
@pytest.mark.parametrize('name', list(EVERY))
def test_every_manifest_matches_the_official_schema(name: str, version: str):
    assert kubernetes_validate.validate(SERIALIZE(EVERY[name]), version, strict=True) == version


def test_the_deployment_is_labelled_non_root_probed_and_limited():
    deployment = SERIALIZE(EVERY['deployment'])
    labels = deployment['metadata']['labels']
    assert labels == {
        'app.kubernetes.io/name': 'web-shop',
        'app.kubernetes.io/managed-by': 'espaze',
        'espaze.io/deployment-id': SPEC.deployment_id,
    }
    pod = deployment['spec']['template']['spec']
    [container] = pod['containers']
    assert pod['securityContext']['runAsNonRoot'] is True and pod['automountServiceAccountToken'] is False
    assert container['securityContext'] == {
        'allowPrivilegeEscalation': False,
        'capabilities': {'drop': ['ALL']},
        'runAsNonRoot': True,
        'seccompProfile': {'type': 'RuntimeDefault'},
    }
    assert container['resources'] == {
        'requests': {'cpu': '250m', 'memory': '256Mi'},
        'limits': {'cpu': '1', 'memory': '1Gi'},
    }
    assert container['readinessProbe']['httpGet'] == {'path': '/healthz', 'port': 'http'}
    assert container['livenessProbe']['httpGet']['path'] == '/healthz'
    assert pod['nodeSelector'] == {'topology.kubernetes.io/region': 'eu-west'}
    annotations = deployment['spec']['template']['metadata']['annotations']
    assert annotations['kubectl.kubernetes.io/restartedAt'] == '2026-11-27T10:00:00Z'


def test_secret_values_go_to_the_secret_never_the_config_map():
    assert 's3cr3t-value' not in json.dumps(SERIALIZE(EVERY['config map']))
    assert 's3cr3t-value' not in json.dumps(SERIALIZE(EVERY['deployment']))
    assert SERIALIZE(EVERY['secret'])['data'] == {'DATABASE_PASSWORD': 'czNjcjN0LXZhbHVl'}


def test_an_environment_change_rolls_the_pods():
    changed = AppSpec(**{**vars(SPEC), 'secret_env': {'DATABASE_PASSWORD': 'rotated'}})
    before = m.deployment(SPEC).spec.template.metadata.annotations[m.CONFIG_HASH]
    assert m.deployment(changed).spec.template.metadata.annotations[m.CONFIG_HASH] != before


def test_the_ingress_serves_the_name_under_the_domain_with_tls_and_names_no_controller():
    ingress = SERIALIZE(EVERY['ingress'])
    spec = ingress['spec']
    assert spec['rules'][0]['host'] == 'web-shop.apps.espaze.localhost' and 'ingressClassName' not in spec
    assert spec['tls'] == [{'hosts': ['web-shop.apps.espaze.localhost'], 'secretName': 'wildcard-tls'}]
    assert not ingress['metadata'].get('annotations')  # no controller-specific annotation
    chosen = SERIALIZE(edge.ingress(SPEC, m.ClusterSettings(ingress_class='traefik')))['spec']
    assert chosen['ingressClassName'] == 'traefik'


def test_namespaces_enforce_pod_security_and_admit_only_the_ingress_controller():
    labels = SERIALIZE(EVERY['namespace'])['metadata']['labels']
    assert labels['pod-security.kubernetes.io/enforce'] == 'restricted'
    policy = SERIALIZE(EVERY['network policy'])['spec']
    assert policy['policyTypes'] == ['Ingress'] and policy['podSelector'] == {}
    assert policy['ingress'] == [
        {'from': [{'namespaceSelector': {'matchLabels': {'kubernetes.io/metadata.name': 'ingress-nginx'}}}]}
    ]
    assert SERIALIZE(EVERY['quota'])['spec']['hard']['pods'] == '50'


def test_the_build_job_never_holds_the_token_and_is_bounded():
    job = SERIALIZE(EVERY['build job'])
    assert TOKEN not in json.dumps(job)
    pod = job['spec']['template']['spec']
    [container] = pod['containers']
    assert job['spec']['activeDeadlineSeconds'] == 1800 and job['spec']['ttlSecondsAfterFinished'] == 3600
    assert job['spec']['backoffLimit'] == 0 and pod['automountServiceAccountToken'] is False
    assert pod['restartPolicy'] == 'Never' and container['resources']['limits'] == {'cpu': '2', 'memory': '4Gi'}
    assert container['args'] == [
        'build',
        '--frontend',
        'dockerfile.v0',
        '--opt',
        f'context=https://github.com/octo/web-shop.git#{"b" * 40}',
        '--opt',
        'filename=docker/Dockerfile',
        '--output',
        f'type=image,name={SPEC.image},push=true',
        '--metadata-file',
        '/dev/termination-log',
        '--secret',
        'id=GIT_AUTH_TOKEN,env=GIT_AUTH_TOKEN',
    ]
    token_env = next(e for e in container['env'] if e['name'] == 'GIT_AUTH_TOKEN')
    assert token_env == {
        'name': 'GIT_AUTH_TOKEN',
        'valueFrom': {'secretKeyRef': {'name': m.build_name(BUILD) + '-git', 'key': 'GIT_AUTH_TOKEN'}},
    }
    secret = SERIALIZE(EVERY['build secret'])
    assert secret['metadata']['ownerReferences'][0]['uid'] == 'job-uid'
    public = SERIALIZE(EVERY['public build job'])['spec']['template']['spec']['containers'][0]
    assert '--secret' not in public['args'] and [e['name'] for e in public['env']] == ['BUILDKITD_FLAGS']


def test_the_cert_issuer_setting_names_its_kind(monkeypatch: pytest.MonkeyPatch):
    from config import Settings

    monkeypatch.setenv('ESPAZE_CERT_ISSUER', 'Issuer/staging')
    cluster = Settings().cluster_settings()
    assert (cluster.cert_issuer_kind, cluster.cert_issuer_name) == ('Issuer', 'staging')
    monkeypatch.setenv('ESPAZE_CERT_ISSUER', 'Certificate/staging')
    with pytest.raises(ValueError, match='cert_issuer'):
        Settings()
