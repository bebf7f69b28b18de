"""Enrolling nodes: idempotency by MAC, conflicts between owners, validation, enrollment tokens."""

import json

import pytest
from nicegui.testing import User
from nicegui.testing.user_simulation import user_simulation

from tests.conftest import ROOT
from tests.support.api_helpers import admin_tokens, bearer, signup
from tests.support.fleet_helpers import beat, database, enroll, node_body


def stored_nodes(mongo_url: str) -> list[dict]:
    client, db = database(mongo_url)
    with client:
        return list(db.nodes.find())


async def test_operator_enrolls_a_node_once_and_gets_its_token_once(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    response = await user.http_client.post(
        '/api/nodes/register',
        json=node_body(mac='00-1A-2B-3C-4D-5E', name='edge-paris', labels={'region': 'eu-west'}),
        headers=bearer(operator),
    )
    assert response.status_code == 201
    body = response.json()
    node = body['node']
    assert node['macAddress'] == '00:1a:2b:3c:4d:5e' and node['status'] == 'pending'
    assert node['ownerId'] == operator['user']['id'] and node['labels'] == {'region': 'eu-west'}
    assert node['publicIp'] == '8.8.8.8' and node['seenIp'] == '127.0.0.1'
    [doc] = stored_nodes(mongo_url)
    assert body['nodeToken'] not in json.dumps(doc, default=str)  # stored hashed
    listed = await user.http_client.get(f'/api/nodes/{node["id"]}', headers=bearer(operator))
    assert 'nodeToken' not in listed.json() and body['nodeToken'] not in listed.text


async def test_enrolling_the_same_mac_again_returns_the_same_node_and_a_fresh_token(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    first = await enroll(user.http_client, operator)
    response = await user.http_client.post(
        '/api/nodes/register', json=node_body(ip='1.1.1.1'), headers=bearer(operator)
    )
    assert response.status_code == 200
    second = response.json()
    assert second['node']['id'] == first['node']['id'] and second['node']['publicIp'] == '1.1.1.1'
    assert second['nodeToken'] != first['nodeToken']
    assert (await beat(user.http_client, first['node']['id'], first['nodeToken'])).status_code == 401
    assert (await beat(user.http_client, first['node']['id'], second['nodeToken'])).status_code == 200
    assert len(stored_nodes(mongo_url)) == 1


async def test_a_mac_of_another_owner_is_a_conflict_without_credential(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    alice = await signup(user.http_client, 'alice@example.com')
    bob = await signup(user.http_client, 'bob@example.com')
    await enroll(user.http_client, alice)
    response = await user.http_client.post('/api/nodes/register', json=node_body(ip='1.1.1.1'), headers=bearer(bob))
    assert response.status_code == 409
    assert 'nodeToken' not in response.text
    [doc] = stored_nodes(mongo_url)
    assert doc['owner_id'] == alice['user']['id'] and doc['public_ip'] == '8.8.8.8'


NAN_BODY = '{"macAddress": "00:1a:2b:3c:4d:5e", "publicIp": "8.8.8.8", "location": {"latitude": NaN, "longitude": 2}}'
INF_BODY = NAN_BODY.replace('NaN', '45').replace('"longitude": 2', '"longitude": Infinity')


@pytest.mark.parametrize(
    ('body', 'field'),
    [
        (node_body(mac='00:1a:2b:3c:4d'), 'macAddress'),
        (node_body(mac='00:1a:2b:3c:4d:5e:6f'), 'macAddress'),
        (node_body(mac='zz:1a:2b:3c:4d:5e'), 'macAddress'),
        (node_body(mac='ff:ff:ff:ff:ff:ff'), 'macAddress'),
        (node_body(mac='00:00:00:00:00:00'), 'macAddress'),
        (node_body(ip='999.1.1.1'), 'publicIp'),
        (node_body(ip='10.0.0.7'), 'publicIp'),
        (node_body(ip='127.0.0.1'), 'publicIp'),
        (node_body(ip='fe80::1'), 'publicIp'),
        ({**node_body(), 'location': {'latitude': 91, 'longitude': 0}}, 'location.latitude'),
        ({**node_body(), 'location': {'latitude': 0, 'longitude': -180.5}}, 'location.longitude'),
        (NAN_BODY, 'location.latitude'),
        (INF_BODY, 'location.longitude'),
        (node_body(labels={'bad key!': 'x'}), 'labels'),
        (node_body(labels={'region': 'x' * 64}), 'labels'),
        (node_body(labels={'-leading': 'x'}), 'labels'),
        (node_body(name='x' * 300), 'name'),
        (node_body(owner='someone-else'), 'owner'),
        (node_body(status='online'), 'status'),
    ],
)
async def test_invalid_registrations_name_the_field_and_store_nothing(
    user: User, mongo_url: str, body: dict | str, field: str
):
    await admin_tokens(user.http_client)
    operator = await signup(user.http_client, 'op@example.com')
    kwargs = {'content': body, 'headers': {**bearer(operator), 'Content-Type': 'application/json'}}
    if isinstance(body, dict):
        kwargs = {'json': body, 'headers': bearer(operator)}
    response = await user.http_client.post('/api/nodes/register', **kwargs)
    assert response.status_code == 422, response.text
    assert field in [f['field'] for f in response.json()['fields']]
    assert stored_nodes(mongo_url) == []


async def test_private_addresses_are_accepted_when_allowed_for_labs(monkeypatch: pytest.MonkeyPatch, mongo_url: str):
    monkeypatch.setenv('ESPAZE_ALLOW_PRIVATE_NODE_IPS', 'true')
    async with user_simulation(main_file=ROOT / 'app.py') as user:
        await admin_tokens(user.http_client)
        operator = await signup(user.http_client, 'op@example.com')
        enrolled = await enroll(user.http_client, operator, ip='192.168.1.20')
        assert enrolled['node']['publicIp'] == '192.168.1.20'


async def test_viewers_and_anonymous_callers_cannot_enroll(user: User, mongo_url: str):
    admin = await admin_tokens(user.http_client)
    viewer = await signup(user.http_client, 'viewer@example.com')
    await user.http_client.patch(f'/api/users/{viewer["user"]["id"]}', json={'role': 'viewer'}, headers=bearer(admin))
    assert (
        await user.http_client.post('/api/nodes/register', json=node_body(), headers=bearer(viewer))
    ).status_code == 403
    assert (await user.http_client.post('/api/nodes/register', json=node_body())).status_code == 401
    assert stored_nodes(mongo_url) == []
