"""Webhooks can't reach inside: loopback, private, link-local (cloud metadata), multicast, reserved and unspecified
addresses are refused in every spelling, at save time and again when sending; what a refused send answers tells
nothing about what listens there; a webhook's URL never reaches the log."""

import logging
from collections.abc import Iterator

import pytest
from nicegui.testing import User

from tests.api.test_webhooks import Receiver
from tests.support.api_helpers import admin_tokens, bearer, started
from tests.support.fleet_helpers import database

INSIDE = [
    'http://127.0.0.1:27017/',
    'http://localhost/hook',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.0.0.1/',
    'http://0x7f000001/',
    'http://127.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
]
NEVER = [
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/',  # 169.254.169.254 as one decimal number
    'http://[::ffff:169.254.169.254]/',
    'http://[fe80::1]/',
    'http://0.0.0.0/',
    'http://0/',
    'http://[::]/',
    'http://224.0.0.1/',
    'http://240.0.0.1/',
    'http://255.255.255.255/',
]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.fixture
def labs(monkeypatch: pytest.MonkeyPatch) -> None:
    """ESPAZE_ALLOW_PRIVATE_WEBHOOKS=true; request it before `user`, which starts the app."""
    monkeypatch.setenv('ESPAZE_ALLOW_PRIVATE_WEBHOOKS', 'true')


async def _save(user: User, admin: dict, url: str):
    return await user.http_client.post('/api/webhooks', json={'url': url, 'events': ['node.offline']}, headers=admin)


@pytest.mark.parametrize('url', [*INSIDE, *NEVER])
async def test_inside_addresses_are_refused_at_save_time_in_every_spelling(url: str, user: User, mongo_url: str):
    admin = bearer(await admin_tokens(user.http_client))
    refused = await _save(user, admin, url)
    assert refused.status_code == 422, refused.text
    assert refused.json()['fields'][0]['field'] == 'url'
    client, db = database(mongo_url)
    with client:
        assert db.webhooks.count_documents({}) == 0


@pytest.mark.parametrize('url', ['http://[::1', 'http://exa mple.com/', 'http://:80/', 'ftp://example.com/'])
async def test_urls_httpx_cannot_send_to_are_a_422_not_a_500(url: str, user: User):
    admin = bearer(await admin_tokens(user.http_client))
    refused = await _save(user, admin, url)
    assert refused.status_code == 422 and refused.json()['fields'][0]['field'] == 'url', refused.text


@pytest.mark.parametrize('url', NEVER)
async def test_link_local_multicast_and_unspecified_stay_refused_for_labs(url: str, labs: None, user: User):
    admin = bearer(await admin_tokens(user.http_client))
    assert (await _save(user, admin, url)).status_code == 422


async def test_labs_may_allow_loopback_and_a_send_checks_the_address_again(
    labs: None, user: User, receiver: Receiver, caplog: pytest.LogCaptureFixture
):
    assert (await started()).notifications._allow_private
    admin = bearer(await admin_tokens(user.http_client))
    url = f'http://localhost:{receiver.port}/hooks/T000/B000/secret-part'
    saved = await _save(user, admin, url)
    assert saved.status_code == 201, saved.text
    with caplog.at_level(logging.DEBUG):
        sent = await user.http_client.post(f'/api/webhooks/{saved.json()["id"]}/test', headers=admin)
    assert sent.json() == {'result': 'delivered (HTTP 200)'}
    assert receiver.received[0]['path'] == '/hooks/T000/B000/secret-part'
    assert 'secret-part' not in caplog.text and '/hooks/' not in caplog.text

    (await started()).notifications._allow_private = False  # as if the name resolved elsewhere by now
    receiver.received.clear()
    again = await user.http_client.post(f'/api/webhooks/{saved.json()["id"]}/test', headers=admin)
    assert again.json() == {'result': 'not delivered'}
    assert receiver.received == []
