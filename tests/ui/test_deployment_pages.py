"""The deployment pages with NiceGUI's simulated user: the list, the configuration tab, and what a viewer may not do."""

import asyncio
import base64

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, login, signup, started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator
from tests.support.ui_helpers import confirm, log_in, press


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
    await user.should_see('Container port', retries=30)
    await user.should_not_see('Save and roll out')
    assert not [e for e in user.find('Container port').elements if e.enabled]


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


async def test_the_configuration_tab_changes_env_secrets_and_resources_as_a_new_release(
    github: GitHubEmulator, user: User
):
    auth = await linked_operator(user.http_client, github)
    payload = body(
        name='web',
        image=NGINX,
        replicas=1,
        env={'MODE': 'live'},
        secretEnv={'API_KEY': 'first-s3cret', 'OLD': 'x-s3cret'},
    )
    deployment_id = await create(user.http_client, auth, payload)
    await until(user.http_client, auth, deployment_id, {'running'})
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('Save and roll out', retries=30)
    assert not [e for e in user.find(ui.input).elements if 's3cret' in str(e.value)]  # stored secrets are not shown

    user.find('Health-check path').clear().type('ready')
    press(user, 'Save and roll out')
    [health] = user.find('Health-check path').elements
    for _ in range(50):
        if health.error:
            break
        await asyncio.sleep(0.1)
    assert health.error == 'Must be a path such as /healthz'
    releases = (await user.http_client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    assert len(releases) == 1  # refused: nothing changed

    user.find('Health-check path').clear().type('/ready')
    user.find(marker='env value MODE').clear().type('test')
    user.find(marker='env value API_KEY').type('second-s3cret')
    user.find(marker='remove OLD').click()
    press(user, 'Add variable')
    user.find(marker='new env name').type('FEATURE')
    user.find(marker='new env value').type('on')
    user.find('Resources').click()
    user.find('Medium (0.25 CPU, 256 MiB; limit 1 CPU, 1 GiB)').click()
    press(user, 'Save and roll out')
    await user.should_see('Configuration saved: rolling it out', retries=30)

    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    configuration = found['configuration']
    assert configuration['env'] == {'MODE': 'test', 'FEATURE': 'on'} and configuration['secretEnvNames'] == ['API_KEY']
    assert configuration['healthCheckPath'] == '/ready' and configuration['resources']['cpuLimit'] == '1'
    releases = (await user.http_client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    assert [(r['number'], r['kind']) for r in releases] == [(2, 'configuration'), (1, 'deploy')]
    cluster = (await started()).cluster
    secret = await cluster.gateway.call(
        cluster.gateway.core.read_namespaced_secret, 'web-secret-env', found['namespace']
    )
    assert secret.data == {'API_KEY': base64.b64encode(b'second-s3cret').decode()}


async def test_the_build_log_grows_live_while_the_page_is_open(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/shop')
    deployment_id = await create(user.http_client, auth, body(repo='dev/shop', replicas=1))
    await until(user.http_client, auth, deployment_id, {'building'})
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('Save and roll out', retries=30)
    await user.should_not_see('exporting to image')
    await until(user.http_client, auth, deployment_id, {'running'})
    await user.should_see('exporting to image', retries=50)  # pushed by the page's timer, without a reload
    [build_log] = user.find(marker='build log').elements
    lines = [child.text for child in build_log.default_slot.children]
    assert lines[0].endswith('#1 [internal] load build definition from Dockerfile')
    assert len(lines) == len(set(lines))  # each line once


async def test_the_usage_tab_charts_cpu_and_memory_against_request_and_limit(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=2))
    await until(user.http_client, auth, deployment_id, {'running'})
    await (await started()).metrics.collect_scopes()
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('CPU of all its pods together: used against the sum of requests and limits', retries=30)
    for _ in range(50):  # the charts are drawn once their history is read
        if all(p.figure['data'][0]['y'] for p in user.find(ui.plotly).elements):
            break
        await asyncio.sleep(0.1)
    charts = {
        p.figure['layout']['yaxis']['title']['text']: {t['name']: list(t['y']) for t in p.figure['data']}
        for p in user.find(ui.plotly).elements
    }
    assert charts['cores']['Request'] == [0.2] and charts['cores']['Limit'] == [1.0]
    assert charts['MiB']['Request'] == [256.0] and charts['MiB']['Limit'] == [1024.0]
    assert charts['cores']['Used'][0] > 0


async def test_cancel_is_offered_during_a_rollout_and_goes_back_to_what_ran(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr((await started()).deployments.engine, '_scheduling_patience', 3600)
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    nowhere = {'nodeSelector': {'topology.kubernetes.io/region': 'mars'}}
    stuck = await user.http_client.patch(f'/api/deployments/{deployment_id}', json=nowhere, headers=auth)
    assert stuck.json()['status'] == 'deploying'
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('Release #2 · runs release #1', retries=30)
    user.find('Cancel rollout').click()
    await user.should_see('Cancel release #2 of web? It goes back to release #1.', retries=30)
    await confirm(user)
    await user.should_see('Cancelled release #2', retries=30)
    found = await until(user.http_client, auth, deployment_id, {'running'})
    assert found['runningRelease'] == 3 and found['configuration']['nodeSelector'] == {}
    await user.should_see('Release #3 · runs release #3', retries=50)
