"""Who sees and changes which nodes; enrollment tokens; listing with filters, sorting and paging."""

from datetime import UTC, datetime, timedelta

from bson import ObjectId
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, signup
from tests.support.fleet_helpers import beat, database, enroll, node_body, node_doc


async def two_operators(user: User) -> tuple[dict, dict, dict]:
    admin = await admin_tokens(user.http_client)
    return admin, await signup(user.http_client, 'alice@example.com'), await signup(user.http_client, 'bob@example.com')


async def test_another_operators_node_is_404_for_every_route_and_changes_nothing(user: User, mongo_url: str):
    _, alice, bob = await two_operators(user)
    node = (await enroll(user.http_client, alice, labels={'a': 'b'}))['node']
    path = f'/api/nodes/{node["id"]}'
    for method, suffix, body in [
        ('GET', '', None),
        ('PATCH', '', {'name': 'stolen'}),
        ('DELETE', '', None),
        ('GET', '/events', None),
        ('GET', '/metrics', None),
        ('POST', '/revoke-token', None),
    ]:
        response = await user.http_client.request(method, path + suffix, json=body, headers=bearer(bob))
        assert response.status_code == 404, (method, suffix)
    doc = node_doc(mongo_url, node['id'])
    assert doc['name'] == node['name'] and doc['token_hash']
    listed = await user.http_client.get('/api/nodes', headers=bearer(bob))
    assert listed.json()['total'] == 0


async def test_viewers_read_the_fleet_but_change_nothing_and_admins_change_anything(user: User, mongo_url: str):
    admin, alice, _ = await two_operators(user)
    viewer = await signup(user.http_client, 'viewer@example.com')
    await user.http_client.patch(f'/api/users/{viewer["user"]["id"]}', json={'role': 'viewer'}, headers=bearer(admin))
    node = (await enroll(user.http_client, alice))['node']
    path = f'/api/nodes/{node["id"]}'
    assert (await user.http_client.get(path, headers=bearer(viewer))).status_code == 200
    assert (await user.http_client.patch(path, json={'name': 'v'}, headers=bearer(viewer))).status_code == 403
    assert (await user.http_client.delete(path, headers=bearer(viewer))).status_code == 403
    renamed = await user.http_client.patch(path, json={'name': 'by-admin'}, headers=bearer(admin))
    assert renamed.status_code == 200 and node_doc(mongo_url, node['id'])['name'] == 'by-admin'


async def test_labels_are_edited_with_kubernetes_rules(user: User):
    _, alice, _ = await two_operators(user)
    node = (await enroll(user.http_client, alice))['node']
    path = f'/api/nodes/{node["id"]}'
    good = {'topology.kubernetes.io/region': 'eu-west-1', 'tier': ''}
    response = await user.http_client.patch(path, json={'labels': good}, headers=bearer(alice))
    assert response.status_code == 200 and response.json()['labels'] == good
    bad = await user.http_client.patch(path, json={'labels': {'Bad_Prefix!/x': 'y'}}, headers=bearer(alice))
    assert bad.status_code == 422 and bad.json()['fields'][0]['field'] == 'labels'
    assert (await user.http_client.get(path, headers=bearer(alice))).json()['labels'] == good


async def test_revoked_or_deleted_nodes_cannot_beat(user: User, mongo_url: str):
    _, alice, _ = await two_operators(user)
    first = await enroll(user.http_client, alice)
    second = await enroll(user.http_client, alice, mac='02:00:00:00:00:02')
    revoke = await user.http_client.post(f'/api/nodes/{first["node"]["id"]}/revoke-token', headers=bearer(alice))
    assert revoke.status_code == 204
    assert (await beat(user.http_client, first['node']['id'], first['nodeToken'])).status_code == 401
    delete = await user.http_client.delete(f'/api/nodes/{second["node"]["id"]}', headers=bearer(alice))
    assert delete.status_code == 204 and node_doc(mongo_url, second['node']['id']) is None
    assert (await beat(user.http_client, second['node']['id'], second['nodeToken'])).status_code == 401


async def test_enrollment_token_enrolls_for_its_creator_until_used_up(user: User):
    _, alice, bob = await two_operators(user)
    created = await user.http_client.post(
        '/api/nodes/enrollment-tokens', json={'name': 'rack 4', 'maxUses': 2, 'ttlHours': 1}, headers=bearer(alice)
    )
    assert created.status_code == 201
    secret = created.json()['token']
    assert secret.startswith('espe_')
    enrollment = {'Authorization': f'Bearer {secret}'}
    for n in (1, 2):
        response = await user.http_client.post(
            '/api/nodes/register', json=node_body(mac=f'02:00:00:00:00:0{n}'), headers=enrollment
        )
        assert response.status_code == 201 and response.json()['node']['ownerId'] == alice['user']['id']
    spent = await user.http_client.post(
        '/api/nodes/register', json=node_body(mac='02:00:00:00:00:03'), headers=enrollment
    )
    assert spent.status_code == 401
    listed = (await user.http_client.get('/api/nodes/enrollment-tokens', headers=bearer(alice))).json()
    assert listed[0]['uses'] == 2 and 'token' not in listed[0]
    assert (await user.http_client.get('/api/nodes/enrollment-tokens', headers=bearer(bob))).json() == []


async def test_a_failed_enrollment_does_not_use_up_the_token(user: User):
    _, alice, bob = await two_operators(user)
    await enroll(user.http_client, bob)  # bob owns this MAC
    secret = (await user.http_client.post('/api/nodes/enrollment-tokens', json={}, headers=bearer(alice))).json()[
        'token'
    ]
    taken = await user.http_client.post(
        '/api/nodes/register', json=node_body(), headers={'Authorization': f'Bearer {secret}'}
    )
    assert taken.status_code == 409
    ok = await user.http_client.post(
        '/api/nodes/register', json=node_body(mac='02:00:00:00:00:07'), headers={'Authorization': f'Bearer {secret}'}
    )
    assert ok.status_code == 201


async def test_expired_and_revoked_enrollment_tokens_are_refused(user: User, mongo_url: str):
    _, alice, bob = await two_operators(user)
    expired = (await user.http_client.post('/api/nodes/enrollment-tokens', json={}, headers=bearer(alice))).json()
    revoked = (await user.http_client.post('/api/nodes/enrollment-tokens', json={}, headers=bearer(alice))).json()
    client, db = database(mongo_url)
    with client:
        db.enrollment_tokens.update_one(
            {'_id': ObjectId(expired['id'])}, {'$set': {'expires_at': datetime.now(UTC) - timedelta(seconds=1)}}
        )
    not_yours = await user.http_client.delete(f'/api/nodes/enrollment-tokens/{revoked["id"]}', headers=bearer(bob))
    assert not_yours.status_code == 404
    gone = await user.http_client.delete(f'/api/nodes/enrollment-tokens/{revoked["id"]}', headers=bearer(alice))
    assert gone.status_code == 204
    for record in (expired, revoked):
        response = await user.http_client.post(
            '/api/nodes/register', json=node_body(), headers={'Authorization': f'Bearer {record["token"]}'}
        )
        assert response.status_code == 401
    assert (await user.http_client.get('/api/nodes', headers=bearer(alice))).json()['total'] == 0


async def test_listing_filters_sorts_and_pages_on_the_server(user: User):
    _, alice, _ = await two_operators(user)
    for n, region in enumerate(['eu', 'eu', 'us', 'ap', 'eu'], start=1):
        await enroll(
            user.http_client,
            alice,
            mac=f'02:00:00:00:00:0{n}',
            ip=f'8.8.8.{n}',
            name=f'edge-{n}',
            labels={'region': region},
        )
    page = (
        await user.http_client.get('/api/nodes?sort=name&order=asc&pageSize=2&page=2', headers=bearer(alice))
    ).json()
    assert page['total'] == 5 and [n['name'] for n in page['items']] == ['edge-3', 'edge-4']
    eu = (await user.http_client.get('/api/nodes?label=region=eu', headers=bearer(alice))).json()
    assert eu['total'] == 3
    by_text = (await user.http_client.get('/api/nodes?q=8.8.8.4', headers=bearer(alice))).json()
    assert [n['name'] for n in by_text['items']] == ['edge-4']
    pending = (await user.http_client.get('/api/nodes?status=pending', headers=bearer(alice))).json()
    assert pending['total'] == 5
    online = (await user.http_client.get('/api/nodes?status=online', headers=bearer(alice))).json()
    assert online['total'] == 0
    summary = (await user.http_client.get('/api/nodes/summary', headers=bearer(alice))).json()
    assert summary == {'total': 5, 'online': 0, 'offline': 0, 'pending': 5}
    bad = await user.http_client.get('/api/nodes?sort=password', headers=bearer(alice))
    assert bad.status_code == 422
    injected = await user.http_client.get('/api/nodes?q=.*&label=$where=1', headers=bearer(alice))
    assert injected.status_code == 200 and injected.json()['total'] == 0
