"""When GitHub says no: a refused token asks to re-link, rate limits wait, 5xx and timeouts retry a bounded time."""

import dataclasses
import json

import pytest
from nicegui.testing import User

from tests.support.api_helpers import started
from tests.support.github_emulator import GitHubEmulator, recorded
from tests.support.github_helpers import classic_token, link, operator

BRANCHES = '/api/github/repos/octocat/app/branches'


@pytest.fixture
def token(github: GitHubEmulator) -> str:
    value = classic_token()
    github.add_user(value, 'octocat')
    github.add_repo('octocat/app', private=True)
    return value


async def linked(user: User, token: str) -> dict[str, str]:
    auth = await operator(user.http_client)
    await link(user.http_client, auth, token)
    return auth


async def test_a_revoked_token_marks_the_connection_and_is_not_retried(github: GitHubEmulator, token: str, user: User):
    auth = await linked(user, token)
    del github.users[token]  # revoked on GitHub
    first = await user.http_client.get(BRANCHES, headers=auth)
    assert first.status_code == 409 and 're-link GitHub' in first.json()['error']
    assert len(github.requests) == 2  # /user when linking, then one 401: no retry
    status = (await user.http_client.get('/api/github/status', headers=auth)).json()
    assert status['state'] == 're-link' and 'refused' in status['reason']
    again = await user.http_client.get(BRANCHES, headers=auth)
    assert again.status_code == 409 and len(github.requests) == 2  # /user at link time, the refused call
    github.add_user(token, 'octocat')
    await link(user.http_client, auth, token)  # re-linking clears the state
    assert (await user.http_client.get(BRANCHES, headers=auth)).status_code == 200


async def test_the_primary_rate_limit_waits_until_github_resets_it(github: GitHubEmulator, token: str, user: User):
    auth = await linked(user, token)
    github.remaining[token] = 0
    limited = await user.http_client.get(BRANCHES, headers=auth)
    assert limited.status_code == 429
    assert limited.json()['error'].startswith('GitHub rate limit reached, resets at ')
    assert 3500 <= int(limited.headers['retry-after']) <= 3600
    calls = len(github.requests)
    github.remaining[token] = 5000
    waiting = await user.http_client.get('/api/github/repos/octocat/app/commits?branch=main', headers=auth)
    assert waiting.status_code == 429 and len(github.requests) == calls  # Espaze waits; GitHub is not asked


async def test_without_a_linked_account_the_small_limit_says_what_to_do(github: GitHubEmulator, user: User):
    auth = await operator(user.http_client)  # nothing linked: unauthenticated reads of public repositories
    github.add_repo('someone/tool')
    assert (await user.http_client.get('/api/github/search?q=tool', headers=auth)).status_code == 200
    github.remaining[None] = 0
    limited = await user.http_client.get('/api/github/search?q=other', headers=auth)
    assert limited.status_code == 429
    message = limited.json()['error']
    assert "GitHub's limit for reads without an account (60 an hour from this server)" in message
    assert 'Link a GitHub account in Settings' in message


async def test_a_secondary_rate_limit_honours_retry_after(github: GitHubEmulator, token: str, user: User):
    auth = await linked(user, token)
    exchange = recorded('secondary_rate_limit')
    github.fail('^/repos/octocat/app', exchange['status'], headers=exchange['headers'], body=exchange['body'])
    limited = await user.http_client.get(BRANCHES, headers=auth)
    assert limited.status_code == 429 and 55 <= int(limited.headers['retry-after']) <= 60
    assert limited.json()['retryAfterSeconds'] == int(limited.headers['retry-after'])


async def test_server_errors_are_retried_a_bounded_number_of_times(github: GitHubEmulator, token: str, user: User):
    auth = await linked(user, token)
    github.fail('^/repos/octocat/app$', 502, times=2, body={'message': 'Server Error'})
    assert (await user.http_client.get(BRANCHES, headers=auth)).status_code == 200  # third attempt
    github.fail('^/repos/octocat/app/commits', 503, times=10, body={'message': 'Unavailable'})
    failed = await user.http_client.get('/api/github/repos/octocat/app/commits?branch=main', headers=auth)
    assert failed.status_code == 502 and 'GitHub answered HTTP 503 (3 attempts)' in failed.json()['error']
    assert github.calls('/commits') == 3


async def test_a_github_that_does_not_answer_in_time_is_a_502(
    github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, token: str, user: User
):
    auth = await linked(user, token)
    github.delay_seconds = 1.5
    gateway = (await started()).github._gateway
    monkeypatch.setattr(
        gateway, '_policy', dataclasses.replace(gateway._policy, attempt_seconds=1.0, backoff_seconds=0.01)
    )
    response = await user.http_client.get(BRANCHES, headers=auth)
    assert response.status_code == 502 and 'did not answer in time (3 attempts)' in response.json()['error']
    assert json.dumps(response.json()).count(token) == 0
