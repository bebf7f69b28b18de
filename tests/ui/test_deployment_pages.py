"""The deployment pages with NiceGUI's simulated user: the list, and what a viewer may not do."""

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.api.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.api.helpers import admin_tokens, bearer, login, signup
from tests.github_emulator import GitHubEmulator
from tests.ui.helpers import log_in


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def test_the_list_shows_status_source_and_ready_replicas(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    await log_in(user, 'dev@example.com')
    await user.open('/deployments')
    await user.should_see('Page 1 of 1 · 1 deployments', retries=30)
    [table] = user.find(ui.table).elements
    assert [(r['name'], r['status'], r['source'], r['replicas']) for r in table.rows] == [
        ('web', 'running', 'octocat/shop@main', '1/1')
    ]


async def test_a_viewer_sees_a_deployment_without_its_controls(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    admin = bearer(await admin_tokens(user.http_client))
    await signup(user.http_client, 'viewer@example.com', 'Vera')
    users = (await user.http_client.get('/api/users', headers=admin)).json()['items']
    viewer_id = next(u['id'] for u in users if u['email'] == 'viewer@example.com')
    await user.http_client.patch(f'/api/users/{viewer_id}', json={'role': 'viewer'}, headers=admin)
    await login(user.http_client, 'viewer@example.com')
    await log_in(user, 'viewer@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('1 of 1 replicas ready', retries=30)
    await user.should_not_see('Restart')
    await user.should_not_see('Delete')


async def test_someone_elses_deployment_page_says_nothing_about_it(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='private-web', image=NGINX, replicas=1))
    await signup(user.http_client, 'stranger@example.com', 'Stranger')
    await log_in(user, 'stranger@example.com')
    for path in (f'/deployments/{deployment_id}', '/deployments/not-an-id'):
        await user.open(path)
        await user.should_see('There is no such deployment, or it is not yours.', retries=30)
        await user.should_not_see('private-web')


async def test_the_dashboard_counts_deployments_by_status(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    await create(user.http_client, auth, body(name='api', image=NGINX, replicas=1))
    await log_in(user, 'dev@example.com')
    await user.should_see('1 running', retries=30)
    await user.should_see('1 pending')
    await user.should_not_see('No deployments yet')
