"""Push to deploy: the repository webhook follows the auto-deploy switch; signed deliveries redeploy exactly the
pushed commit; everything else is ignored with its reason, and nothing unsigned changes anything."""

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing import User
from pymongo import AsyncMongoClient

from models.github import Delivery
from repositories.github_hooks import GitHubHookRepository
from tests.support.api_helpers import started
from tests.support.deployment_helpers import body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token, link, operator
from tests.support.push_helpers import deliver, push_payload, recorded_delivery, retargeted, signed

REPO = 'dev/shop'
DELIVERIES_A_MINUTE = 20


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_GITHUB_DELIVERIES_PER_ADDRESS_PER_MINUTE', str(DELIVERIES_A_MINUTE))


async def watched(user: User, github: GitHubEmulator, **configuration) -> tuple[dict, str, dict]:
    """A running deployment of dev/shop's main that deploys on push."""
    client = user.http_client
    auth = await linked_operator(client, github)
    github.add_repo(REPO)
    deployment_id = await create(client, auth, body(repo=REPO, replicas=1, autoDeploy=True, **configuration))
    found = await until(client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running', found['statusReason']
    return auth, deployment_id, found


async def acted_on() -> None:
    await (await started()).pushes.settled()


async def deliveries(user: User, auth: dict, deployment_id: str) -> list[dict]:
    answer = await user.http_client.get(f'/api/deployments/{deployment_id}/deliveries', headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()['items']


async def test_the_switch_makes_one_shared_hook_and_removes_it(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, first_id, _ = await watched(user, github)
    [hook] = github.hooks_of(REPO)
    settings_url = (await started()).hooks.url
    assert hook['name'] == 'web' and sorted(hook['events']) == ['pull_request', 'push'] and hook['active']
    assert hook['config']['url'] == settings_url and settings_url.endswith('/api/github/webhooks')
    assert hook['config']['content_type'] == 'json' and len(hook['config']['secret']) == 64
    second_id = await create(client, auth, body(name='shop-eu', repo=REPO, image='nginx:1', autoDeploy=True))
    assert [h['id'] for h in github.hooks_of(REPO)] == [hook['id']]  # shared

    listed = (await client.get(f'/api/deployments/{first_id}/deliveries', headers=auth)).json()
    assert listed['hookUrl'] == settings_url and 'cannot reach' in listed['warning']

    off = await client.patch(f'/api/deployments/{first_id}', json={'autoDeploy': False}, headers=auth)
    assert off.status_code == 200 and off.json()['configuration']['autoDeploy'] is False
    assert len(github.hooks_of(REPO)) == 1  # the other deployment still deploys on push
    assert (await client.delete(f'/api/deployments/{second_id}', headers=auth)).status_code == 204
    assert github.hooks_of(REPO) == []

    on = await client.patch(f'/api/deployments/{first_id}', json={'autoDeploy': True}, headers=auth)
    assert on.status_code == 200 and len(github.hooks_of(REPO)) == 1
    assert (await client.delete('/api/github/token', headers=auth)).status_code == 204
    assert github.hooks_of(REPO) == []  # disconnecting GitHub removes the hooks it made


async def test_a_signed_push_redeploys_exactly_the_pushed_commit_once(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, deployment_id, _found = await watched(user, github)
    before, after = github.push(REPO, 'main', {'Dockerfile': 'FROM python:3.13\n', 'app.py': 'print(2)\n'})
    payload = push_payload(REPO, 'main', before, after)
    answer = await deliver(client, github, REPO, 'push', payload, delivery_id='d-1')
    assert answer.status_code == 202 and answer.json() == {'status': 'accepted'}
    await acted_on()
    again = await deliver(client, github, REPO, 'push', payload, delivery_id='d-1')
    assert again.status_code == 200 and again.json()['status'] == 'duplicate'
    await acted_on()
    releases = (await client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    assert [(r['kind'], r['commitSha'], r['createdBy']) for r in releases] == [
        ('push', after, 'github:Codertocat'),
        ('deploy', before, 'dev@example.com'),
    ]
    running = await until(client, auth, deployment_id, {'running', 'failed'})
    assert running['status'] == 'running' and running['commitSha'] == after and running['image'].endswith(after)
    [delivery] = await deliveries(user, auth, deployment_id)
    assert (delivery['event'], delivery['commitSha'], delivery['signatureOk']) == ('push', after, True)
    assert (delivery['action'], delivery['reason']) == ('deployed', f'Release #2 from {after[:7]}')


async def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, deployment_id, found = await watched(user, github)
    before, after = github.push(REPO, 'main', {'Dockerfile': 'FROM python:3.13\n'})
    payload = push_payload(REPO, 'main', before, after)
    forged = await deliver(client, github, REPO, 'push', payload, secret='not-the-secret')
    assert forged.status_code == 401
    unsigned = await client.post(
        '/api/github/webhooks', content=json.dumps(payload), headers={'X-GitHub-Event': 'push', 'X-GitHub-Hook-ID': '1'}
    )
    assert unsigned.status_code == 401
    body, headers = signed(github, REPO, 'push', payload, None, None)
    nameless = await client.post('/api/github/webhooks', content=body, headers={**headers, 'X-GitHub-Delivery': ''})
    assert nameless.status_code == 422 and nameless.json()['fields'][0]['field'] == 'X-GitHub-Delivery'
    await acted_on()
    now = (await client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert (now['release'], now['commitSha'], now['status']) == (1, found['commitSha'], 'running')
    [refused] = await deliveries(user, auth, deployment_id)
    assert refused['signatureOk'] is False and refused['reason'] == 'Signature did not match: ignored'
    assert refused['commitSha'] is None  # nothing was read from an unsigned body


async def test_ping_tags_deleted_branches_and_other_branches_are_ignored_with_their_reason(
    github: GitHubEmulator, user: User
):
    client = user.http_client
    auth, deployment_id, found = await watched(user, github)
    ping = await deliver(client, github, REPO, 'ping', retargeted(recorded_delivery('ping'), REPO))
    assert ping.status_code == 200 and ping.json() == {'status': 'pong'}
    tag = retargeted(recorded_delivery('push.tag-deleted'), REPO)
    assert (await deliver(client, github, REPO, 'push', tag)).status_code == 202
    gone = push_payload(REPO, 'main', found['commitSha'], '0' * 40) | {'deleted': True}
    assert (await deliver(client, github, REPO, 'push', gone)).status_code == 202
    before, after = github.push(REPO, 'feature', {'Dockerfile': 'FROM python:3.13\n'})
    assert (
        await deliver(client, github, REPO, 'push', push_payload(REPO, 'feature', before, after))
    ).status_code == 202
    await acted_on()
    reasons = [(d['event'], d['action'], d['reason']) for d in await deliveries(user, auth, deployment_id)]
    assert reasons == [
        ('push', 'ignored', 'It deploys main, not feature'),
        ('push', 'ignored', 'refs/heads/main was deleted: nothing to deploy'),
        ('push', 'ignored', 'refs/tags/simple-tag is not a branch'),
        ('ping', None, 'Ping: the hook reaches Espaze'),
    ]
    assert (await client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()['release'] == 1


async def test_watch_paths_limit_deploys_to_pushes_that_touch_them(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, deployment_id, _ = await watched(user, github, watchPaths=['services/api/*', 'Dockerfile'])
    before, after = github.push(REPO, 'main', {'Dockerfile': 'FROM python:3.12\n', 'docs/a.md': 'x'})
    await deliver(client, github, REPO, 'push', push_payload(REPO, 'main', before, after, ('docs/a.md',)))
    await acted_on()
    _, newest = github.push(REPO, 'main', {'Dockerfile': 'FROM python:3.12\n', 'services/api/main.py': 'x'})
    await deliver(client, github, REPO, 'push', push_payload(REPO, 'main', after, newest, ('services/api/main.py',)))
    await acted_on()
    outcomes = [(d['commitSha'], d['action'], d['reason']) for d in await deliveries(user, auth, deployment_id)]
    assert outcomes == [
        (newest, 'deployed', f'Release #2 from {newest[:7]}'),
        (after, 'ignored', 'No changed file matches its watch paths'),
    ]


async def test_a_burst_of_pushes_deploys_the_newest_and_a_push_during_a_build_supersedes_it(
    github: GitHubEmulator, user: User
):
    client = user.http_client
    auth, deployment_id, _found = await watched(user, github)
    first_before, first = github.push(REPO, 'main', {'Dockerfile': 'FROM python:3.13\n'})
    _, second = github.push(REPO, 'main', {'Dockerfile': 'FROM python:3.14\n'})
    await deliver(client, github, REPO, 'push', push_payload(REPO, 'main', first_before, first))
    await deliver(client, github, REPO, 'push', push_payload(REPO, 'main', first, second))
    await acted_on()
    outcomes = [(d['commitSha'], d['action']) for d in await deliveries(user, auth, deployment_id)]
    assert sorted(outcomes) == sorted([(second, 'deployed'), (first, 'ignored')])
    building = await until(client, auth, deployment_id, {'building'})
    assert building['commitSha'] == second

    _, third = github.push(REPO, 'main', {'Dockerfile': 'FROM python:3.15\n'})
    await deliver(client, github, REPO, 'push', push_payload(REPO, 'main', second, third))
    await acted_on()
    superseded = (await client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert superseded['commitSha'] == third and superseded['status'] in ('pending', 'building')
    done = await until(client, auth, deployment_id, {'running', 'failed'})
    assert done['status'] == 'running' and done['image'].endswith(third)
    kinds = [
        (r['kind'], r['commitSha'], r['image'])
        for r in (await client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    ]
    assert kinds[:2] == [('push', third, done['image']), ('push', second, None)]  # second was never built


async def a_fresh_minute_window(needed: float = 20) -> None:
    """Limits count in fixed minute windows: start the deliveries where the window has `needed` seconds left."""
    into = time.time() % 60
    if into > 60 - needed:
        await asyncio.sleep(60 - into + 0.05)


async def test_deliveries_are_bounded_and_rate_limited(github: GitHubEmulator, user: User):
    client = user.http_client
    _auth, _deployment_id, found = await watched(user, github)
    huge = push_payload(REPO, 'main', found['commitSha'], found['commitSha']) | {'padding': 'x' * 1_100_000}
    assert (await deliver(client, github, REPO, 'push', huge)).status_code == 413
    await a_fresh_minute_window()
    codes = [
        (await deliver(client, github, REPO, 'ping', {'zen': str(n)})).status_code
        for n in range(DELIVERIES_A_MINUTE + 2)
    ]
    assert set(codes[:DELIVERIES_A_MINUTE]) == {200} and codes[DELIVERIES_A_MINUTE:] == [429, 429]


async def test_someone_without_admin_rights_gets_a_clear_refusal_and_no_deployment(github: GitHubEmulator, user: User):
    client = user.http_client
    auth = await operator(client, 'guest@example.com')
    token = classic_token()
    github.add_user(token, 'guest')
    await link(client, auth, token)
    github.add_repo('dev/shop')
    refused = await client.post('/api/deployments', json=body(repo=REPO, autoDeploy=True), headers=auth)
    assert refused.status_code == 409 and 'admin rights' in refused.json()['error']
    assert (await client.get('/api/deployments', headers=auth)).json()['total'] == 0


async def test_a_delivery_lost_with_its_process_is_said_to_be_lost(github: GitHubEmulator, user: User, mongo_url: str):
    auth, deployment_id, _ = await watched(user, github)
    [hook] = github.hooks_of(REPO)
    client = AsyncMongoClient(mongo_url)
    try:
        records = GitHubHookRepository(client.get_default_database())
        long_ago = datetime.now(UTC) - timedelta(minutes=10)
        lost = Delivery('d-lost', 'push', hook['id'], REPO, True, long_ago, 'refs/heads/main', 'a' * 40)
        await records.received(lost)
        await records.received(Delivery('d-fresh', 'push', hook['id'], REPO, True, datetime.now(UTC)))
    finally:
        await client.close()
    assert await (await started()).pushes.sweep_lost() == 1
    reasons = {d['deliveryId']: (d['state'], d['reason']) for d in await deliveries(user, auth, deployment_id)}
    said = "Espaze stopped before acting on it: redeliver it from the hook's page on GitHub"
    assert reasons['d-lost'] == ('done', said)
    assert reasons['d-fresh'][0] == 'queued'


async def test_a_deployment_that_is_not_created_leaves_no_hook_behind(github: GitHubEmulator, user: User):
    client = user.http_client
    auth = await linked_operator(client, github)
    github.add_repo(REPO)
    await create(client, auth, body(repo=REPO, image='nginx:1'))
    clash = await client.post('/api/deployments', json=body(repo=REPO, autoDeploy=True), headers=auth)
    assert clash.status_code == 409 and 'already have a deployment named shop' in clash.json()['error']
    assert github.hooks_of(REPO) == []
