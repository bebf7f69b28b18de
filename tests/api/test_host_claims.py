"""A public host (`<name>.<domain>`) belongs to one deployment across all owners: another owner's `shop` cannot
take over the traffic of the first one's, however the requests race."""

import asyncio

from nicegui.testing import User

from tests.support.api_helpers import started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import database
from tests.support.github_emulator import GitHubEmulator

HOST = 'shop.apps.espaze.localhost'


async def test_another_owners_public_deployment_of_the_same_name_gets_409_naming_the_host(
    github: GitHubEmulator, user: User, mongo_url: str
):
    first = await linked_operator(user.http_client, github)
    await create(user.http_client, first, body(image=NGINX))
    second = await linked_operator(user.http_client, github, 'other@example.com')
    refused = await user.http_client.post('/api/deployments', json=body(image=NGINX), headers=second)
    assert refused.status_code == 409
    assert HOST in refused.json()['error'] and 'shop-2' in refused.json()['error']
    assert (await user.http_client.get('/api/deployments', headers=second)).json()['total'] == 0
    client, db = database(mongo_url)
    with client:
        assert db.deployments.count_documents({'name': 'shop'}) == 1
        assert db.hosts.find_one({'_id': HOST})['owner_id'] != (await _user_id(user, second))
    suggested = await user.http_client.post('/api/deployments', json=body('shop-2', image=NGINX), headers=second)
    assert suggested.status_code == 202, suggested.text


async def test_racing_owners_get_the_host_once(github: GitHubEmulator, user: User):
    owners = [await linked_operator(user.http_client, github, f'racer{n}@example.com') for n in range(6)]
    answers = await asyncio.gather(
        *(user.http_client.post('/api/deployments', json=body(image=NGINX), headers=auth) for auth in owners)
    )
    assert sorted(a.status_code for a in answers) == [202, 409, 409, 409, 409, 409]


async def test_deleting_releases_the_host_and_going_public_claims_it(github: GitHubEmulator, user: User):
    first = await linked_operator(user.http_client, github)
    first_id = await create(user.http_client, first, body(image=NGINX))
    second = await linked_operator(user.http_client, github, 'other@example.com')
    private_id = await create(user.http_client, second, body(image=NGINX, public=False))
    await until(user.http_client, second, private_id, {'running'})
    going_public = await user.http_client.patch(f'/api/deployments/{private_id}', json={'public': True}, headers=second)
    assert going_public.status_code == 409 and HOST in going_public.json()['error']
    found = (await user.http_client.get(f'/api/deployments/{private_id}', headers=second)).json()
    assert found['configuration']['public'] is False
    await until(user.http_client, first, first_id, {'running', 'failed'})
    assert (await user.http_client.delete(f'/api/deployments/{first_id}', headers=first)).status_code == 204
    now_public = await user.http_client.patch(f'/api/deployments/{private_id}', json={'public': True}, headers=second)
    assert now_public.status_code == 200, now_public.text


async def test_deployments_made_before_claims_get_their_hosts_at_startup(
    github: GitHubEmulator, user: User, mongo_url: str
):
    first = await linked_operator(user.http_client, github)
    await create(user.http_client, first, body(image=NGINX))
    client, db = database(mongo_url)
    with client:
        db.hosts.delete_many({})  # as an instance upgraded from before host claims
    await (await started()).deployments.ensure_indexes()
    second = await linked_operator(user.http_client, github, 'other@example.com')
    refused = await user.http_client.post('/api/deployments', json=body(image=NGINX), headers=second)
    assert refused.status_code == 409


async def _user_id(user: User, auth: dict) -> str:
    return (await user.http_client.get('/api/auth/me', headers=auth)).json()['id']
