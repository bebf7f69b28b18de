"""The orphan reconciler: objects labelled by Espaze whose deployment has no live record are removed, those of
live deployments are adopted untouched."""

import dataclasses
from datetime import timedelta

import pytest
from bson import ObjectId
from nicegui.testing import User

from repositories.database import open_database
from repositories.deployments import DeploymentRepository
from services.deployments.orphans import OrphanReconciler
from tests.support.api_helpers import started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import database
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def reconciler_driven_by_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_ORPHAN_SWEEP_SECONDS', '3600')
    monkeypatch.setenv('ESPAZE_ORPHAN_GRACE_SECONDS', '0')


async def _objects_in(namespace: str) -> dict[str, set[str]]:
    """Deployment id -> the kinds of the objects labelled with it in this namespace."""
    found: dict[str, set[str]] = {}
    for obj in await (await started()).cluster.labelled_objects():
        if obj.namespace == namespace:
            found.setdefault(obj.deployment_id, set()).add(obj.kind)
    return found


async def test_objects_without_a_live_record_are_removed_and_live_ones_adopted(
    github: GitHubEmulator, mongo_url: str, user: User
):
    auth = await linked_operator(user.http_client, github)
    kept = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    web = await until(user.http_client, auth, kept, {'running'})
    raced = await create(user.http_client, auth, body(name='raced', image=NGINX, replicas=1))
    await until(user.http_client, auth, raced, {'running'})
    client, db = database(mongo_url)  # a delete that won against a rollout step which then made the objects again
    db['deployments'].update_one({'_id': ObjectId(raced)}, {'$set': {'status': 'deleted'}})
    client.close()
    services = await started()
    async_client, async_db = open_database(mongo_url, 5)
    records = DeploymentRepository(async_db)
    spec = await services.deployments.engine.app_spec(await records.get(kept), NGINX)
    stray = str(ObjectId())  # objects whose record was never written (a restored backup, a crash, a hand)
    await services.cluster.deploy(dataclasses.replace(spec, deployment_id=stray, name='stray'))
    namespace = web['namespace']
    before = await _objects_in(namespace)
    assert set(before) == {kept, raced, stray}
    assert before[stray] >= {'Deployment', 'Service', 'ConfigMap', 'Secret'}

    patient = OrphanReconciler(records, services.cluster, timedelta(hours=1))
    assert await patient.sweep() == 0  # younger than the grace period: left alone
    removed = await services.orphans.sweep()

    after = await _objects_in(namespace)
    assert set(after) == {kept} and after[kept] == before[kept]
    assert removed >= len(before[stray]) + len(before[raced])
    assert (await user.http_client.get(f'/api/deployments/{kept}', headers=auth)).json()['status'] == 'running'
    pods = (await user.http_client.get(f'/api/deployments/{kept}/pods', headers=auth)).json()
    assert len(pods) == 1
    await async_client.close()
