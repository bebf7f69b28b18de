"""No operation waits for a rollout: the newest intent wins, a superseded build is stopped, cancel goes back to
what ran; every release knows its image, so any build can be rolled back to without a rebuild."""

import pytest
from nicegui.testing import User

from services.cluster.manifests import DEPLOYMENT_ID
from tests.support.api_helpers import started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator

NOWHERE = {'topology.kubernetes.io/region': 'mars'}  # no node has it: pods stay Pending, never ready


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def builds_of(deployment_id: str) -> list[str]:
    cluster = (await started()).cluster
    jobs = await cluster.gateway.call(
        cluster.gateway.batch.list_namespaced_job,
        cluster.settings.build_namespace,
        label_selector=f'{DEPLOYMENT_ID}={deployment_id}',
    )
    return sorted(job.metadata.name for job in jobs.items if not job.metadata.deletion_timestamp)


async def app_deployment(found: dict):
    cluster = (await started()).cluster
    return await cluster.gateway.call(
        cluster.gateway.apps.read_namespaced_deployment, found['name'], found['namespace']
    )


async def first_build(user: User, github: GitHubEmulator) -> tuple[dict, str, dict]:
    """dev/shop's first deployment, while its image builds."""
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/shop')
    deployment_id = await create(user.http_client, auth, body(repo='dev/shop', replicas=1))
    return auth, deployment_id, await until(user.http_client, auth, deployment_id, {'building'})


async def test_rollback_to_release_1_after_a_second_build_runs_release_1s_image(github: GitHubEmulator, user: User):
    client = user.http_client
    auth = await linked_operator(client, github)
    github.add_repo('dev/shop')
    deployment_id = await create(client, auth, body(repo='dev/shop', replicas=1))
    first = await until(client, auth, deployment_id, {'running', 'failed'})
    assert first['status'] == 'running', first['statusReason']
    newer = github.add_branch('dev/shop', 'main', {'Dockerfile': 'FROM python:3.13\n'})
    await client.post(f'/api/deployments/{deployment_id}/redeploy', headers=auth)
    second = await until(client, auth, deployment_id, {'running', 'failed'})
    assert second['status'] == 'running' and second['commitSha'] == newer

    releases = (await client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    two, one = releases
    assert one['image'].endswith(f':{first["commitSha"]}') and one['digest'].startswith('sha256:')
    assert two['image'].endswith(f':{newer}') and two['digest'] != one['digest']
    assert one['ranAt'] and two['ranAt'] and two['runsNow'] and not one['runsNow']
    assert one['canRollBack'] and not two['canRollBack']
    assert two['changes'] == [f'commit {first["commitSha"][:7]} → {newer[:7]}']  # its image is that commit's
    assert one['changes'] == ['First release']
    builds = await builds_of(deployment_id)

    rolled = await client.post(f'/api/deployments/{deployment_id}/rollback', json={'release': 1}, headers=auth)
    assert rolled.status_code == 200 and rolled.json()['status'] == 'deploying'
    back = await until(client, auth, deployment_id, {'running', 'failed'})
    assert back['status'] == 'running' and back['image'] == one['image'] and back['commitSha'] == first['commitSha']
    assert (await app_deployment(back)).spec.template.spec.containers[0].image == one['image']
    assert await builds_of(deployment_id) == builds  # no rebuild
    newest = (await client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()[0]
    assert (newest['number'], newest['kind'], newest['image'], newest['runsNow']) == (3, 'rollback', one['image'], True)
    assert newest['digest'] == one['digest']


async def test_scale_and_cancel_during_a_rollout_that_never_becomes_ready(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    client = user.http_client
    engine = (await started()).deployments.engine
    monkeypatch.setattr(engine, '_scheduling_patience', 3600)
    auth = await linked_operator(client, github)
    deployment_id = await create(client, auth, body(image=NGINX, replicas=1))
    assert (await until(client, auth, deployment_id, {'running', 'failed'}))['status'] == 'running'
    url = f'/api/deployments/{deployment_id}'

    stuck = await client.patch(url, json={'nodeSelector': NOWHERE}, headers=auth)
    assert stuck.status_code == 200 and stuck.json()['status'] == 'deploying'
    for _ in range(3):
        await engine.tick()
    assert (await client.get(url, headers=auth)).json()['status'] == 'deploying'

    scaled = await client.post(f'{url}/scale', json={'replicas': 2}, headers=auth)
    assert scaled.status_code == 200, scaled.text
    assert scaled.json()['status'] == 'deploying' and scaled.json()['release'] == 3
    assert scaled.json()['configuration']['nodeSelector'] == NOWHERE
    spec = (await app_deployment(scaled.json())).spec
    assert spec.replicas == 2 and spec.template.spec.node_selector == NOWHERE

    cancelled = await client.post(f'{url}/cancel', headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert (
        cancelled.json()['configuration']['replicas'] == 1 and cancelled.json()['configuration']['nodeSelector'] == {}
    )
    back = await until(client, auth, deployment_id, {'running', 'failed'})
    assert back['status'] == 'running' and back['runningRelease'] == 4
    spec = (await app_deployment(back)).spec
    assert spec.replicas == 1 and not spec.template.spec.node_selector
    releases = (await client.get(f'{url}/releases', headers=auth)).json()
    assert next((r['number'], r['kind'], r['note']) for r in releases) == (4, 'cancel', 'Cancelled #3; back to #1')

    again = await client.post(f'{url}/cancel', headers=auth)
    assert again.status_code == 409 and again.json()['error'] == 'Nothing to cancel: the deployment is running'


async def test_cancel_with_nothing_that_ran_stops_the_deployment(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    client = user.http_client
    monkeypatch.setattr((await started()).deployments.engine, '_scheduling_patience', 3600)
    auth = await linked_operator(client, github)
    deployment_id = await create(client, auth, body(image=NGINX, replicas=1, nodeSelector=NOWHERE))
    assert (await until(client, auth, deployment_id, {'deploying'}))['status'] == 'deploying'
    cancelled = await client.post(f'/api/deployments/{deployment_id}/cancel', headers=auth)
    assert cancelled.status_code == 200 and cancelled.json()['status'] == 'stopped'
    assert cancelled.json()['statusReason'] == 'Cancelled before any release ran'
    assert (await app_deployment(cancelled.json())).spec.replicas == 0


async def test_a_new_commit_during_a_build_stops_that_build(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, deployment_id, building = await first_build(user, github)
    old_builds = await builds_of(deployment_id)
    assert len(old_builds) == 1
    newer = github.add_branch('dev/shop', 'main', {'Dockerfile': 'FROM python:3.13\n'})
    redeployed = await client.post(f'/api/deployments/{deployment_id}/redeploy', headers=auth)
    assert redeployed.status_code == 200 and redeployed.json()['status'] == 'pending'
    assert not set(old_builds) & set(await builds_of(deployment_id))  # the older commit's build Job is deleted
    found = await until(client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running' and found['commitSha'] == newer != building['commitSha']
    assert found['image'].endswith(f':{newer}')


async def test_scaling_during_a_build_keeps_the_build_and_runs_it_with_the_new_replicas(
    github: GitHubEmulator, user: User
):
    client = user.http_client
    auth, deployment_id, building = await first_build(user, github)
    builds = await builds_of(deployment_id)
    scaled = await client.post(f'/api/deployments/{deployment_id}/scale', json={'replicas': 2}, headers=auth)
    assert scaled.status_code == 200 and scaled.json()['status'] == 'building'
    assert await builds_of(deployment_id) == builds
    found = await until(client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running' and found['commitSha'] == building['commitSha']
    assert (await app_deployment(found)).spec.replicas == 2
    releases = (await client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    assert [(r['kind'], r['image']) for r in releases] == [('scale', found['image']), ('deploy', found['image'])]
    assert releases[0]['changes'] == ['replicas 1 → 2']
