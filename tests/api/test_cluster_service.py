"""The cluster service against the sandbox cluster, over HTTP, through the official client."""

import json
import uuid

import pytest

from models.errors import ValidationFailed
from services.cluster import manifests
from services.cluster.gateway import ClusterConflict
from services.cluster.service import ClusterService
from tests.conftest import SandboxCluster
from tests.support.cluster_helpers import app_spec, cluster_service, eventually


@pytest.fixture
def cluster(sandbox_cluster: SandboxCluster) -> ClusterService:
    return cluster_service(str(sandbox_cluster.kubeconfig))


async def owner_namespace(cluster: ClusterService) -> str:
    return await cluster.ensure_namespace(uuid.uuid4().hex[:24])


def running(state) -> bool:
    return state is not None and state.ready == state.replicas and state.observed_generation == state.generation


async def test_a_namespace_per_owner_is_created_idempotently_with_its_guards(cluster: ClusterService):
    owner = uuid.uuid4().hex[:24]
    name = await cluster.ensure_namespace(owner)
    assert name == f'espaze-{owner}' and await cluster.ensure_namespace(owner) == name
    namespace = await cluster.gateway.call(cluster.gateway.core.read_namespace, name)
    assert namespace.metadata.labels['pod-security.kubernetes.io/enforce'] == 'restricted'
    assert namespace.metadata.labels['espaze.io/owner'] == owner
    quotas = await cluster.gateway.call(cluster.gateway.core.list_namespaced_resource_quota, name)
    policies = await cluster.gateway.call(cluster.gateway.networking.list_namespaced_network_policy, name)
    assert [q.spec.hard['pods'] for q in quotas.items] == ['50'] and len(policies.items) == 1


async def test_a_deployment_rolls_out_and_every_object_exists(cluster: ClusterService):
    spec = app_spec(await owner_namespace(cluster))
    await cluster.deploy(spec)
    state = await eventually(lambda: cluster.reads.rollout(spec.namespace, 'web'), running)
    assert state.replicas == 2 and any(c.type == 'Available' and c.status == 'True' for c in state.conditions)
    pods = await cluster.reads.pods(spec.namespace, spec.deployment_id)
    assert len(pods) == 2 and all(p.phase == 'Running' and p.ready and p.node for p in pods)
    core, net = cluster.gateway.core, cluster.gateway.networking
    config = await cluster.gateway.call(core.read_namespaced_config_map, 'web-env', spec.namespace)
    assert config.data == {'MODE': 'demo'}
    ingress = await cluster.gateway.call(net.read_namespaced_ingress, 'web', spec.namespace)
    assert ingress.spec.rules[0].host == 'web.apps.espaze.localhost'
    await cluster.deploy(spec)  # applying again replaces, never duplicates
    assert len(await cluster.reads.pods(spec.namespace, spec.deployment_id)) == 2


async def test_a_changed_environment_and_a_restart_roll_the_pods(cluster: ClusterService):
    spec = app_spec(await owner_namespace(cluster), replicas=1)
    await cluster.deploy(spec)
    await eventually(lambda: cluster.reads.rollout(spec.namespace, 'web'), running)
    first = {p.name for p in await cluster.reads.pods(spec.namespace, spec.deployment_id)}
    await cluster.deploy(app_spec(spec.namespace, deployment_id=spec.deployment_id, replicas=1, env={'MODE': 'live'}))
    rolled = await eventually(
        lambda: cluster.reads.pods(spec.namespace, spec.deployment_id),
        lambda pods: len(pods) == 1 and pods[0].ready and pods[0].name not in first,
    )
    stamp = await cluster.restart(spec.namespace, 'web')
    deployment = await cluster.gateway.call(cluster.gateway.apps.read_namespaced_deployment, 'web', spec.namespace)
    assert deployment.spec.template.metadata.annotations[manifests.RESTARTED_AT] == stamp
    await eventually(
        lambda: cluster.reads.pods(spec.namespace, spec.deployment_id),
        lambda pods: len(pods) == 1 and pods[0].ready and pods[0].name != rolled[0].name,
    )


async def test_scale_then_delete_everything_of_one_deployment(cluster: ClusterService):
    namespace = await owner_namespace(cluster)
    spec, neighbour = app_spec(namespace), app_spec(namespace, name='api')
    await cluster.deploy(spec)
    await cluster.deploy(neighbour)
    await cluster.scale(namespace, 'web', 3)
    await eventually(lambda: cluster.reads.rollout(namespace, 'web'), lambda s: running(s) and s.ready == 3)
    assert await cluster.delete_deployment(namespace, spec.deployment_id) == 5
    assert await cluster.reads.rollout(namespace, 'web') is None
    await eventually(lambda: cluster.reads.pods(namespace, spec.deployment_id), lambda pods: pods == [])
    assert await cluster.reads.rollout(namespace, 'api') is not None  # the neighbour is untouched


async def test_logs_events_nodes_and_usage_are_read(cluster: ClusterService):
    spec = app_spec(await owner_namespace(cluster), replicas=1)
    await cluster.deploy(spec)
    await eventually(lambda: cluster.reads.rollout(spec.namespace, 'web'), running)
    [pod] = await cluster.reads.pods(spec.namespace, spec.deployment_id)
    assert 'Listening on 0.0.0.0:8080' in await cluster.reads.logs(spec.namespace, pod.name, tail=50)
    events = await cluster.reads.events(spec.namespace, {'web'})
    assert {'Scheduled', 'Started'} <= {e.reason for e in events}
    nodes = await cluster.reads.nodes()
    assert len(nodes) == 3 and all(n.ready and n.capacity_cpu == 4 and n.allocatable_cpu == 3.8 for n in nodes)
    usage = await eventually(lambda: cluster.reads.pod_usage(spec.namespace), lambda found: bool(found))
    assert usage[0].name == pod.name and 0 < usage[0].cpu <= 0.5 and usage[0].memory > 0
    assert len(await cluster.reads.node_usage()) == 3
    status = await cluster.reads.status()
    assert (status.reachable, status.nodes_ready, status.nodes_total, status.metrics_available) == (True, 3, 3, True)
    assert status.version.startswith('v1.')


async def test_pods_that_pod_security_refuses_are_reported_not_created(cluster: ClusterService):
    spec = app_spec(await owner_namespace(cluster), replicas=1)
    unsafe = manifests.deployment(spec)
    unsafe.spec.template.spec.containers[0].security_context = None
    unsafe.spec.template.spec.security_context = None
    await cluster.apply(unsafe)
    state = await eventually(
        lambda: cluster.reads.rollout(spec.namespace, 'web'),
        lambda s: any(c.type == 'ReplicaFailure' for c in s.conditions),
    )
    failure = next(c for c in state.conditions if c.type == 'ReplicaFailure')
    assert 'violates PodSecurity "restricted:latest"' in failure.message and state.replicas == 0


async def test_a_stale_write_is_a_conflict_and_apply_reads_again(cluster: ClusterService, monkeypatch):
    spec = app_spec(await owner_namespace(cluster), replicas=1)
    await cluster.deploy(spec)
    apps = cluster.gateway.apps
    current = await cluster.gateway.call(apps.read_namespaced_deployment, 'web', spec.namespace)
    await cluster.scale(spec.namespace, 'web', 2)  # someone else wrote meanwhile
    with pytest.raises(ClusterConflict) as stale:
        await cluster.gateway.call(apps.replace_namespaced_deployment, 'web', spec.namespace, current)
    assert stale.value.reason == 'Conflict'
    reads = 0
    read = cluster._kinds['Deployment'].read

    def read_then_interfere(*args, **kwargs):
        nonlocal reads
        reads += 1
        found = read(*args, **kwargs)
        if reads == 1:  # another writer changes it right after Espaze read it
            apps.patch_namespaced_deployment('web', spec.namespace, {'metadata': {'labels': {'touched': 'yes'}}})
        return found

    monkeypatch.setattr(cluster._kinds['Deployment'], 'read', read_then_interfere)
    await cluster.apply(manifests.deployment(spec))
    assert reads == 2


async def test_the_api_servers_422_names_the_field(cluster: ClusterService):
    spec = app_spec(await owner_namespace(cluster))
    broken = manifests.deployment(spec)
    broken.spec.selector.match_labels = {'app.kubernetes.io/name': 'other'}
    with pytest.raises(ValidationFailed) as refused:
        await cluster.apply(broken)
    assert refused.value.field == 'spec.template.metadata.labels'
    assert 'selector' in refused.value.message


async def test_secret_values_stay_in_the_secret(cluster: ClusterService):
    spec = app_spec(await owner_namespace(cluster), replicas=1)
    await cluster.deploy(spec)
    core = cluster.gateway.core
    config = await cluster.gateway.call(core.read_namespaced_config_map, 'web-env', spec.namespace)
    deployment = await cluster.gateway.call(cluster.gateway.apps.read_namespaced_deployment, 'web', spec.namespace)
    for obj in (config, deployment):
        assert 'not-for-configmaps' not in json.dumps(cluster.gateway.serialize(obj))
