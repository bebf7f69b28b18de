"""Cost follows the page, not the collection: what a list or a count reads from the database, counted with
pymongo's command monitoring while the fleet is many times larger than a page."""

import asyncio
import contextvars
import random
from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing import User
from pymongo import MongoClient, monitoring

from bench.scale.seed import deployment_documents, node_documents
from tests.support.api_helpers import admin_tokens, bearer, signup, started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import beat, enroll, set_sweep_checkpoint
from tests.support.github_emulator import GitHubEmulator

FLEET = 1200


@pytest.fixture(autouse=True)
def rare_flushes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_HEARTBEAT_FLUSH_SECONDS', '10')
    monkeypatch.setenv('ESPAZE_NOTIFICATION_INTERVAL_SECONDS', '300')
    monkeypatch.setenv('ESPAZE_ALLOW_PRIVATE_WEBHOOKS', 'true')


PAGE = 20


RECORDING = contextvars.ContextVar('recording', default=False)  # only what the test's own task sends


class Reads(monitoring.CommandListener):
    """The commands sent, the documents they returned and the write statements by collection, of the test's task."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, str, dict]] = []
        self.returned = 0  # documents of the listed collections
        self._fleet_requests: set[int] = set()
        self.statements: dict[str, int] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if RECORDING.get() and event.command_name not in (
            'ping',
            'hello',
            'isMaster',
            'endSessions',
        ):
            collection = str(event.command.get(event.command_name, ''))
            self.commands.append((event.command_name, collection, dict(event.command.get('filter') or {})))
            if collection.startswith('node') or collection == 'deployments' or event.command_name == 'getMore':
                self._fleet_requests.add(event.request_id)
            written = event.command.get({'update': 'updates', 'insert': 'documents'}.get(event.command_name, ''))
            if written is not None:
                self.statements[collection] = self.statements.get(collection, 0) + len(written)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if RECORDING.get() and event.request_id in self._fleet_requests:
            cursor = event.reply.get('cursor') or {}
            self.returned += len(cursor.get('firstBatch') or cursor.get('nextBatch') or [])

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


READS = Reads()
monitoring.register(READS)  # every client made from now on, the app's included, reports to it


async def _large_fleet(user: User, mongo_url: str) -> tuple[dict, dict]:
    """An admin, and an operator who owns a fleet of FLEET nodes written as the repositories write them."""
    admin = await admin_tokens(user.http_client)
    alice = await signup(user.http_client, 'alice@example.com')
    with MongoClient(mongo_url, tz_aware=True) as client:
        db = client.get_default_database()
        nodes, liveness = node_documents(0, FLEET, [alice['user']['id']], datetime.now(UTC), random.Random(7))
        db['nodes'].insert_many(nodes)
        db['node_liveness'].insert_many(liveness)
    for _ in range(100):  # the read model follows the database within a poll or two
        summary = (await user.http_client.get('/api/nodes/summary', headers=bearer(admin))).json()
        if summary['total'] == FLEET:
            return admin, alice
        await asyncio.sleep(0.1)
    raise AssertionError(f'the read model never saw the fleet: {summary}')


async def _reads_of(user: User, path: str, tokens: dict) -> tuple[list, int, dict]:
    READS.commands, READS.returned = [], 0
    RECORDING.set(True)  # not the app's jobs, which run in tasks of their own
    try:
        answer = await user.http_client.get(path, headers=bearer(tokens))
    finally:
        RECORDING.set(False)
    assert answer.status_code == 200, answer.text
    return READS.commands, READS.returned, answer.json()


async def test_a_page_of_nodes_reads_that_page_and_no_more(user: User, mongo_url: str):
    admin, alice = await _large_fleet(user, mongo_url)
    for path, tokens in [
        (f'/api/nodes?pageSize={PAGE}', admin),
        (f'/api/nodes?pageSize={PAGE}&page=40', admin),  # deep: no skip over the first 780
        (f'/api/nodes?pageSize={PAGE}&status=offline&sort=name&order=asc', admin),
        (f'/api/nodes?pageSize={PAGE}&label=site%3Doslo', alice),
        (f'/api/nodes?pageSize={PAGE}&q=edge-00', alice),
    ]:
        commands, returned, body = await _reads_of(user, path, tokens)
        assert len(body['items']) == PAGE and body['total'] > PAGE, path
        reads = [(name, collection) for name, collection, _ in commands if collection.startswith('node')]
        assert sorted(reads) == [('find', 'node_liveness'), ('find', 'node_metrics'), ('find', 'nodes')], path
        for _, collection, query in commands:
            if collection in ('nodes', 'node_liveness'):
                assert set(query) == {'_id'}, commands  # the page's own, by id
            elif collection == 'node_metrics':  # the page's latest minute points
                assert set(query) == {'node_id', 'minute'} and len(query['node_id']['$in']) <= PAGE, commands
        assert returned <= 2 * PAGE, (path, returned)  # the page's nodes and their liveness, nothing else


async def test_the_counts_read_nothing_from_the_database(user: User, mongo_url: str):
    admin, alice = await _large_fleet(user, mongo_url)
    commands, returned, body = await _reads_of(user, '/api/nodes/summary', admin)
    assert body['total'] == FLEET and body['online'] + body['offline'] + body['pending'] == FLEET
    assert [c for c in commands if c[1].startswith('node')] == [] and returned == 0
    commands, _, mine = await _reads_of(user, '/api/nodes/summary', alice)
    assert mine == body and [c for c in commands if c[1].startswith('node')] == []


async def test_a_page_of_deployments_and_their_counts_read_that_page_and_no_more(user: User, mongo_url: str):
    admin = await admin_tokens(user.http_client)
    alice = await signup(user.http_client, 'alice@example.com')
    now = datetime.now(UTC)
    with MongoClient(mongo_url, tz_aware=True) as client:
        db = client.get_default_database()
        records, releases = deployment_documents(0, 400, [alice['user']['id']], now, random.Random(7))
        for record in records:
            record['updated_at'] = now  # written now, as far as the read models are concerned
        db['deployments'].insert_many(records)
        db['releases'].insert_many(releases)
    for _ in range(100):
        listed = (await user.http_client.get('/api/deployments?pageSize=10', headers=bearer(admin))).json()
        if listed['total'] == 400:
            break
        await asyncio.sleep(0.1)
    assert listed['total'] == 400
    for path, tokens in [
        ('/api/deployments?pageSize=10&page=30', admin),
        ('/api/deployments?pageSize=10&status=running', alice),
        ('/api/deployments?pageSize=10&q=app-001', alice),
    ]:
        commands, returned, body = await _reads_of(user, path, tokens)
        assert len(body['items']) == 10 and returned == 10, (path, returned)
        reads = [(name, collection, query) for name, collection, query in commands if collection == 'deployments']
        assert len(reads) == 1 and reads[0][0] == 'find' and set(reads[0][2]) == {'_id'}, (path, commands)


async def _flush_statements(user: User, nodes: list[dict]) -> dict[str, int]:
    """The write statements of one flush of one beat from each of these nodes (the app's own flush job, every
    10 s here, may take the beats first: then again)."""
    for _ in range(3):
        for node in nodes:
            answer = await beat(user.http_client, node['node']['id'], node['nodeToken'], {'metrics': {'cpuPercent': 5}})
            assert answer.status_code == 200
        READS.statements = {}
        RECORDING.set(True)
        try:
            flushed = await (await started()).heartbeats.flush()
        finally:
            RECORDING.set(False)
        if flushed == len(nodes):
            return READS.statements
    raise AssertionError('the flush job took the beats three times in a row')


async def test_a_flush_writes_one_log_document_for_40_nodes_as_for_4_and_no_node_document(user: User):
    admin = await admin_tokens(user.http_client)
    nodes = [await enroll(user.http_client, admin, mac=f'02:00:00:00:02:{n:02x}') for n in range(40)]
    await _flush_statements(user, nodes)  # the first beats: nodes come online, addresses are stored
    few, many = await _flush_statements(user, nodes[:4]), await _flush_statements(user, nodes)
    liveness = ('node_liveness', 'nodes', 'heartbeat_tallies', 'beat_log')
    assert {name: few.get(name, 0) for name in liveness} == {name: many.get(name, 0) for name in liveness}
    assert many.get('beat_log') == 1  # every node seen in one document
    assert many.get('node_liveness', 0) == 0 and many.get('nodes', 0) == 0  # nodes already online: no write of theirs
    assert few['rate_counters'] <= many['rate_counters'] <= 32  # the allowance: one per shard, 32 at most


async def test_the_metrics_ticks_write_points_and_never_list_pods_or_rewrite_a_scope(
    github: GitHubEmulator, user: User
):
    """Per tick: the cluster's and fleet's buckets; per minute: one new small document a namespace, node and
    deployment (a bucket updated in place costs by its size on the embedded database); pods from the informer."""
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    services = await started()
    written = {}
    for job in (services.metrics.collect, services.metrics.collect_scopes, services.metrics.collect):
        READS.commands = []
        RECORDING.set(True)
        try:
            await job()
        finally:
            RECORDING.set(False)
        written[job.__name__] = sorted({(n, c) for n, c, _ in READS.commands if c.startswith('metrics')})
    assert written['collect_scopes'] == [('insert', 'metrics_scope_minute')]
    assert written['collect'] == [('update', f'metrics_{r}') for r in ('hour', 'minute', 'raw')]
    assert services.cluster.reads.informer.lists == 1


async def test_a_notification_tick_reads_only_what_crossed_its_window(user: User, mongo_url: str):
    """The first look tells every node offline long enough, in one message; the next reads none of them again."""
    admin, _alice = await _large_fleet(user, mongo_url)
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with MongoClient(mongo_url, tz_aware=True) as client:
        db = client.get_default_database()
        db['node_liveness'].update_many({}, {'$set': {'online': False, 'last_seen_at': an_hour_ago}})
        db['nodes'].update_many({}, {'$set': {'updated_at': an_hour_ago}})  # written long before this look
    hook = {'url': 'http://127.0.0.1:9/hook', 'events': ['node.offline', 'node.online'], 'offlineAfterSeconds': 600}
    assert (await user.http_client.post('/api/webhooks', json=hook, headers=bearer(admin))).status_code == 201
    notifications = (await started()).notifications
    returned = []
    for _ in range(2):
        READS.commands, READS.returned = [], 0
        RECORDING.set(True)
        try:
            assert await notifications.tick() == 1 - len(returned)  # one grouped message, then nothing new
        finally:
            RECORDING.set(False)
        returned.append(READS.returned)
    assert returned[0] >= FLEET and returned[1] == 0


async def test_a_sweep_reads_only_the_beats_written_since_its_last_look(user: User, mongo_url: str):
    """A replica's first sweep reads the online fleet once; every later one reads the flushes written since (here,
    another replica's, naming half the fleet) and no node's document, and looks at no node whose last beat did not
    cross the cutoff, whatever the fleet's size."""
    await _large_fleet(user, mongo_url)
    fleet = (await started()).fleet
    now = datetime.now(UTC)
    set_sweep_checkpoint(mongo_url, last_run_at=now, grace_until=now - timedelta(seconds=1))
    with MongoClient(mongo_url, tz_aware=True) as client:
        db = client.get_default_database()
        online = [str(doc['_id']) for doc in db['node_liveness'].find({'online': True}, {'_id': 1})]
    commands, looked_up = [], []
    tail = fleet.liveness.tail
    latest = tail.latest
    tail.latest = lambda node_id: looked_up.append(node_id) or latest(node_id)
    for look in range(3):
        if look == 1:
            looked_up.clear()
        if look == 2:
            beats = [(node_id, datetime.now(UTC)) for node_id in online[::2]]
            await fleet.liveness.log.append(beats)  # as another replica writes it
        READS.commands = []
        RECORDING.set(True)
        try:
            assert await fleet.mark_silent_nodes_offline() == 0  # they beat within the last 25 s
        finally:
            RECORDING.set(False)
        commands.append([(name, collection) for name, collection, _ in READS.commands if collection != 'leases'])
    assert ('find', 'node_liveness') in commands[0] and len(online) > FLEET / 3
    for later in commands[1:]:
        assert later == [('findAndModify', 'instance'), ('find', 'beat_log')], later
    assert looked_up == []  # nor walks the online fleet in memory: none of it crossed the cutoff
    assert latest(online[0]) is not None and latest(online[1]) is None
