"""A preview per pull request: opened builds the head as `<name>-pr-<n>`, synchronize redeploys it, closed removes
it and frees its host; forks get no secrets and are built only when allowed; the oldest preview goes past the cap."""

import pytest
from nicegui.testing import User

from tests.support.api_helpers import started
from tests.support.deployment_helpers import body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator
from tests.support.push_helpers import deliver, pull_request_payload

REPO = 'dev/shop'
MAX_PREVIEWS = 2


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_COMMIT_STATUS_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_MAX_PREVIEWS', str(MAX_PREVIEWS))


async def previewed(user: User, github: GitHubEmulator, **configuration) -> tuple[dict, dict]:
    client = user.http_client
    auth = await linked_operator(client, github)
    github.add_repo(REPO)
    payload = body(repo=REPO, replicas=1, previews=True, secretEnv={'TOKEN': 'parent-only'}, **configuration)
    parent_id = await create(client, auth, payload)
    parent = await until(client, auth, parent_id, {'running', 'failed'})
    assert parent['status'] == 'running', parent['statusReason']
    return auth, parent


async def pull_request(user: User, github: GitHubEmulator, action: str, number: int, sha: str, **extra) -> None:
    answer = await deliver(
        user.http_client, github, REPO, 'pull_request', pull_request_payload(REPO, action, number, sha, **extra)
    )
    assert answer.status_code == 202, answer.text
    await (await started()).pushes.settled()


async def previews_of(user: User, auth: dict, parent: dict) -> list[dict]:
    answer = await user.http_client.get(f'/api/deployments/{parent["id"]}/previews', headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def outcomes(user: User, auth: dict, parent: dict) -> list[tuple[str | None, str]]:
    listed = (await user.http_client.get(f'/api/deployments/{parent["id"]}/deliveries', headers=auth)).json()
    return [(d['action'], d['reason']) for d in listed['items']]


async def test_a_preview_is_opened_updated_and_removed_with_its_pull_request(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, parent = await previewed(user, github)
    _, head = github.push(REPO, 'change-7', {'Dockerfile': 'FROM python:3.13\n'})
    await pull_request(user, github, 'opened', 7, head)
    [preview] = await previews_of(user, auth, parent)
    domain = (await started()).cluster.settings.ingress_domain
    assert (preview['name'], preview['previewOf'], preview['pullRequest']) == ('shop-pr-7', parent['id'], 7)
    assert preview['commitSha'] == head and preview['address'] == f'http://shop-pr-7.{domain}'
    assert preview['configuration']['secretEnvNames'] == [] and not preview['configuration']['previews']
    running = await until(client, auth, preview['id'], {'running', 'failed'})
    assert running['status'] == 'running' and running['image'].endswith(head)
    await (await started()).statuses.send_due()
    contexts = {(s['sha'], s['context'], s['state']) for s in github.repos[REPO].statuses}
    assert (head, 'espaze/shop-pr-7', 'success') in contexts

    _, newer = github.push(REPO, 'change-7', {'Dockerfile': 'FROM python:3.14\n'})
    await pull_request(user, github, 'synchronize', 7, newer)
    updated = await until(client, auth, preview['id'], {'running', 'failed'})
    assert updated['commitSha'] == newer and updated['release'] == 2 and updated['status'] == 'running'

    await pull_request(user, github, 'closed', 7, newer)
    assert await previews_of(user, auth, parent) == []
    assert (await client.get(f'/api/deployments/{preview["id"]}', headers=auth)).status_code == 404
    cluster = (await started()).cluster
    left = await cluster.gateway.call(
        cluster.gateway.apps.list_namespaced_deployment,
        preview['namespace'],
        label_selector=f'espaze.io/deployment-id={preview["id"]}',
    )
    assert left.items == []
    again = await client.post('/api/deployments', json=body(name='shop-pr-7', image='nginx:1'), headers=auth)
    assert again.status_code == 202  # its host is free again
    assert [a for a, _ in await outcomes(user, auth, parent)] == ['removed', 'deployed', 'deployed']


async def test_forks_get_no_secrets_and_are_built_only_when_allowed(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, parent = await previewed(user, github, previewSecrets=True)
    _, head = github.push(REPO, 'change-3', {'Dockerfile': 'FROM python:3.13\n'})
    await pull_request(user, github, 'opened', 3, head, fork='stranger/shop')
    assert await previews_of(user, auth, parent) == []
    assert (await outcomes(user, auth, parent))[0] == (
        'ignored',
        'Pull requests from forks are not built unless the owner allows it',
    )
    allowed = await client.patch(f'/api/deployments/{parent["id"]}', json={'previewForks': True}, headers=auth)
    assert allowed.status_code == 200
    await pull_request(user, github, 'reopened', 3, head, fork='stranger/shop')
    await pull_request(user, github, 'opened', 4, head)
    by_number = {p['pullRequest']: p for p in await previews_of(user, auth, parent)}
    assert by_number[3]['configuration']['secretEnvNames'] == []  # a fork never gets them
    assert by_number[4]['configuration']['secretEnvNames'] == ['TOKEN']  # the owner allowed them for its own


async def test_the_oldest_preview_goes_past_the_cap_and_other_bases_are_ignored(github: GitHubEmulator, user: User):
    auth, parent = await previewed(user, github)
    _, head = github.push(REPO, 'change', {'Dockerfile': 'FROM python:3.13\n'})
    for number in (1, 2, 3):
        await pull_request(user, github, 'opened', number, head)
    assert [p['pullRequest'] for p in await previews_of(user, auth, parent)] == [2, 3]
    await pull_request(user, github, 'opened', 9, head, base='release')
    assert (await outcomes(user, auth, parent))[0] == ('ignored', 'It previews pull requests into main, not release')
    assert len(await previews_of(user, auth, parent)) == MAX_PREVIEWS
