"""Deployments made before hosts were claimed get their hosts at startup, oldest first, a batch of inserts at a time:
an upgrade of a large instance is a few writes, not one per deployment (20,000 single inserts kept the embedded
database's record of retryable writes full, and every later write slow, for half an hour)."""

from repositories.database import open_database
from repositories.hosts import CLAIMED_TOGETHER, HostRepository
from tests.support.command_log import CommandLog

INSERTS = CommandLog('insert', 'hosts')


async def test_claims_are_written_in_batches_and_the_first_claimant_keeps_a_shared_host(mongo_url: str):
    client, db = open_database(mongo_url, 10)
    hosts = HostRepository(db)
    try:
        assert await hosts.claim('held.example.com', 'someone', 'held') is True
        assert await hosts.claim('mine.example.com', 'owner-1', 'mine') is True
        claims = [(f'app-{n}.example.com', f'owner-{n % 7}', f'app-{n}') for n in range(2 * CLAIMED_TOGETHER + 500)]
        claims.insert(10, ('held.example.com', 'owner-2', 'held'))  # someone else's already
        claims.insert(20, ('mine.example.com', 'owner-1', 'mine'))  # this deployment's own already
        claims.append(('app-3.example.com', 'owner-5', 'app-3'))  # a later deployment of the same name
        INSERTS.clear()

        lost = await hosts.claim_all(claims)

        assert INSERTS.count == 3
        assert lost == ['held.example.com', 'app-3.example.com']
        assert (await db['hosts'].find_one({'_id': 'app-3.example.com'}))['owner_id'] == 'owner-3'
        assert (await db['hosts'].find_one({'_id': 'held.example.com'}))['owner_id'] == 'someone'
        assert await db['hosts'].count_documents({}) == 2 * CLAIMED_TOGETHER + 500 + 2
        assert await hosts.claim('app-2600.example.com', 'x', 'y') is True  # nothing half-claimed
    finally:
        await client.close()
