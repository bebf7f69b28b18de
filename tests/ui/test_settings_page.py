"""The Settings page: linking GitHub, its states, and the repository picker with the Dockerfile check."""

import asyncio

import pytest
from nicegui import ui
from nicegui.testing import User

from models.errors import ValidationFailed
from tests.support.api_helpers import admin_tokens, signup, started
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.ui_helpers import confirm, log_in, press


async def open_settings(user: User) -> None:
    await admin_tokens(user.http_client)
    await signup(user.http_client, 'dev@example.com', 'Dev')
    await log_in(user, 'dev@example.com')
    await user.open('/settings')
    await user.should_see('Paste a personal access token', retries=30)


async def test_linking_a_token_then_picking_a_repository_branch_and_dockerfile(github: GitHubEmulator, user: User):
    token = classic_token()
    github.add_user(token, 'octocat', expires='2027-01-31 12:00:00 UTC')
    github.add_repo('octocat/web-app', private=True, language='Go')
    github.add_branch('octocat/web-app', 'docs-only', {'README.md': 'docs'})
    await open_settings(user)
    await user.should_see('Not linked. Public repositories only')
    user.find('GitHub token').type(token)
    press(user, 'Link token')
    await user.should_see(f'Linked as octocat with a token (ghp_...{token[-4:]})', retries=30)
    await user.should_see('Scopes: repo, read:user')
    await user.should_see('Expires 2027-01-31 12:00 UTC')
    await user.should_see('octocat/web-app', retries=30)
    await user.should_see('private')
    user.find(marker='repository').click()
    await user.should_see(marker='dockerfile-found', retries=30)
    sha = github.repos['octocat/web-app'].branches['main']
    assert f'commit {sha[:7]}' in user.find(marker='dockerfile-found').elements.pop().text
    [select] = user.find(ui.select).elements
    assert select.options == ['main', 'docs-only']
    select.value = 'docs-only'
    await user.should_see('Cannot build docs-only: No Dockerfile in this commit', retries=30)


async def test_a_refused_token_is_explained_beside_the_field(github: GitHubEmulator, user: User):
    await open_settings(user)
    user.find('GitHub token').type(classic_token())
    press(user, 'Link token')
    await user.should_see('GitHub refused this token', retries=30)


async def test_a_revoked_token_shows_the_relink_state(github: GitHubEmulator, user: User):
    token = classic_token()
    github.add_user(token, 'octocat')
    github.add_repo('octocat/web-app')
    await open_settings(user)
    user.find('GitHub token').type(token)
    press(user, 'Link token')
    await user.should_see('octocat/web-app', retries=30)
    del github.users[token]
    user.find(marker='repository').click()
    await user.should_see('re-link GitHub in Settings', retries=30)
    await user.open('/settings')
    await user.should_see('Re-link GitHub: GitHub refused the stored token', retries=30)
    press(user, 'Disconnect GitHub')
    await user.should_see('Push to deploy stops for your repositories', retries=30)
    await confirm(user)
    await user.should_see('Not linked.', retries=30)


async def test_without_an_account_public_repositories_can_be_searched(github: GitHubEmulator, user: User):
    github.add_repo('someone/public-tool', language='Rust')
    await open_settings(user)
    user.find('Repository').type('public-tool')
    await user.should_see('someone/public-tool', retries=30)
    user.find(marker='repository').click()
    await user.should_see(marker='dockerfile-found', retries=30)


async def _called(calls: list) -> None:
    for _ in range(100):
        if calls:
            return
        await asyncio.sleep(0.02)


async def test_a_slow_token_check_shows_a_spinner_and_cannot_be_sent_twice(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    await open_settings(user)
    connections = (await started()).github.connections
    answer, calls = asyncio.Event(), []

    async def slow_check(_user, token: str) -> None:
        calls.append(token)
        await answer.wait()  # GitHub takes its time
        raise ValidationFailed('token', 'GitHub refused this token (GET /user answered 401)')

    monkeypatch.setattr(connections, 'link_token', slow_check)
    user.find('GitHub token').type(classic_token())
    press(user, 'Link token')
    await _called(calls)
    [button] = user.find(kind=ui.button, content='Link token').elements
    assert 'loading' in button.props and not button.enabled
    press(user, 'Link token')  # a second press while it runs does nothing
    answer.set()
    await user.should_see('GitHub refused this token', retries=30)
    assert len(calls) == 1 and 'loading' not in button.props and button.enabled


async def test_a_slow_repository_search_shows_a_spinner(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    await open_settings(user)
    service = (await started()).github
    answer, calls = asyncio.Event(), []

    async def slow_search(_user, text: str) -> list:
        calls.append(text)
        await answer.wait()
        return []

    monkeypatch.setattr(service, 'search', slow_search)
    user.find('Repository').type('tool')
    await _called(calls)
    [query] = user.find('Repository').elements
    assert 'loading' in query.props
    answer.set()
    await user.should_see('No repository matches', retries=30)
    assert 'loading' not in query.props
