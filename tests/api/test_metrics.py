"""The Observatory's API over the sandbox cluster: totals equal to what the cluster reports, pods as far as one may
see them, and history from raw samples or rollups, kept by TTL."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from kubernetes.utils import parse_quantity
from nicegui.testing import User

from tests.conftest import SandboxCluster
from tests.support.api_helpers import admin_tokens, bearer, signup, started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import beat, database, enroll
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def jobs_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_METRICS_INTERVAL_SECONDS', '300')
    monkeypatch.setenv('ESPAZE_METRICS_SCOPES_SECONDS', '3600')


def _sandbox_reports(sandbox: SandboxCluster) -> dict:
    """What the sandbox itself says: node capacity and allocatable, node usage, pods by phase."""
    nodes = httpx.get(f'{sandbox.url}/api/v1/nodes', timeout=10).json()['items']
    usage = httpx.get(f'{sandbox.url}/apis/metrics.k8s.io/v1beta1/nodes', timeout=10).json()['items']
    pods = httpx.get(f'{sandbox.url}/api/v1/pods', timeout=10).json()['items']
    phases: dict[str, int] = {}
    for pod in pods:
        phase = (pod.get('status') or {}).get('phase', 'Pending')
        phases[phase] = phases.get(phase, 0) + 1
    return {
        'cpu_capacity': sum(parse_quantity(n['status']['capacity']['cpu']) for n in nodes),
        'cpu_allocatable': sum(parse_quantity(n['status']['allocatable']['cpu']) for n in nodes),
        'memory_allocatable': sum(parse_quantity(n['status']['allocatable']['memory']) for n in nodes),
        'cpu_used': sum(parse_quantity(u['usage']['cpu']) for u in usage),
        'memory_used': sum(parse_quantity(u['usage']['memory']) for u in usage),
        'phases': phases,
        'nodes': len(nodes),
    }


async def test_cluster_totals_are_the_sums_of_what_the_sandbox_reports(
    github: GitHubEmulator, sandbox_cluster: SandboxCluster, user: User
):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=2))
    await until(user.http_client, auth, deployment_id, {'running'})
    metrics = (await started()).metrics
    for _ in range(20):  # the sandbox's usage moves every half second: take a look between two of its ticks
        before = _sandbox_reports(sandbox_cluster)
        await metrics.snapshot(fresh=True)
        if _sandbox_reports(sandbox_cluster) == before:
            break
    else:
        pytest.fail('the sandbox never held still for one look')
    found = (await user.http_client.get('/api/metrics/cluster', headers=auth)).json()
    assert found['reachable'] and found['metricsAvailable']
    assert found['cpu']['capacity'] == pytest.approx(float(before['cpu_capacity']))
    assert found['cpu']['allocatable'] == pytest.approx(float(before['cpu_allocatable']))
    assert found['memory']['allocatable'] == before['memory_allocatable']
    assert found['cpu']['used'] == pytest.approx(float(before['cpu_used']))
    assert found['memory']['used'] == before['memory_used']
    assert found['pods'] == before['phases'] and found['nodes'] == {'ready': 3, 'total': 3}


async def test_pods_show_their_deployment_use_and_requests_to_those_who_may_see_them(
    github: GitHubEmulator, user: User
):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=2))
    await until(user.http_client, auth, deployment_id, {'running'})
    mine = (await user.http_client.get('/api/metrics/pods', headers=auth)).json()
    assert len(mine) == 2 and {p['deploymentId'] for p in mine} == {deployment_id}
    assert all(
        p['deploymentName'] == 'web' and p['cpuRequest'] == 0.1 and p['memoryLimit'] == 512 * 2**20 for p in mine
    )
    assert all(p['cpuUsed'] is not None and p['memoryUsed'] > 0 for p in mine)
    stranger = bearer(await signup(user.http_client, 'stranger@example.com'))
    theirs = (await user.http_client.get('/api/metrics/pods', headers=stranger)).json()
    assert deployment_id not in {p['deploymentId'] for p in theirs}
    admin = bearer(await admin_tokens(user.http_client))
    everything = (await user.http_client.get('/api/metrics/pods', headers=admin)).json()
    assert {p['name'] for p in mine} <= {p['name'] for p in everything}


async def test_a_collection_stores_every_scope_and_history_reads_it_back(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    found = await until(user.http_client, auth, deployment_id, {'running'})
    admin = await admin_tokens(user.http_client)
    node = await enroll(user.http_client, admin)
    await beat(
        user.http_client, node['node']['id'], node['nodeToken'], {'metrics': {'cpuPercent': 40, 'memoryPercent': 60}}
    )
    services = await started()
    await services.heartbeats.flush()
    params = {'metric': 'cpu_used,cpu_request,pods_ready', 'scope': f'deployment:{deployment_id}'}
    for _ in range(3):  # every tick: the cluster and the fleet only, the pods as the informer follows them
        assert await services.metrics.collect() == 2
    assert services.cluster.reads.informer.lists == 1
    history = await user.http_client.get('/api/metrics/history', params=params, headers=auth)
    assert history.json()['resolution'] == 'minute' and history.json()['times'] == []
    assert await services.metrics.collect_scopes() >= 3  # once a minute: its namespace, its deployment, nodes
    history = await user.http_client.get('/api/metrics/history', params=params, headers=auth)
    assert history.status_code == 200, history.text
    series = history.json()
    assert series['resolution'] == 'minute' and len(series['times']) == 1
    assert series['series']['cpu_request'] == [0.1] and series['series']['pods_ready'] == [1.0]
    fleet = await user.http_client.get(
        '/api/metrics/history', params={'metric': 'online,cpu_percent', 'scope': 'fleet'}, headers=bearer(admin)
    )
    fleet_series = fleet.json()['series']  # one point a minute: three ticks may straddle a minute's edge
    assert {name: set(values) for name, values in fleet_series.items()} == {'online': {1.0}, 'cpu_percent': {40.0}}
    assert 1 <= len(fleet_series['online']) <= 2
    namespace = await user.http_client.get(
        '/api/metrics/history', params={'metric': 'pods', 'scope': f'namespace:{found["namespace"]}'}, headers=auth
    )
    assert namespace.json()['series'] == {'pods': [1.0]}


async def test_history_picks_raw_samples_or_rollups_by_range_and_averages_them(mongo_url: str, user: User):
    services = await started()
    repository = services.metrics._repository
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for at, value in (
        (now - timedelta(days=3, minutes=1), 2.0),
        (now - timedelta(days=3, minutes=1) + timedelta(seconds=20), 4.0),
        (now - timedelta(minutes=10), 1.0),
        (now - timedelta(minutes=10) + timedelta(seconds=30), 5.0),
    ):
        await repository.record(at, {'cluster': {'cpu_used': value}})
    admin = bearer(await admin_tokens(user.http_client))

    async def read(since: timedelta) -> dict:
        params = {'metric': 'cpu_used', 'from': (now - since).isoformat(), 'to': now.isoformat()}
        response = await user.http_client.get('/api/metrics/history', params=params, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()

    recent = await read(timedelta(minutes=15))
    assert recent['resolution'] == 'raw' and recent['series']['cpu_used'] == [1.0, 5.0]
    day = await read(timedelta(hours=24))
    assert day['resolution'] == 'minute' and day['series']['cpu_used'] == [3.0]  # 1 and 5 in one minute
    week = await read(timedelta(days=7))
    assert week['resolution'] == 'hour' and week['series']['cpu_used'] == [3.0, 3.0]

    client, db = database(mongo_url)
    for collection, retention in (
        ('metrics_raw', timedelta(hours=25)),
        ('metrics_minute', timedelta(days=7, hours=6)),
        ('metrics_hour', timedelta(days=97)),
    ):
        indexes = {i['name']: i for i in db[collection].list_indexes()}
        assert indexes['expires'].get('expireAfterSeconds') == 0 and 'scope_start' in indexes
        doc = db[collection].find_one({'scope': 'cluster'}, sort=[('start', -1)])
        assert doc['expires'] - doc['start'] == retention
    client.close()


@pytest.mark.parametrize(
    ('params', 'field'),
    [
        ({'metric': 'rm -rf'}, 'metric'),
        ({'metric': ''}, 'metric'),
        ({'metric': 'cpu_used', 'from': '2026-01-02T00:00:00Z', 'to': '2026-01-01T00:00:00Z'}, 'from'),
        ({'metric': 'cpu_used', 'from': '2020-01-01T00:00:00Z', 'to': '2026-01-01T00:00:00Z'}, 'from'),
        ({'metric': 'cpu_used', 'from': '2026-01-01T00:00:00'}, 'from'),
        ({'metric': 'cpu_used', 'from': 'yesterday'}, 'from'),
    ],
)
async def test_a_bad_history_question_is_a_422_naming_the_field(params: dict, field: str, user: User):
    admin = bearer(await admin_tokens(user.http_client))
    response = await user.http_client.get('/api/metrics/history', params=params, headers=admin)
    assert response.status_code == 422, response.text
    assert field in str(response.json()['fields'])


async def test_history_of_what_is_not_yours_is_a_404(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    stranger = bearer(await signup(user.http_client, 'stranger@example.com'))
    for scope in (f'deployment:{deployment_id}', 'fleet', 'node:sandbox-node-1', 'namespace:kube-system', 'users'):
        response = await user.http_client.get(
            '/api/metrics/history', params={'metric': 'cpu_used', 'scope': scope}, headers=stranger
        )
        assert response.status_code == 404, (scope, response.text)
    response = await user.http_client.get('/api/metrics/history', params={'metric': 'cpu_used'})
    assert response.status_code == 401


async def test_the_fleet_figures_sum_the_flushes_tallies_not_every_node(user: User, mongo_url: str):
    admin = await admin_tokens(user.http_client)
    nodes = [await enroll(user.http_client, admin, mac=f'02:00:00:00:01:0{n}', name=f'edge-{n}') for n in range(3)]
    services = await started()
    for n, node in enumerate(nodes):  # two beats from the first node: both are counted, its newest is reported
        for cpu in [50, 10] if n == 0 else [10 + 10 * n]:
            readings = {'metrics': {'cpuPercent': cpu, 'memoryPercent': 40 + n}}
            assert (await beat(user.http_client, node['node']['id'], node['nodeToken'], readings)).status_code == 200
    await services.heartbeats.flush()
    fleet = (await services.metrics.snapshot(fresh=True)).fleet
    window = 300  # the collector's window: the metrics interval this module sets
    assert fleet.heartbeats_per_second == pytest.approx(round(4 / window, 3))
    assert fleet.cpu_percent == pytest.approx(20) and fleet.memory_percent == pytest.approx(41)
    assert (fleet.online, fleet.offline, fleet.pending) == (3, 0, 0)
    client, db = database(mongo_url)
    with client:
        [tally] = list(db['heartbeat_tallies'].find())
    assert tally['beats'] == 4 and tally['cpu_n'] == 3


async def test_scopes_are_inserted_once_a_minute_and_averaged_by_the_hour(mongo_url: str, user: User):
    services = await started()
    scopes = services.metrics._scopes
    minute = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    assert await scopes.record('minute', minute, {'deployment:a': {'cpu_used': 0.5, 'memory_used': None}}) == 1
    again = await scopes.record('minute', minute, {'deployment:a': {'cpu_used': 9.0}, 'deployment:b': {'pods': 2}})
    assert again == 1  # the point already there is kept: a second collector writes nothing twice
    times, values = await scopes.read('minute', 'deployment:a', minute, minute, ('cpu_used', 'memory_used'))
    assert times == [minute] and values == {'cpu_used': [0.5], 'memory_used': [None]}
    hours = services.metrics._hours
    first = minute.replace(minute=0)
    assert hours.add(first, {'deployment:a': {'cpu_used': 1.0}}) is None
    assert hours.add(first + timedelta(minutes=30), {'deployment:a': {'cpu_used': 3.0}}) is None
    hour, averages, minutes = hours.add(first + timedelta(hours=1), {'deployment:a': {'cpu_used': 7.0}})
    assert (hour, averages, minutes) == (first, {'deployment:a': {'cpu_used': 2.0}}, {'deployment:a': 2})
