"""Heartbeats: token scoping, coalesced writes, metrics history, offline detection and the restart grace."""

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from nicegui.testing import User
from nicegui.testing.user_simulation import user_simulation

from repositories.database import open_database
from repositories.node_token_revocations import NodeTokenRevocationRepository
from services.fleet.node_tokens import NodeTokenGuard
from tests.conftest import ROOT
from tests.support.api_helpers import admin_tokens, bearer, signup, started
from tests.support.fleet_helpers import (
    beat,
    database,
    enroll,
    liveness_doc,
    node_doc,
    set_liveness,
    set_node_fields,
    set_sweep_checkpoint,
    silence,
    until_listed,
)

METRICS = {'cpuPercent': 12.5, 'memoryPercent': 40, 'diskPercent': 70, 'load1': 0.4, 'uptimeSeconds': 3600}


@pytest.fixture(autouse=True)
def no_background_sweeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests drive flushes and sweeps themselves."""
    monkeypatch.setenv('ESPAZE_HEARTBEAT_FLUSH_SECONDS', '10')
    monkeypatch.setenv('ESPAZE_OFFLINE_SWEEP_SECONDS', '600')


async def operator_with_node(user: User, **body) -> tuple[dict, dict]:
    await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    return operator, await enroll(user.http_client, operator, **body)


async def test_a_beat_is_answered_with_server_time_and_updates_last_seen_after_the_flush(user: User, mongo_url: str):
    operator, node = await operator_with_node(user)
    node_id = node['node']['id']
    response = await beat(user.http_client, node_id, node['nodeToken'], {'metrics': METRICS, 'agentVersion': '1.2'})
    assert response.status_code == 200
    answer = response.json()
    assert answer['nextHeartbeatSeconds'] == 30
    server_time = datetime.fromisoformat(answer['serverTime'])
    assert abs((server_time - datetime.now(UTC)).total_seconds()) < 5
    assert liveness_doc(mongo_url, node_id)['last_seen_at'] is None  # gathered, not yet written
    assert await (await started()).heartbeats.flush() == 1
    live = liveness_doc(mongo_url, node_id)
    assert abs((live['last_seen_at'] - server_time).total_seconds()) < 0.01
    assert live['seen_ip'] == '127.0.0.1'
    shown = (await user.http_client.get(f'/api/nodes/{node_id}', headers=bearer(operator))).json()
    assert shown['lastMetrics']['cpuPercent'] == 12.5  # its newest minute point
    doc = node_doc(mongo_url, node_id)
    assert doc['status'] == 'online' and doc['agent_version'] == '1.2'
    events = await user.http_client.get(f'/api/nodes/{node_id}/events', headers=bearer(operator))
    assert [(e['fromStatus'], e['toStatus']) for e in events.json()] == [('pending', 'online')]


async def test_many_beats_are_written_in_one_bulk_write(user: User, mongo_url: str):
    operator, _ = await operator_with_node(user)
    nodes = [await enroll(user.http_client, operator, mac=f'02:00:00:00:00:{n:02x}') for n in range(1, 21)]
    for node in nodes:
        for _ in range(3):
            assert (await beat(user.http_client, node['node']['id'], node['nodeToken'])).status_code == 200
    heartbeats = (await started()).heartbeats
    before = heartbeats.flushes
    assert await heartbeats.flush() == 20  # 60 beats, one write per node, one round trip
    assert heartbeats.flushes == before + 1
    client, db = database(mongo_url)
    with client:
        assert db.nodes.count_documents({'status': 'online'}) == 20


async def test_a_token_for_another_node_is_refused_and_changes_nothing(user: User, mongo_url: str):
    operator, first = await operator_with_node(user)
    second = await enroll(user.http_client, operator, mac='02:00:00:00:00:02')
    response = await beat(user.http_client, first['node']['id'], second['nodeToken'])
    assert response.status_code == 403
    await (await started()).heartbeats.flush()
    assert liveness_doc(mongo_url, first['node']['id'])['last_seen_at'] is None
    assert liveness_doc(mongo_url, second['node']['id'])['last_seen_at'] is None


async def test_user_tokens_are_refused_for_beats_and_node_tokens_everywhere_else(user: User):
    operator, node = await operator_with_node(user)
    node_id = node['node']['id']
    assert (await beat(user.http_client, node_id, operator['accessToken'])).status_code == 401
    assert (await beat(user.http_client, node_id, operator['refreshToken'])).status_code == 401
    node_auth = {'Authorization': f'Bearer {node["nodeToken"]}'}
    for method, path in [
        ('GET', '/api/nodes'),
        ('GET', f'/api/nodes/{node_id}'),
        ('GET', '/api/auth/me'),
        ('DELETE', f'/api/nodes/{node_id}'),
        ('POST', '/api/nodes/enrollment-tokens'),
    ]:
        response = await user.http_client.request(method, path, headers=node_auth, json={})
        assert response.status_code == 401, (method, path)
    enroll_with_node_token = await user.http_client.post(
        '/api/nodes/register',
        json={'macAddress': '02:00:00:00:00:09', 'publicIp': '8.8.4.4', 'location': {'latitude': 1, 'longitude': 1}},
        headers=node_auth,
    )
    assert enroll_with_node_token.status_code == 401
    assert (await user.http_client.get(f'/api/nodes/{node_id}', headers=bearer(operator))).status_code == 200


async def test_metrics_history_keeps_at_most_one_point_a_minute(user: User):
    operator, node = await operator_with_node(user)
    node_id = node['node']['id']
    heartbeats = (await started()).heartbeats
    for cpu in (10, 20, 30):
        await beat(user.http_client, node_id, node['nodeToken'], {'metrics': {**METRICS, 'cpuPercent': cpu}})
        await heartbeats.flush()
    points = (await user.http_client.get(f'/api/nodes/{node_id}/metrics', headers=bearer(operator))).json()
    assert len(points) == 1 and points[0]['metrics']['cpuPercent'] in (10, 20, 30)
    assert datetime.fromisoformat(points[0]['at']).second == 0


async def test_beats_still_in_memory_are_written_at_shutdown(mongo_url: str):
    async with user_simulation(main_file=ROOT / 'app.py') as user:
        _, node = await operator_with_node(user)
        assert (await beat(user.http_client, node['node']['id'], node['nodeToken'])).status_code == 200
        assert (await started()).heartbeats.pending == 1
    assert liveness_doc(mongo_url, node['node']['id'])['last_seen_at'] is not None


async def test_silent_nodes_go_offline_and_come_back_with_events(user: User, mongo_url: str):
    operator, node = await operator_with_node(user)
    node_id = node['node']['id']
    services = await started()
    await beat(user.http_client, node_id, node['nodeToken'])
    await services.heartbeats.flush()
    now = datetime.now(UTC)
    set_sweep_checkpoint(mongo_url, last_run_at=now, grace_until=now - timedelta(seconds=1))
    assert await services.fleet.mark_silent_nodes_offline() == 0  # seen just now
    await silence(mongo_url, services.fleet.liveness, {node_id: timedelta(seconds=91)})
    assert await services.fleet.mark_silent_nodes_offline() == 1
    assert node_doc(mongo_url, node_id)['status'] == 'offline'
    await beat(user.http_client, node_id, node['nodeToken'])
    await services.heartbeats.flush()
    assert node_doc(mongo_url, node_id)['status'] == 'online'
    events = (await user.http_client.get(f'/api/nodes/{node_id}/events', headers=bearer(operator))).json()
    assert [(e['fromStatus'], e['toStatus']) for e in events] == [
        ('offline', 'online'),
        ('online', 'offline'),
        ('pending', 'online'),
    ]
    assert events[1]['reason'] == 'no heartbeat for 90 s'


async def test_pending_nodes_never_go_offline(user: User, mongo_url: str):
    _, node = await operator_with_node(user)
    services = await started()
    now = datetime.now(UTC)
    set_sweep_checkpoint(mongo_url, last_run_at=now, grace_until=now - timedelta(seconds=1))
    set_node_fields(mongo_url, node['node']['id'], created_at=now - timedelta(days=1))
    assert await services.fleet.mark_silent_nodes_offline() == 0
    assert node_doc(mongo_url, node['node']['id'])['status'] == 'pending'


async def test_after_espaze_was_down_nodes_get_a_full_grace_period(user: User, mongo_url: str):
    operator, node = await operator_with_node(user)
    node_id = node['node']['id']
    services = await started()
    now = datetime.now(UTC)
    down_since = now - timedelta(hours=2)  # longer than three sweep intervals: Espaze was down
    set_node_fields(mongo_url, node_id, status='online')
    await until_listed(user.http_client, operator, node_id, 'online')
    set_liveness(mongo_url, node_id, online=True, last_seen_at=down_since)
    set_sweep_checkpoint(mongo_url, last_run_at=down_since, grace_until=down_since)
    assert await services.fleet.mark_silent_nodes_offline() == 0
    assert node_doc(mongo_url, node_id)['status'] == 'online'
    client, db = database(mongo_url)
    with client:
        grace_until = db.instance.find_one({'_id': 'offline_sweep'})['grace_until']
    assert 85 <= (grace_until - now).total_seconds() <= 95
    set_sweep_checkpoint(mongo_url, last_run_at=datetime.now(UTC), grace_until=now - timedelta(seconds=1))
    assert await services.fleet.mark_silent_nodes_offline() == 1
    assert node_doc(mongo_url, node_id)['status'] == 'offline'


async def test_a_token_revoked_on_another_replica_is_refused_after_the_next_poll(user: User, mongo_url: str):
    _, node = await operator_with_node(user)
    node_id = node['node']['id']
    token_id = node_doc(mongo_url, node_id)['token_id']
    client, db = open_database(mongo_url, 5)
    try:
        other_replica = NodeTokenGuard(NodeTokenRevocationRepository(db), lambda: datetime.now(UTC))
        await other_replica.revoke(token_id, node_id, datetime.now(UTC) + timedelta(days=1))
    finally:
        await client.close()
    assert (await beat(user.http_client, node_id, node['nodeToken'])).status_code == 200  # this replica has not polled
    assert await (await started()).heartbeats.token_guard.poll() == 1
    assert (await beat(user.http_client, node_id, node['nodeToken'])).status_code == 401


async def test_a_fleet_coming_online_at_once_is_turned_online_over_several_flushes(
    user: User, mongo_url: str, monkeypatch: pytest.MonkeyPatch
):
    """Every node that beat is shown online at once; its stored status, its liveness and its event follow a bounded
    number a flush."""
    monkeypatch.setattr('services.fleet.heartbeats.TRANSITIONS_PER_FLUSH', 2)
    operator, _ = await operator_with_node(user)
    nodes = [await enroll(user.http_client, operator, mac=f'02:00:00:00:01:{n:02x}') for n in range(5)]
    node_ids = [ObjectId(node['node']['id']) for node in nodes]
    for node in nodes:
        await beat(user.http_client, node['node']['id'], node['nodeToken'])
    services = await started()
    heartbeats, tail = services.heartbeats, services.fleet.liveness.tail
    shown, stored = [], []
    client, db = database(mongo_url)
    with client:
        for flush in range(3):
            await heartbeats.flush()
            if flush == 0:  # every beat is logged at the first flush: none of these nodes looks silent meanwhile
                assert heartbeats.pending == 0 and all(tail.latest(node['node']['id']) for node in nodes)
            listed = (await user.http_client.get('/api/nodes?status=online', headers=bearer(operator))).json()
            shown.append(len({item['id'] for item in listed['items']} & {str(i) for i in node_ids}))
            stored.append(db.nodes.count_documents({'_id': {'$in': node_ids}, 'status': 'online'}))
    assert shown == [5, 5, 5] and stored == [2, 4, 5]


async def test_a_silent_node_is_marked_offline_before_the_read_model_saw_it_come_online(user: User, mongo_url: str):
    _, node = await operator_with_node(user)
    node_id = node['node']['id']
    services = await started()
    client, db = database(mongo_url)
    with client:  # online in the database, with no `updated_at` for the read model to follow: it still says pending
        db.nodes.update_one({'_id': ObjectId(node_id)}, {'$set': {'status': 'online'}})
    await silence(mongo_url, services.fleet.liveness, {node_id: timedelta(seconds=120)})
    assert await services.fleet.mark_silent_nodes_offline() == 1
    assert node_doc(mongo_url, node_id)['status'] == 'offline'


async def test_addresses_are_stored_a_bounded_number_a_flush_and_a_failed_write_holds_back_no_beat(
    user: User, mongo_url: str, monkeypatch: pytest.MonkeyPatch
):
    """A fleet starting at once has every address to store: bounded per flush, and kept for the next flush when the
    write fails (60,000 at once made every flush outlast its timeout and start again, larger)."""
    monkeypatch.setattr('services.fleet.heartbeats.ADDRESSES_PER_FLUSH', 2)
    operator, _ = await operator_with_node(user)
    nodes = [await enroll(user.http_client, operator, mac=f'02:00:00:00:03:{n:02x}') for n in range(5)]
    oids = [ObjectId(node['node']['id']) for node in nodes]
    services = await started()
    liveness = services.fleet.liveness
    store = liveness.store_addresses

    async def refused(addresses: dict) -> None:
        raise TimeoutError('the database is busy')

    monkeypatch.setattr(liveness, 'store_addresses', refused)
    for node in nodes:
        await beat(user.http_client, node['node']['id'], node['nodeToken'])
    assert await services.heartbeats.flush() == 5  # every beat logged all the same
    assert all(liveness.tail.latest(str(oid)) for oid in oids)
    monkeypatch.setattr(liveness, 'store_addresses', store)
    stored = []
    client, db = database(mongo_url)
    with client:
        for _ in range(3):
            await services.heartbeats.flush()
            stored.append(db.node_liveness.count_documents({'_id': {'$in': oids}, 'seen_ip': '127.0.0.1'}))
    assert stored == [2, 4, 5]
