"""Outgoing webhooks: admins only, URLs sealed, a test button, deployments failed or running, and nodes offline
longer than the set time and back again, never repeated while a node flaps."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from nicegui.testing import User

from runtime.embedded_db import free_port
from tests.support.api_helpers import admin_tokens, bearer, signup, started
from tests.support.deployment_helpers import linked_operator, one_running_one_failed
from tests.support.fleet_helpers import beat, database, enroll, silence
from tests.support.github_emulator import GitHubEmulator


class Receiver:
    """A webhook endpoint on a free loopback port that keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get('content-length', 0))
                receiver.received.append({'path': self.path, 'body': json.loads(self.rfile.read(length))})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                return

        self.port = free_port()
        self.server = ThreadingHTTPServer(('127.0.0.1', self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f'http://127.0.0.1:{self.port}{path}'

    def events(self) -> list[str]:
        return [r['body'].get('event') for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.fixture(autouse=True)
def jobs_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ('ROLLOUT', 'METRICS', 'NOTIFICATION'):
        monkeypatch.setenv(f'ESPAZE_{name}_INTERVAL_SECONDS', '300' if name != 'ROLLOUT' else '60')
    monkeypatch.setenv('ESPAZE_ALLOW_PRIVATE_WEBHOOKS', 'true')  # the receivers listen on loopback


async def _webhook(user: User, admin: dict, receiver: Receiver, **fields) -> dict:
    payload = {'url': receiver.url('/hooks/T000/B000/secret-part'), 'events': ['deployment.failed'], **fields}
    response = await user.http_client.post('/api/webhooks', json=payload, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def test_only_admins_manage_webhooks_and_the_url_is_never_shown(receiver: Receiver, mongo_url: str, user: User):
    admin = bearer(await admin_tokens(user.http_client))
    created = await _webhook(user, admin, receiver, kind='slack')
    assert created['shownUrl'] == 'http://127.0.0.1/…'
    listed = (await user.http_client.get('/api/webhooks', headers=admin)).text
    assert 'secret-part' not in listed and created['id'] in listed
    client, db = database(mongo_url)
    assert 'secret-part' not in str(db['webhooks'].find_one())
    client.close()
    operator = bearer(await signup(user.http_client, 'op@example.com'))
    assert (await user.http_client.get('/api/webhooks', headers=operator)).status_code == 404
    response = await user.http_client.post(f'/api/webhooks/{created["id"]}/test', headers=operator)
    assert response.status_code == 404 and receiver.received == []
    assert (await user.http_client.delete(f'/api/webhooks/{created["id"]}', headers=operator)).status_code == 404


@pytest.mark.parametrize(
    ('fields', 'field'),
    [
        ({'url': 'ftp://example.com/x'}, 'url'),
        ({'url': 'http://user:pw@example.com/x'}, 'url'),
        ({'kind': 'teams'}, 'kind'),
        ({'events': ['node.exploded']}, 'events'),
        ({'events': []}, 'events'),
        ({'offlineAfterSeconds': 5}, 'offlineAfterSeconds'),
    ],
)
async def test_a_bad_webhook_is_a_422_naming_the_field(fields: dict, field: str, receiver: Receiver, user: User):
    admin = bearer(await admin_tokens(user.http_client))
    payload = {'url': receiver.url('/x'), 'events': ['deployment.failed'], **fields}
    response = await user.http_client.post('/api/webhooks', json=payload, headers=admin)
    assert response.status_code == 422 and field in str(response.json()['fields'])
    assert (await user.http_client.get('/api/webhooks', headers=admin)).json() == []


async def test_the_test_button_sends_a_slack_message_and_says_what_the_receiver_answered(
    receiver: Receiver, user: User
):
    admin = bearer(await admin_tokens(user.http_client))
    created = await _webhook(user, admin, receiver, kind='slack')
    response = await user.http_client.post(f'/api/webhooks/{created["id"]}/test', headers=admin)
    assert response.json() == {'result': 'delivered (HTTP 200)'}
    assert receiver.received == [
        {
            'path': '/hooks/T000/B000/secret-part',
            'body': {'text': 'Test message from Espaze, sent by admin@example.com'},
        }
    ]
    receiver.status = 500
    response = await user.http_client.post(f'/api/webhooks/{created["id"]}/test', headers=admin)
    assert response.json() == {'result': 'refused (HTTP 500)'}
    receiver.server.shutdown()
    receiver.server.server_close()
    response = await user.http_client.post(f'/api/webhooks/{created["id"]}/test', headers=admin)
    assert response.json()['result'] == 'failed: ConnectError'
    listed = (await user.http_client.get('/api/webhooks', headers=admin)).json()
    assert listed[0]['lastStatus'] == 'failed: ConnectError'


async def test_deployments_that_fail_or_reach_running_are_told_once(
    github: GitHubEmulator, receiver: Receiver, user: User
):
    admin = bearer(await admin_tokens(user.http_client))
    await _webhook(user, admin, receiver, events=['deployment.failed', 'deployment.running'])
    services = await started()
    await services.notifications.tick()  # starts reading from now
    auth = await linked_operator(user.http_client, github)
    good, bad = await one_running_one_failed(user.http_client, auth)
    notifications = services.notifications
    monkey_now = datetime.now(UTC) + timedelta(seconds=3)
    await notifications._deployment_events(await notifications._webhooks.all(), monkey_now)
    await notifications.tick()
    bodies = {r['body']['event']: r['body'] for r in receiver.received}
    assert sorted(receiver.events()) == ['deployment.failed', 'deployment.running']
    assert bodies['deployment.running']['deployment'] == {'id': good, 'name': 'web', 'reason': '1 of 1 replicas ready'}
    assert bodies['deployment.failed']['text'].startswith('Deployment ghost failed: The image could not be pulled')
    assert bodies['deployment.failed']['url'].endswith(f'/deployments/{bad}')


async def test_a_node_offline_longer_than_the_set_time_is_told_once_and_back_again(
    receiver: Receiver, mongo_url: str, user: User
):
    tokens = await admin_tokens(user.http_client)
    await _webhook(user, bearer(tokens), receiver, events=['node.offline', 'node.online'], offlineAfterSeconds=300)
    services = await started()
    flapping = await enroll(user.http_client, tokens, name='flapper', mac='02:00:00:00:00:01')
    silent = await enroll(user.http_client, tokens, name='silent', mac='02:00:00:00:00:02')
    for node in (flapping, silent):
        await beat(user.http_client, node['node']['id'], node['nodeToken'])
    await services.heartbeats.flush()
    await silence(
        mongo_url,
        services.fleet.liveness,
        {flapping['node']['id']: timedelta(minutes=2), silent['node']['id']: timedelta(minutes=10)},
    )
    assert await services.fleet.mark_silent_nodes_offline() == 2
    assert await services.notifications.tick() == 1
    assert await services.notifications.tick() == 0  # not again
    [told] = receiver.received
    assert told['body']['event'] == 'node.offline' and told['body']['node']['name'] == 'silent'
    await beat(user.http_client, flapping['node']['id'], flapping['nodeToken'])  # back before the threshold
    await beat(user.http_client, silent['node']['id'], silent['nodeToken'])
    await services.heartbeats.flush()
    assert await services.notifications.tick() == 1
    assert receiver.events() == ['node.offline', 'node.online']
    assert receiver.received[1]['body']['text'] == 'Node silent is back online'


async def test_a_mass_outage_is_told_in_one_message_and_so_is_the_recovery(
    receiver: Receiver, mongo_url: str, user: User
):
    tokens = await admin_tokens(user.http_client)
    await _webhook(user, bearer(tokens), receiver, events=['node.offline', 'node.online'], offlineAfterSeconds=60)
    services = await started()
    nodes = [
        await enroll(user.http_client, tokens, name=f'site-{n:02d}', mac=f'02:00:00:00:01:{n:02x}') for n in range(12)
    ]
    for node in nodes:
        await beat(user.http_client, node['node']['id'], node['nodeToken'])
    await services.heartbeats.flush()
    await silence(mongo_url, services.fleet.liveness, {node['node']['id']: timedelta(minutes=5) for node in nodes})
    assert await services.fleet.mark_silent_nodes_offline() == 12
    assert await services.notifications.tick() == 1
    assert await services.notifications.tick() == 0
    [told] = receiver.received
    assert told['body']['event'] == 'node.offline' and told['body']['count'] == 12
    assert told['body']['text'] == '12 nodes are offline: site-00, site-01, site-02, site-03, site-04 and 7 more'
    assert {n['name'] for n in told['body']['nodes']} == {f'site-{n:02d}' for n in range(12)}
    for node in nodes:
        await beat(user.http_client, node['node']['id'], node['nodeToken'])
    await services.heartbeats.flush()
    assert await services.notifications.tick() == 1
    assert receiver.received[1]['body']['text'].startswith('12 nodes are back online: ')
    assert await services.notifications.tick() == 0
