"""Browsing GitHub: repositories, search, branches, commits, exact branch SHAs and Dockerfile detection."""

import pytest
from nicegui.testing import User

from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token, link, operator


@pytest.fixture
def token(github: GitHubEmulator) -> str:
    value = classic_token()
    github.add_recorded_account(value)
    return value


async def linked(user: User, token: str) -> dict[str, str]:
    auth = await operator(user.http_client)
    await link(user.http_client, auth, token)
    return auth


async def test_own_repositories_newest_first_with_private_language_and_default_branch(
    github: GitHubEmulator, token: str, user: User
):
    auth = await linked(user, token)
    page = (await user.http_client.get('/api/github/repos', headers=auth)).json()
    names = [r['fullName'] for r in page['items']]
    assert len(names) == 16 and page['hasMore'] is False
    updated = [r['updatedAt'] for r in page['items']]
    assert updated == sorted(updated, reverse=True)
    hacking = next(r for r in page['items'] if r['fullName'] == 'jacquev6/Hacking')
    assert hacking['private'] is True and hacking['language'] == 'Python' and hacking['defaultBranch'] == 'master'
    filtered = (await user.http_client.get('/api/github/repos?q=draw', headers=auth)).json()['items']
    assert {r['fullName'] for r in filtered} == {'jacquev6/DrawTurksHead', 'jacquev6/DrawSyntax'}


async def test_long_lists_follow_githubs_link_pages_and_are_paged_here(github: GitHubEmulator, token: str, user: User):
    for n in range(120):
        github.add_repo(f'jacquev6/generated-{n:03}', updated_at=f'2025-01-01T00:{n // 60:02}:{n % 60:02}Z')
    auth = await linked(user, token)
    first = (await user.http_client.get('/api/github/repos', headers=auth)).json()
    assert first['hasMore'] is True and len(first['items']) == 30
    last = (await user.http_client.get('/api/github/repos?page=5', headers=auth)).json()
    assert len(last['items']) == 16 and last['hasMore'] is False
    assert github.calls(r'^/user/repos.*page=2') == 1  # the second of GitHub's pages, reached through Link


async def test_lists_are_cached_per_user_for_a_short_time(github: GitHubEmulator, token: str, user: User):
    auth = await linked(user, token)
    for _ in range(3):
        assert (await user.http_client.get('/api/github/repos', headers=auth)).status_code == 200
        assert (
            await user.http_client.get('/api/github/repos/jacquev6/Hacking/branches', headers=auth)
        ).status_code == 200
    assert github.calls('^/user/repos') == 1 and github.calls('/branches') == 1


async def test_search_uses_githubs_search(github: GitHubEmulator, token: str, user: User):
    github.add_repo('someone/turks-head-tools')
    auth = await linked(user, token)
    found = (await user.http_client.get('/api/github/search?q=turks', headers=auth)).json()
    assert {r['fullName'] for r in found} == {'jacquev6/DrawTurksHead', 'someone/turks-head-tools'}
    assert github.calls('^/search/repositories') == 1
    empty = await user.http_client.get('/api/github/search?q=', headers=auth)
    assert empty.status_code == 422 and empty.json()['fields'][0]['field'] == 'q'


async def test_branches_default_first_and_latest_commits(github: GitHubEmulator, user: User):
    token = classic_token()
    github.add_user(token, 'octocat')
    github.add_repo('octocat/app', private=True, default_branch='main')
    github.add_branch('octocat/app', 'alpha', {})
    github.add_branch('octocat/app', 'zeta', {})
    auth = await linked(user, token)
    branches = (await user.http_client.get('/api/github/repos/octocat/app/branches', headers=auth)).json()
    assert branches[0]['name'] == 'main' and branches[0]['isDefault'] is True
    assert {b['name'] for b in branches} == {'main', 'alpha', 'zeta'}
    commits = (await user.http_client.get('/api/github/repos/octocat/app/commits?branch=alpha', headers=auth)).json()
    alpha_sha = next(b['commitSha'] for b in branches if b['name'] == 'alpha')
    assert commits[0]['sha'] == alpha_sha and commits[0]['message'] == 'Change 5 on alpha'
    assert commits[0]['author'] == 'Vincent Jacques' and len(commits) == 5


async def test_dockerfile_detection_at_the_exact_commit_of_a_branch(github: GitHubEmulator, user: User):
    token = classic_token()
    github.add_user(token, 'octocat')
    github.add_repo(
        'octocat/app', files={'Dockerfile': 'FROM python:3.12\nCMD ["app"]\n', 'docker/web.Dockerfile': 'x'}
    )
    bare = github.add_branch('octocat/app', 'feature', {'README.md': 'no container here'})
    auth = await linked(user, token)
    url = '/api/github/repos/octocat/app/dockerfile'
    found = (await user.http_client.get(f'{url}?ref=main', headers=auth)).json()
    assert found['exists'] is True and found['path'] == 'Dockerfile' and found['size'] == 29
    assert len(found['blobSha']) == 40 and found['commitSha'] == github.repos['octocat/app'].branches['main']
    other = (await user.http_client.get(f'{url}?ref=main&path=docker/web.Dockerfile', headers=auth)).json()
    assert other['exists'] is True and other['path'] == 'docker/web.Dockerfile'
    missing = (await user.http_client.get(f'{url}?ref=feature', headers=auth)).json()
    assert missing == {**missing, 'exists': False, 'commitSha': bare, 'reason': 'No Dockerfile in this commit'}
    folder = (await user.http_client.get(f'{url}?ref=main&path=docker', headers=auth)).json()
    assert folder['exists'] is False and 'directory' in folder['reason']
    by_sha = (await user.http_client.get(f'{url}?ref={bare}', headers=auth)).json()
    assert by_sha['exists'] is False and by_sha['commitSha'] == bare


async def test_a_branch_is_resolved_exactly_never_by_prefix(github: GitHubEmulator, user: User):
    token = classic_token()
    github.add_user(token, 'octocat')
    github.add_repo('octocat/app')
    github.add_branch('octocat/app', 'feature-x', {'Dockerfile': 'FROM scratch'})
    auth = await linked(user, token)
    url = '/api/github/repos/octocat/app/dockerfile?ref=feature'
    response = await user.http_client.get(url, headers=auth)
    assert response.status_code == 404 and 'no access' in response.json()['error']
    prefix_answer = {'ref': 'refs/heads/feature-x', 'object': {'type': 'commit', 'sha': 'a' * 40}}
    github.fail('/git/ref/heads/feature$', 200, body=prefix_answer)  # a server that matched a prefix
    assert (await user.http_client.get(url, headers=auth)).status_code == 404


@pytest.mark.parametrize(
    'path',
    [
        '/api/github/repos/-owner/app',
        '/api/github/repos/own_er/app',
        '/api/github/repos/octocat/app%3Brm',
        '/api/github/repos/octocat/%2E%2E',
        '/api/github/repos/octocat/app.git',
        '/api/github/repos/octocat/app/commits?branch=-rf',
        '/api/github/repos/octocat/app/commits?branch=a..b',
        '/api/github/repos/octocat/app/commits?branch=x%24(id)',
        '/api/github/repos/octocat/app/dockerfile?ref=main&path=../etc/passwd',
        '/api/github/repos/octocat/app/dockerfile?ref=main&path=/Dockerfile',
        '/api/github/repos?page=0',
    ],
)
async def test_names_that_are_not_githubs_are_422_and_never_sent(github: GitHubEmulator, user: User, path: str):
    auth = await operator(user.http_client)
    response = await user.http_client.get(path, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()['fields'][0]['field'] in ('repository', 'branch', 'path', 'page')
    assert github.requests == []


async def test_another_users_private_repository_is_not_found(github: GitHubEmulator, token: str, user: User):
    github.add_user('ghp_' + 'o' * 36, 'someone-else')
    github.add_repo('someone-else/secret', private=True)
    auth = await linked(user, token)
    response = await user.http_client.get('/api/github/repos/someone-else/secret/branches', headers=auth)
    assert response.status_code == 404
    assert response.json()['error'] == 'Not found on GitHub, or the token has no access to it'


async def test_public_repositories_work_without_a_linked_account(github: GitHubEmulator, user: User):
    github.add_repo('octocat/public-app')
    auth = await operator(user.http_client)
    branches = await user.http_client.get('/api/github/repos/octocat/public-app/branches', headers=auth)
    assert branches.status_code == 200 and branches.json()[0]['name'] == 'main'
    check = await user.http_client.get('/api/github/repos/octocat/public-app/dockerfile?ref=main', headers=auth)
    assert check.json()['exists'] is True
    assert all(token is None for _, _, token in github.requests)
    own = await user.http_client.get('/api/github/repos', headers=auth)
    assert own.status_code == 409 and 'Link a GitHub account' in own.json()['error']
