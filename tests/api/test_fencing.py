"""A job holder paused past its lease acts no more once it resumes: the rollout engine does not advance a
deployment, and the offline sweep marks no node, when another process holds the lease now."""

from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing import User

from repositories.database import open_database
from repositories.leases import LeaseRepository
from services.infrastructure.leases import JobLeases
from tests.support.api_helpers import admin_tokens, started
from tests.support.cluster_helpers import eventually, watched
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import beat, enroll, node_doc, silence
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def jobs_driven_by_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_OFFLINE_SWEEP_SECONDS', '600')
    monkeypatch.setenv('ESPAZE_HEARTBEAT_FLUSH_SECONDS', '10')


async def _as_a_paused_holder(mongo_url: str, name: str, work) -> None:
    """Run `work` as the job `name` of a process whose lease another process took while it was paused."""
    client, db = open_database(mongo_url, 5)
    leases = LeaseRepository(db)
    paused = JobLeases(leases, timedelta(seconds=3), 'paused')

    async def job() -> None:
        await leases.acquire(name, 'other', datetime.now(UTC) + timedelta(seconds=10), timedelta(seconds=30))
        await work()

    await paused.leased(name, job, 1)()
    await client.close()


async def test_a_paused_rollout_holder_advances_nothing(github: GitHubEmulator, mongo_url: str, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    services = await started()
    await _as_a_paused_holder(mongo_url, 'rollouts', services.deployments.engine.tick)
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['status'] == 'pending'
    assert await services.cluster.reads.rollout(found['namespace'], 'web') is None  # nothing made on the cluster
    await services.deployments.engine.tick()  # outside a lease (as the holder runs it), it advances
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['status'] == 'deploying'


async def test_a_paused_rollout_holder_does_not_mark_running_a_rollout_the_watches_show_ready(
    github: GitHubEmulator, mongo_url: str, user: User
):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    services = await started()
    engine, reads = services.deployments.engine, services.cluster.reads
    found = await until(user.http_client, auth, deployment_id, {'deploying'})
    await engine.tick()  # the watches start
    await eventually(
        lambda: watched(reads, found['namespace'], 'web', deployment_id),
        lambda seen: seen[0] is not None and seen[0].ready == 1,
    )
    await _as_a_paused_holder(mongo_url, 'rollouts', engine.tick)
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['status'] == 'deploying'
    await engine.tick()
    await until(user.http_client, auth, deployment_id, {'running'})


async def test_a_paused_sweep_holder_marks_no_node_offline(mongo_url: str, user: User):
    admin = await admin_tokens(user.http_client)
    node = await enroll(user.http_client, admin)
    assert (await beat(user.http_client, node['node']['id'], node['nodeToken'])).status_code == 200
    services = await started()
    await services.heartbeats.flush()
    await silence(mongo_url, services.fleet.liveness, {node['node']['id']: timedelta(minutes=10)})
    await _as_a_paused_holder(mongo_url, 'offline-sweep', services.fleet.mark_silent_nodes_offline)
    assert node_doc(mongo_url, node['node']['id'])['status'] == 'online'
    assert await services.fleet.mark_silent_nodes_offline() == 1
    assert node_doc(mongo_url, node['node']['id'])['status'] == 'offline'


async def test_the_steps_a_look_queued_take_nothing_once_another_process_holds_the_lease(
    github: GitHubEmulator, mongo_url: str, user: User
):
    """The scheduled look queues steps that run after it: each still fences on the lease the look ran under."""
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    services = await started()
    engine = services.deployments.engine

    async def look_and_its_steps() -> None:  # its steps fence through the paused holder's client, not yet closed
        await engine.look()
        await engine.idle()

    await _as_a_paused_holder(mongo_url, 'rollouts', look_and_its_steps)
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['status'] == 'pending'
    assert await services.cluster.reads.rollout(found['namespace'], 'web') is None
    assert await engine.look() == 1  # outside a lease (as the holder runs it), its queued step advances it
    await engine.idle()
    await until(user.http_client, auth, deployment_id, {'deploying', 'running'})


async def test_a_rollout_the_watch_sees_ready_gets_its_step_at_once_not_at_the_next_look(
    github: GitHubEmulator, user: User
):
    """The look leaves a Deployment's readiness to the watch; once the watch sees it rolled out, its step is queued
    at once, here with no look for the next 60 s."""
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=2))
    engine = (await started()).deployments.engine
    await engine.look()
    await engine.idle()
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['status'] == 'deploying'
    await eventually(
        lambda: user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth),
        lambda answer: answer.json()['status'] == 'running',
        seconds=20,
    )
