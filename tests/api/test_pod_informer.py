"""Pods listed once and then followed by a watch: the sandbox serves `?watch=true` as the API server does, and the
informer follows it through the official client, listing again only when its version has expired."""

import asyncio
import json
import uuid

import httpx
import pytest

from services.cluster.service import ClusterService
from tests.conftest import SandboxCluster
from tests.support.cluster_helpers import app_spec, cluster_service, eventually


@pytest.fixture
def cluster(sandbox_cluster: SandboxCluster) -> ClusterService:
    service = cluster_service(str(sandbox_cluster.kubeconfig))
    yield service
    service.reads.informer.stop()


async def _own_pods(cluster: ClusterService, namespace: str) -> list:
    return [p for p in await cluster.reads.all_pods() if p.namespace == namespace]


async def test_pods_are_followed_by_the_watch_after_one_list(cluster: ClusterService):
    spec = app_spec(await cluster.ensure_namespace(uuid.uuid4().hex[:24]), replicas=1)
    assert await _own_pods(cluster, spec.namespace) == []
    await cluster.deploy(spec)
    pods = await eventually(lambda: _own_pods(cluster, spec.namespace), lambda p: len(p) == 1 and p[0].ready)
    assert pods[0].node and pods[0].phase == 'Running' and pods[0].cpu_request > 0
    await cluster.scale(spec.namespace, 'web', 3)
    await eventually(lambda: _own_pods(cluster, spec.namespace), lambda p: len(p) == 3 and all(x.node for x in p))
    await cluster.delete_deployment(spec.namespace, spec.deployment_id)
    await eventually(lambda: _own_pods(cluster, spec.namespace), lambda p: p == [])
    informer = cluster.reads.informer
    assert informer.lists == 1 and informer.events > 5


async def test_an_expired_version_is_listed_again(cluster: ClusterService):
    informer = cluster.reads.informer
    listed = informer._list
    versions = iter(['1'])  # older than anything the cluster keeps: the watch answers 410 Expired

    def list_once_stale() -> str:
        current = listed()
        return next(versions, current)

    informer._list = list_once_stale
    await cluster.reads.all_pods()
    await eventually(lambda: asyncio.sleep(0, informer.lists), lambda lists: lists >= 2)
    assert informer.problem is None


async def test_the_sandbox_watch_speaks_as_the_api_server(sandbox_cluster: SandboxCluster, cluster: ClusterService):
    namespace = await cluster.ensure_namespace(uuid.uuid4().hex[:24])
    base = f'{sandbox_cluster.url}/api/v1/namespaces/{namespace}/configmaps'
    async with httpx.AsyncClient(timeout=10) as client:
        version = (await client.get(base)).json()['metadata']['resourceVersion']
        for name, team in (('a', 'red'), ('b', 'blue')):
            body = {'metadata': {'name': name, 'labels': {'team': team}}, 'data': {}}
            assert (await client.post(base, json=body)).status_code == 201
        await client.delete(f'{base}/a')
        query = {'watch': 'true', 'resourceVersion': version, 'labelSelector': 'team=red', 'timeoutSeconds': '1'}
        answer = await client.get(base, params=query)
        events = [json.loads(line) for line in answer.text.splitlines()]
        assert [(e['type'], e['object']['metadata']['name']) for e in events] == [('ADDED', 'a'), ('DELETED', 'a')]
        assert int(events[1]['object']['metadata']['resourceVersion']) > int(
            events[0]['object']['metadata']['resourceVersion']
        )
        fresh = await client.get(base, params={'watch': 'true', 'timeoutSeconds': '1'})
        assert [json.loads(line)['object']['metadata']['name'] for line in fresh.text.splitlines()] == ['b']
        expired = json.loads((await client.get(base, params={'watch': 'true', 'resourceVersion': '1'})).text)
        assert expired['type'] == 'ERROR' and expired['object']['code'] == 410
        bad = await client.get(base, params={'watch': 'true', 'labelSelector': 'team in (red'})
        assert bad.status_code == 400
