"""Brute force and floods: counters in MongoDB (shared by replicas, kept across restarts), 429 with Retry-After,
the same answer for known and unknown accounts, and X-Forwarded-For believed only from configured proxies."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from nicegui.testing import User

from models.errors import RateLimited
from repositories.database import open_database
from repositories.rate_counters import RateCounterRepository
from services.fleet.heartbeat_allowance import HeartbeatAllowance
from services.infrastructure.rate_limits import RateLimiter
from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, bearer, started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.fleet_helpers import beat, database, enroll
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token, link, operator


async def _login(user: User, email: str, password: str, forwarded: str | None = None):
    headers = {'X-Forwarded-For': forwarded} if forwarded else {}
    return await user.http_client.post('/api/auth/login', json={'email': email, 'password': password}, headers=headers)


async def test_ten_failures_lock_the_account_for_everyone_with_retry_after(mongo_url: str, user: User):
    await admin_tokens(user.http_client)
    for _ in range(10):
        assert (await _login(user, ADMIN_EMAIL, 'wrong password')).status_code == 401
    locked = await _login(user, ADMIN_EMAIL, PASSWORD)  # even the right password waits
    assert locked.status_code == 429 and 0 < int(locked.headers['retry-after']) <= 15 * 60
    assert locked.json()['error'].startswith('Too many failed log-ins for this account: try again after ')
    for _ in range(10):
        await _login(user, 'nobody@example.com', 'wrong password')
    unknown = await _login(user, 'nobody@example.com', 'wrong password')
    assert unknown.status_code == 429 and unknown.json()['error'] == locked.json()['error']  # no account oracle
    client, db = database(mongo_url)
    counters = list(db['rate_counters'].find())
    client.close()
    assert counters and ADMIN_EMAIL not in str(counters)  # keys are hashed
    fresh_client, fresh_db = open_database(mongo_url, 5)  # what another replica, or Espaze restarted, sees
    limiter = RateLimiter(RateCounterRepository(fresh_db))
    with pytest.raises(RateLimited):
        await limiter.take_all([((await started()).auth._limits['login_account'], ADMIN_EMAIL)])
    await fresh_client.close()


async def _early_in_a_minute(needed_seconds: int = 10) -> None:
    """Windows are calendar minutes: start where a test's requests cannot straddle two."""
    second = datetime.now(UTC).second
    if second > 60 - needed_seconds:
        await asyncio.sleep(61 - second)


@pytest.fixture
def strict_address_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_LOGIN_FAILURES_PER_ADDRESS', '3')
    monkeypatch.setenv('ESPAZE_SIGNUPS_PER_ADDRESS_PER_HOUR', '2')


async def test_failures_from_one_address_lock_it_whatever_names_it_tries(strict_address_limits: None, user: User):
    await admin_tokens(user.http_client)
    for n in range(3):
        assert (
            await _login(user, f'guess{n}@example.com', 'wrong password', forwarded=f'6.6.6.{n}')
        ).status_code == 401
    blocked = await _login(user, ADMIN_EMAIL, PASSWORD, forwarded='7.7.7.7')  # a forged header changes nothing
    assert blocked.status_code == 429
    assert blocked.json()['error'].startswith('Too many failed log-ins from this address')


@pytest.fixture
def behind_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_LOGIN_FAILURES_PER_ADDRESS', '3')
    monkeypatch.setenv('ESPAZE_TRUSTED_PROXIES', '127.0.0.1')


async def test_behind_a_trusted_proxy_each_client_address_counts_apart(behind_a_proxy: None, user: User):
    await admin_tokens(user.http_client)
    for n in range(3):
        assert (
            await _login(user, f'guess{n}@example.com', 'wrong password', forwarded='198.51.100.7')
        ).status_code == 401
    assert (await _login(user, 'x@example.com', 'wrong password', forwarded='198.51.100.7')).status_code == 429
    assert (await _login(user, ADMIN_EMAIL, PASSWORD, forwarded='203.0.113.50')).status_code == 200


async def test_sign_ups_from_one_address_are_limited(strict_address_limits: None, user: User):
    admin = bearer(await admin_tokens(user.http_client))
    for n in range(2):
        response = await user.http_client.post(
            '/api/auth/register', json={'email': f'new{n}@example.com', 'password': PASSWORD}
        )
        assert response.status_code == 201
    refused = await user.http_client.post(
        '/api/auth/register', json={'email': 'new9@example.com', 'password': PASSWORD}
    )
    assert refused.status_code == 429 and 'retry-after' in refused.headers
    emails = {u['email'] for u in (await user.http_client.get('/api/users', headers=admin)).json()['items']}
    assert 'new9@example.com' not in emails and 'new1@example.com' in emails


@pytest.fixture
def few_operations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_DEPLOYMENT_OPERATIONS_PER_MINUTE', '2')
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


async def test_deployment_operations_are_limited_per_user_and_a_refused_one_changes_nothing(
    github: GitHubEmulator, few_operations: None, user: User
):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    await _early_in_a_minute(needed_seconds=40)  # three operations and two rollouts in one window
    for replicas in (2, 3):
        response = await user.http_client.post(
            f'/api/deployments/{deployment_id}/scale', json={'replicas': replicas}, headers=auth
        )
        assert response.status_code == 200, response.text
        await until(user.http_client, auth, deployment_id, {'running'})
    refused = await user.http_client.post(f'/api/deployments/{deployment_id}/scale', json={'replicas': 4}, headers=auth)
    assert refused.status_code == 429 and refused.json()['error'].startswith('Too many deployment operations')
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['configuration']['replicas'] == 3


async def test_many_first_hits_at_once_count_every_one(mongo_url: str, user: User):
    """Concurrent upserts of a new window's counter race; none may be lost or fail (it was a 500 under load)."""
    client, db = open_database(mongo_url, 5)
    counters = RateCounterRepository(db)
    expires = datetime.now(UTC) + timedelta(minutes=1)
    counts = await asyncio.gather(*(counters.add('race|key|1', expires) for _ in range(40)))
    total = await counters.count('race|key|1')
    await client.close()
    assert total == 40 and max(counts) == 40 and all(1 <= n <= 40 for n in counts)


@pytest.fixture
def three_beats_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_HEARTBEAT_LIMIT_PER_MINUTE', '3')
    monkeypatch.setenv('ESPAZE_HEARTBEAT_FLUSH_SECONDS', '10')  # the test flushes itself


async def test_heartbeats_beyond_the_nodes_allowance_get_429_and_are_not_recorded(
    mongo_url: str, three_beats_a_minute: None, user: User
):
    admin = await admin_tokens(user.http_client)
    noisy = await enroll(user.http_client, admin, mac='02:00:00:00:00:01', ip='8.8.8.1', name='noisy')
    quiet = await enroll(user.http_client, admin, mac='02:00:00:00:00:02', ip='8.8.8.2', name='quiet')
    await _early_in_a_minute()
    for _ in range(3):
        assert (await beat(user.http_client, noisy['node']['id'], noisy['nodeToken'])).status_code == 200
    refused = await beat(user.http_client, noisy['node']['id'], noisy['nodeToken'], {'agentVersion': '9.9.9'})
    assert refused.status_code == 429 and 1 <= int(refused.headers['retry-after']) <= 60
    assert refused.json()['error'].startswith('Too many heartbeats from this node (at most 3 a minute)')
    assert (await beat(user.http_client, quiet['node']['id'], quiet['nodeToken'])).status_code == 200
    services = await started()
    await services.heartbeats.flush()
    client, db = database(mongo_url)
    counters = {  # kept as fields of a few shard documents a minute
        node_id: n
        for doc in db['rate_counters'].find({'_id': {'$regex': '^heartbeats'}})
        for node_id, n in doc['c'].items()
    }
    stored = db['nodes'].find_one({'name': noisy['node']['name']})
    client.close()
    assert counters == {noisy['node']['id']: 3, quiet['node']['id']: 1}
    assert stored.get('agent_version') != '9.9.9'  # the refused beat's body was not kept


async def test_a_nodes_allowance_is_shared_by_every_replica(mongo_url: str, three_beats_a_minute: None, user: User):
    admin = await admin_tokens(user.http_client)
    node = await enroll(user.http_client, admin)
    node_id = node['node']['id']
    await _early_in_a_minute()
    for _ in range(2):
        assert (await beat(user.http_client, node_id, node['nodeToken'])).status_code == 200
    await (await started()).heartbeats.flush()
    other_client, other_db = open_database(mongo_url, 5)  # a second replica on the same database
    other = HeartbeatAllowance(RateCounterRepository(other_db), 3, lambda: datetime.now(UTC))
    other.take(node_id)  # it does not know yet: the third beat of the minute
    await other.flush()  # and learns the total: 3
    with pytest.raises(RateLimited):
        other.take(node_id)
    await other_client.close()
    heartbeats = (await started()).heartbeats
    assert (await beat(user.http_client, node_id, node['nodeToken'])).status_code == 200  # a flush late at most
    await heartbeats.flush()  # the first replica learns the total with the next flush of this node's beats
    assert (await beat(user.http_client, node_id, node['nodeToken'])).status_code == 429


@pytest.fixture
def two_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_GITHUB_LOOKUPS_PER_MINUTE', '2')


async def test_github_look_ups_are_limited_per_user_and_a_refused_one_reaches_no_github(
    github: GitHubEmulator, two_lookups: None, user: User
):
    token = classic_token()
    github.add_recorded_account(token)
    auth = await operator(user.http_client)
    await link(user.http_client, auth, token)
    await _early_in_a_minute()
    for query in ('draw', 'hacking'):
        assert (await user.http_client.get(f'/api/github/search?q={query}', headers=auth)).status_code == 200
    cached = await user.http_client.get('/api/github/search?q=draw', headers=auth)
    assert cached.status_code == 200  # answered from the cache: it reaches no GitHub and counts nothing
    before = github.calls(r'^/search/')
    refused = await user.http_client.get('/api/github/search?q=third', headers=auth)
    assert refused.status_code == 429 and refused.json()['error'].startswith('Too many GitHub look-ups')
    assert 'retry-after' in refused.headers and github.calls(r'^/search/') == before


async def test_parallel_wrong_passwords_cannot_overrun_the_account_limit(user: User, mongo_url: str):
    """40 guesses at once against a limit of 10: each is counted before its (slow) bcrypt check, so at most 10 are
    checked, and even the right password then waits."""
    await _early_in_a_minute(30)
    await admin_tokens(user.http_client)
    answers = await asyncio.gather(*(_login(user, ADMIN_EMAIL, f'wrong password {n}') for n in range(40)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(401) == 10 and statuses.count(429) == 30, statuses
    client, db = database(mongo_url)
    failures = db['audit'].count_documents({'action': 'login.failed'})
    client.close()
    assert failures == 10  # only ten reached the password check
    assert (await _login(user, ADMIN_EMAIL, PASSWORD)).status_code == 429


async def test_a_successful_log_in_does_not_use_up_the_failure_allowance(user: User):
    await _early_in_a_minute(30)
    await admin_tokens(user.http_client)
    for _ in range(12):
        assert (await _login(user, ADMIN_EMAIL, PASSWORD)).status_code == 200
    for _ in range(10):
        assert (await _login(user, ADMIN_EMAIL, 'wrong password')).status_code == 401
    assert (await _login(user, ADMIN_EMAIL, 'wrong password')).status_code == 429
