"""An enrollment token cannot take over an enrolled node by sending its MAC: enrolling the MAC again needs the
node's current token, or an allowance its owner gives on the node's page (for 15 minutes, once). Another account's
MAC gets the same 409 as any other conflict. And no deployment runs another owner's build from Espaze's registry."""

from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, login, signup
from tests.support.deployment_helpers import body, linked_operator
from tests.support.fleet_helpers import beat, node_body
from tests.support.github_emulator import GitHubEmulator

MAC = '00:1a:2b:3c:4d:5e'


async def _enrollment_token(user: User, auth: dict) -> str:
    created = await user.http_client.post('/api/nodes/enrollment-tokens', json={'maxUses': 10}, headers=auth)
    assert created.status_code == 201, created.text
    return created.json()['token']


async def _enroll_with(user: User, token: str, **extra) -> object:
    return await user.http_client.post(
        '/api/nodes/register', json=node_body(MAC, **extra), headers={'Authorization': f'Bearer {token}'}
    )


async def test_an_enrollment_token_cannot_take_over_an_enrolled_mac_without_proof(user: User):
    await admin_tokens(user.http_client)
    owner = bearer(await signup(user.http_client, 'ops@example.com'))
    token = await _enrollment_token(user, owner)
    first = await _enroll_with(user, token)
    assert first.status_code == 201
    node_id, node_token = first.json()['node']['id'], first.json()['nodeToken']

    taken = await _enroll_with(user, token, publicIp='1.1.1.1')
    assert taken.status_code == 409 and 'already enrolled' in taken.json()['error']
    assert (await beat(user.http_client, node_id, node_token)).status_code == 200  # the real node keeps working
    found = (await user.http_client.get(f'/api/nodes/{node_id}', headers=owner)).json()
    assert found['publicIp'] == '8.8.8.8'

    wrong = await _enroll_with(user, token, nodeToken=node_token[:-2] + 'xx')
    assert wrong.status_code == 409
    again = await _enroll_with(user, token, nodeToken=node_token)
    assert again.status_code == 200 and again.json()['node']['id'] == node_id
    assert (await beat(user.http_client, node_id, node_token)).status_code == 401  # replaced by the new one
    assert (await beat(user.http_client, node_id, again.json()['nodeToken'])).status_code == 200


async def test_the_owner_may_allow_one_re_enrollment_for_a_while(user: User):
    await admin_tokens(user.http_client)
    owner = bearer(await signup(user.http_client, 'ops@example.com'))
    stranger = bearer(await signup(user.http_client, 'eve@example.com'))
    token = await _enrollment_token(user, owner)
    node_id = (await _enroll_with(user, token)).json()['node']['id']
    refused = await user.http_client.post(f'/api/nodes/{node_id}/allow-reenrollment', headers=stranger)
    assert refused.status_code == 404
    allowed = await user.http_client.post(f'/api/nodes/{node_id}/allow-reenrollment', headers=owner)
    assert allowed.status_code == 200 and allowed.json()['allowedUntil']
    replaced = await _enroll_with(user, token, publicIp='1.1.1.1')  # the machine was reinstalled
    assert replaced.status_code == 200 and replaced.json()['node']['publicIp'] == '1.1.1.1'
    assert (await _enroll_with(user, token)).status_code == 409  # the allowance was spent


async def test_another_accounts_mac_gets_the_same_409_as_any_conflict(user: User):
    await admin_tokens(user.http_client)
    alice = bearer(await signup(user.http_client, 'alice@example.com'))
    await signup(user.http_client, 'bob@example.com')
    bob = bearer(await login(user.http_client, 'bob@example.com'))
    assert (await _enroll_with(user, await _enrollment_token(user, alice))).status_code == 201
    bobs = await _enroll_with(user, await _enrollment_token(user, bob))
    alices_again = await _enroll_with(user, await _enrollment_token(user, alice))
    assert bobs.status_code == alices_again.status_code == 409
    assert bobs.json()['error'] == alices_again.json()['error']
    assert 'account' not in bobs.json()['error']


async def test_a_prebuilt_image_from_another_owners_registry_space_is_refused(github: GitHubEmulator, user: User):
    victim = await linked_operator(user.http_client, github, 'victim@example.com')
    victim_id = (await user.http_client.get('/api/auth/me', headers=victim)).json()['id']
    attacker = await linked_operator(user.http_client, github, 'attacker@example.com')
    stolen = f'registry.espaze.localhost:5000/{victim_id}/shop:{"a" * 40}'
    refused = await user.http_client.post('/api/deployments', json=body('loot', image=stolen), headers=attacker)
    assert refused.status_code == 422
    assert refused.json()['fields'][0]['field'] == 'configuration.image'
    own = await user.http_client.post('/api/deployments', json=body('mine', image=stolen), headers=victim)
    assert own.status_code == 202, own.text
