"""The Dashboard: recent activity, what needs attention with its reason and link, and fleet nodes that are also
cluster nodes, whose heartbeat and kubelet disagree."""

from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User

from pages import dashboard
from tests.support.api_helpers import admin_tokens, login, started
from tests.support.deployment_helpers import linked_operator, one_running_one_failed
from tests.support.fleet_helpers import beat, enroll, silence
from tests.support.github_emulator import GitHubEmulator
from tests.support.ui_helpers import log_in


@pytest.fixture(autouse=True)
def jobs_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_METRICS_INTERVAL_SECONDS', '300')


def _links(user: User) -> dict[str, str]:
    return {link.text: link.props['href'] for link in user.find(ui.link).elements}


async def test_the_timeline_and_attention_list_say_what_happened_and_where_to_look(
    github: GitHubEmulator, mongo_url: str, user: User
):
    auth = await linked_operator(user.http_client, github)
    good, bad = await one_running_one_failed(user.http_client, auth)
    tokens = await login(user.http_client, 'dev@example.com')
    node = await enroll(user.http_client, tokens, name='edge-paris')
    node_id = node['node']['id']
    services = await started()
    await beat(user.http_client, node_id, node['nodeToken'])
    await services.heartbeats.flush()
    await silence(mongo_url, services.fleet.liveness, {node_id: timedelta(seconds=120)})
    assert await services.fleet.mark_silent_nodes_offline() == 1

    await log_in(user, 'dev@example.com')
    await user.should_see('Recent activity', retries=30)
    links = _links(user)
    assert links['web running: 1 of 1 replicas ready'] == f'/deployments/{good}'
    assert links['Node edge-paris came online'] == f'/nodes/{node_id}'
    assert links['Node edge-paris went offline'] == f'/nodes/{node_id}'
    failure = next(text for text in links if text.startswith('ghost failed: The image could not be pulled'))
    assert links[failure] == f'/deployments/{bad}'
    offline = next(text for text in links if text.startswith('Node edge-paris is offline (last heartbeat '))
    assert links[offline] == f'/nodes/{node_id}'
    every = [link.text for link in user.find(ui.link).elements]
    assert sum(1 for text in every if text.startswith('ghost failed')) == 2  # in the timeline and under attention


async def test_a_fleet_node_that_is_a_cluster_node_shows_both_signals_and_their_disagreement(user: User):
    admin = await admin_tokens(user.http_client)
    node = await enroll(user.http_client, admin, name='sandbox-node-2', mac='02:00:00:00:00:22')
    node_id = node['node']['id']
    await log_in(user)
    await user.should_see('Needs attention', retries=30)
    reason = 'sandbox-node-2: no heartbeat, yet the kubelet of sandbox-node-2 reports Ready'
    assert _links(user)[reason] == f'/nodes/{node_id}'
    await user.open(f'/nodes/{node_id}')
    await user.should_see('sandbox-node-2: no fresh heartbeat, kubelet Ready', retries=30)
    await user.should_see('The two signals disagree.')

    await beat(user.http_client, node_id, node['nodeToken'])
    await (await started()).heartbeats.flush()
    await user.open(f'/nodes/{node_id}')
    await user.should_see('sandbox-node-2: heartbeat fresh, kubelet Ready', retries=30)
    await user.should_not_see('The two signals disagree.')


async def test_the_observatory_lists_fleet_nodes_that_are_cluster_nodes(user: User):
    admin = await admin_tokens(user.http_client)
    node = await enroll(user.http_client, admin, name='sandbox-node-3', mac='02:00:00:00:00:33')
    await beat(user.http_client, node['node']['id'], node['nodeToken'])
    await (await started()).heartbeats.flush()
    await log_in(user)
    await user.open('/observatory')
    await user.should_see('Fleet nodes that are also cluster nodes', retries=30)
    await user.should_see('Updated ', retries=30)  # the first refresh is done
    [table] = user.find(marker='paired nodes').elements
    assert table.rows == [
        {
            'node': 'sandbox-node-3',
            'cluster': 'sandbox-node-3',
            'heartbeat': 'fresh',
            'kubelet': 'Ready',
            'verdict': 'agree',
        }
    ]


async def test_the_dashboard_follows_what_happens_without_a_reload(user: User, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(dashboard, 'REFRESH_SECONDS', 0.5)
    admin = await admin_tokens(user.http_client)
    await log_in(user)
    await user.should_see('No edge nodes enrolled', retries=30)
    node = await enroll(user.http_client, admin, name='edge-oslo')
    await beat(user.http_client, node['node']['id'], node['nodeToken'])
    await (await started()).heartbeats.flush()
    await user.should_see('1 nodes: 1 online, 0 offline, 0 pending', retries=50)  # the same page, redrawn
    await user.should_see('Node edge-oslo came online', retries=50)
    await user.should_not_see('No edge nodes enrolled')
