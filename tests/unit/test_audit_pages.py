"""The audit log's pages, found through the hour and day counts kept on write, are exactly what skipping over every
entry would give, for every filter and page; a page reads only the hours that hold it; entries written before the
counts existed are counted once at startup."""

import random
from datetime import UTC, datetime, timedelta

from models.audit import AuditEntry
from repositories.audit import AuditRepository
from repositories.database import open_database
from tests.support.command_log import CommandLog

NOW = datetime.now(UTC).replace(microsecond=0)
ACTIONS = ['login', 'login.failed', 'deployment.scale', 'node.update']
ACTORS = ['ann@example.com', 'bo.b@example.com', None]


FINDS = CommandLog('find', 'audit')


def _entries(count: int, rng: random.Random) -> list[AuditEntry]:
    """Over three days, bunched: some hours hold many, most hold none, some share the same instant."""
    moments = [
        NOW - timedelta(minutes=rng.choice([1, 2, 90, 600, 601, 1500, 3000, 4000]) + rng.random()) for _ in range(count)
    ]
    return [
        AuditEntry(
            '',
            at.replace(microsecond=at.microsecond // 1000 * 1000),
            None,
            rng.choice(ACTORS),
            rng.choice(ACTIONS),
            None,
            {},
        )
        for at in moments
    ]


def _expected(docs: list[dict], action: str | None, actor: str | None) -> list[str]:
    chosen = [d for d in docs if (not action or d['action'] == action) and (not actor or d['actor_email'] == actor)]
    return [str(d['_id']) for d in sorted(chosen, key=lambda d: (d['at'], d['_id']), reverse=True)]


async def _check_every_page(repository: AuditRepository, docs: list[dict]) -> None:
    for action in (None, 'login', 'deployment.scale'):
        for actor in (None, 'bo.b@example.com'):
            want = _expected(docs, action, actor)
            for size in (7, 50):
                for page in range(1, len(want) // size + 3):
                    found = await repository.page(action, actor, page, size)
                    assert found.total == len(want)
                    assert [e.id for e in found.items] == want[(page - 1) * size : page * size], (action, actor, page)


async def test_every_page_of_every_filter_is_exact_and_reads_only_its_hours(mongo_url: str):
    client, db = open_database(mongo_url, 10)
    repository = AuditRepository(db, timedelta(days=365))
    await repository.ensure_indexes()
    try:
        for entry in _entries(400, random.Random(3)):
            await repository.add(entry)
        docs = await db['audit'].find().to_list()
        await _check_every_page(repository, docs)
        FINDS.clear()
        await repository.page(None, None, 3, 20)  # the 41st to 60th newest: all within the last few minutes
        [query] = [dict(command.get('filter') or {}) for command in FINDS.commands]
        assert query['at']['$lt'] - query['at']['$gte'] <= timedelta(hours=2)
    finally:
        await client.close()


async def test_entries_written_before_the_counts_are_counted_once_at_startup(mongo_url: str):
    client, db = open_database(mongo_url, 10)
    try:
        rng = random.Random(5)
        await db['audit'].insert_many(
            [
                {
                    'at': e.at,
                    'actor_id': None,
                    'actor_email': e.actor_email,
                    'action': e.action,
                    'target': None,
                    'details': {},
                }
                for e in _entries(120, rng)
            ]
        )
        repository = AuditRepository(db, timedelta(days=365))
        await repository.ensure_indexes()
        await repository.ensure_indexes()  # a second start counts nothing again
        docs = await db['audit'].find().to_list()
        await _check_every_page(repository, docs)
    finally:
        await client.close()


async def test_a_page_reads_its_own_hours_even_where_it_crosses_into_another_day(mongo_url: str):
    client, db = open_database(mongo_url, 10)
    repository = AuditRepository(db, timedelta(days=365))
    await repository.ensure_indexes()
    try:
        for minutes in range(0, 3 * 24 * 60, 5):  # twelve an hour, 288 a day, for three days
            await repository.add(AuditEntry('', NOW - timedelta(minutes=minutes), None, None, 'login', None, {}))
        docs = await db['audit'].find().to_list()
        for page in range(1, len(docs) // 10 + 1):
            FINDS.clear()
            assert len((await repository.page(None, None, page, 10)).items) == 10
            [query] = [dict(command.get('filter') or {}) for command in FINDS.commands]
            touched = [d for d in docs if query['at']['$gte'] <= d['at'] < query['at']['$lt']]
            assert len(touched) <= 10 + 2 * 12, (page, len(touched))  # the page and at most two partial hours
    finally:
        await client.close()
