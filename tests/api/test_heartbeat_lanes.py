"""The heartbeat's two lanes, the plain ASGI endpoint and the documented FastAPI route, answer the same."""

import re

import pytest
from nicegui.testing import User

import api.heartbeat_endpoint
from tests.support.api_helpers import admin_tokens, signup, started
from tests.support.fleet_helpers import enroll

BAD_BODIES = [
    ({'metrics': {'cpuPercent': 150}}, 'metrics.cpuPercent'),
    ({'location': {'latitude': 91, 'longitude': 0}}, 'location.latitude'),
    ({'role': 'admin'}, 'role'),
    ({'agentVersion': 'x' * 65}, 'agentVersion'),
]


@pytest.fixture(params=['endpoint', 'router'])
def lane(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the requests the endpoint parsed; with `router`, the endpoint lets every request through."""
    parsed = {'count': 0}
    parse = api.heartbeat_endpoint.parse_heartbeat

    def counted(body: bytes):
        parsed['count'] += 1
        return parse(body)

    monkeypatch.setattr(api.heartbeat_endpoint, 'parse_heartbeat', counted)
    if request.param == 'router':
        monkeypatch.setattr(api.heartbeat_endpoint, 'HEARTBEAT_PATH', re.compile(r'^$never'))
    parsed['expected'] = 1 if request.param == 'endpoint' else 0
    return parsed


async def node_of_operator(user: User) -> dict:
    await admin_tokens(user.http_client)
    return await enroll(user.http_client, await signup(user.http_client, 'op@example.com'))


async def test_both_lanes_accept_a_beat_and_refuse_bad_ones_alike(user: User, lane: dict[str, int]):
    node = await node_of_operator(user)
    url = f'/api/nodes/{node["node"]["id"]}/heartbeat'
    auth = {'Authorization': f'Bearer {node["nodeToken"]}'}
    ok = await user.http_client.post(url, headers=auth, json={'metrics': {'cpuPercent': 3}})
    assert ok.status_code == 200 and ok.json()['nextHeartbeatSeconds'] == 30
    assert ok.headers['content-type'] == 'application/json' and ok.headers['x-request-id']
    assert (await user.http_client.post(url, headers=auth)).status_code == 200  # the body is optional
    assert lane['count'] == 2 * lane['expected']
    heartbeats = (await started()).heartbeats
    await heartbeats.flush()
    for body, field in BAD_BODIES:
        response = await user.http_client.post(url, headers=auth, json=body)
        assert response.status_code == 422, body
        assert [f['field'] for f in response.json()['fields']] == [field]
        assert response.json()['requestId'] == response.headers['x-request-id']
    not_json = await user.http_client.post(url, headers={**auth, 'content-type': 'application/json'}, content=b'{')
    assert not_json.status_code == 422
    no_token = await user.http_client.post(url, json={})
    assert no_token.status_code == 401 and no_token.headers['www-authenticate'] == 'Bearer'
    assert 'Missing node token' in no_token.json()['error']
    assert heartbeats.pending == 0  # nothing refused was recorded


async def test_other_methods_on_the_heartbeat_path_get_the_routers_answer(user: User, lane: dict[str, int]):
    node = await node_of_operator(user)
    response = await user.http_client.get(f'/api/nodes/{node["node"]["id"]}/heartbeat')
    assert response.status_code == 405 and lane['count'] == 0
