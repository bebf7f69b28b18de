"""A node's status as shown follows its beats before any write: online at its first beat, offline the moment its
silence crosses the threshold; the stored status, events and notifications follow at the pace of the writes."""

from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, signup, started
from tests.support.fleet_helpers import beat, enroll, node_doc, set_sweep_checkpoint, silence, until_listed


async def _operator_with_node(user: User) -> tuple[dict, str, str]:
    await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    node = await enroll(user.http_client, operator)
    return operator, node['node']['id'], node['nodeToken']


async def _shown(user: User, operator: dict, node_id: str) -> tuple[str, dict]:
    found = await user.http_client.get(f'/api/nodes/{node_id}', headers=bearer(operator))
    summary = await user.http_client.get('/api/nodes/summary', headers=bearer(operator))
    return found.json()['status'], summary.json()


async def test_a_node_is_shown_online_at_its_first_beat_before_its_status_is_written(
    user: User, mongo_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr('services.fleet.heartbeats.TRANSITIONS_PER_FLUSH', 0)  # no status is written
    operator, node_id, token = await _operator_with_node(user)
    assert (await _shown(user, operator, node_id))[0] == 'pending'
    assert (await beat(user.http_client, node_id, token)).status_code == 200
    await until_listed(user.http_client, operator, node_id, 'online')
    status, summary = await _shown(user, operator, node_id)
    assert status == 'online' and (summary['online'], summary['pending']) == (1, 0)
    await (await started()).heartbeats.flush()
    assert node_doc(mongo_url, node_id)['status'] == 'pending'


async def test_a_silent_node_is_shown_offline_before_a_sweep_writes_it(user: User, mongo_url: str):
    operator, node_id, token = await _operator_with_node(user)
    services = await started()
    await beat(user.http_client, node_id, token)
    await services.heartbeats.flush()
    assert node_doc(mongo_url, node_id)['status'] == 'online'
    await silence(mongo_url, services.fleet.liveness, {node_id: timedelta(seconds=91)})
    now = datetime.now(UTC)
    set_sweep_checkpoint(mongo_url, last_run_at=now, grace_until=now + timedelta(minutes=5))  # no sweep marks it
    await until_listed(user.http_client, operator, node_id, 'offline')
    status, summary = await _shown(user, operator, node_id)
    assert status == 'offline' and (summary['online'], summary['offline']) == (0, 1)
    assert node_doc(mongo_url, node_id)['status'] == 'online'
    await beat(user.http_client, node_id, token)  # and back online at its next beat, before any write
    await until_listed(user.http_client, operator, node_id, 'online')


async def test_a_node_that_beats_while_the_sweep_marks_it_is_left_online(
    user: User, mongo_url: str, monkeypatch: pytest.MonkeyPatch
):
    operator, node_id, token = await _operator_with_node(user)
    services = await started()
    await beat(user.http_client, node_id, token)
    await services.heartbeats.flush()
    await silence(mongo_url, services.fleet.liveness, {node_id: timedelta(seconds=91)})

    async def a_beat_arrives_meanwhile() -> None:
        services.fleet.liveness.tail.note(node_id, datetime.now(UTC))

    monkeypatch.setattr('services.fleet.monitor.fence', a_beat_arrives_meanwhile)
    assert await services.fleet.mark_silent_nodes_offline() == 0
    assert node_doc(mongo_url, node_id)['status'] == 'online'
    assert services.fleet.liveness.tail.latest(node_id) is not None
    events = (await user.http_client.get(f'/api/nodes/{node_id}/events', headers=bearer(operator))).json()
    assert [e['toStatus'] for e in events] == ['online']


async def test_a_node_that_beat_once_and_went_silent_before_it_was_written_online_goes_offline(
    user: User, mongo_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr('services.fleet.heartbeats.TRANSITIONS_PER_FLUSH', 0)
    operator, node_id, token = await _operator_with_node(user)
    services = await started()
    await beat(user.http_client, node_id, token)
    await services.heartbeats.flush()
    await silence(mongo_url, services.fleet.liveness, {node_id: timedelta(seconds=91)})
    assert await services.fleet.mark_silent_nodes_offline() == 1
    assert node_doc(mongo_url, node_id)['status'] == 'offline'
    assert (await _shown(user, operator, node_id))[0] == 'offline'  # shown as stored once the beats are forgotten
    events = (await user.http_client.get(f'/api/nodes/{node_id}/events', headers=bearer(operator))).json()
    assert [(e['fromStatus'], e['toStatus']) for e in events] == [('pending', 'offline')]
