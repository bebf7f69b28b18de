"""The rollout engine asks the cluster only when there is something to decide: a rollout still under way is seen
through the watches, and the decision itself is taken on fresh reads."""

import asyncio

import pytest
from nicegui.testing import User

from tests.support.api_helpers import started
from tests.support.cluster_helpers import eventually, watched
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator


def counted_calls(gateway, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the cluster API methods called from now on, in order."""
    calls: list[str] = []
    original = gateway.call

    async def counted(method, *args, **kwargs):
        calls.append(method.__name__)
        return await original(method, *args, **kwargs)

    monkeypatch.setattr(gateway, 'call', counted)
    return calls


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def test_a_waiting_rollout_costs_no_request_and_its_end_is_read_fresh(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    services = await started()
    engine, gateway = services.deployments.engine, services.cluster.gateway
    engine._scheduling_patience = 3600
    auth = await linked_operator(user.http_client, github)
    waiting = body(name='mars', image=NGINX, replicas=1, nodeSelector={'topology.kubernetes.io/region': 'mars'})
    stuck_id = await create(user.http_client, auth, waiting)
    deployment = await until(user.http_client, auth, stuck_id, {'deploying'})
    reads = services.cluster.reads
    await engine.tick()  # the watches start
    await eventually(  # the cluster made its pod, which no node takes, and the watch saw it
        lambda: watched(reads, deployment['namespace'], 'mars', stuck_id),
        lambda found: len(found[1]) == 1 and found[1][0].node is None,
    )
    calls = counted_calls(gateway, monkeypatch)
    for _ in range(3):
        assert await engine.tick() == 1
    assert calls == []
    engine._scheduling_patience = 0  # now a pod left unscheduled is worth a look: fresh reads decide
    await engine.tick()
    assert {'read_namespaced_deployment', 'list_namespaced_pod', 'list_namespaced_event'} <= set(calls)
    found = await until(user.http_client, auth, stuck_id, {'failed'})
    assert found['statusReason'].startswith('No node can run it')


async def test_a_tick_leaves_alone_a_deployment_whose_step_is_under_way(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    """A deploy is kicked at once; a tick meanwhile must not ask the cluster for the same step a second time."""
    services = await started()
    engine, gateway = services.deployments.engine, services.cluster.gateway
    monkeypatch.setattr(engine, 'kick', lambda deployment: None)  # the test takes the kick's place
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='venus', image=NGINX, replicas=1))
    pending = await engine._deployments.get(deployment_id)
    calls = counted_calls(gateway, monkeypatch)
    kicked = asyncio.create_task(engine.advance_now(pending))
    await asyncio.sleep(0)  # the kick's step has begun
    assert await engine.tick() == 1
    await kicked
    assert calls and len(calls) == len(set(calls)), calls  # every request of the step, once
    await until(user.http_client, auth, deployment_id, {'deploying', 'running'})


async def test_a_rollout_found_ready_is_marked_running_without_reading_the_namespaces_events(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    """Events only give words to a failure or a wait; an owner's namespace may hold hundreds of them."""
    services = await started()
    engine, gateway = services.deployments.engine, services.cluster.gateway
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='ready', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'deploying'})
    calls = counted_calls(gateway, monkeypatch)

    async def ticked() -> dict:
        await engine.tick()
        return (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()

    found = await eventually(ticked, lambda d: d['status'] == 'running')
    assert found['statusReason'] == '1 of 1 replicas ready'
    assert 'read_namespaced_deployment' in calls and 'list_namespaced_pod' in calls
    assert 'list_namespaced_event' not in calls, calls
