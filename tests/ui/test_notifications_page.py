"""The notifications card on Settings: admins add a webhook, test it and delete it; others do not see it."""

import asyncio

import pytest
from nicegui.testing import User

from tests.api.test_webhooks import Receiver
from tests.support.api_helpers import admin_tokens, signup
from tests.support.ui_helpers import confirm, log_in, press


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.fixture
def private_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ALLOW_PRIVATE_WEBHOOKS', 'true')  # the receiver listens on loopback


async def test_an_admin_adds_tests_and_deletes_a_webhook(receiver: Receiver, private_webhooks: None, user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.open('/settings')
    await user.should_see('No webhooks yet.', retries=30)
    user.find('Webhook URL').type('gopher://nowhere')
    press(user, 'Add webhook')
    await user.should_see('No webhooks yet.')
    [url] = user.find('Webhook URL').elements
    for _ in range(30):
        if url.error:
            break
        await asyncio.sleep(0.1)
    assert url.error.startswith('Must be an http:// or https:// address')
    user.find('Webhook URL').clear().type(receiver.url('/hook/token-part'))
    press(user, 'Add webhook')
    await user.should_see('http://127.0.0.1/… (generic)', retries=30)
    await user.should_not_see('token-part')
    press(user, 'Test')
    await user.should_see('Test message: delivered (HTTP 200)', retries=30)
    assert receiver.received[0]['body']['event'] == 'test'
    user.find(marker='delete webhook').click()
    await confirm(user)
    await user.should_see('Webhook deleted', retries=30)
    await user.should_see('No webhooks yet.', retries=30)


async def test_an_operator_does_not_see_notifications(user: User):
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'op@example.com', 'Op')
    await log_in(user, 'op@example.com')
    await user.open('/settings')
    await user.should_see('GitHub', retries=30)
    await user.should_not_see('Notifications')
