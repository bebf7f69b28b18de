"""From a repository to running pods on the sandbox cluster, and the ways it fails, explained."""

import asyncio

import pytest
from nicegui.testing import User

from tests.support.api_helpers import started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, unpushed_image, until
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def test_a_private_repository_goes_from_pending_to_running(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/shop', private=True)
    deployment_id = await create(user.http_client, auth, body(repo='dev/shop', secretEnv={'API_KEY': 'hunter2-secret'}))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running', found['statusReason']
    assert [h['status'] for h in found['history']] == ['pending', 'building', 'deploying', 'running']
    assert found['history'][1]['reason'].startswith('Building commit ')
    assert found['commitSha'] == github.repos['dev/shop'].branches['main']
    assert (
        found['image'].endswith(f'/shop:{found["commitSha"]}')
        and found['address'] == 'http://shop.apps.espaze.localhost'
    )
    assert found['configuration']['secretEnvNames'] == ['API_KEY']
    pods = (await user.http_client.get(f'/api/deployments/{deployment_id}/pods', headers=auth)).json()
    assert len(pods) == 2 and all(p['ready'] for p in pods)
    logs = await user.http_client.get(f'/api/deployments/{deployment_id}/logs?tail=20', headers=auth)
    assert 'Listening on 0.0.0.0:8080' in logs.text
    events = (await user.http_client.get(f'/api/deployments/{deployment_id}/events', headers=auth)).json()
    assert 'Scheduled' in {e['reason'] for e in events}
    releases = (await user.http_client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    assert [(r['number'], r['kind']) for r in releases] == [(1, 'deploy')]
    everything = ''.join([str(found), str(releases), str(pods)])
    assert 'hunter2-secret' not in everything


async def test_a_prebuilt_image_skips_the_build(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    requests_before = len(github.requests)
    deployment_id = await create(user.http_client, auth, body(image=NGINX, replicas=1))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert [h['status'] for h in found['history']] == ['pending', 'deploying', 'running']
    assert found['image'] == NGINX and len(github.requests) == requests_before  # GitHub was not asked


async def test_a_prebuilt_image_needs_no_repository_but_push_to_deploy_does(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    alone = {'name': 'solo', 'configuration': {'image': NGINX, 'replicas': 1}}
    deployment_id = await create(user.http_client, auth, alone)
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running' and found['githubRepo'] == '' and found['branch'] == ''
    redeployed = await user.http_client.post(f'/api/deployments/{deployment_id}/redeploy', headers=auth)
    assert redeployed.status_code == 200, redeployed.text
    releases = (await user.http_client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    assert releases[0]['note'] == f'Redeploy of {NGINX}'
    hooked = {'name': 'hooked', 'configuration': {'image': NGINX, 'autoDeploy': True}}
    refused = await user.http_client.post('/api/deployments', json=hooked, headers=auth)
    assert refused.status_code == 422 and [f['field'] for f in refused.json()['fields']] == ['configuration.autoDeploy']
    neither = await user.http_client.post('/api/deployments', json={'name': 'nothing'}, headers=auth)
    assert [f['field'] for f in neither.json()['fields']] == ['githubRepo', 'branch']


async def test_a_request_with_several_bad_fields_names_every_one_and_changes_nothing(
    github: GitHubEmulator, user: User
):
    auth = await linked_operator(user.http_client, github)
    bad = body(name='Bad Name', port=70000, replicas=-1, healthCheckPath='ready', env={'1X': 'y'})
    response = await user.http_client.post('/api/deployments', json=bad, headers=auth)
    assert response.status_code == 422
    fields = [f['field'] for f in response.json()['fields']]
    assert fields == [
        'name',
        'configuration.port',
        'configuration.replicas',
        'configuration.env',
        'configuration.healthCheckPath',
    ]
    assert all(name in response.json()['error'] for name in fields)
    assert (await user.http_client.get('/api/deployments', headers=auth)).json()['total'] == 0


async def test_a_repository_without_a_dockerfile_is_refused_before_anything_starts(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/docs', files={'README.md': 'docs'})
    response = await user.http_client.post('/api/deployments', json=body(repo='dev/docs'), headers=auth)
    assert response.status_code == 422 and response.json()['fields'][0]['field'] == 'configuration.dockerfilePath'
    assert 'give a prebuilt image' in response.json()['error']
    assert (await user.http_client.get('/api/deployments', headers=auth)).json()['total'] == 0


async def test_a_failing_build_is_explained_with_its_last_log_lines(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/shop')
    deployment_id = await create(user.http_client, auth, body(repo='dev/shop'))
    github.fail('/contents/Dockerfile', 404, times=5, body={'message': 'Not Found'})  # gone when the builder looks
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'failed'
    assert found['statusReason'].startswith('Build failed: Job has reached the specified backoff limit')
    assert 'failed to read dockerfile: open Dockerfile: no such file or directory' in found['statusReason']


async def test_a_crashing_app_is_explained_with_exit_code_and_log(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/crash', files={'Dockerfile': 'FROM python:3.12\nCMD ["sh", "-c", "exit 3"]\n'})
    deployment_id = await create(user.http_client, auth, body(name='crash', repo='dev/crash', replicas=1))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'failed'
    assert found['statusReason'].startswith('The app keeps crashing (exit code 3, restarted ')
    assert 'the app exited with status 3' in found['statusReason']


async def test_an_image_that_cannot_be_pulled_fails(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    image = await unpushed_image(user.http_client, auth, 'ghost')
    deployment_id = await create(user.http_client, auth, body(name='ghost', image=image, replicas=1))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['statusReason'].startswith('The image could not be pulled (ImagePullBackOff)')


async def test_never_deploying_forever(github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, user: User):
    auth = await linked_operator(user.http_client, github)
    engine = (await started()).deployments.engine
    monkeypatch.setattr(engine, '_deploy_deadline', 3)
    payload = body(name='nowhere', image=NGINX, replicas=1, nodeSelector={'topology.kubernetes.io/region': 'mars'})
    deployment_id = await create(user.http_client, auth, payload)
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['statusReason'] == 'Not ready after 3 s: 0 of 1 replicas ready'


async def test_a_restart_of_espaze_mid_rollout_converges_without_duplicates(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/shop')
    deployment_id = await create(user.http_client, auth, body(repo='dev/shop', replicas=1))
    services = await started()
    engine = services.deployments.engine
    # two engines (a restarted process next to the old one, or two replicas) advance the same deployments at once
    await asyncio.gather(engine.tick(), engine.tick())
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running'
    cluster = services.cluster
    jobs = await cluster.gateway.call(
        cluster.gateway.batch.list_namespaced_job,
        cluster.settings.build_namespace,
        label_selector=f'espaze.io/deployment-id={deployment_id}',
    )
    assert len(jobs.items) == 1
    assert [h['status'] for h in found['history']] == ['pending', 'building', 'deploying', 'running']


async def test_a_credential_github_refuses_mid_rollout_fails_it_with_the_reason(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/shop', private=True)
    deployment_id = await create(user.http_client, auth, body(repo='dev/shop'))
    github.users.clear()  # the token is revoked on GitHub before the build starts
    found = await until(user.http_client, auth, deployment_id, {'building', 'failed'})
    assert found['status'] == 'failed' and 're-link GitHub' in found['statusReason']
