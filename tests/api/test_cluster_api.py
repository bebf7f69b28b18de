"""The cluster's status and nodes through the API, for signed-in users only."""

from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, signup


async def test_the_cluster_status_and_nodes(user: User):
    await admin_tokens(user.http_client)
    auth = bearer(await signup(user.http_client, 'viewer@example.com'))
    status = (await user.http_client.get('/api/cluster/status', headers=auth)).json()
    assert status == {
        **status,
        'reachable': True,
        'sandbox': False,
        'nodesReady': 3,
        'nodesTotal': 3,
        'metricsAvailable': True,
        'problem': None,
    }
    assert status['version'].startswith('v1.')
    nodes = (await user.http_client.get('/api/cluster/nodes', headers=auth)).json()
    assert len(nodes) == 3 and nodes[0]['capacityCpu'] == 4 and 'topology.kubernetes.io/region' in nodes[0]['labels']


async def test_the_cluster_is_not_shown_to_strangers(user: User):
    for path in ('/api/cluster/status', '/api/cluster/nodes'):
        assert (await user.http_client.get(path)).status_code == 401
