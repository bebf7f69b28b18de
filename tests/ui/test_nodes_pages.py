"""The Nodes page and a node's own page, driven with NiceGUI's simulated user."""

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime

from nicegui import ui
from nicegui.testing import User
from pymongo import MongoClient

from bench.scale.seed import node_documents
from pages.components import node_metrics
from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, signup, started
from tests.support.fleet_helpers import beat, enroll, node_doc
from tests.support.ui_helpers import confirm, log_in, press


async def fleet(user: User) -> tuple[dict, dict, list[dict]]:
    admin = await admin_tokens(user.http_client)
    alice = await signup(user.http_client, 'alice@example.com', 'Alice')
    bob = await signup(user.http_client, 'bob@example.com', 'Bob')
    nodes = [
        await enroll(user.http_client, alice, mac=f'02:00:00:00:00:0{n}', name=f'alice-{n}', labels={'site': site})
        for n, site in ((1, 'lisbon'), (2, 'oslo'))
    ]
    await enroll(user.http_client, bob, mac='02:00:00:00:00:09', name='bob-node')
    await beat(user.http_client, nodes[0]['node']['id'], nodes[0]['nodeToken'])
    await (await started()).heartbeats.flush()
    return admin, alice, nodes


async def open_nodes(user: User) -> None:
    await user.open('/nodes')
    await user.should_see('Page 1 of', retries=30)  # the page finishes loading after the first HTML


def table_names(user: User) -> list[str]:
    [table] = user.find(marker='nodes').elements
    return [row['name'] for row in table.rows]


async def test_operator_sees_counts_map_and_only_their_nodes(user: User):
    await fleet(user)
    await log_in(user, 'alice@example.com')
    await open_nodes(user)
    assert sorted(table_names(user)) == ['alice-1', 'alice-2']
    counts = {key: user.find(marker=f'count {key}').elements.pop().text for key in ('total', 'online', 'pending')}
    assert counts == {'total': '2', 'online': '1', 'pending': '1'}
    [plot] = user.find(ui.plotly).elements
    plotted = {name for trace in plot.figure['data'] for name in trace['text']}
    assert plotted == {'alice-1', 'alice-2'}


async def test_filters_run_on_the_server(user: User):
    await fleet(user)
    await log_in(user, 'alice@example.com')
    await open_nodes(user)
    user.find('Label (key=value)').type('site=oslo')
    await user.should_see('Page 1 of 1 · 1 nodes', retries=20)
    assert table_names(user) == ['alice-2']


async def test_add_node_creates_an_enrollment_token_and_shows_the_command(user: User):
    _, alice, _ = await fleet(user)
    await log_in(user, 'alice@example.com')
    await open_nodes(user)
    press(user, 'Add node')
    press(user, 'Create enrollment token')
    await user.should_see(marker='agent command', retries=20)
    [code] = user.find(marker='agent command').elements
    assert 'agent.py \\\n  --server' in code.text and '--enrollment-token espe_' in code.text
    assert code.text.endswith('--location-file /etc/espaze/location.json')  # no <PLACEHOLDER> a shell misreads
    tokens = await user.http_client.get('/api/nodes/enrollment-tokens', headers=bearer(alice))
    assert len(tokens.json()) == 1
    [listed] = user.find(marker='enrollment tokens').elements
    [table] = [t for t in listed.descendants() if isinstance(t, ui.table)]
    for _ in range(30):
        if table.rows:
            break
        await asyncio.sleep(0.1)
    assert [(r['uses'], r['state']) for r in table.rows] == [('1 of 1', 'usable')]


async def test_bulk_actions_label_revoke_and_delete_the_selected_nodes(user: User, mongo_url: str):
    _, _, nodes = await fleet(user)
    await log_in(user, 'alice@example.com')
    await open_nodes(user)
    [table] = user.find(marker='nodes').elements
    user.find(marker='nodes').trigger('selection', {'added': True, 'rows': table.rows, 'keys': []})
    await user.should_see('2 selected', retries=20)
    user.find(marker='bulk label').type('zone=eu')
    press(user, 'Add label')
    await user.should_see('Labelled zone=eu on 2 nodes', retries=30)
    for node in nodes:
        assert {'k': 'zone', 'v': 'eu'} in node_doc(mongo_url, node['node']['id'])['labels']
    second = next(row for row in table.rows if row['name'] == 'alice-2')
    user.find(marker='nodes').trigger('selection', {'added': True, 'rows': [second], 'keys': []})
    await user.should_see('1 selected', retries=20)
    press(user, 'Revoke tokens')
    await user.should_see('Revoke the tokens of 1 nodes?', retries=20)
    await confirm(user)
    await user.should_see('Revoked 1 node', retries=30)
    assert node_doc(mongo_url, nodes[1]['node']['id'])['token_id'] is None
    user.find(marker='nodes').trigger('selection', {'added': True, 'rows': [second], 'keys': []})
    press(user, 'Delete')
    await user.should_see('Delete alice-2? Their tokens and history are removed too.', retries=20)
    await confirm(user)
    await user.should_see('Deleted 1 node', retries=30)
    assert node_doc(mongo_url, nodes[1]['node']['id']) is None
    assert node_doc(mongo_url, nodes[0]['node']['id']) is not None


async def test_viewers_get_no_add_button(user: User):
    admin, _, _ = await fleet(user)
    viewer = await signup(user.http_client, 'viewer@example.com')
    await user.http_client.patch(f'/api/users/{viewer["user"]["id"]}', json={'role': 'viewer'}, headers=bearer(admin))
    await log_in(user, 'viewer@example.com')
    await open_nodes(user)
    await user.should_not_see('Add node')
    assert sorted(table_names(user)) == ['alice-1', 'alice-2', 'bob-node']


async def test_node_page_shows_liveness_and_edits_labels(user: User, mongo_url: str):
    _, _, nodes = await fleet(user)
    node_id = nodes[0]['node']['id']
    await log_in(user, 'alice@example.com')
    await user.open(f'/nodes/{node_id}')
    await user.should_see('pending → online', retries=30)
    await user.should_see('02:00:00:00:00:01')
    assert user.find(marker='node status').elements.pop().text == 'online'
    assert user.find(marker='last seen').elements.pop().text.endswith('s ago')
    editor = user.find('Labels (key=value, one per line)')
    editor.clear().type('site=lisbon\nbad key=x')
    press(user, 'Save')
    await user.should_see('bad key', retries=20)
    assert [p['k'] for p in node_doc(mongo_url, node_id)['labels']] == ['site']
    editor.clear().type('site=porto\ntier=edge')
    user.find(marker='node name').clear().type('lisbon-gateway')
    press(user, 'Save')
    await user.should_see('lisbon-gateway saved', retries=20)
    stored = node_doc(mongo_url, node_id)
    assert {p['k']: p['v'] for p in stored['labels']} == {'site': 'porto', 'tier': 'edge'}
    assert stored['name'] == 'lisbon-gateway'
    readings = {e.text for e in user.find(marker='readings').elements.pop().descendants() if hasattr(e, 'text')}
    assert {'CPU', 'Memory', 'Disk', 'Load (1 min)'} <= readings


async def test_someone_elses_node_page_says_not_found(user: User):
    await fleet(user)
    await log_in(user, 'bob@example.com')
    await user.open('/nodes/ffffffffffffffffffffffff')
    await user.should_see('There is no such node, or it is not yours.')


async def test_deleting_a_node_from_its_page(user: User, mongo_url: str):
    _, _, nodes = await fleet(user)
    node_id = nodes[1]['node']['id']
    await log_in(user, 'alice@example.com')
    await user.open(f'/nodes/{node_id}')
    await user.should_see('Status history', retries=30)
    press(user, 'Delete')
    await user.should_see('Its token and history are removed too.', retries=20)
    await confirm(user)
    await user.should_see('Add node', retries=20)
    assert node_doc(mongo_url, node_id) is None


async def test_the_metrics_chart_follows_new_readings_without_a_reload(user: User, monkeypatch):
    monkeypatch.setattr(node_metrics, 'LOOK_SECONDS', 0.3)
    _, _, nodes = await fleet(user)
    silent = nodes[1]
    await log_in(user, 'alice@example.com')
    await user.open(f'/nodes/{silent["node"]["id"]}')
    await user.should_see('No metrics received yet.', retries=30)
    await user.should_not_see(marker='node metrics')
    readings = {'metrics': {'cpuPercent': 12.5, 'memoryPercent': 40, 'diskPercent': 61}}
    assert (await beat(user.http_client, silent['node']['id'], silent['nodeToken'], readings)).status_code == 200
    await (await started()).heartbeats.flush()
    await user.should_see(marker='node metrics', retries=50)  # the page's own timer, no reload
    await user.should_not_see('No metrics received yet.')
    [chart] = user.find(marker='node metrics').elements
    assert [trace['name'] for trace in chart.figure.to_dict()['data']] == ['CPU %', 'Memory %', 'Disk %']
    await asyncio.sleep(1)  # three more looks, nothing new
    assert user.find(marker='node metrics').elements == {chart}  # not drawn again


async def test_a_large_fleet_is_mapped_in_few_markers_that_count_every_node(user: User, mongo_url: str):
    await admin_tokens(user.http_client)
    now = datetime.now(UTC)
    with MongoClient(mongo_url, tz_aware=True) as client:
        db = client.get_default_database()
        nodes, liveness = node_documents(0, 2000, ['someone'], now, random.Random(11))
        db['nodes'].insert_many(nodes)
        db['node_liveness'].insert_many(liveness)
    by_status = Counter(node['status'] for node in nodes)
    services = await started()
    admin = await services.auth.authenticate(ADMIN_EMAIL, PASSWORD)
    for _ in range(50):  # the read model follows the database within a poll or two
        if (await services.nodes.counts(admin)).total == 2000:
            break
        await asyncio.sleep(0.1)
    await log_in(user)
    await user.open('/nodes')
    await user.should_see('Page 1 of 80 · 2000 nodes', retries=50)
    [plot] = user.find(marker='fleet map').elements
    traces = plot.figure['data']
    assert [t['name'] for t in traces] == [f'{s.title()} ({by_status[s]:,})' for s in ('online', 'offline', 'pending')]
    assert sum(len(t['lat']) for t in traces) <= 800
