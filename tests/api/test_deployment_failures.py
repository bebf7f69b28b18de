"""The ways a rollout fails on the cluster, end to end on the sandbox, each explained in plain words."""

import pytest
from nicegui.testing import User

from tests.support.api_helpers import started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


@pytest.fixture
def short_progress_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_DEPLOY_DEADLINE_SECONDS', '10')


async def test_an_app_over_its_memory_limit_fails_as_oomkilled(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    dockerfile = 'FROM python:3.12\nLABEL io.espaze.sandbox.memory="600Mi"\nCMD ["python", "app.py"]\n'
    github.add_repo('dev/hungry', files={'Dockerfile': dockerfile})
    resources = {'cpuRequest': '100m', 'memoryRequest': '128Mi', 'cpuLimit': '500m', 'memoryLimit': '256Mi'}
    deployment_id = await create(
        user.http_client, auth, body(name='hungry', repo='dev/hungry', replicas=1, resources=resources)
    )
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['statusReason'] == (
        'The app ran out of memory and was killed (OOMKilled, limit 256Mi): raise the memory limit'
    )
    pods = (await user.http_client.get(f'/api/deployments/{deployment_id}/pods', headers=auth)).json()
    assert pods[0]['lastTerminationReason'] == 'OOMKilled' and pods[0]['lastExitCode'] == 137


async def test_a_pod_no_node_has_room_for_fails_naming_the_short_resource(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    (await started()).deployments.engine._scheduling_patience = 1
    resources = {'cpuRequest': '6', 'memoryRequest': '128Mi', 'cpuLimit': '6', 'memoryLimit': '256Mi'}
    deployment_id = await create(user.http_client, auth, body(name='big', image=NGINX, replicas=1, resources=resources))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['statusReason'] == 'No node can run it: 0/3 nodes are available: 3 Insufficient cpu.'
    events = (await user.http_client.get(f'/api/deployments/{deployment_id}/events', headers=auth)).json()
    assert 'FailedScheduling' in {e['reason'] for e in events}


async def test_a_pod_fitting_on_no_labelled_node_says_which_rule_refused_it(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    (await started()).deployments.engine._scheduling_patience = 1
    payload = body(name='eu', image=NGINX, replicas=1, nodeSelector={'topology.kubernetes.io/region': 'eu-west'})
    payload['configuration']['resources'] = {
        'cpuRequest': '3900m',
        'memoryRequest': '128Mi',
        'cpuLimit': '4',
        'memoryLimit': '256Mi',
    }
    deployment_id = await create(user.http_client, auth, payload)
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['statusReason'] == (
        "No node can run it: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node "
        'affinity/selector.'
    )


async def test_an_app_that_never_answers_its_probe_fails_at_the_progress_deadline(
    github: GitHubEmulator, short_progress_deadline: None, user: User
):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/deaf', files={'Dockerfile': 'FROM node:22\nEXPOSE 3000\nCMD ["node", "server.js"]\n'})
    deployment_id = await create(user.http_client, auth, body(name='deaf', repo='dev/deaf', replicas=1))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'}, seconds=40)
    reason = found['statusReason']
    assert reason.startswith('The rollout made no progress in time: ReplicaSet "deaf-'), reason
    assert reason.endswith(':8080: connect: connection refused') and 'Readiness probe failed: Get "http://' in reason
    logs = await user.http_client.get(f'/api/deployments/{deployment_id}/logs?tail=20', headers=auth)
    assert 'Listening on 0.0.0.0:3000' in logs.text
