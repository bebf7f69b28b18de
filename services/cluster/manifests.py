"""Kubernetes objects for an owner's namespace, one deployment, and an image build: built as client models.

Nothing here is templated text; every value a user chose was checked before it arrives here.
"""

import base64
import hashlib
import json

from kubernetes import client as k8s

from models.cluster import AppSpec, BuildRequest, ClusterSettings

MANAGED_BY = 'app.kubernetes.io/managed-by'
NAME = 'app.kubernetes.io/name'
DEPLOYMENT_ID = 'espaze.io/deployment-id'
OWNER = 'espaze.io/owner'
CONFIG_HASH = 'espaze.io/config-hash'
RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt'
GIT_TOKEN_KEY = 'GIT_AUTH_TOKEN'
BUILDER_USER = 1000
APP_USER = 10001


def app_labels(spec: AppSpec) -> dict[str, str]:
    return {NAME: spec.name, MANAGED_BY: 'espaze', DEPLOYMENT_ID: spec.deployment_id}


def selector(spec: AppSpec) -> dict[str, str]:
    return {NAME: spec.name, DEPLOYMENT_ID: spec.deployment_id}


def deployment_selector(deployment_id: str) -> str:
    return f'{DEPLOYMENT_ID}={deployment_id}'


def _meta(name: str, namespace: str | None, labels: dict[str, str], **extra) -> k8s.V1ObjectMeta:
    return k8s.V1ObjectMeta(name=name, namespace=namespace, labels=labels, **extra)


def namespace(name: str, owner_id: str, settings: ClusterSettings) -> k8s.V1Namespace:
    level = settings.pod_security_level
    labels = {MANAGED_BY: 'espaze', OWNER: owner_id}
    labels |= {f'pod-security.kubernetes.io/{mode}': level for mode in ('enforce', 'audit', 'warn')}
    return k8s.V1Namespace(api_version='v1', kind='Namespace', metadata=_meta(name, None, labels))


def resource_quota(namespace_name: str, settings: ClusterSettings) -> k8s.V1ResourceQuota | None:
    hard = {}
    if settings.quota_cpu:
        hard |= {'requests.cpu': settings.quota_cpu, 'limits.cpu': settings.quota_cpu}
    if settings.quota_memory:
        hard |= {'requests.memory': settings.quota_memory, 'limits.memory': settings.quota_memory}
    if settings.quota_pods:
        hard['pods'] = str(settings.quota_pods)
    if not hard:
        return None
    return k8s.V1ResourceQuota(
        api_version='v1',
        kind='ResourceQuota',
        metadata=_meta('espaze-quota', namespace_name, {MANAGED_BY: 'espaze'}),
        spec=k8s.V1ResourceQuotaSpec(hard=hard),
    )


def network_policy(namespace_name: str, settings: ClusterSettings) -> k8s.V1NetworkPolicy | None:
    """Deny all ingress to the namespace's pods except from the namespace of the ingress controller or gateway."""
    if not settings.network_policy:
        return None
    controller = k8s.V1LabelSelector(match_labels={'kubernetes.io/metadata.name': settings.edge_namespace})
    return k8s.V1NetworkPolicy(
        api_version='networking.k8s.io/v1',
        kind='NetworkPolicy',
        metadata=_meta('espaze-ingress-only', namespace_name, {MANAGED_BY: 'espaze'}),
        spec=k8s.V1NetworkPolicySpec(
            pod_selector=k8s.V1LabelSelector(),
            policy_types=['Ingress'],
            ingress=[k8s.V1NetworkPolicyIngressRule(_from=[k8s.V1NetworkPolicyPeer(namespace_selector=controller)])],
        ),
    )


def config_map(spec: AppSpec) -> k8s.V1ConfigMap:
    return k8s.V1ConfigMap(
        api_version='v1',
        kind='ConfigMap',
        metadata=_meta(f'{spec.name}-env', spec.namespace, app_labels(spec)),
        data=dict(spec.env),
    )


def secret(spec: AppSpec) -> k8s.V1Secret:
    data = {key: base64.b64encode(value.encode()).decode() for key, value in spec.secret_env.items()}
    return k8s.V1Secret(
        api_version='v1',
        kind='Secret',
        type='Opaque',
        metadata=_meta(f'{spec.name}-secret-env', spec.namespace, app_labels(spec)),
        data=data,
    )


def _probe(spec: AppSpec, initial_delay: int, period: int) -> k8s.V1Probe:
    if spec.health_check_path:
        action = {'http_get': k8s.V1HTTPGetAction(path=spec.health_check_path, port='http')}
    else:
        action = {'tcp_socket': k8s.V1TCPSocketAction(port='http')}
    return k8s.V1Probe(initial_delay_seconds=initial_delay, period_seconds=period, failure_threshold=3, **action)


def config_hash(spec: AppSpec) -> str:
    """Changes when the environment changes, so that pods roll to pick it up."""
    text = json.dumps([spec.env, spec.secret_env], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def deployment(
    spec: AppSpec, restarted_at: str | None = None, progress_deadline_seconds: int = 600
) -> k8s.V1Deployment:
    annotations = {CONFIG_HASH: config_hash(spec)} | ({RESTARTED_AT: restarted_at} if restarted_at else {})
    resources = k8s.V1ResourceRequirements(
        requests={'cpu': spec.resources.cpu_request, 'memory': spec.resources.memory_request},
        limits={'cpu': spec.resources.cpu_limit, 'memory': spec.resources.memory_limit},
    )
    container = k8s.V1Container(
        name='app',
        image=spec.image,
        ports=[k8s.V1ContainerPort(name='http', container_port=spec.port, protocol='TCP')],
        env_from=[
            k8s.V1EnvFromSource(config_map_ref=k8s.V1ConfigMapEnvSource(name=f'{spec.name}-env')),
            k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name=f'{spec.name}-secret-env')),
        ],
        resources=resources,
        readiness_probe=_probe(spec, 3, 10),
        liveness_probe=_probe(spec, 15, 20),
        security_context=k8s.V1SecurityContext(
            allow_privilege_escalation=False,
            run_as_non_root=True,
            capabilities=k8s.V1Capabilities(drop=['ALL']),
            seccomp_profile=k8s.V1SeccompProfile(type='RuntimeDefault'),
        ),
        volume_mounts=[k8s.V1VolumeMount(name='tmp', mount_path='/tmp')],
    )
    pod = k8s.V1PodSpec(
        containers=[container],
        node_selector=dict(spec.node_selector) or None,
        automount_service_account_token=False,
        enable_service_links=False,
        security_context=k8s.V1PodSecurityContext(
            run_as_non_root=True,
            run_as_user=APP_USER,
            run_as_group=APP_USER,
            fs_group=APP_USER,
            seccomp_profile=k8s.V1SeccompProfile(type='RuntimeDefault'),
        ),
        volumes=[k8s.V1Volume(name='tmp', empty_dir=k8s.V1EmptyDirVolumeSource())],
    )
    return k8s.V1Deployment(
        api_version='apps/v1',
        kind='Deployment',
        metadata=_meta(spec.name, spec.namespace, app_labels(spec)),
        spec=k8s.V1DeploymentSpec(
            replicas=spec.replicas,
            revision_history_limit=5,
            progress_deadline_seconds=progress_deadline_seconds,
            selector=k8s.V1LabelSelector(match_labels=selector(spec)),
            strategy=k8s.V1DeploymentStrategy(
                type='RollingUpdate',
                rolling_update=k8s.V1RollingUpdateDeployment(max_surge='25%', max_unavailable=0),
            ),
            template=k8s.V1PodTemplateSpec(
                metadata=k8s.V1ObjectMeta(labels=app_labels(spec), annotations=annotations), spec=pod
            ),
        ),
    )


def service(spec: AppSpec) -> k8s.V1Service:
    return k8s.V1Service(
        api_version='v1',
        kind='Service',
        metadata=_meta(spec.name, spec.namespace, app_labels(spec)),
        spec=k8s.V1ServiceSpec(
            type='ClusterIP',
            selector=selector(spec),
            ports=[k8s.V1ServicePort(name='http', port=80, target_port='http', protocol='TCP')],
        ),
    )


BUILD_METADATA = '/dev/termination-log'


def build_name(build: BuildRequest) -> str:
    return f'build-{build.deployment_id[-12:]}-{build.commit_sha[:10]}'


def build_labels(build: BuildRequest) -> dict[str, str]:
    return {MANAGED_BY: 'espaze', DEPLOYMENT_ID: build.deployment_id, 'espaze.io/commit': build.commit_sha}


def build_namespace(settings: ClusterSettings) -> k8s.V1Namespace:
    """Builders run rootless but need an unconfined seccomp profile (BuildKit), which only `privileged` allows."""
    labels = {MANAGED_BY: 'espaze', 'pod-security.kubernetes.io/enforce': 'privileged'}
    return k8s.V1Namespace(api_version='v1', kind='Namespace', metadata=_meta(settings.build_namespace, None, labels))


def build_secret(build: BuildRequest, settings: ClusterSettings, job_uid: str) -> k8s.V1Secret:
    """The GitHub token for one build: owned by its Job, so it goes when the Job goes."""
    owner = k8s.V1OwnerReference(api_version='batch/v1', kind='Job', name=build_name(build), uid=job_uid)
    return k8s.V1Secret(
        api_version='v1',
        kind='Secret',
        type='Opaque',
        metadata=_meta(
            f'{build_name(build)}-git', settings.build_namespace, build_labels(build), owner_references=[owner]
        ),
        data={GIT_TOKEN_KEY: base64.b64encode((build.git_token or '').encode()).decode()},
    )


def build_job(build: BuildRequest, settings: ClusterSettings) -> k8s.V1Job:
    """A BuildKit job: clone at the exact commit, build the Dockerfile, push tagged with the SHA (arguments: a list)."""
    args = [
        'build',
        '--frontend',
        'dockerfile.v0',
        '--opt',
        f'context={build.clone_url}#{build.commit_sha}',
        '--opt',
        f'filename={build.dockerfile_path}',
        '--output',
        f'type=image,name={build.image},push=true',
        '--metadata-file',
        BUILD_METADATA,  # the pushed digest, read back from the pod's termination message
    ]
    env = [k8s.V1EnvVar(name='BUILDKITD_FLAGS', value='--oci-worker-no-process-sandbox')]
    if build.git_token:
        args += ['--secret', f'id={GIT_TOKEN_KEY},env={GIT_TOKEN_KEY}']
        source = k8s.V1SecretKeySelector(name=f'{build_name(build)}-git', key=GIT_TOKEN_KEY)
        env.append(k8s.V1EnvVar(name=GIT_TOKEN_KEY, value_from=k8s.V1EnvVarSource(secret_key_ref=source)))
    container = k8s.V1Container(
        name='buildkit',
        image=settings.builder_image,
        command=['buildctl-daemonless.sh'],
        args=args,
        env=env,
        resources=k8s.V1ResourceRequirements(
            requests={'cpu': '500m', 'memory': '1Gi'},
            limits={'cpu': settings.build_cpu_limit, 'memory': settings.build_memory_limit},
        ),
        security_context=k8s.V1SecurityContext(
            run_as_user=BUILDER_USER,
            run_as_group=BUILDER_USER,
            run_as_non_root=True,
            seccomp_profile=k8s.V1SeccompProfile(type='Unconfined'),
            app_armor_profile=k8s.V1AppArmorProfile(type='Unconfined'),
        ),
        volume_mounts=[k8s.V1VolumeMount(name='buildkitd', mount_path='/home/user/.local/share/buildkit')],
    )
    return k8s.V1Job(
        api_version='batch/v1',
        kind='Job',
        metadata=_meta(build_name(build), settings.build_namespace, build_labels(build)),
        spec=k8s.V1JobSpec(
            backoff_limit=0,
            active_deadline_seconds=settings.build_deadline_seconds,
            ttl_seconds_after_finished=settings.build_ttl_seconds,
            template=k8s.V1PodTemplateSpec(
                metadata=k8s.V1ObjectMeta(labels=build_labels(build)),
                spec=k8s.V1PodSpec(
                    restart_policy='Never',
                    automount_service_account_token=False,
                    enable_service_links=False,
                    containers=[container],
                    volumes=[k8s.V1Volume(name='buildkitd', empty_dir=k8s.V1EmptyDirVolumeSource())],
                ),
            ),
        ),
    )
