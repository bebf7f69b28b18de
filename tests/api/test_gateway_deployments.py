"""A public deployment made through the API in Gateway API mode, on the sandbox: it runs behind an HTTPRoute that
the Gateway accepts, and made private, the route goes."""

import pytest
from nicegui.testing import User

from services.cluster.custom_objects import GATEWAYS, HTTP_ROUTES
from tests.support.api_helpers import started
from tests.support.cluster_helpers import eventually
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def gateway_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROUTING', 'gateway')
    monkeypatch.setenv('ESPAZE_GATEWAY', 'espaze-edge/public')
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def a_gateway() -> None:
    cluster = (await started()).cluster
    await cluster.gateway.optional(cluster.gateway.core.create_namespace, {'metadata': {'name': 'espaze-edge'}})
    body_ = {
        'apiVersion': 'gateway.networking.k8s.io/v1',
        'kind': 'Gateway',
        'metadata': {'name': 'public'},
        'spec': {
            'gatewayClassName': 'sandbox',
            'listeners': [
                {'name': 'http', 'protocol': 'HTTP', 'port': 80, 'allowedRoutes': {'namespaces': {'from': 'All'}}}
            ],
        },
    }
    custom = cluster.gateway.custom
    await cluster.gateway.optional(custom.create_namespaced_custom_object, *GATEWAYS.at('espaze-edge'), body_)


async def routes_in(namespace: str) -> list[dict]:
    cluster = (await started()).cluster
    custom = cluster.gateway.custom
    found = await cluster.gateway.call(custom.list_namespaced_custom_object, *HTTP_ROUTES.at(namespace))
    return found['items']


async def test_a_public_deployment_runs_behind_an_accepted_route_and_loses_it_when_private(
    github: GitHubEmulator, user: User
):
    await a_gateway()
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='shop', image=NGINX, replicas=1))
    found = await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running', found['statusReason']
    (route,) = await routes_in(found['namespace'])
    assert (
        route['spec']['hostnames'] == ['shop.apps.espaze.localhost']
        and 'shop.apps.espaze.localhost' in found['address']
    )
    assert route['spec']['parentRefs'][0]['name'] == 'public'

    async def accepted() -> bool:
        parents = ((await routes_in(found['namespace']))[0].get('status') or {}).get('parents') or []
        return any(c['type'] == 'Accepted' and c['status'] == 'True' for p in parents for c in p['conditions'])

    assert await eventually(accepted, bool)
    ingresses = await (await started()).cluster.gateway.call(
        (await started()).cluster.gateway.networking.list_namespaced_ingress, found['namespace']
    )
    assert ingresses.items == []
    changed = await user.http_client.patch(f'/api/deployments/{deployment_id}', json={'public': False}, headers=auth)
    assert changed.status_code == 200, changed.text
    await until(user.http_client, auth, deployment_id, {'running', 'failed'})
    assert await routes_in(found['namespace']) == []
