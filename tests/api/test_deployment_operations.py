"""Operating a deployment: scale, stop, start, restart, reconfigure, redeploy, roll back, delete; who may do what."""

import pytest
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, login, signup, started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator

OTHER_IMAGE = 'nginxinc/nginx-unprivileged:1.26'


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def cluster_deployment(name: str, namespace: str):
    cluster = (await started()).cluster
    return await cluster.gateway.call(cluster.gateway.apps.read_namespaced_deployment, name, namespace)


async def running(user: User, github: GitHubEmulator, **configuration) -> tuple[dict, str, dict]:
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(image=NGINX, replicas=1, **configuration))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running', found['statusReason']
    return auth, deployment_id, found


async def test_scale_stop_and_start(github: GitHubEmulator, user: User):
    auth, deployment_id, _ = await running(user, github)
    url = f'/api/deployments/{deployment_id}'
    scaled = await user.http_client.post(f'{url}/scale', json={'replicas': 3}, headers=auth)
    assert scaled.status_code == 200 and scaled.json()['status'] == 'deploying'
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['statusReason'] == '3 of 3 replicas ready' and found['configuration']['replicas'] == 3
    await user.http_client.post(f'{url}/scale', json={'replicas': 0}, headers=auth)
    assert (await until(user.http_client, auth, deployment_id, {'stopped', 'failed'}))['status'] == 'stopped'
    owner_id = (await user.http_client.get(url, headers=auth)).json()['ownerId']
    services = await started()
    await services.operations.start(await services.accounts.enabled_user(owner_id), deployment_id)  # the page's Start
    restarted = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert restarted['configuration']['replicas'] == 3  # the replicas it last ran with
    await user.http_client.post(f'{url}/scale', json={'replicas': 1}, headers=auth)
    assert (await until(user.http_client, auth, deployment_id, {'running', 'failed'}))['status'] == 'running'
    too_many = await user.http_client.post(f'{url}/scale', json={'replicas': 11}, headers=auth)
    assert too_many.status_code == 422 and too_many.json()['fields'][0]['field'] == 'replicas'
    kinds = [r['kind'] for r in (await user.http_client.get(f'{url}/releases', headers=auth)).json()]
    assert kinds == ['scale', 'scale', 'scale', 'scale', 'deploy']


async def test_restart_rolls_the_pods(github: GitHubEmulator, user: User):
    auth, deployment_id, found = await running(user, github)
    url = f'/api/deployments/{deployment_id}'
    before = {p['name'] for p in (await user.http_client.get(f'{url}/pods', headers=auth)).json()}
    assert (await user.http_client.post(f'{url}/restart', headers=auth)).json()['status'] == 'deploying'
    await until(user.http_client, auth, deployment_id, {'running'})
    deployment = await cluster_deployment('shop', found['namespace'])
    assert 'kubectl.kubernetes.io/restartedAt' in deployment.spec.template.metadata.annotations
    after = {p['name'] for p in (await user.http_client.get(f'{url}/pods', headers=auth)).json()}
    assert after and not after & before


async def test_rollback_restores_the_old_image_and_configuration(github: GitHubEmulator, user: User):
    auth, deployment_id, found = await running(user, github, env={'MODE': 'one'}, secretEnv={'TOKEN': 'first'})
    url = f'/api/deployments/{deployment_id}'
    changed = await user.http_client.patch(
        url,
        json={'env': {'MODE': 'two'}, 'secretEnv': {'TOKEN': 'second'}, 'healthCheckPath': '/ready'},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    await until(user.http_client, auth, deployment_id, {'running'})
    cluster = (await started()).cluster
    secret = await cluster.gateway.call(
        cluster.gateway.core.read_namespaced_secret, 'shop-secret-env', found['namespace']
    )
    assert secret.data == {'TOKEN': 'c2Vjb25k'}  # "second"
    rolled = await user.http_client.post(f'{url}/rollback', json={'release': 1}, headers=auth)
    assert rolled.status_code == 200 and rolled.json()['status'] == 'deploying'
    assert [h['reason'] for h in rolled.json()['history']][-2:] == ['Rollback to #1', f'Rolling out {NGINX}']
    back = await until(user.http_client, auth, deployment_id, {'running'})
    assert back['configuration']['env'] == {'MODE': 'one'} and back['configuration']['healthCheckPath'] == '/'
    config = await cluster.gateway.call(cluster.gateway.core.read_namespaced_config_map, 'shop-env', found['namespace'])
    secret = await cluster.gateway.call(
        cluster.gateway.core.read_namespaced_secret, 'shop-secret-env', found['namespace']
    )
    assert config.data == {'MODE': 'one'} and secret.data == {'TOKEN': 'Zmlyc3Q='}  # "first"
    releases = (await user.http_client.get(f'{url}/releases', headers=auth)).json()
    assert [(r['number'], r['kind'], r['note']) for r in releases][:1] == [(3, 'rollback', 'Rollback to #1')]
    missing = await user.http_client.post(f'{url}/rollback', json={'release': 9}, headers=auth)
    assert missing.status_code == 404


async def test_redeploy_builds_the_latest_commit(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    github.add_repo('dev/shop')
    deployment_id = await create(user.http_client, auth, body(repo='dev/shop', replicas=1))
    first = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    newer = github.add_branch('dev/shop', 'main', {'Dockerfile': 'FROM python:3.13\n'})
    redeployed = await user.http_client.post(f'/api/deployments/{deployment_id}/redeploy', headers=auth)
    assert redeployed.json()['status'] == 'pending'
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['commitSha'] == newer != first['commitSha'] and found['image'].endswith(newer)


async def test_delete_removes_the_cluster_objects_and_keeps_the_record(github: GitHubEmulator, user: User):
    auth, deployment_id, found = await running(user, github)
    assert (await user.http_client.delete(f'/api/deployments/{deployment_id}', headers=auth)).status_code == 204
    cluster = (await started()).cluster
    assert await cluster.reads.rollout(found['namespace'], 'shop') is None
    assert (await user.http_client.get('/api/deployments', headers=auth)).json()['total'] == 0
    history = (await user.http_client.get('/api/deployments?status=deleted', headers=auth)).json()
    assert [d['status'] for d in history['items']] == ['deleted']
    again = await create(user.http_client, auth, body(image=NGINX, replicas=1))  # the name is free again
    assert again != deployment_id


async def test_viewers_read_strangers_get_404_and_no_cluster_call_is_made(
    github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, user: User
):
    _, deployment_id, _ = await running(user, github)
    admin = bearer(await admin_tokens(user.http_client))
    await signup(user.http_client, 'viewer@example.com')
    admin_users = (await user.http_client.get('/api/users', headers=admin)).json()['items']
    viewer_id = next(u['id'] for u in admin_users if u['email'] == 'viewer@example.com')
    await user.http_client.patch(f'/api/users/{viewer_id}', json={'role': 'viewer'}, headers=admin)
    viewer = bearer(await login(user.http_client, 'viewer@example.com'))
    stranger = bearer(await signup(user.http_client, 'stranger@example.com'))
    gateway = (await started()).cluster.gateway
    calls = []
    original = gateway.call

    async def counted(*args, **kwargs):
        calls.append(args[0])
        return await original(*args, **kwargs)

    monkeypatch.setattr(gateway, 'call', counted)
    url = f'/api/deployments/{deployment_id}'
    for method, path, payload in [
        ('GET', '', None),
        ('PATCH', '', {'env': {}}),
        ('DELETE', '', None),
        ('POST', '/scale', {'replicas': 2}),
        ('POST', '/restart', None),
        ('POST', '/redeploy', None),
        ('POST', '/rollback', {'release': 1}),
        ('GET', '/pods', None),
        ('GET', '/logs', None),
        ('GET', '/events', None),
        ('GET', '/releases', None),
    ]:
        response = await user.http_client.request(method, url + path, json=payload, headers=stranger)
        assert response.status_code == 404, (method, path)
    for method, path, payload in [
        ('POST', '/scale', {'replicas': 2}),
        ('POST', '/restart', None),
        ('DELETE', '', None),
        ('PATCH', '', {'env': {}}),
    ]:
        assert (await user.http_client.request(method, url + path, json=payload, headers=viewer)).status_code == 403
    assert calls == []
    assert (await user.http_client.get(url, headers=viewer)).status_code == 200
    assert (await user.http_client.get('/api/deployments', headers=stranger)).json()['total'] == 0
    assert (await user.http_client.post('/api/deployments', json=body(image=NGINX), headers=viewer)).status_code == 403


@pytest.mark.parametrize(
    ('change', 'field'),
    [
        ({'name': 'Not_Valid'}, 'name'),
        ({'name': 'x' * 41}, 'name'),
        ({'githubRepo': 'https://github.com/a/b'}, 'githubRepo'),
        ({'branch': '-rf'}, 'branch'),
        ({'configuration': {'replicas': 11}}, 'configuration.replicas'),
        ({'configuration': {'port': 0}}, 'configuration.port'),
        ({'configuration': {'env': {'1BAD': 'x'}}}, 'configuration.env'),
        ({'configuration': {'image': 'Not An Image'}}, 'configuration.image'),
        ({'configuration': {'resources': {'cpuLimit': 'lots'}}}, 'configuration.resources.cpuLimit'),
        ({'configuration': {'nodeSelector': {'bad key!': 'x'}}}, 'configuration.nodeSelector'),
        ({'configuration': {'healthCheckPath': 'no-slash'}}, 'configuration.healthCheckPath'),
        ({'owner': 'someone-else'}, 'owner'),
        ({'configuration': {'namespace': 'kube-system'}}, 'configuration.namespace'),
    ],
)
async def test_bad_requests_name_the_field_and_store_nothing(github: GitHubEmulator, user: User, change: dict, field):
    auth = await linked_operator(user.http_client, github)
    payload = {**body(image=NGINX), **change}
    if 'configuration' in change:
        payload['configuration'] = {**body(image=NGINX)['configuration'], **change['configuration']}
    response = await user.http_client.post('/api/deployments', json=payload, headers=auth)
    assert response.status_code == 422, response.text
    assert field in [f['field'] for f in response.json()['fields']]
    assert (await user.http_client.get('/api/deployments', headers=auth)).json()['total'] == 0


async def test_names_are_unique_per_owner(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    await create(user.http_client, auth, body(image=NGINX))
    again = await user.http_client.post('/api/deployments', json=body(image=NGINX), headers=auth)
    assert again.status_code == 409
    other = await linked_operator(user.http_client, github, 'other@example.com')
    private = body(image=NGINX, public=False)  # a public one would want the same host (tests/api/test_host_claims.py)
    assert (await user.http_client.post('/api/deployments', json=private, headers=other)).status_code == 202
